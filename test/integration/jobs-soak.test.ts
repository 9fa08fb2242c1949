/**
 * A compressed soak (about 100 s) against real local nodes with transaction load: summary.partial.json is
 * checkpointed at the configured interval with the soak figures and updates while the run goes on, resource samples stream to
 * soak/samples.jsonl, and the coordinator's heap after GC stays flat (Theil–Sen slope below a bound).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { soak } from '../../src/jobs/soak.js';
import type { TrendVerdict } from '../../src/util/trend.js';
import { runMetrics } from '../../src/scenario/materialize.js';
import type { ScenarioSpec, TransactionsWorkloadSpec } from '../../src/scenario/spec.js';
import type { Scenario } from '../../src/runtime/contracts.js';
import { TransactionWorkload } from '../../src/workloads/transactions.js';
import { alive, pidsOf } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-jobs-soak-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
/**
 * The bound of "flat" at 100 tx/s: retaining even ~90 bytes per transaction (one id string) would grow
 * 32 MiB/h. Measured on this machine (2 cores, load average ~15): heap data after GC grows ~13–19 MiB/h in
 * the first two minutes at 30 and at 100 tx/s alike (per-block history of the block feed and warm-up, not
 * per-transaction), so the bound separates per-transaction retention from that.
 */
const HEAP_BOUND_PER_HOUR = 32 * MiB;

function scenario(): Scenario {
  const tx: TransactionsWorkloadSpec = { type: 'transactions', rate: { kind: 'perSecond', perSecond: 100 }, users: 20, fee: 1, amount: 1, targets: 'round-robin', batch: 'auto', inclusionThreshold: 0.9 };
  const spec: ScenarioSpec = {
    version: 1,
    name: 'jobs-soak',
    seed: 5,
    topology: { shape: 'star', validators: 2, executors: 1 },
    consensus: { slotDurationMs: 500, activeSlotCoeff: 0.5, securityParam: 4 },
    wallets: { count: 20, fundsPerWallet: 1_000_000_000 },
    nodeControl: false,
    durationMs: 95_000,
    cooldownMs: 5_000,
    workloads: [tx],
    expectations: [],
  };
  const metrics = runMetrics(spec);
  const workload = new TransactionWorkload(tx);
  workload.init(metrics, spec);
  return { spec, metrics, workloads: [workload], expectations: [] };
}

describe('compressed soak on local nodes', () => {
  it('checkpoints the summary, streams samples and keeps coordinator memory flat', async () => {
    const seen: Array<{ at: number; mtimeMs: number; elapsedMs: number | undefined }> = [];
    let runDir: string | undefined;
    // Watch summary.partial.json while the run goes on (the run directory is the newest under outDir).
    const watch = setInterval(() => {
      runDir ??= findRunDir();
      const p = runDir && join(runDir, 'summary.partial.json');
      if (!p || !existsSync(p)) return;
      try {
        const j = JSON.parse(readFileSync(p, 'utf8')) as { partial: boolean; verdict: string; soak?: { elapsedMs: number } };
        expect(j.partial).toBe(true);
        expect(j.verdict).toBe('unknown');
        const mtimeMs = statSync(p).mtimeMs;
        if (seen.at(-1)?.mtimeMs !== mtimeMs) seen.push({ at: Date.now(), mtimeMs, elapsedMs: j.soak?.elapsedMs });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // a half-written file would fail JSON.parse
      }
    }, 500);
    let run;
    try {
      run = await soak({
        scenario: scenario(),
        // The feed keeps block tx ids for 1024 blocks by default (~17 min to fill: growth in a 100 s run);
        // a short retention lets that bounded buffer fill within the warm-up.
        runner: { outDir, reports: false, blockFeed: { retainTxIdsBlocks: 16 } },
        monitor: { sampleIntervalMs: 2500, checkpointIntervalMs: 10_000, warmupMs: 25_000, limits: { coordinatorHeapBytesPerHour: HEAP_BOUND_PER_HOUR } },
      });
    } finally {
      clearInterval(watch);
    }

    // summary.partial.json every ~10 s (the monitor's interval, not the runtime's 5 s default) over a ~100 s
    // run: about ten distinct files, written ~10 s apart, carrying soak figures that move forward.
    expect(seen.length).toBeGreaterThanOrEqual(7);
    expect(seen.length).toBeLessThanOrEqual(14);
    const writeGaps = seen.slice(1).map((s, i) => s.mtimeMs - seen[i]!.mtimeMs);
    expect(Math.max(...writeGaps)).toBeLessThan(10_000 + 3000); // a crash loses at most one interval
    const withSoak = seen.filter((s) => s.elapsedMs !== undefined).map((s) => s.elapsedMs!);
    expect(withSoak.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < withSoak.length; i++) expect(withSoak[i]!).toBeGreaterThanOrEqual(withSoak[i - 1]!);
    expect(withSoak.at(-1)! - withSoak[0]!).toBeGreaterThan(50_000);

    const samples = readFileSync(join(run.runDir, 'soak', 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { coordinator: { heapData: number }; nodes: Record<string, { pending?: number; rss?: number; disk?: number }> });
    expect(samples.length).toBeGreaterThanOrEqual(30);
    const last = samples.at(-1)!;
    expect(Object.keys(last.nodes).sort()).toEqual(['executor-0', 'validator-0', 'validator-1']);
    for (const n of Object.values(last.nodes)) {
      expect(n.rss).toBeGreaterThan(10 * MiB);
      expect(n.disk).toBeGreaterThan(0);
    }

    const soakSection = run.summary.soak as { trends: TrendVerdict[] };
    const heap = soakSection.trends.find((t) => t.metric === 'coordinator.heapData')!;
    expect(heap.status).toBe('pass');
    expect(heap.points).toBeGreaterThanOrEqual(20);
    expect(Math.abs(heap.slopePerHour!)).toBeLessThan(HEAP_BOUND_PER_HOUR);
    // The load really ran all along (a flat heap with no load would prove nothing).
    const load = run.summary.load as { submitted: number; offeredTps: number };
    expect(load.submitted).toBeGreaterThan(80 * 90);
    const trendNames = soakSection.trends.map((t) => t.metric);
    for (const n of ['validator-0', 'validator-1', 'executor-0']) {
      expect(trendNames).toContain(`${n}.rss`);
      expect(trendNames).toContain(`${n}.mempoolPending`);
      expect(trendNames).toContain(`${n}.dataDir`);
    }
    const e = run.summary.expectations.find((x) => x.name === 'soak-trends')!;
    expect(e.status === 'pass' || e.status === 'fail').toBe(true);
    for (const pid of pidsOf(run.runDir)) expect(alive(pid)).toBe(false);
    console.log(`soak: coordinator heap slope ${(heap.slopePerHour! / MiB).toFixed(2)} MiB/h over ${heap.points} samples; ${e.status}: ${e.message}`);
  }, 180_000);
});

function findRunDir(): string | undefined {
  const dirs = readdirSync(outDir).filter((d) => d.includes('jobs-soak'));
  return dirs.length ? join(outDir, dirs.sort().at(-1)!) : undefined;
}
