/**
 * RaceIncludedOnce (`race-included-once`), bundled with the propagation race: on every live node's canonical
 * chain each transaction of the batch is in exactly one block (none dropped, none twice), the nodes' state
 * roots agree at a common height and every account the race touched has the same balance and nonce on every
 * node (the balance it should have: each sender paid amount + fee once, each recipient got its amount), and,
 * when `maxInclusionMs` is set, the p99 time from a transaction's first submission to the block that included
 * it is within it. Reports per node how many copies it took, answered duplicate or otherwise, and the
 * inclusion times (from the first request carrying a transaction to the including block's timestamp, and to
 * when the block feed first saw that block). It records what it read and is judged by propagationRaceCheck
 * (expectations/adversary.ts). Writes the `propagationRace` summary section.
 */
import type { Hex } from '../util/bytes.js';
import { adversaryBounds, propagationRaceCheck, type PropagationRaceOptions, type RaceObserved } from '../expectations/adversary.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { ExpectationResult, FeedBlock, RunContext } from '../runtime/contracts.js';
import type { PropagationRaceWorkloadSpec } from '../scenario/spec.js';
import { quantile } from '../util/quantile.js';
import { canonicalHeights, compareAccounts, compareStateRoots } from './chain-reads.js';
import type { SendOutcome } from './batch-plan.js';
import type { PropagationRaceWorkload } from './propagation-race.js';

export interface RaceNodeAnswers {
  sent: number;
  accepted: number;
  duplicate: number;
  /** Other answers by reason ('error': the request failed). */
  other: Record<string, number>;
}

/** Per node: how many copies of the batch it was sent and what it answered. */
export function answersByNode(outcomes: readonly SendOutcome[]): Record<string, RaceNodeAnswers> {
  const out: Record<string, RaceNodeAnswers> = {};
  for (const o of outcomes) {
    const row = (out[o.node] ??= { sent: 0, accepted: 0, duplicate: 0, other: {} });
    for (const r of o.results) {
      row.sent++;
      if (r === 'ok') row.accepted++;
      else if (r === 'duplicate') row.duplicate++;
      else row.other[r] = (row.other[r] ?? 0) + 1;
    }
  }
  return out;
}

/** When each transaction first went out (the earliest request carrying it). */
export function firstSubmissions(outcomes: readonly SendOutcome[]): Map<Hex, number> {
  const first = new Map<Hex, number>();
  for (const o of outcomes) for (const id of o.ids) if (!first.has(id) || o.sentAt < first.get(id)!) first.set(id, o.sentAt);
  return first;
}

export function latencyFigures(ms: number[]): { count: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: Math.round(quantile(sorted, 0.5)), p99Ms: Math.round(quantile(sorted, 0.99)), maxMs: Math.round(sorted[sorted.length - 1] ?? 0) };
}

export class RaceIncludedOnce extends RecordedExpectation<PropagationRaceOptions> {
  readonly name = 'race-included-once';
  private startHeight = 0;
  /** The first block the feed saw carrying each batch transaction. */
  private readonly firstBlock = new Map<Hex, FeedBlock>();
  private unwatchBlocks?: () => void;

  constructor(private readonly workload: PropagationRaceWorkload, spec: PropagationRaceWorkloadSpec) {
    super(propagationRaceCheck, propagationRaceCheck.options(adversaryBounds(spec)!.options));
  }

  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.startHeight = Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height));
    this.unwatchBlocks = ctx.blockFeed.subscribe({
      onBlock: (b) => {
        for (const id of b.txIds) if (this.workload.ids.has(id) && !this.firstBlock.has(id)) this.firstBlock.set(id, b);
      },
    });
    return { startHeight: this.startHeight };
  }

  /** The copies' answers and inclusion times, and each live node's chain, state root and touched accounts at the end. */
  protected override async observeEvaluate(ctx: RunContext): Promise<RaceObserved & Record<string, unknown>> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.unwatchBlocks?.();
    const w = this.workload;
    const answers = answersByNode(w.outcomes);
    const first = firstSubmissions(w.outcomes);
    const inclusion = latencyFigures([...first].flatMap(([id, at]) => {
      const b = this.firstBlock.get(id);
      return b ? [Math.max(0, b.timestamp - at)] : [];
    }));
    // The same from when loadnet's block feed first saw the block (adds the feed's polling delay).
    const seenInBlock = latencyFigures([...first].flatMap(([id, at]) => (this.firstBlock.has(id) ? [Math.max(0, this.firstBlock.get(id)!.firstSeenAt - at)] : [])));
    const base = { batch: w.ids.size, nodes: w.nodes, startHeight: this.startHeight, answers, inclusion, seenInBlock };
    if (!w.started) return { started: false, ...base, perNode: {}, firstMissing: {}, firstTwice: {}, stateRoot: { height: null, roots: {}, distinct: 0 }, touchedAccounts: 0, differingAccounts: 0, firstDiffering: null, wrongRecipients: 0, firstWrongRecipient: null, wrongSenders: 0, down: [] };
    const up = new Set(ctx.blockFeed.tips().filter((t) => t.up).map((t) => t.node));
    const live = ctx.nodes().filter((n) => up.has(n.descriptor.name));
    const perNode: RaceObserved['perNode'] = {};
    const firstMissing: RaceObserved['firstMissing'] = {};
    const firstTwice: RaceObserved['firstTwice'] = {};
    for (const n of live) {
      const name = n.descriptor.name;
      const { tip, at } = await canonicalHeights(n, this.startHeight, w.ids);
      const missing = [...w.ids].filter((id) => !at.has(id));
      const twice = [...at].filter(([, hs]) => hs.length > 1);
      perNode[name] = { tip, included: at.size, missing: missing.length, twice: twice.length };
      if (missing.length > 0) firstMissing[name] = missing[0]!;
      if (twice.length > 0) firstTwice[name] = { id: twice[0]![0], heights: twice[0]![1] };
    }
    const stateRoot = await compareStateRoots(live);
    const touched = w.batch.flatMap((t) => [t.from, t.to]);
    const accounts = await compareAccounts(live, touched);
    const wrongRecipients = w.batch.filter((t) => Object.values(accounts.values.get(t.to) ?? {}).some((v) => typeof v === 'string' || v.balance !== t.amount));
    const wrongSenders = w.batch.filter((t) => Object.values(accounts.values.get(t.from) ?? {}).some((v) => typeof v === 'string' || v.nonce !== t.nonce + 1));
    const differing = accounts.differing[0];
    const recipient = wrongRecipients[0];
    return {
      started: true,
      ...base,
      perNode,
      firstMissing,
      firstTwice,
      stateRoot,
      touchedAccounts: touched.length,
      differingAccounts: accounts.differing.length,
      firstDiffering: differing ? { id: differing, values: accounts.values.get(differing)! } : null,
      wrongRecipients: wrongRecipients.length,
      firstWrongRecipient: recipient ? { id: recipient.to, amount: recipient.amount, values: accounts.values.get(recipient.to) ?? {} } : null,
      wrongSenders: wrongSenders.length,
      down: w.nodes.filter((n) => !up.has(n)),
    };
  }

  override async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    const result = await super.evaluate(ctx);
    if (result.status !== 'unknown') ctx.summary.set('propagationRace', result.figures);
    return result;
  }
}
