/**
 * Does the link shaper limit the network? The 4 + 2 devnet (bench/max-rate-4x2.scenario.json) on the local
 * deployer with every peer link through the link shaper (pass-through proxies in the coordinator) and without
 * it, alternating, in one invocation (so both see the same machine). Each run is `maxRate` (the job behind
 * `loadnet max-rate`): with a rate given, pinned to that one rate (start = max = rate: one measured step, so the
 * A/B compares the same load); with `search`, the full search from 1,000 tx/s. Checks from each run's node
 * configs that the shaped run's peers dialed proxies.
 *
 * With LOADNET_BENCH_DEPLOYER=compose the same on containers (the shaper in this process on the run network's
 * gateway, as the compose deployer runs it).
 *
 * Run: npm run build && npx tsx bench/link-shaper-4x2.ts [rounds, default 2] [rate tx/s | search, default 400]
 * Settings: SLO p99 3 s, inclusion ≥ 0.99, holds of 15 s (≤ 2), resolution 10 %, no floor check.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalDeployer } from '../src/deployers/local/index.js';
import { ComposeDeployer } from '../src/deployers/compose/index.js';
import { maxRate } from '../src/jobs/max-rate.js';
import type { JobScenarioInput } from '../src/jobs/job-scenario.js';

const rounds = Number(process.argv[2] ?? 2);
const pinned = process.argv[3] === 'search' ? null : Number(process.argv[3] ?? 400);
const scenario = JSON.parse(readFileSync(fileURLToPath(new URL('./max-rate-4x2.scenario.json', import.meta.url)), 'utf8')) as JobScenarioInput;
const compose = process.env.LOADNET_BENCH_DEPLOYER === 'compose';
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-shaper-'));
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');

/** In the run's node configs: how many peer entries point at another node's P2P port (direct) vs elsewhere (a proxy). */
function dialTargets(runDir: string): { direct: number; proxied: number } {
  const configs = readdirSync(join(runDir, 'nodes')).map((n) => JSON.parse(readFileSync(join(runDir, 'nodes', n, 'config.json'), 'utf8')) as { p2p: { port: number }; peers: Array<{ port: number }> });
  const p2p = new Set(configs.map((c) => c.p2p.port));
  const peers = configs.flatMap((c) => c.peers);
  return { direct: peers.filter((p) => p2p.has(p.port)).length, proxied: peers.filter((p) => !p2p.has(p.port)).length };
}

console.log(`deployer: ${compose ? 'compose' : 'local'}; load average before: ${load()}`);
const rows: string[] = [];
for (let round = 0; round < rounds; round++) {
  for (const shaped of [true, false]) {
    const started = Date.now();
    const run = await maxRate({
      scenario,
      deployer: compose ? new ComposeDeployer({ outDir, reports: false, log: null, linkShaper: shaped }) : new LocalDeployer({ outDir, reports: false, linkShaper: shaped }),
      sloP99Ms: 3000,
      minInclusion: 0.99,
      holdMs: 15_000,
      maxHolds: 2,
      startTps: pinned ?? 1000,
      ...(pinned ? { maxTps: pinned } : {}),
      resolution: 0.1,
      floor: false,
      log: (l) => console.log(`  ${shaped ? '[shaper]' : '[direct]'} ${l}`),
    });
    const o = run.outcome;
    const dials = dialTargets(run.runDir);
    const first = o.steps.find((st) => st.index === 0)?.result;
    const lat = first?.inclusion;
    const row = `| ${round + 1} | ${shaped ? 'through the link shaper' : 'direct'} | ${o.maxRateTps ?? '—'} | ${o.bracket.lastPassTps ?? '—'}–${o.bracket.firstFailTps ?? '—'} | ${o.status} | ${first ? `${first.offeredTps.toFixed(0)} / ${(first.inclusionRatio * 100).toFixed(1)} % / ${lat ? `${lat.p50.toFixed(0)} / ${lat.p99.toFixed(0)}` : '—'}` : '—'} | ${dials.proxied} proxied / ${dials.direct} direct | ${((Date.now() - started) / 60_000).toFixed(1)} min | ${load()} |`;
    rows.push(row);
    console.log(row);
  }
}
console.log('\n| round | peer links | max rate tx/s | bracket (pass–fail) | status | first step: offered tx/s / included / p50 / p99 ms | peer dials | took | load after |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
rmSync(outDir, { recursive: true, force: true });
