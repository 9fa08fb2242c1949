/**
 * MempoolConverged (`mempool-converged`), bundled with the mempool divergence: within `windowMs` of the
 * divergence's end every batch transaction was in a block every live node holds or (unless `blocksOnly`)
 * pending on every live node, and stayed so; at the end none is dropped (on every live node's chain or, unless
 * `blocksOnly`, in every live node's mempool). Reports the time to convergence after the divergence ended and
 * the pairwise mempool differences over time (the largest, and per sample). It records what it read and is
 * judged by mempoolDivergenceCheck (expectations/adversary.ts). Writes the `mempoolDivergence` summary section.
 */
import { adversaryBounds, mempoolDivergenceCheck, type DivergenceObserved, type MempoolDivergenceOptions } from '../expectations/adversary.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { ExpectationResult, RunContext } from '../runtime/contracts.js';
import type { MempoolDivergenceWorkloadSpec } from '../scenario/spec.js';
import type { Hex } from '../util/bytes.js';
import { readMempools } from './batch-plan.js';
import { canonicalHeights } from './chain-reads.js';
import type { MempoolDivergenceWorkload } from './mempool-divergence.js';

export class MempoolConverged extends RecordedExpectation<MempoolDivergenceOptions> {
  readonly name = 'mempool-converged';
  private startHeight = 0;

  constructor(private readonly workload: MempoolDivergenceWorkload, private readonly spec: MempoolDivergenceWorkloadSpec) {
    super(mempoolDivergenceCheck, mempoolDivergenceCheck.options(adversaryBounds(spec)!.options));
  }

  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.startHeight = Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height));
    return { startHeight: this.startHeight };
  }

  /** The workload's mempool samples and, read from every live node now, where each batch transaction is. */
  protected override async observeEvaluate(ctx: RunContext): Promise<DivergenceObserved & Record<string, unknown>> {
    const w = this.workload;
    const started = w.started && w.submittedAt !== undefined;
    const end = w.divergenceEnd() ?? 0;
    const base = {
      started,
      transactions: w.ids.size,
      perNode: this.spec.perNode,
      nodes: [...w.batches.keys()],
      blocksOnly: this.spec.blocksOnly,
      submittedAt: w.submittedAt ?? 0,
      healedAt: w.healedAt ?? null,
      end,
      convergedAt: w.convergedAt ?? null,
      samples: w.samples.map((s) => ({ t: s.t, sizes: s.sizes, differences: s.differences, unconverged: s.unconverged })),
    };
    const atEnd: DivergenceObserved['atEnd'] = { inBlocks: 0, pendingEverywhere: 0, partial: 0, dropped: 0, lacking: {} };
    if (!started) return { ...base, atEnd, firstDropped: null, firstPartial: null };
    // At the end: where is each batch transaction now, on every live node?
    const up = new Set(ctx.blockFeed.tips().filter((t) => t.up).map((t) => t.node));
    const live = ctx.nodes().filter((n) => up.has(n.descriptor.name));
    const chains = await Promise.all(live.map((n) => canonicalHeights(n, this.startHeight, w.ids)));
    const pools = await readMempools(live.map((n) => ({ name: n.descriptor.name, client: n.client })));
    const dropped: Hex[] = [];
    const partial: Hex[] = [];
    for (const id of w.ids) {
      if (chains.every((c) => c.at.has(id))) {
        atEnd.inBlocks++;
        continue;
      }
      const holders = live.filter((n, i) => chains[i]!.at.has(id) || pools.get(n.descriptor.name)?.has(id));
      if (holders.length === 0) dropped.push(id);
      else if (holders.length === live.length && !this.spec.blocksOnly) atEnd.pendingEverywhere++;
      else {
        partial.push(id);
        for (const n of live) if (!holders.includes(n)) atEnd.lacking[n.descriptor.name] = (atEnd.lacking[n.descriptor.name] ?? 0) + 1;
      }
    }
    atEnd.dropped = dropped.length;
    atEnd.partial = partial.length;
    return { ...base, atEnd, firstDropped: dropped[0] ?? null, firstPartial: partial[0] ?? null };
  }

  override async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    const result = await super.evaluate(ctx);
    if (result.status !== 'unknown') ctx.summary.set('mempoolDivergence', result.figures);
    return result;
  }
}
