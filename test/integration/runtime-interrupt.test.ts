/**
 * SIGINT/SIGTERM during a run: the coordinator (a child process) tears every node down, still writes
 * summary.json marked interrupted with what was measured, leaves events.jsonl valid line by line, and
 * exits with 130 as the CLI does.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, pidsOf, readEvents, waitFor } from './helpers/run-files.js';
import { startCoordinator } from './helpers/spawn-coordinator.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-interrupt-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('interrupting a run', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-window: nodes torn down, summary marked interrupted, exit 130`, async () => {
      const coord = await startCoordinator(outDir, 'run');
      const pids = pidsOf(coord.runDir);
      await waitFor(async () => (await readEvents(coord.runDir)).some((e) => e.kind === 'run.phase' && e.phase === 'window'), 20_000, 'the window to start');
      await new Promise((r) => setTimeout(r, 1500));
      coord.child.kill(signal);
      const code = await coord.exited;
      expect(code, coord.output()).toBe(130);
      expect(coord.output()).toContain('INTERRUPTED');
      for (const pid of pids) expect(alive(pid)).toBe(false);
      const summary = JSON.parse(readFileSync(join(coord.runDir, 'summary.json'), 'utf8'));
      expect(summary).toMatchObject({ interrupted: true, verdict: 'unknown' });
      expect(summary.chain.startHeight).toBeGreaterThanOrEqual(1);
      const events = await readEvents(coord.runDir); // every line parses
      expect(events.some((e) => e.kind === 'run.interrupt' && e.signal === signal)).toBe(true);
      expect(events.at(-1)).toMatchObject({ kind: 'run.phase', phase: 'interrupted' });
    });
  }

  it('a second SIGINT kills the nodes at once and ends the coordinator by the signal', async () => {
    const coord = await startCoordinator(outDir, 'run');
    const pids = pidsOf(coord.runDir);
    await waitFor(async () => (await readEvents(coord.runDir)).some((e) => e.kind === 'run.phase' && e.phase === 'window'), 20_000, 'the window to start');
    coord.child.kill('SIGINT');
    coord.child.kill('SIGINT');
    await coord.exited;
    expect(coord.child.signalCode === 'SIGINT' || coord.child.exitCode === 130, coord.output()).toBe(true);
    await waitFor(() => pids.every((p) => !alive(p)), 5_000, 'every node to be gone');
    await readEvents(coord.runDir); // still valid JSONL
  });
});
