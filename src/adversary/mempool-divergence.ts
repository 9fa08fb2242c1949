/**
 * Mempool divergence and convergence (`.divergeMempools({ perNode })`, JSON `{ "type": "mempool-divergence" }`):
 * each chosen node gets its own batch of independent transfers (none shared, one wallet each, from the end of
 * the funded wallets) from its own seeded offset, beside whatever load and faults the scenario runs (a
 * partition makes the batches truly diverge). The workload then reads every live node's pending ids every
 * `sampleEveryMs`: the pairwise mempool differences over time, and when the batches converged, every
 * transaction in a block every live node holds, or (unless `blocksOnly`) pending on every live node. The
 * divergence ends at the last submission or at the last fault healed after the first one; sampling goes on
 * `windowMs` past that. Bundles MempoolConverged. Devnet only.
 */
import type { Hex } from '../util/bytes.js';
import type { Expectation, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import type { MempoolDivergenceWorkloadSpec, ScenarioSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { devnetSubmitter, disjointPlan, pairwiseDifferences, readMempools, submitPlan, type BatchTransfer, type BatchTx, type SendOutcome } from './batch-plan.js';
import { checkRaceSpec, raceTargets, transfersFromWallets } from './propagation-race.js';
import type { WalletRange } from './wallet-ranges.js';
import { MempoolConverged } from './mempool-divergence-expectation.js';

/** One reading of the mempools (times Unix ms, util/clock). */
export interface DivergenceSample {
  t: number;
  /** Pending transactions per node that answered (all of them, not only the batches). */
  sizes: Record<string, number>;
  /** |A Δ B| of every pair's pending ids. */
  differences: Record<string, number>;
  /** Batch transactions neither in a block every live node holds nor (unless blocksOnly) pending on every live node. */
  unconverged: number;
}

export class MempoolDivergenceWorkload implements Workload {
  readonly name = 'mempool-divergence';
  private readonly expectation: MempoolConverged;
  private range?: WalletRange;
  batches = new Map<string, BatchTransfer[]>();
  ids = new Set<Hex>();
  outcomes: SendOutcome[] = [];
  samples: DivergenceSample[] = [];
  /** Batch ids in a block the feed saw (with the block), for the "in a block" test. */
  readonly blocks = new Map<Hex, Hex[]>();
  /** Unix ms: the last submission answered, and the last fault healed after the first submission. */
  submittedAt?: number;
  healedAt?: number;
  /** The first sample from which on the batches stayed converged (undefined: never). */
  convergedAt?: number;
  started = false;

  constructor(readonly spec: MempoolDivergenceWorkloadSpec) {
    this.expectation = new MempoolConverged(this, spec);
  }

  init(_metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.range = checkRaceSpec(this.spec, scenario);
  }

  expectations(): Expectation[] {
    return [this.expectation];
  }

  /** When the divergence ended: the last submission, or a later heal. */
  divergenceEnd(): number | undefined {
    if (this.submittedAt === undefined) return undefined;
    return Math.max(this.submittedAt, this.healedAt ?? 0);
  }

  /** Batch ids not converged given the live nodes' pools: in no block every live node holds and not pending everywhere. */
  unconverged(ctx: RunContext, pools: ReadonlyMap<string, ReadonlySet<Hex> | null>): Hex[] {
    const live = [...pools.values()].filter((p): p is ReadonlySet<Hex> => p !== null);
    const liveNames = [...pools].filter(([, p]) => p !== null).map(([n]) => n);
    const inBlock = (id: Hex) =>
      (this.blocks.get(id) ?? []).some((b) => {
        const on = ctx.blockFeed.canonicalOn?.(b);
        return on === undefined || liveNames.every((n) => on.includes(n));
      });
    return [...this.ids].filter((id) => !inBlock(id) && (this.spec.blocksOnly || live.length === 0 || !live.every((p) => p.has(id))));
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const targets = raceTargets(ctx, this.spec.nodes, this.name);
    const range = this.range ?? checkRaceSpec(this.spec, ctx.scenario);
    const all = await transfersFromWallets(ctx, range, targets[0]!, this.spec.fee, `${ctx.scenario.seed}/divergence/${range.from}`);
    targets.forEach((n, i) => this.batches.set(n.descriptor.name, all.slice(i * this.spec.perNode, (i + 1) * this.spec.perNode)));
    this.ids = new Set(all.map((t) => t.id));
    const unfeed = ctx.blockFeed.subscribe({
      onBlock: (b) => {
        for (const id of b.txIds) if (this.ids.has(id)) this.blocks.set(id, [...(this.blocks.get(id) ?? []), b.id]);
      },
    });
    const unevents = ctx.events.on((e) => {
      if (e.kind === 'fault.end' && e.t >= ctx.window.startMs + this.spec.atMs) this.healedAt = Math.max(this.healedAt ?? 0, e.t);
    });
    this.started = true;
    const plan = disjointPlan(this.batches as Map<string, BatchTx[]>, { seed: (ctx.scenario.seed ^ 0xd1e5) >>> 0, atMs: this.spec.atMs, jitterMs: this.spec.jitterMs, chunk: this.spec.chunk, spacingMs: this.spec.spacingMs });
    const sampling = this.sample(ctx, signal);
    try {
      this.outcomes = await submitPlan(plan, devnetSubmitter(targets, this.name), ctx.window.startMs, signal);
      this.submittedAt = Math.max(...this.outcomes.map((o) => o.answeredAt));
      await sampling;
    } finally {
      unfeed();
      unevents();
    }
  }

  /** Read the mempools until the window after the divergence has passed (or the run ends). */
  private async sample(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const wait = ctx.window.startMs + this.spec.atMs - nowMs();
    if (wait > 0) await sleep(wait, signal);
    while (!signal.aborted) {
      const t = nowMs();
      const end = this.divergenceEnd();
      const pools = await readMempools(ctx.nodes().map((n) => ({ name: n.descriptor.name, client: n.client })));
      const sizes = Object.fromEntries([...pools].filter(([, p]) => p !== null).map(([n, p]) => [n, p!.size]));
      const unconverged = this.unconverged(ctx, pools).length;
      this.samples.push({ t, sizes, differences: pairwiseDifferences(pools), unconverged });
      if (unconverged > 0) this.convergedAt = undefined;
      else this.convergedAt ??= t;
      if (end !== undefined && t > end + this.spec.windowMs) return;
      await sleep(Math.max(0, t + this.spec.sampleEveryMs - nowMs()), signal);
    }
  }
}
