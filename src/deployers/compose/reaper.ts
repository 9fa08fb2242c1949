/**
 * The coordinator's side of the reaper: containers do not see the coordinator's pid, so the nodes' own
 * parent watchdog cannot work there. Instead a detached reaper process holds a pipe from us; the kernel
 * closes it when we die, however we die, and the reaper then removes the run's containers and network.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LoadnetError } from '../../errors.js';

export interface Reaper {
  readonly pid: number;
  /** Teardown removed everything: the reaper exits without work. */
  done(): void;
  /** Preserve mode: the reaper exits and leaves the stack in place. */
  keep(): void;
}

function reaperEntry(): { script: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  // From source (tests, tsx) the entry is TypeScript and needs tsx's loader; from dist/ it is plain JS.
  if (self.endsWith('.ts')) return { script: self.replace(/reaper\.ts$/, 'reaper-main.ts'), execArgv: ['--import', 'tsx'] };
  return { script: self.replace(/reaper\.js$/, 'reaper-main.js'), execArgv: [] };
}

/**
 * Where the reaper removes a run: the default engine (compose), or a swarm: its manager's socket (default
 * engine when absent) and the other engines' sockets whose containers and volumes it also removes.
 */
export interface ReaperTarget {
  swarm?: { manager?: string; engines: string[] };
}

/** Starts the reaper for `runId` (files under `runDir` it removes too) and waits until it listens; `logFile` receives its messages. */
export async function startReaper(runId: string, runDir: string, logFile: string, target: ReaperTarget = {}): Promise<Reaper> {
  const { script, execArgv } = reaperEntry();
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // Detached: its own session, so a Ctrl-C or a kill of our process group does not reach it.
    const swarmArgs = target.swarm ? ['--swarm', ...(target.swarm.manager ? ['--manager', target.swarm.manager] : []), ...target.swarm.engines.flatMap((e) => ['--engine', e])] : [];
    child = spawn(process.execPath, [...execArgv, script, runId, runDir, ...swarmArgs], { detached: true, stdio: ['pipe', 'pipe', logFd], env: process.env });
  } finally {
    closeSync(logFd);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`it did not report ready within 15 s (see ${logFile})`), 15_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new LoadnetError('LN_ERR_DOCKER', `cannot start the reaper process: ${why}`));
    };
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code) => fail(`it exited with code ${code} (see ${logFile})`));
    child.stdout!.once('data', () => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      resolve();
    });
  });
  child.stdout!.destroy();
  // Neither the reaper nor its pipe keeps our event loop alive; the pipe closes when we exit.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.stdin!.on('error', () => undefined);
  const send = (line: string) => {
    if (!child.stdin!.destroyed) child.stdin!.end(`${line}\n`);
  };
  return { pid: child.pid!, done: () => send('done'), keep: () => send('keep') };
}
