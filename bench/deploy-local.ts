/**
 * Deploy-to-ready time of the LocalDeployer: 3 validators + 2 executors, 1 s slots, to readiness
 * (HTTP up, peers connected, height advanced on every node), then teardown. Prints each iteration's
 * breakdown and the median, per genesis lead (the wait before slot 0), measured side by side.
 *
 *   npm run build && npx tsx bench/deploy-local.ts [iterations=5] [leadsMs=1000,500]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../src/deployers/local/index.js';
import type { Scenario } from '../src/runtime/contracts.js';
import type { ScenarioSpec } from '../src/scenario/spec.js';

const iterations = Number(process.argv[2] ?? 5);
const leads = (process.argv[3] ?? '1000,500').split(',').map(Number);

const spec: ScenarioSpec = {
  version: 1,
  name: 'bench-deploy',
  seed: 1,
  topology: { shape: 'star', validators: 3, executors: 2 },
  consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.9, securityParam: 10 },
  wallets: { count: 100, fundsPerWallet: 1_000_000 },
  nodeControl: false,
  durationMs: 10_000,
  cooldownMs: 0,
  workloads: [],
  expectations: [],
};
const mean = spec.consensus.slotDurationMs / spec.consensus.activeSlotCoeff;
const scenario: Scenario = {
  spec,
  metrics: { durationMs: spec.durationMs, cooldownMs: 0, slotDurationMs: 1000, activeSlotCoeff: 0.9, securityParam: 10, meanBlockIntervalMs: mean, expectedBlocks: spec.durationMs / mean },
  workloads: [],
  expectations: [],
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-deploy-'));
const results = new Map<number, Array<{ readyMs: number; http: number; peers: number; producing: number }>>();
console.log(`loadavg before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  for (let i = 0; i < iterations; i++) {
    // Interleave the leads so machine load drifts hit every variant alike.
    for (const lead of leads) {
      const t0 = performance.now();
      const runner = await new LocalDeployer({ outDir, reports: false, genesisLeadMs: lead }).deploy(scenario);
      const readyMs = performance.now() - t0;
      const steps = Object.fromEntries(
        readFileSync(join(runner.context.runDir, 'events.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
          .filter((e) => e.kind === 'readiness')
          .map((e) => [e.step, e.elapsedMs]),
      );
      await runner.dispose();
      const row = { readyMs, http: steps.http, peers: steps.peers, producing: steps.producing };
      (results.get(lead) ?? results.set(lead, []).get(lead)!).push(row);
      console.log(`lead ${lead} ms  iteration ${i + 1}: ready in ${Math.round(readyMs)} ms (http ${row.http}, peers ${row.peers}, producing ${row.producing})`);
    }
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
console.log(`loadavg after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('\n| genesis lead | median ready | min | max | median http / peers / producing |');
console.log('|---:|---:|---:|---:|---|');
for (const [lead, rows] of results) {
  const r = rows.map((x) => x.readyMs);
  console.log(`| ${lead} ms | ${Math.round(median(r))} ms | ${Math.round(Math.min(...r))} ms | ${Math.round(Math.max(...r))} ms | ${median(rows.map((x) => x.http))} / ${median(rows.map((x) => x.peers))} / ${median(rows.map((x) => x.producing))} ms |`);
}
