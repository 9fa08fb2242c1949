/**
 * `loadnet compare` at full length: three runs of one scenario side by side on real devnet nodes (2 validators,
 * 500 ms slots, f = 0.8, k = 3, 40 tx/s), two of the same build and one with every leader taking `delayMs` of
 * its slot to produce its block (LOADNET_DEVNET_PRODUCE_DELAY_MS). Prints the comparison of each against the
 * first at 95 % (what test/integration/compare-runs.test.ts checks on 15 s runs).
 *
 *   npm run build && npx tsx bench/compare-slowed.ts [window=60s] [delayMs=400] [confidence=95%]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalDeployer, ScenarioBuilder, type Runner } from '../src/index.js';

const windowArg = process.argv[2] ?? '60s';
const delayMs = Number(process.argv[3] ?? 400);
const confidence = process.argv[4] ?? '95%';
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-compare-'));

const plan = () =>
  ScenarioBuilder.topology().networkStar().validators(2).apply()
    .slotDuration('500ms').activeSlotCoeff(0.8).securityParam(3)
    .wallets(20).transactions().ratePerSecond(40).apply()
    .withRunDuration(windowArg).withCooldown('4s').named('compare-bench').build();

async function deploy(slowMs?: number): Promise<Runner> {
  if (slowMs !== undefined) process.env.LOADNET_DEVNET_PRODUCE_DELAY_MS = String(slowMs);
  try {
    return await new LocalDeployer({ outDir, reports: false }).deploy(plan());
  } finally {
    delete process.env.LOADNET_DEVNET_PRODUCE_DELAY_MS;
  }
}

const runners = [await deploy(), await deploy(), await deploy(delayMs)];
try {
  console.log(`window ${windowArg}, slowed run: ${delayMs} ms produce delay; load average before ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const handles = await Promise.all(runners.map((r) => r.run(plan(), { rejectOnFailure: false })));
  console.log(`load average after ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const r = spawnSync(process.execPath, [resolve('dist/src/cli/main.js'), 'compare', ...handles.map((h) => h.runDir), '--confidence', confidence, '--fail-on', 'regression', '--no-html'], { encoding: 'utf8' });
  process.stdout.write(r.stdout + r.stderr);
  console.log(`exit ${r.status}`);
} finally {
  for (const r of runners) await r.dispose();
  rmSync(outDir, { recursive: true, force: true });
}
