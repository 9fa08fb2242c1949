/**
 * Mempool bounded (for pressure tests): each node's pending count, sampled from /mempool/metrics during the
 * run (the node sampler's `node.sample` events), stays ≤ maxPending, and over the last `trendWindowFraction` of the run window its trend
 * (Theil–Sen, util/trend.ts: the one trend estimator, robust to the sawtooth of block production and to a
 * sample taken mid-burst, where a least-squares fit follows the outlier)
 * is flat or falling: the rise it implies across that stretch is ≤ maxTrendRise × maxPending.
 * Samples after the planned window end are not judged (the mempool drains in the cooldown).
 */
import type { ExpectationResult } from '../runtime/contracts.js';
import type { RunEvent } from '../runtime/run-events.js';
import { pendingSampleOf, type PendingSample } from '../runtime/node-sampler.js';
import { RecordedExpectation, windowOf, type HistoryCheck } from './recorded.js';
import { theilSen } from '../util/trend.js';
import { checkNumber, round, stripUndefined } from './common.js';

export interface MempoolBoundedOptions {
  /** Upper bound on pending transactions per node. Default 10,000. */
  maxPending: number;
  /** The last fraction (0..1] of the window whose trend is judged. Default 0.25. */
  trendWindowFraction: number;
  /** Allowed rise over the trend stretch, as a fraction of maxPending. Default 0.1. */
  maxTrendRise: number;
  /** How often each node is sampled. Default 1000 ms. */
  sampleIntervalMs: number;
}

export const MEMPOOL_DEFAULTS: MempoolBoundedOptions = { maxPending: 10_000, trendWindowFraction: 0.25, maxTrendRise: 0.1, sampleIntervalMs: 1000 };

/** A trend over fewer samples than this is noise: such a node's trend is reported as not judged. */
export const MIN_TREND_SAMPLES = 5;

export type { PendingSample };

export interface MempoolNodeFigures {
  samples: number;
  maxPending: number;
  maxAt: number;
  trendPerSecond: number;
  trendRise: number;
}

export function judgeMempool(samples: readonly PendingSample[], window: { startMs: number; endMs: number }, o: MempoolBoundedOptions): ExpectationResult & { figures: { nodes: Record<string, MempoolNodeFigures>; trendFromMs: number } } {
  const inWindow = samples.filter((s) => s.at >= window.startMs && s.at <= window.endMs);
  const trendFrom = window.endMs - o.trendWindowFraction * (window.endMs - window.startMs);
  const allowedRise = o.maxTrendRise * o.maxPending;
  const byNode = new Map<string, PendingSample[]>();
  for (const s of inWindow) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
  const nodes: Record<string, MempoolNodeFigures> = {};
  const over: string[] = [];
  const rising: string[] = [];
  const unjudged: string[] = [];
  for (const [node, list] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
    const max = list.reduce((m, s) => (s.pending > m.pending ? s : m), list[0]!);
    const tail = list.filter((s) => s.at >= trendFrom);
    const perMs = (theilSen(tail.map((s) => ({ t: s.at, value: s.pending })))?.slopePerS ?? 0) / 1000;
    const span = tail.length > 1 ? tail[tail.length - 1]!.at - tail[0]!.at : 0;
    const rise = perMs * span;
    nodes[node] = { samples: list.length, maxPending: max.pending, maxAt: Math.round(max.at - window.startMs), trendPerSecond: round(perMs * 1000, 2), trendRise: Math.round(rise) };
    if (max.pending > o.maxPending) over.push(`${node} reached ${max.pending} pending at +${round((max.at - window.startMs) / 1000, 1)}s (bound ${o.maxPending})`);
    if (tail.length < MIN_TREND_SAMPLES) unjudged.push(node);
    else if (rise > allowedRise) rising.push(`${node} rising ${round(perMs * 1000, 1)} tx/s over the last ${round(span / 1000, 1)}s (+${Math.round(rise)}, allowed +${Math.round(allowedRise)})`);
  }
  const figures = { nodes, trendFromMs: Math.round(trendFrom - window.startMs), trendNotJudged: unjudged };
  const note = unjudged.length ? `; trend not judged on ${unjudged.join(', ')} (fewer than ${MIN_TREND_SAMPLES} samples in the last ${round(o.trendWindowFraction * 100)}%)` : '';
  if (byNode.size === 0) return { status: 'fail', message: `no mempool samples inside the run window (${samples.length} outside it)`, figures };
  const problems = [...over, ...rising];
  if (problems.length) return { status: 'fail', message: problems.join('; ') + note, figures };
  const peak = Object.entries(nodes).reduce((m, [n, f]) => (f.maxPending > m.v ? { n, v: f.maxPending } : m), { n: '', v: -1 });
  const steepest = Math.max(...Object.values(nodes).map((f) => f.trendPerSecond));
  return { status: 'pass', message: `peak ${peak.v} pending (${peak.n}) ≤ ${o.maxPending}; steepest trend over the last ${round(o.trendWindowFraction * 100)}% ${steepest} tx/s (allowed rise +${Math.round(allowedRise)})${note}`, figures };
}

function mempoolOptions(raw: Record<string, unknown>): MempoolBoundedOptions {
  const o = { ...MEMPOOL_DEFAULTS, ...stripUndefined(raw) } as MempoolBoundedOptions;
  const name = 'mempool-bounded';
  checkNumber(name, 'maxPending', o.maxPending, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of transactions (default 10000)');
  checkNumber(name, 'trendWindowFraction', o.trendWindowFraction, 0.01, 1, 'a fraction of the run window from 0.01 to 1 (default 0.25)');
  checkNumber(name, 'maxTrendRise', o.maxTrendRise, 0, 1000, 'a non-negative fraction of maxPending (default 0.1)');
  checkNumber(name, 'sampleIntervalMs', o.sampleIntervalMs, 50, 3_600_000, 'milliseconds from 50 (default 1000)');
  return { maxPending: o.maxPending, trendWindowFraction: o.trendWindowFraction, maxTrendRise: o.maxTrendRise, sampleIntervalMs: o.sampleIntervalMs };
}

/** The pending counts in `node.sample` events (the node sampler's; nodes without a mempool view have none). */
export function pendingSamples(events: readonly RunEvent[]): PendingSample[] {
  return events.flatMap((e) => pendingSampleOf(e) ?? []);
}

/** Mempool bounded over the history: the node sampler's `node.sample` events, judged in the run window. */
export const mempoolCheck: HistoryCheck<MempoolBoundedOptions> = {
  type: 'mempool-bounded',
  kinds: ['node.sample'],
  options: mempoolOptions,
  judge: (slice, o) => judgeMempool(pendingSamples(slice.events), windowOf(slice), o),
};

/**
 * Samples nothing itself: the run's node sampler (runtime/node-sampler.ts) writes every node's pending count
 * to the history, at this expectation's sampleIntervalMs when it is shorter than the sampler's second.
 */
export class MempoolBounded extends RecordedExpectation<MempoolBoundedOptions> {
  readonly name = 'mempool-bounded';

  constructor(options: Partial<MempoolBoundedOptions> = {}) {
    super(mempoolCheck, mempoolOptions(options));
  }
}
