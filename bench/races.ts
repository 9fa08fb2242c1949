/**
 * The races of #17 at full length on the local deployer: examples/propagation-race.ts (inclusion times from the
 * first submission, duplicate answers per node, state roots) and examples/mempool-divergence.ts with the devnet's
 * mempool exchange on and off in alternation (LOADNET_DEFENSES=off:mempool-exchange reaches the nodes through the
 * environment; each run's node logs are checked for it), printing the time to convergence after the heal and the
 * largest pairwise mempool difference after it. Cooldowns are shortened to 5 s (the windows fit in the run).
 *   npm run build && npx tsx bench/races.ts [rounds=3]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer, scenarioWith, type RunHandle, type Scenario } from 'loadnet';
import { propagationRace } from '../examples/propagation-race.js';
import { mempoolDivergence } from '../examples/mempool-divergence.js';

const rounds = Number(process.argv[2] ?? 3);
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-races-'));

async function run(scenario: Scenario): Promise<{ handle: RunHandle; dispose: () => Promise<void> }> {
  const runner = await new LocalDeployer({ outDir }).deploy(scenario);
  const handle = await runner.run(scenario, { rejectOnFailure: false });
  return { handle, dispose: async () => (await handle.dispose(), await runner.dispose()) };
}

function exchangeOffInLogs(runDir: string): boolean {
  const nodes = join(runDir, 'nodes');
  return readdirSync(nodes).some((n) => {
    try {
      return /defenses switched off.*mempool-exchange/.test(readFileSync(join(nodes, n, 'node.log'), 'utf8'));
    } catch {
      return false;
    }
  });
}

try {
  const race = await run(scenarioWith(propagationRace(), { cooldownMs: 5000 }));
  const r = race.handle.summary.expectations.find((e) => e.name === 'race-included-once')!;
  const f = r.figures as { inclusion: Record<string, number>; seenInBlock: Record<string, number>; answers: Record<string, { accepted: number; duplicate: number }>; stateRoot: { height: number; distinct: number } };
  console.log(`propagation race: ${r.status} — ${r.message}`);
  console.log(`  inclusion from first submission (block timestamp): p50 ${f.inclusion.p50Ms} ms, p99 ${f.inclusion.p99Ms} ms, max ${f.inclusion.maxMs} ms; to the feed seeing the block: p50 ${f.seenInBlock.p50Ms} ms, p99 ${f.seenInBlock.p99Ms} ms`);
  console.log(`  answers per node: ${Object.entries(f.answers).map(([n, a]) => `${n} ${a.accepted} ok / ${a.duplicate} duplicate`).join('; ')}; state root height ${f.stateRoot.height}, ${f.stateRoot.distinct} distinct`);
  await race.dispose();

  const results: Array<{ exchange: 'on' | 'off'; ms: number | null; maxAfter: number | null; status: string; offSeen: boolean }> = [];
  for (let i = 0; i < rounds; i++) {
    for (const exchange of ['on', 'off'] as const) {
      if (exchange === 'off') process.env.LOADNET_DEFENSES = 'off:mempool-exchange';
      else delete process.env.LOADNET_DEFENSES;
      const d = await run(scenarioWith(mempoolDivergence(), { cooldownMs: 5000 }));
      const e = d.handle.summary.expectations.find((x) => x.name === 'mempool-converged')!;
      const g = e.figures as { convergenceMs: number | null; maxPairwiseDifferenceAfterDivergence: number | null };
      results.push({ exchange, ms: g.convergenceMs, maxAfter: g.maxPairwiseDifferenceAfterDivergence, status: e.status, offSeen: exchangeOffInLogs(d.handle.runDir) });
      console.log(`divergence round ${i + 1}, exchange ${exchange}: ${e.status} — ${e.message}`);
      await d.dispose();
    }
  }
  delete process.env.LOADNET_DEFENSES;
  for (const x of ['on', 'off'] as const) {
    const rs = results.filter((r) => r.exchange === x);
    const ms = rs.map((r) => r.ms ?? Infinity).sort((a, b) => a - b);
    console.log(`exchange ${x}: convergence after the heal ${ms.join(', ')} ms (median ${ms[Math.floor(ms.length / 2)]}); largest difference after it ${rs.map((r) => r.maxAfter).join(', ')}; passed ${rs.filter((r) => r.status === 'pass').length}/${rs.length}; switch seen in node logs ${rs.filter((r) => r.offSeen).length}/${rs.length}`);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
