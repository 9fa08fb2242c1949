/**
 * SIGINT/SIGTERM during a run: the coordinator (a child process) tears every node down, still writes
 * summary.json marked interrupted with what was measured, leaves events.jsonl valid line by line, and
 * exits with 130 as the CLI does. Interrupted before the window, once the transactions workload prepared its
 * load engine (in this process): the engine's worker thread is let go, nothing was sent, the nodes are gone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from 'loadnet';
import { alive, pidsOf, readEvents, waitFor } from './helpers/run-files.js';
import { startCoordinator } from './helpers/spawn-coordinator.js';
import { shortLoad } from './helpers/short-load.js';

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

  it('interrupted before the window, after the transactions workload prepared: its worker thread is let go, nothing sent', async () => {
    // This process's threads (vitest runs each file in a process of its own): the engine's worker is one of them.
    const threads = () => readdirSync('/proc/self/task').length;
    const scenario = shortLoad('interrupt-prepared', '8s');
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    const pids = pidsOf(runner.context.runDir);
    const workload = scenario.workloads[0]!;
    const prepare = workload.prepare!.bind(workload);
    let prepared = 0;
    workload.prepare = async (ctx, signal) => {
      await prepare(ctx, signal);
      prepared = threads();
      (runner as unknown as { interrupt(s: NodeJS.Signals): void }).interrupt('SIGINT');
    };
    await expect(runner.run(scenario)).rejects.toMatchObject({ code: 'LN_ERR_INTERRUPTED' });
    expect(prepared, 'the workload prepared').toBeGreaterThan(0);
    await waitFor(() => threads() < prepared, 5_000, 'the prepared worker thread to exit');
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const events = await readEvents(runner.context.runDir);
    expect(events.some((e) => e.kind === 'run.phase' && e.phase === 'window'), 'no window').toBe(false);
    expect(events.filter((e) => e.kind === 'load.traffic' || e.kind === 'load.interval'), 'nothing sent').toEqual([]);
  });
});
