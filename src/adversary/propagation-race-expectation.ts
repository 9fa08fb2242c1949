/**
 * RaceIncludedOnce (`race-included-once`), bundled with the propagation race: on every live node's canonical
 * chain each transaction of the batch is in exactly one block (none dropped, none twice), the nodes' state
 * roots agree at a common height and every account the race touched has the same balance and nonce on every
 * node (the balance it should have: each sender paid amount + fee once, each recipient got its amount), and,
 * when `maxInclusionMs` is set, the p99 time from a transaction's first submission to the block that included
 * it is within it. Reports per node how many copies it took, answered duplicate or otherwise, and the
 * inclusion times (from the first request carrying a transaction to the including block's timestamp, and to
 * when the block feed first saw that block).
 * Writes the `propagationRace` summary section.
 */
import type { Hex } from '../util/bytes.js';
import type { Expectation, ExpectationResult, FeedBlock, RunContext } from '../runtime/contracts.js';
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

const short = (id: string) => id.slice(0, 12);

export class RaceIncludedOnce implements Expectation {
  readonly name = 'race-included-once';
  private startHeight = 0;
  /** The first block the feed saw carrying each batch transaction. */
  private readonly firstBlock = new Map<Hex, FeedBlock>();
  private unsubscribe?: () => void;

  constructor(private readonly workload: PropagationRaceWorkload, private readonly spec: PropagationRaceWorkloadSpec) {}

  async startCapture(ctx: RunContext): Promise<void> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.startHeight = Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height));
    this.unsubscribe = ctx.blockFeed.subscribe({
      onBlock: (b) => {
        for (const id of b.txIds) if (this.workload.ids.has(id) && !this.firstBlock.has(id)) this.firstBlock.set(id, b);
      },
    });
  }

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    this.unsubscribe?.();
    const w = this.workload;
    if (!w.started) return { status: 'unknown', message: 'the race did not run' };
    const answers = answersByNode(w.outcomes);
    const first = firstSubmissions(w.outcomes);
    const inclusionMs = [...first].flatMap(([id, at]) => {
      const b = this.firstBlock.get(id);
      return b ? [Math.max(0, b.timestamp - at)] : [];
    });
    const inclusion = latencyFigures(inclusionMs);
    // The same from when loadnet's block feed first saw the block (adds the feed's polling delay).
    const seen = latencyFigures([...first].flatMap(([id, at]) => (this.firstBlock.has(id) ? [Math.max(0, this.firstBlock.get(id)!.firstSeenAt - at)] : [])));
    const up = new Set(ctx.blockFeed.tips().filter((t) => t.up).map((t) => t.node));
    const live = ctx.nodes().filter((n) => up.has(n.descriptor.name));
    const down = w.nodes.filter((n) => !up.has(n));

    const problems: string[] = [];
    const perNode: Record<string, { tip: number; included: number; missing: number; twice: number }> = {};
    for (const n of live) {
      const { tip, at } = await canonicalHeights(n, this.startHeight, w.ids);
      const missing = [...w.ids].filter((id) => !at.has(id));
      const twice = [...at].filter(([, hs]) => hs.length > 1);
      perNode[n.descriptor.name] = { tip, included: at.size, missing: missing.length, twice: twice.length };
      if (missing.length > 0) problems.push(`${n.descriptor.name} misses ${missing.length} of ${w.ids.size} (e.g. ${short(missing[0]!)})`);
      if (twice.length > 0) problems.push(`${n.descriptor.name} has ${twice.length} included more than once (e.g. ${short(twice[0]![0])} at heights ${twice[0]![1].join(', ')})`);
    }
    const state = await compareStateRoots(live);
    if (state.height === null) problems.push(`no height where every node serves the same block: ${JSON.stringify(state.roots).slice(0, 300)}`);
    else if (state.distinct > 1) problems.push(`${state.distinct} different state roots at height ${state.height}: ${Object.entries(state.roots).map(([n, r]) => `${n} ${typeof r === 'string' ? r : short(r.root)}`).join(', ')}`);
    const touched = w.batch.flatMap((t) => [t.from, t.to]);
    const accounts = await compareAccounts(live, touched);
    if (accounts.differing.length > 0) problems.push(`${accounts.differing.length} touched accounts differ between nodes (e.g. ${short(accounts.differing[0]!)}: ${JSON.stringify(accounts.values.get(accounts.differing[0]!))})`);
    const wrongRecipients = w.batch.filter((t) => Object.values(accounts.values.get(t.to) ?? {}).some((v) => typeof v === 'string' || v.balance !== t.amount));
    const wrongSenders = w.batch.filter((t) => Object.values(accounts.values.get(t.from) ?? {}).some((v) => typeof v === 'string' || v.nonce !== t.nonce + 1));
    if (wrongRecipients.length > 0) problems.push(`${wrongRecipients.length} recipients do not hold exactly their transfer (e.g. ${short(wrongRecipients[0]!.to)} should hold ${wrongRecipients[0]!.amount}: ${JSON.stringify(accounts.values.get(wrongRecipients[0]!.to))})`);
    if (wrongSenders.length > 0) problems.push(`${wrongSenders.length} senders' nonces did not move by exactly one`);
    if (down.length > 0) problems.push(`raced nodes not answering at the end: ${down.join(', ')}`);
    const unanswered = Object.values(answers).reduce((a, r) => a + (r.other.error ?? 0), 0);
    if (unanswered > 0) problems.push(`${unanswered} copies got no answer`);
    if (this.spec.maxInclusionMs !== undefined && inclusion.count > 0 && inclusion.p99Ms > this.spec.maxInclusionMs) problems.push(`inclusion p99 ${inclusion.p99Ms} ms > bound ${this.spec.maxInclusionMs} ms`);

    const figures = { batch: w.ids.size, nodes: w.nodes, startHeight: this.startHeight, answers, inclusion, seenInBlock: seen, perNode, stateRoot: state, touchedAccounts: touched.length, differingAccounts: accounts.differing.length };
    ctx.summary.set('propagationRace', figures);
    const copies = Object.entries(answers).map(([n, a]) => `${n} ${a.accepted} ok/${a.duplicate} dup${Object.keys(a.other).length > 0 ? `/${Object.entries(a.other).map(([k, v]) => `${v} ${k}`).join('/')}` : ''}`).join(', ');
    const line = `${w.ids.size} transactions raced to ${w.nodes.length} nodes (${copies}); included once on ${Object.values(perNode).filter((p) => p.missing === 0 && p.twice === 0).length} of ${live.length} nodes; inclusion p50 ${inclusion.p50Ms} ms, p99 ${inclusion.p99Ms} ms, max ${inclusion.maxMs} ms${this.spec.maxInclusionMs !== undefined ? ` (bound ${this.spec.maxInclusionMs} ms)` : ''}; state root at height ${state.height ?? '-'}: ${state.distinct} distinct; ${touched.length} touched accounts, ${accounts.differing.length} differing`;
    return { status: problems.length === 0 ? 'pass' : 'fail', message: `${problems.length === 0 ? '' : `${problems.join('; ')} — `}${line}`, figures };
  }
}
