/**
 * MempoolConverged (`mempool-converged`), bundled with the mempool divergence: within `windowMs` of the
 * divergence's end every batch transaction was in a block every live node holds or (unless `blocksOnly`)
 * pending on every live node, and stayed so; at the end none is dropped (on every live node's chain or, unless
 * `blocksOnly`, in every live node's mempool). Reports the time to convergence after the divergence ended and
 * the pairwise mempool differences over time (the largest, and per sample). Writes the `mempoolDivergence`
 * summary section.
 */
import type { Expectation, ExpectationResult, RunContext } from '../runtime/contracts.js';
import type { MempoolDivergenceWorkloadSpec } from '../scenario/spec.js';
import type { Hex } from '../util/bytes.js';
import { readMempools } from './batch-plan.js';
import { canonicalHeights } from './chain-reads.js';
import type { MempoolDivergenceWorkload } from './mempool-divergence.js';

const short = (id: string) => id.slice(0, 12);

export class MempoolConverged implements Expectation {
  readonly name = 'mempool-converged';

  constructor(private readonly workload: MempoolDivergenceWorkload, private readonly spec: MempoolDivergenceWorkloadSpec) {}

  async startCapture(ctx: RunContext): Promise<void> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.startHeight = Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height));
  }

  private startHeight = 0;

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    const w = this.workload;
    if (!w.started || w.submittedAt === undefined) return { status: 'unknown', message: 'the divergence batches were not sent' };
    const end = w.divergenceEnd()!;
    const deadline = end + this.spec.windowMs;
    const last = w.samples[w.samples.length - 1];
    const convergenceMs = w.convergedAt === undefined ? null : Math.max(0, Math.round(w.convergedAt - end));
    const maxDifference = Math.max(0, ...w.samples.map((s) => Math.max(0, ...Object.values(s.differences))));
    const atEnd = w.samples.filter((s) => s.t >= end);
    const maxAfter = atEnd.length > 0 ? Math.max(0, ...atEnd.map((s) => Math.max(0, ...Object.values(s.differences)))) : null;

    // At the end: where is each batch transaction now, on every live node?
    const up = new Set(ctx.blockFeed.tips().filter((t) => t.up).map((t) => t.node));
    const live = ctx.nodes().filter((n) => up.has(n.descriptor.name));
    const chains = await Promise.all(live.map((n) => canonicalHeights(n, this.startHeight, w.ids)));
    const pools = await readMempools(live.map((n) => ({ name: n.descriptor.name, client: n.client })));
    const lacking: Record<string, number> = {};
    let inBlocks = 0;
    let pendingEverywhere = 0;
    const dropped: Hex[] = [];
    const partial: Hex[] = [];
    for (const id of w.ids) {
      if (chains.every((c) => c.at.has(id))) {
        inBlocks++;
        continue;
      }
      const holders = live.filter((n, i) => chains[i]!.at.has(id) || pools.get(n.descriptor.name)?.has(id));
      if (holders.length === 0) dropped.push(id);
      else if (holders.length === live.length && !this.spec.blocksOnly) pendingEverywhere++;
      else {
        partial.push(id);
        for (const n of live) if (!holders.includes(n)) lacking[n.descriptor.name] = (lacking[n.descriptor.name] ?? 0) + 1;
      }
    }

    const problems: string[] = [];
    const what = this.spec.blocksOnly ? 'in a block on every live node' : 'in a block or in every live node\'s mempool';
    if (last === undefined || last.t < deadline) problems.push(`the mempools were read until ${last ? Math.round(last.t - end) : '-'} ms after the divergence ended, short of the ${this.spec.windowMs} ms window (lengthen the run)`);
    else if (convergenceMs === null) {
      problems.push(`not converged within ${this.spec.windowMs} ms of the divergence's end: ${last.unconverged} of ${w.ids.size} transactions not ${what} at the last reading (${Math.round(last.t - end)} ms after)`);
    } else if (w.convergedAt! > deadline) {
      const atWindowEnd = [...w.samples].reverse().find((x) => x.t <= deadline);
      problems.push(`converged only ${convergenceMs} ms after the divergence's end, window ${this.spec.windowMs} ms (at the window's end ${atWindowEnd?.unconverged ?? w.ids.size} of ${w.ids.size} transactions not ${what})`);
    }
    if (dropped.length > 0) problems.push(`${dropped.length} dropped: on no live node's chain or mempool (e.g. ${short(dropped[0]!)})`);
    if (partial.length > 0) problems.push(`${partial.length} at the end not ${what} (${Object.entries(lacking).map(([n, k]) => `${n} lacks ${k}`).join(', ')}; e.g. ${short(partial[0]!)})`);

    const figures = {
      transactions: w.ids.size,
      perNode: this.spec.perNode,
      nodes: [...w.batches.keys()],
      blocksOnly: this.spec.blocksOnly,
      windowMs: this.spec.windowMs,
      divergenceEnd: { submittedAt: Math.round(w.submittedAt), healedAt: w.healedAt === undefined ? null : Math.round(w.healedAt) },
      convergenceMs,
      maxPairwiseDifference: maxDifference,
      maxPairwiseDifferenceAfterDivergence: maxAfter,
      atEnd: { inBlocks, pendingEverywhere, partial: partial.length, dropped: dropped.length, lacking },
      samples: w.samples.map((s) => ({ ms: Math.round(s.t - end), sizes: s.sizes, differences: s.differences, unconverged: s.unconverged })),
    };
    ctx.summary.set('mempoolDivergence', figures);
    const line = `${w.ids.size} transactions in ${w.batches.size} disjoint batches; divergence ended ${w.healedAt !== undefined && w.healedAt > w.submittedAt ? 'at the heal' : 'at the last submission'}; converged ${convergenceMs === null ? 'never' : `${convergenceMs} ms after`} (window ${this.spec.windowMs} ms); largest pairwise mempool difference ${maxDifference}, ${maxAfter ?? '-'} after the divergence ended; at the end ${inBlocks} in blocks, ${pendingEverywhere} pending everywhere, ${partial.length} partial, ${dropped.length} dropped`;
    return { status: problems.length === 0 ? 'pass' : 'fail', message: `${problems.length === 0 ? '' : `${problems.join('; ')} — `}${line}`, figures };
  }
}
