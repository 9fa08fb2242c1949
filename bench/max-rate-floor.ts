/**
 * The idle latency floor that `loadnet max-rate` measures before its search, on two chains: the scenario
 * default (1 s slots, f = 0.5) and the job's own (500 ms slots, f = 0.8), 4 validators + 2 executors, each on
 * fresh deployments. Each run is the CLI with an SLO of 1 ms, which every floor is above: the job measures the
 * floor (10 tx/s for min(hold, max(15 s, 16 mean block intervals))) and stops with its diagnosis. Prints the
 * floor's p99 ± se, p50, the smallest SLO worth searching and the wall time of each run, and the load average.
 *
 * Run: npx tsc -p tsconfig.build.json && npx tsx bench/max-rate-floor.ts [runs per chain, default 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MaxRateSummary } from '../src/jobs/max-rate-result.js';

const cli = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const chains = [
  { name: 'scenario default', consensus: undefined },
  { name: 'max-rate default', consensus: { slotDurationMs: 500, activeSlotCoeff: 0.8, securityParam: 10 } },
];
const dir = mkdtempSync(join(tmpdir(), 'loadnet-bench-floor-'));
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');
try {
  console.log(`load average before: ${load()}`);
  console.log('| chain | run | floor p99 ms ± se | p50 ms | smallest SLO worth searching | wall s | load avg after |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const chain of chains) {
    for (let i = 0; i < runs; i++) {
      const file = join(dir, `chain-${i}.json`);
      writeFileSync(file, JSON.stringify({ name: 'floor', seed: 100 + i, topology: { shape: 'star', validators: 4, executors: 2 }, wallets: { count: 200 }, ...(chain.consensus ? { consensus: chain.consensus } : {}) }));
      const started = Date.now();
      const r = spawnSync(process.execPath, [cli, 'max-rate', file, '--slo-p99', '1ms', '--out', join(dir, 'runs'), '--json'], { encoding: 'utf8' });
      const s = JSON.parse(r.stdout) as MaxRateSummary;
      const f = s.floor!;
      const c = `${f.slotDurationMs} ms, f = ${f.activeSlotCoeff} (${chain.name})`;
      console.log(`| ${c} | ${i + 1} | ${f.p99Ms} ± ${f.p99StdErrMs ?? '—'} | ${f.p50Ms} | ${f.minSloMs} | ${((Date.now() - started) / 1000).toFixed(0)} | ${load()} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
