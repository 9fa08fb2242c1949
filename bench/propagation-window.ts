/**
 * Where tier C's propagation samples come from (the tier-C p50 question in test/integration/faults-run.test.ts):
 * runs examples/latency-tiers.ts as that test does (tier C at 700 ms, 7 s window, tiers held to the window's end,
 * 1.5 s cooldown) on the local deployer, with the tiers' delays through the link shaper or the testing API, and
 * splits the lags the propagation expectation counts into blocks that originated inside the window and in the
 * cooldown (after the tiers were healed), per tier.
 *
 * Run: npm run build && npx tsx bench/propagation-window.ts [shaper|testing-api] [runs, default 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer, scenarioWith, type Expectation, type RunContext } from 'loadnet';
import { latencyTiers } from '../examples/latency-tiers.js';

const applier = process.argv[2] === 'testing-api' ? 'testing-api' : 'shaper';
const runs = Number(process.argv[3] ?? 3);
const out = mkdtempSync(join(tmpdir(), 'loadnet-propagation-window-'));
const tierOf: Record<string, string> = { 'validator-0': 'A', 'executor-0': 'A', 'validator-1': 'B', 'executor-1': 'B', 'validator-2': 'C', 'validator-3': 'C' };
const windowMs = 7000;

/** Records each node's new tips and, at the end, each lag with whether its block originated before the window's end. */
class LagSplit implements Expectation {
  readonly name = 'lag-split';
  private started = 0;
  private readonly seen: Array<{ node: string; id: string; at: number }> = [];
  private readonly last = new Map<string, string>();
  async startCapture(ctx: RunContext): Promise<void> {
    this.started = performance.timeOrigin + performance.now();
    for (const t of ctx.blockFeed.tips()) this.last.set(t.node, t.tip);
    ctx.blockFeed.subscribe({
      onTip: (t) => {
        if (!t.up || this.last.get(t.node) === t.tip) return;
        this.last.set(t.node, t.tip);
        this.seen.push({ node: t.node, id: t.tip, at: t.at });
      },
    });
  }
  async evaluate(ctx: RunContext) {
    const rows: Record<string, { window: number[]; cooldown: number[] }> = {};
    const first = new Set<string>();
    for (const s of this.seen) {
      const k = `${s.node}:${s.id}`;
      if (first.has(k)) continue;
      first.add(k);
      const b = ctx.blockFeed.block(s.id as `0x${string}`);
      if (!b || b.firstSeenOn === s.node) continue;
      const origin = Math.min(b.firstSeenAt, b.timestamp);
      const t = tierOf[s.node]!;
      rows[t] ??= { window: [], cooldown: [] };
      rows[t][origin - this.started < windowMs ? 'window' : 'cooldown'].push(Math.round(Math.max(0, s.at - origin)));
    }
    return { status: 'pass' as const, message: 'split', figures: rows };
  }
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1]! : NaN);
console.log(`applier: ${applier}; load average before: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
for (let i = 0; i < runs; i++) {
  const base = scenarioWith(latencyTiers({ tierC: '700ms', durationMs: windowMs, heal: false }), { cooldownMs: 1500 });
  const scenario = { spec: base.spec, metrics: base.metrics, workloads: base.workloads, expectations: [...base.expectations, new LagSplit()] };
  const runner = await new LocalDeployer({ outDir: out, reports: false, log: null, linkShaper: applier === 'shaper' }).deploy(scenario);
  try {
    await using handle = await runner.run(scenario, { rejectOnFailure: false });
    const p = handle.summary.expectations.find((e) => e.name === 'propagation');
    const rows = handle.summary.expectations.find((e) => e.name === 'lag-split')!.figures as Record<string, { window: number[]; cooldown: number[] }>;
    const c = rows.C ?? { window: [], cooldown: [] };
    const all = [...c.window, ...c.cooldown];
    console.log(`run ${i + 1}: ${p?.message}`);
    console.log(`  tier C: window lags [${c.window.join(', ')}] (median ${median(c.window)}); cooldown lags [${c.cooldown.join(', ')}]; median of all ${median(all)}`);
  } finally {
    await runner.dispose();
  }
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
rmSync(out, { recursive: true, force: true });
