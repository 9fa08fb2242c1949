/** Reading a run directory in tests: events.jsonl lines, node pids, and a polling wait. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, expect } from 'vitest';
import { join } from 'node:path';

export interface EventLine {
  t: number;
  wall: string;
  kind: string;
  [key: string]: any;
}

/** Every line of events.jsonl, each parsed (a line that is not JSON fails the test). */
export async function readEvents(runDir: string): Promise<EventLine[]> {
  const text = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as EventLine);
}

/** Pids of every node process the run spawned (from node.spawn events, flushed or not yet). */
export function pidsOf(runDir: string): number[] {
  const text = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.includes('"node.spawn"'))
    .map((l) => (JSON.parse(l) as { pid: number }).pid);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string, pollMs = 100): Promise<void> {
  const started = Date.now();
  let lastError: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      if (await cond()) return;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/**
 * Register an afterEach that copies `dir` (a test's runs directory, deleted in afterAll) to
 * test-artifacts/<label>-<time>/ when a test failed, so the node logs of a failure survive the cleanup.
 */
export function keepRunsOnFailure(afterEachHook: (fn: (ctx: { task: { name: string; result?: { state?: string } } }) => void) => void, dir: string, label: string): void {
  afterEachHook((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    const target = join('test-artifacts', `${label}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    try {
      mkdirSync('test-artifacts', { recursive: true });
      cpSync(dir, target, { recursive: true });
      console.error(`[${label}] kept the run directories of the failed test "${ctx.task.name}" in ${target}`);
    } catch (e) {
      console.error(`[${label}] could not keep ${dir}: ${(e as Error).message}`);
    }
  });
}

/**
 * A test file's run directory and what it must leave behind at the end: every runner and handle pushed to
 * `cleanup` disposed (last first), every node pid pushed to `pids` gone, the directory removed.
 */
export function disposedAfterAll(prefix: string): { outDir: string; cleanup: Array<{ dispose(): Promise<void> }>; pids: number[] } {
  const outDir = mkdtempSync(join(tmpdir(), prefix));
  const cleanup: Array<{ dispose(): Promise<void> }> = [];
  const pids: number[] = [];
  afterAll(async () => {
    // The directory goes whatever fails before it (a dispose, or a node left behind).
    try {
      for (const c of cleanup.reverse()) await c.dispose();
      for (const pid of pids) expect(alive(pid), `node pid ${pid} left behind`).toBe(false);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
  return { outDir, cleanup, pids };
}
