/**
 * TxFuzzRejected, bundled with the fuzzer: every crafted transaction was rejected, with its case's reason
 * (at most `maxRejectedOtherwise` with another reason, none accepted); none is in any block the block feed
 * saw on any node (checked against the chain, not the submit answers); every node answers at the end and
 * the chain grew by at least `minBlocks` while the fuzzer ran. It records what it saw (the case rows, the
 * crafted ids found in blocks, the tips) and is judged by txFuzzCheck (expectations/adversary.ts). Writes the
 * `txFuzz` summary section (one row per case). A crafted transaction the chain's own check found valid before
 * it was sent (a mutation that still holds) is no crafted id: its inclusion is counted apart (validIncluded).
 */
import type { Hex } from '../util/bytes.js';
import { adversaryBounds, txFuzzCheck, type TxFuzzObserved, type TxFuzzOptions } from '../expectations/adversary.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { FeedBlock, RunContext, RunMetrics } from '../runtime/contracts.js';
import type { TxFuzzWorkloadSpec } from '../scenario/spec.js';
import type { TxFuzzWorkload } from './tx-fuzz.js';

export class TxFuzzRejected extends RecordedExpectation<TxFuzzOptions> {
  readonly name = 'tx-fuzz-rejected';
  private blocks = 0;
  private readonly included: Array<{ id: Hex; case: string; block: Hex; height: number }> = [];
  private expectedBlocks = 0;
  private unwatchBlocks?: () => void;

  constructor(private readonly workload: TxFuzzWorkload, spec: TxFuzzWorkloadSpec) {
    super(txFuzzCheck, txFuzzCheck.options(adversaryBounds(spec)!.options));
  }

  init(metrics: RunMetrics): void {
    this.expectedBlocks = metrics.expectedBlocks;
  }

  /** The height the chain's growth is counted from. */
  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.unwatchBlocks = ctx.blockFeed.subscribe({ onBlock: (b) => this.onBlock(b) });
    return { startHeight: Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height)) };
  }

  private validIncluded = 0;

  private onBlock(b: FeedBlock): void {
    this.blocks++;
    for (const id of b.txIds) {
      const c = this.workload.craftedIds.get(id);
      if (c) this.included.push({ id, case: c, block: b.id, height: b.height });
      else if (this.workload.validIds.has(id)) this.validIncluded++;
    }
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<TxFuzzObserved & Record<string, unknown>> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.unwatchBlocks?.();
    const summary = this.workload.summary();
    ctx.summary.set('txFuzz', summary);
    // Only ids still crafted at the end: one the fuzzer relabelled valid after its answer (a devnet probe of a void fill) may be included.
    const included = this.included.filter((x) => this.workload.craftedIds.has(x.id));
    const first = included[0];
    return {
      started: this.workload.started,
      summary,
      included: included.length,
      validIncluded: this.validIncluded,
      firstIncluded: first ? { id: first.id, case: first.case, height: first.height } : null,
      blocksChecked: this.blocks,
      tips: ctx.blockFeed.tips().map((t) => ({ node: t.node, up: t.up, height: t.height })),
      expectedBlocks: this.expectedBlocks,
    };
  }
}
