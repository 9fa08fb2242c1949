/**
 * Running a command inside another process's network namespace from the host (`nsenter -t <pid> -n`), as the
 * kernel-level appliers do for containers and namespaced node processes. Needs root (CAP_SYS_ADMIN).
 */
import { execFile } from 'node:child_process';
import { LoadnetError } from '../../errors.js';

export interface NetnsResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** `nsenter -t pid -n <args>`, stdin from `input`; never throws (a tool's refusal is data: `ok`, `stderr`). */
export function inNetns(pid: number, args: string[], input?: string): Promise<NetnsResult> {
  return new Promise((resolve) => {
    const child = execFile('nsenter', ['-t', String(pid), '-n', ...args], { timeout: 10_000 }, (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr: stderr.trim() || (err?.message ?? '') }));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** As inNetns, but a failure is an error naming the command and what it printed; resolves with stdout. */
export async function runInNetns(pid: number, args: string[], input?: string): Promise<string> {
  const r = await inNetns(pid, args, input);
  if (!r.ok) throw new LoadnetError('LN_ERR_NODE_CONTROL', `nsenter -t ${pid} -n ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
