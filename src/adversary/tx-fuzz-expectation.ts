/**
 * TxFuzzRejected, bundled with the fuzzer: every crafted transaction was rejected, with its case's reason
 * (at most `maxRejectedOtherwise` with another reason, none accepted); none is in any block the block feed
 * saw on any node (checked against the chain, not the submit answers); every node answers at the end and
 * the chain grew by at least `minBlocks` while the fuzzer ran. It records what it saw (the case rows, the
 * crafted ids found in blocks, the tips) and is judged by txFuzzCheck (expectations/adversary.ts). Writes the
 * `txFuzz` summary section (one row per case). A crafted transaction the chain's own check found valid before
 * it was sent (a mutation that still holds) is no crafted id: its inclusion is counted apart (validIncluded).
 */
import { adversaryBounds, txFuzzCheck, type TxFuzzObserved, type TxFuzzOptions } from '../expectations/adversary.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { RunContext, RunMetrics } from '../runtime/contracts.js';
import type { TxFuzzWorkloadSpec } from '../scenario/spec.js';
import type { TxFuzzWorkload } from './tx-fuzz.js';
import { InvalidInclusionWatch } from '../runtime/invalid-txs.js';

export class TxFuzzRejected extends RecordedExpectation<TxFuzzOptions> {
  readonly name = 'tx-fuzz-rejected';
  private expectedBlocks = 0;
  private validIncluded = 0;
  private readonly watch: InvalidInclusionWatch;

  constructor(private readonly workload: TxFuzzWorkload, spec: TxFuzzWorkloadSpec) {
    super(txFuzzCheck, txFuzzCheck.options(adversaryBounds(spec)!.options));
    this.watch = new InvalidInclusionWatch(
      (id) => workload.invalidTxKind(id),
      (id) => {
        if (workload.validIds.has(id)) this.validIncluded++;
      },
    );
  }

  init(metrics: RunMetrics): void {
    this.expectedBlocks = metrics.expectedBlocks;
  }

  /** The height the chain's growth is counted from. */
  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.watch.start(ctx.blockFeed);
    return { startHeight: Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height)) };
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<TxFuzzObserved & Record<string, unknown>> {
    // Only ids still crafted at the end: one the fuzzer relabelled valid after its answer (a devnet probe of a void fill) may be included.
    const { blocksChecked, included } = await this.watch.finish(ctx.blockFeed);
    const summary = this.workload.summary();
    ctx.summary.set('txFuzz', summary);
    const first = included[0];
    return {
      started: this.workload.started,
      summary,
      included: included.length,
      validIncluded: this.validIncluded,
      firstIncluded: first ? { id: first.id, case: first.kind, height: first.height } : null,
      blocksChecked,
      tips: ctx.blockFeed.tips().map((t) => ({ node: t.node, up: t.up, height: t.height })),
      expectedBlocks: this.expectedBlocks,
    };
  }
}
