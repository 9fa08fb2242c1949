/**
 * TxFuzzRejected, bundled with the fuzzer: every crafted transaction was rejected, with its case's reason
 * (at most `maxRejectedOtherwise` with another reason, none accepted); none is in any block the block feed
 * saw on any node (checked against the chain, not the submit answers); every node answers at the end and
 * the chain grew by at least `minBlocks` while the fuzzer ran. Writes the `txFuzz` summary section (one
 * row per case).
 */
import type { Hex } from '../util/bytes.js';
import type { Expectation, ExpectationResult, FeedBlock, RunContext, RunMetrics } from '../runtime/contracts.js';
import type { TxFuzzWorkloadSpec } from '../scenario/spec.js';
import type { TxFuzzWorkload } from './tx-fuzz.js';

export class TxFuzzRejected implements Expectation {
  readonly name = 'tx-fuzz-rejected';
  private blocks = 0;
  private readonly included: Array<{ id: Hex; case: string; block: Hex; height: number }> = [];
  private startHeight?: number;
  private expectedBlocks = 0;
  private unsubscribe?: () => void;

  constructor(private readonly workload: TxFuzzWorkload, private readonly spec: TxFuzzWorkloadSpec) {}

  init(metrics: RunMetrics): void {
    this.expectedBlocks = metrics.expectedBlocks;
  }

  /** The bound on chain growth: as given, else half the blocks the window should produce (at least 1). */
  private minBlocks(): number {
    return this.spec.minBlocks ?? Math.max(1, Math.floor(this.expectedBlocks / 2));
  }

  async startCapture(ctx: RunContext): Promise<void> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.startHeight = Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height));
    this.unsubscribe = ctx.blockFeed.subscribe({ onBlock: (b) => this.onBlock(b) });
  }

  private onBlock(b: FeedBlock): void {
    this.blocks++;
    for (const id of b.txIds) {
      const c = this.workload.craftedIds.get(id);
      if (c) this.included.push({ id, case: c, block: b.id, height: b.height });
    }
  }

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.unsubscribe?.();
    const s = this.workload.summary();
    ctx.summary.set('txFuzz', s);
    if (!this.workload.started) return { status: 'unknown', message: 'the fuzzer did not run' };
    const tips = ctx.blockFeed.tips();
    const down = tips.filter((t) => !t.up).map((t) => t.node);
    const height = Math.max(0, ...tips.map((t) => t.height));
    const grew = height - (this.startHeight ?? 0);
    const crafted = s.cases.filter((r) => r.notCrafted === undefined);
    const sum = (f: (r: (typeof s.cases)[number]) => number) => crafted.reduce((a, r) => a + f(r), 0);
    const sent = sum((r) => r.sent);
    const asExpected = sum((r) => r.rejectedAsExpected);
    const otherwise = sum((r) => r.rejectedOtherwise);
    const accepted = sum((r) => r.accepted);
    const errored = sum((r) => r.errored);
    const minBlocks = this.minBlocks();
    const figures = { sent, rejectedAsExpected: asExpected, rejectedOtherwise: otherwise, accepted, errored, includedInBlocks: this.included.length, blocksChecked: this.blocks, heightGrowth: grew, minBlocks, nodesDown: down, cases: s.cases, valid: s.valid };
    const problems: string[] = [];
    const never = crafted.filter((r) => r.sent === 0).map((r) => r.case);
    if (accepted > 0) problems.push(`${accepted} accepted (${crafted.filter((r) => r.accepted > 0).map((r) => `${r.case} ${r.accepted}`).join(', ')})`);
    if (otherwise > this.spec.maxRejectedOtherwise) {
      const detail = crafted.filter((r) => r.rejectedOtherwise > 0).map((r) => `${r.case} ${r.rejectedOtherwise}: ${Object.entries(r.otherReasons).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      problems.push(`${otherwise} rejected with another reason than their case's, allowed ${this.spec.maxRejectedOtherwise} (${detail.join('; ')})`);
    }
    if (errored > 0) problems.push(`${errored} got no answer (${Object.entries(s.errors).map(([k, v]) => `${v}× ${k}`).join('; ').slice(0, 300)})`);
    if (this.included.length > 0) {
      const first = this.included[0]!;
      problems.push(`${this.included.length} crafted transactions in blocks (first: ${first.case} ${first.id.slice(0, 12)} at height ${first.height})`);
    }
    if (down.length > 0) problems.push(`nodes not answering at the end: ${down.join(', ')}`);
    if (grew < minBlocks) problems.push(`the chain grew by ${grew} blocks while fuzzed, needed ≥ ${minBlocks}`);
    if (never.length > 0) problems.push(`cases never sent: ${never.join(', ')}`);
    const skipped = s.cases.filter((r) => r.notCrafted !== undefined).map((r) => `${r.case} (${r.notCrafted})`);
    const line = `${sent} crafted in ${crafted.length} cases: ${asExpected} rejected as expected, ${otherwise} otherwise, ${accepted} accepted, ${errored} unanswered; ${this.included.length} of ${s.craftedIds} crafted ids in ${this.blocks} blocks; chain +${grew} blocks (≥ ${minBlocks}), ${tips.length - down.length} of ${tips.length} nodes up`;
    const notCrafted = skipped.length > 0 ? `; not crafted: ${skipped.join('; ')}` : '';
    if (sent === 0) return { status: 'fail', message: `no crafted transaction was sent${notCrafted}`, figures };
    return { status: problems.length === 0 ? 'pass' : 'fail', message: `${problems.length === 0 ? '' : `${problems.join('; ')} — `}${line}${notCrafted}`, figures };
  }
}
