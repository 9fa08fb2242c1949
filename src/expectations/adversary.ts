/**
 * The adversary checks as functions of the history: api-flood, flooding-peer, tx-fuzz, fee-priority,
 * propagation-race and mempool-divergence. Each bundled expectation (adversary/, workloads/fee-pressure.ts)
 * records at evaluation what its workload and the nodes showed (the flood's figures, the fuzzer's case rows,
 * the chain reads at the end) and is judged here against the spec's bounds, taken as the checker's options, so
 * `loadnet check` can judge a saved run again with the recorded bounds or changed ones.
 *
 * The interfaces below name only the fields a judge reads; the workloads' own report types carry more.
 */
import type { ExpectationResult } from '../runtime/contracts.js';
import type { WorkloadSpec } from '../scenario/spec.js';
import { checkNumber } from './common.js';
import type { HistoryCheck } from './recorded.js';

const short = (id: string) => id.slice(0, 12);
const MAX = Number.MAX_SAFE_INTEGER;
const verdict = (problems: string[], line: string, figures: Record<string, unknown>): ExpectationResult => ({
  status: problems.length === 0 ? 'pass' : 'fail',
  message: problems.length === 0 ? line : `${problems.join('; ')} — ${line}`,
  figures,
});

function optionalCount(type: string, field: string, v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : checkNumber(type, field, v, 0, MAX, 'a non-negative number of blocks (absent: derived from the run)');
}

/** The chain growth a span must show when no bound was given: half the blocks expected in it, at least 1. */
export function halfTheBlocks(spanMs: number, meanBlockIntervalMs: number): number {
  return Math.max(1, Math.floor(spanMs / meanBlockIntervalMs / 2));
}

/**
 * The bounds an adversary workload's spec gives its bundled expectation, by the expectation's name: what the
 * expectation judges with live and what `loadnet check --scenario` takes from a scenario file.
 */
export function adversaryBounds(w: WorkloadSpec): { name: string; options: Record<string, unknown> } | undefined {
  switch (w.type) {
    case 'api-flood':
      return { name: `api-flood:${w.target}`, options: { controlP99Ms: w.controlP99Ms, minRateFraction: w.minRateFraction, minBlocks: w.minBlocks } };
    case 'flooding-peer':
      return { name: `flooding-peer:${w.target}`, options: { banWithinMs: w.banWithinMs, maxQueueBytes: w.maxQueueBytes, propagationP99Ms: w.propagationP99Ms, minBlocks: w.minBlocks } };
    case 'tx-fuzz':
      return { name: 'tx-fuzz-rejected', options: { maxRejectedOtherwise: w.maxRejectedOtherwise, minBlocks: w.minBlocks } };
    case 'fee-pressure':
      return { name: 'fee-priority', options: { maxTierLatencyRatio: w.maxTierLatencyRatio, minEvictions: w.minEvictions, minBlockFill: w.minBlockFill, minThroughputFraction: w.minThroughputFraction } };
    case 'propagation-race':
      return { name: 'race-included-once', options: { maxInclusionMs: w.maxInclusionMs } };
    case 'mempool-divergence':
      return { name: 'mempool-converged', options: { windowMs: w.windowMs } };
    default:
      return undefined;
  }
}

// ---- api-flood ----

export interface ApiFloodOptions {
  controlP99Ms: number;
  minRateFraction: number;
  minBlocks?: number;
}

interface Latency {
  p50: number;
  p99: number;
}

/** What the flood recorded (FloodReport in adversary/api-flood-workload.ts). */
export interface FloodObserved {
  target: string;
  rate: number;
  flood: { sent: number; sentPerSec: number; answeredPerSec: number; shed: number; s2xx: number; s4xx: number; s429: number; s5xx: number; timeouts: number; errors: number };
  control: { requests: number; ok: number; failed: number; latency: Latency; submits?: { batches: number; ok: number; transfers: number; accepted: number; latency: Latency } };
  heightBefore: number;
  heightAfter: number;
  floodMs: number;
}

/** The flood reached its rate, the control client's p99 stayed within the bound, the flooded node's chain grew. */
export const apiFloodCheck: HistoryCheck<ApiFloodOptions> = {
  type: 'api-flood',
  kinds: [],
  options: (raw) => ({
    controlP99Ms: checkNumber('api-flood', 'controlP99Ms', raw.controlP99Ms, 0, MAX, 'a non-negative number of milliseconds'),
    minRateFraction: checkNumber('api-flood', 'minRateFraction', raw.minRateFraction, 0, 1, 'a fraction from 0 to 1'),
    ...(optionalCount('api-flood', 'minBlocks', raw.minBlocks) !== undefined ? { minBlocks: raw.minBlocks as number } : {}),
  }),
  judge(slice, o) {
    const { report: r, meanBlockIntervalMs } = slice.evaluate as { report: FloodObserved | null; meanBlockIntervalMs: number };
    if (!r) return { status: 'unknown', message: 'the flood did not run' };
    const f = r.flood;
    const minBlocks = o.minBlocks ?? halfTheBlocks(r.floodMs, meanBlockIntervalMs);
    const grew = r.heightAfter - r.heightBefore;
    const p99 = r.control.latency.p99;
    const minRate = o.minRateFraction * r.rate;
    const problems: string[] = [];
    if (f.sentPerSec < minRate) problems.push(`the flood sent ${f.sentPerSec} requests/s, under ${Math.round(minRate)} (${o.minRateFraction} × ${r.rate}; ${f.shed} held back by the in-flight cap)`);
    if (p99 > o.controlP99Ms) problems.push(`control client p99 ${p99} ms > ${o.controlP99Ms} ms`);
    if (r.control.failed > 0) problems.push(`${r.control.failed} of ${r.control.requests} control requests failed`);
    if (r.heightBefore < 0 || r.heightAfter < 0) problems.push(`${r.target} did not answer its height (before ${r.heightBefore}, after ${r.heightAfter})`);
    else if (grew < minBlocks) problems.push(`${r.target} grew by ${grew} blocks during the ${(r.floodMs / 1000).toFixed(1)} s flood, needed ≥ ${minBlocks}`);
    const mix = `2xx ${f.s2xx}, 4xx ${f.s4xx}, 429 ${f.s429}, 5xx ${f.s5xx}, timeouts ${f.timeouts}, errors ${f.errors}`;
    const sub = r.control.submits;
    const batches = sub ? ` (transfer batches: p99 ${sub.latency.p99} ms, ${sub.ok}/${sub.batches} answered, ${sub.accepted}/${sub.transfers} transfers accepted)` : '';
    const line = `flood on ${r.target}: ${f.sent} requests at ${f.sentPerSec}/s (answered ${f.answeredPerSec}/s; ${mix}); control p99 ${p99} ms (bound ${o.controlP99Ms}), p50 ${r.control.latency.p50} ms, ${r.control.ok}/${r.control.requests} ok${batches}; height ${r.heightBefore} → ${r.heightAfter} (≥ ${minBlocks})`;
    return verdict(problems, line, { ...f, control: r.control, heightBefore: r.heightBefore, heightAfter: r.heightAfter, minBlocks, controlP99BoundMs: o.controlP99Ms });
  },
};

// ---- flooding-peer ----

export interface FloodingPeerOptions {
  banWithinMs: number;
  maxQueueBytes: number;
  propagationP99Ms: number;
  minBlocks?: number;
}

/** What the flooding peer records (adversary/flooding-peer.ts FloodingPeerReport names the kinds and score points). */
export interface FloodingPeerObserved {
  target: string;
  peerId: string;
  rate: number;
  /** Messages sent, by kind. */
  sent: Partial<Record<string, number>>;
  /** The flood's length (until the ban, or its end). */
  floodMs: number;
  /** From the first message to the victim's disconnect (null: never disconnected). */
  timeToBanMs: number | null;
  /** The victim's reason, as its DISCONNECT frame gave it. */
  disconnectReason: string | null;
  /** A reconnect right after: refused as banned? (null: not tried). */
  reconnectRefused: string | null;
  /** Lowest score read, and when it first fell below the throttle threshold (-50 on the devnet). */
  minScore: number | null;
  throttledAtMs: number | null;
  /** The victim's score for the flooder over time. */
  scores: unknown[];
  /** Peak of the victim's fullest outbound P2P queue, sampled with the score (null: never read). */
  queuePeakBytes: number | null;
  heightBefore: number;
  heightAfter: number;
  /** From the first message to the height read after: the span liveness is judged over (the flood's planned span). */
  observedMs: number;
  /** Lag of the victim's tip behind the block's first sighting anywhere, while flooded. */
  propagation: { samples: number; p50Ms: number | null; p99Ms: number | null };
}

/** Banned in time (and kept out), the score seen falling, the victim live and in step. */
export const floodingPeerCheck: HistoryCheck<FloodingPeerOptions> = {
  type: 'flooding-peer',
  kinds: [],
  options: (raw) => ({
    banWithinMs: checkNumber('flooding-peer', 'banWithinMs', raw.banWithinMs, 0, MAX, 'a non-negative number of milliseconds'),
    maxQueueBytes: checkNumber('flooding-peer', 'maxQueueBytes', raw.maxQueueBytes, 0, MAX, 'a non-negative number of bytes'),
    propagationP99Ms: checkNumber('flooding-peer', 'propagationP99Ms', raw.propagationP99Ms, 0, MAX, 'a non-negative number of milliseconds'),
    ...(optionalCount('flooding-peer', 'minBlocks', raw.minBlocks) !== undefined ? { minBlocks: raw.minBlocks as number } : {}),
  }),
  judge(slice, o) {
    const { report: r, meanBlockIntervalMs } = slice.evaluate as { report: FloodingPeerObserved | null; meanBlockIntervalMs: number };
    if (!r) return { status: 'unknown', message: 'the flooding peer did not run' };
    const problems: string[] = [];
    const sent = Object.values(r.sent).reduce<number>((s, x) => s + (x ?? 0), 0);
    if (r.timeToBanMs === null) problems.push(`${r.target} never disconnected the flooder in ${(r.floodMs / 1000).toFixed(1)} s of flooding (${sent} messages; its score fell to ${r.minScore ?? 'unknown'})`);
    else if (r.timeToBanMs > o.banWithinMs) problems.push(`${r.target} disconnected the flooder after ${r.timeToBanMs} ms > ${o.banWithinMs} ms`);
    if (r.timeToBanMs !== null && !/banned/.test(r.reconnectRefused ?? '')) problems.push(`a reconnect after the disconnect was not refused as banned (${r.reconnectRefused ?? 'it was accepted'})`);
    if (r.scores.length === 0) problems.push(`the flooder's score was never visible in ${r.target}'s p2p_peer_score`);
    else if ((r.minScore ?? 0) >= 0) problems.push(`the flooder's score never fell (lowest ${r.minScore})`);
    if (r.queuePeakBytes === null) problems.push(`${r.target}'s outbound queue was never read (p2p_outbound_queue_bytes_max)`);
    else if (r.queuePeakBytes > o.maxQueueBytes) problems.push(`${r.target}'s fullest outbound queue reached ${r.queuePeakBytes} bytes > ${o.maxQueueBytes}`);
    const minBlocks = o.minBlocks ?? halfTheBlocks(Math.max(r.observedMs, 1), meanBlockIntervalMs);
    const grew = r.heightAfter - r.heightBefore;
    if (r.heightBefore < 0 || r.heightAfter < 0) problems.push(`${r.target} did not answer its height (before ${r.heightBefore}, after ${r.heightAfter})`);
    else if (grew < minBlocks) problems.push(`${r.target} grew by ${grew} blocks in the ${(r.observedMs / 1000).toFixed(1)} s from the flood's start, needed ≥ ${minBlocks}`);
    const p = r.propagation;
    if (p.p99Ms !== null && p.p99Ms > o.propagationP99Ms) problems.push(`blocks reached ${r.target} with p99 ${p.p99Ms} ms > ${o.propagationP99Ms} ms`);
    const kinds = Object.entries(r.sent).map(([k, n]) => `${k} ${n}`).join(', ');
    const line = `flooder ${r.peerId.slice(0, 16)} at ${r.rate} msg/s on ${r.target}: ${sent} messages (${kinds}); score min ${r.minScore ?? '–'}, throttled at ${r.throttledAtMs ?? '–'} ms, banned after ${r.timeToBanMs ?? '–'} ms (bound ${o.banWithinMs}; ${r.disconnectReason ?? 'still connected'}); reconnect ${r.reconnectRefused ?? 'not refused'}; outbound queue peak ${r.queuePeakBytes ?? '–'} bytes (≤ ${o.maxQueueBytes}); height ${r.heightBefore} → ${r.heightAfter} in ${(r.observedMs / 1000).toFixed(1)} s (≥ ${minBlocks}); propagation to it p50 ${p.p50Ms ?? '–'} ms, p99 ${p.p99Ms ?? '–'} ms over ${p.samples} blocks`;
    return verdict(problems, line, { ...r, scores: r.scores.length });
  },
};

// ---- tx-fuzz ----

export interface TxFuzzOptions {
  maxRejectedOtherwise: number;
  minBlocks?: number;
}

/** One case row as the fuzzer records it (adversary/tx-fuzz.ts FuzzCaseRow adds the expected reasons). */
export interface FuzzRowObserved {
  case: string;
  sent: number;
  rejectedAsExpected: number;
  rejectedOtherwise: number;
  accepted: number;
  /** The request failed (HTTP error, timeout): no answer about the transaction. */
  errored: number;
  /** Taken into a queue where the case allows it (an EVM future nonce): not accepted, never to be in a block. */
  heldAsExpected?: number;
  /** Taken, and found valid by the fuzzer's own check of the chain's rules before sending (a mutation that still holds). */
  acceptedValid?: number;
  /** Answers other than the expected ones, by reason. */
  otherReasons: Record<string, number>;
  /** Set when the case could not be crafted on this chain. */
  notCrafted?: string;
}

/** What the fuzz check read at evaluation: the fuzzer's summary, crafted ids seen in blocks, the tips. */
export interface TxFuzzObserved {
  started: boolean;
  summary: { cases: FuzzRowObserved[]; valid: unknown; craftedIds: number; errors: Record<string, number> };
  /** Crafted transactions the block feed saw in a block: how many, and the first. */
  included: number;
  /** Crafted transactions found valid before sending that a block holds (allowed; counted apart). */
  validIncluded?: number;
  firstIncluded: { id: string; case: string; height: number } | null;
  blocksChecked: number;
  tips: Array<{ node: string; up: boolean; height: number }>;
  expectedBlocks: number;
}

/** Every crafted transaction rejected with its case's reason, none in a block, every node up, the chain growing. */
export const txFuzzCheck: HistoryCheck<TxFuzzOptions> = {
  type: 'tx-fuzz',
  kinds: [],
  options: (raw) => ({
    maxRejectedOtherwise: checkNumber('tx-fuzz', 'maxRejectedOtherwise', raw.maxRejectedOtherwise ?? 0, 0, MAX, 'a non-negative count (default 0)'),
    ...(optionalCount('tx-fuzz', 'minBlocks', raw.minBlocks) !== undefined ? { minBlocks: raw.minBlocks as number } : {}),
  }),
  judge(slice, o) {
    const e = slice.evaluate as unknown as TxFuzzObserved;
    const startHeight = (slice.capture.startHeight as number | undefined) ?? 0;
    if (!e.started) return { status: 'unknown', message: 'the fuzzer did not run' };
    const s = e.summary;
    const down = e.tips.filter((t) => !t.up).map((t) => t.node);
    const grew = Math.max(0, ...e.tips.map((t) => t.height)) - startHeight;
    const crafted = s.cases.filter((r) => r.notCrafted === undefined);
    const sum = (f: (r: FuzzRowObserved) => number) => crafted.reduce((a, r) => a + f(r), 0);
    const sent = sum((r) => r.sent);
    const asExpected = sum((r) => r.rejectedAsExpected);
    const otherwise = sum((r) => r.rejectedOtherwise);
    const accepted = sum((r) => r.accepted);
    const errored = sum((r) => r.errored);
    const held = sum((r) => r.heldAsExpected ?? 0);
    const acceptedValid = sum((r) => r.acceptedValid ?? 0);
    const minBlocks = o.minBlocks ?? Math.max(1, Math.floor(e.expectedBlocks / 2));
    const figures = { sent, rejectedAsExpected: asExpected, rejectedOtherwise: otherwise, accepted, heldAsExpected: held, acceptedValid, errored, includedInBlocks: e.included, validIncluded: e.validIncluded ?? 0, blocksChecked: e.blocksChecked, heightGrowth: grew, minBlocks, nodesDown: down, cases: s.cases, valid: s.valid };
    const problems: string[] = [];
    const never = crafted.filter((r) => r.sent === 0).map((r) => r.case);
    if (accepted > 0) problems.push(`${accepted} invalid accepted (${crafted.filter((r) => r.accepted > 0).map((r) => `${r.case} ${r.accepted}`).join(', ')})`);
    if (otherwise > o.maxRejectedOtherwise) {
      const detail = crafted.filter((r) => r.rejectedOtherwise > 0).map((r) => `${r.case} ${r.rejectedOtherwise}: ${Object.entries(r.otherReasons).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      problems.push(`${otherwise} rejected with another reason than their case's, allowed ${o.maxRejectedOtherwise} (${detail.join('; ')})`);
    }
    if (errored > 0) problems.push(`${errored} got no answer (${Object.entries(s.errors).map(([k, v]) => `${v}× ${k}`).join('; ').slice(0, 300)})`);
    if (e.firstIncluded) problems.push(`${e.included} crafted transactions in blocks (first: ${e.firstIncluded.case} ${e.firstIncluded.id.slice(0, 12)} at height ${e.firstIncluded.height})`);
    if (down.length > 0) problems.push(`nodes not answering at the end: ${down.join(', ')}`);
    if (grew < minBlocks) problems.push(`the chain grew by ${grew} blocks while fuzzed, needed ≥ ${minBlocks}`);
    if (never.length > 0) problems.push(`cases never sent: ${never.join(', ')}`);
    const skipped = s.cases.filter((r) => r.notCrafted !== undefined).map((r) => `${r.case} (${r.notCrafted})`);
    const taken = (held > 0 ? `, ${held} held as expected` : '') + (acceptedValid > 0 ? `, ${acceptedValid} accepted as still-valid mutations (${e.validIncluded ?? 0} of them in blocks)` : '');
    const line = `${sent} crafted in ${crafted.length} cases: ${asExpected} rejected as expected, ${otherwise} otherwise, ${accepted} accepted${taken}, ${errored} unanswered; ${e.included} of ${s.craftedIds} crafted ids in ${e.blocksChecked} blocks; chain +${grew} blocks (≥ ${minBlocks}), ${e.tips.length - down.length} of ${e.tips.length} nodes up`;
    const notCrafted = skipped.length > 0 ? `; not crafted: ${skipped.join('; ')}` : '';
    if (sent === 0) return { status: 'fail', message: `no crafted transaction was sent${notCrafted}`, figures };
    return { status: problems.length === 0 ? 'pass' : 'fail', message: `${problems.length === 0 ? '' : `${problems.join('; ')} — `}${line}${notCrafted}`, figures };
  },
};

// ---- fee-priority ----

export interface FeePriorityOptions {
  maxTierLatencyRatio: number;
  minEvictions: number;
  minBlockFill: number;
  minThroughputFraction: number;
}

/** One tier as recorded (workloads/fee-pressure.ts FeeTierReport adds its wallets, counts and curve). */
export interface FeeTierObserved {
  name: string;
  fee: number;
  accepted: number;
  included: number;
  /** Accepted and still in some mempool at the end (absent in records before it was kept). */
  pending?: number;
  dropped: number;
  /**
   * Inclusion latency over the whole tier (included + pending + dropped; the ones not included by the end
   * count as never, censored): null = that percentile is among them (∞). Records before the pending ones
   * were counted left them out.
   */
  effectiveP50Ms: number | null;
  effectiveP99Ms: number | null;
}

/** What fee pressure records (workloads/fee-pressure.ts FeePressureReport; the tiers recorded without curves). */
export interface FeePressureObserved {
  tiers: FeeTierObserved[];
  /** Evictions during the run, summed over the nodes, by the chain's reason. */
  evictions: Record<string, number>;
  evictionsTotal: number;
  /** Median fill of the blocks seen in the load span's second half (null: capacity unknown or no block). */
  blockFill: { median: number | null; blocks: number; capacityTxs: number | null };
  /** Over the load span's middle and last thirds. */
  throughput: { middleThirdTps: number; lastThirdTps: number };
  /** The load span (every tier offering load) in ms from the window's start; absent in records before it was kept (the whole window). */
  loadSpan?: { fromMs: number; toMs: number };
}

/** Evictions active, tiers ordered by fee in inclusion latency, blocks full, throughput held. */
export const feePriorityCheck: HistoryCheck<FeePriorityOptions> = {
  type: 'fee-priority',
  kinds: [],
  options: (raw) => ({
    maxTierLatencyRatio: checkNumber('fee-priority', 'maxTierLatencyRatio', raw.maxTierLatencyRatio, 0, MAX, 'a non-negative ratio'),
    minEvictions: checkNumber('fee-priority', 'minEvictions', raw.minEvictions, 0, MAX, 'a non-negative count'),
    minBlockFill: checkNumber('fee-priority', 'minBlockFill', raw.minBlockFill, 0, 1, 'a fraction from 0 to 1'),
    minThroughputFraction: checkNumber('fee-priority', 'minThroughputFraction', raw.minThroughputFraction, 0, MAX, 'a non-negative fraction'),
  }),
  judge(slice, o) {
    const r = (slice.evaluate as { report: FeePressureObserved | null }).report;
    if (!r) return { status: 'unknown', message: 'the fee-pressure workload did not finish' };
    const problems: string[] = [];
    const tiers = [...r.tiers].sort((a, b) => b.fee - a.fee);
    const lat = (x: number | null) => (x === null ? Infinity : x);
    const ms = (x: number | null) => (x === null ? '∞' : `${x} ms`);
    const counts = (t: FeeTierObserved) => (t.pending === undefined ? `${t.included}/${t.accepted} included, ${t.dropped} dropped` : `${t.included}/${t.included + t.pending + t.dropped} included, ${t.pending} pending at the end, ${t.dropped} dropped`);
    const share = (t: FeeTierObserved) => t.included / Math.max(1, t.included + (t.pending ?? 0) + t.dropped);
    const pct = (t: FeeTierObserved) => `${Math.round(share(t) * 1000) / 10} %`;
    const show = (t: FeeTierObserved) => `${t.name} (fee ${t.fee}) p50 ${ms(t.effectiveP50Ms)}, p99 ${ms(t.effectiveP99Ms)}, ${counts(t)}`;
    if (tiers.every((t) => t.included === 0)) problems.push('no tier had a transaction included');
    for (let i = 0; i + 1 < tiers.length; i++) {
      const [hi, lo, ratio] = [tiers[i]!, tiers[i + 1]!, o.maxTierLatencyRatio];
      // Both medians never included (∞ ≤ r × ∞ would hold): the higher tier must have more of its share included.
      if (hi.effectiveP50Ms === null && lo.effectiveP50Ms === null) {
        if (!(share(hi) > share(lo))) problems.push(`tier ${hi.name} (fee ${hi.fee}) inclusion p50 ∞ and tier ${lo.name} (fee ${lo.fee}) p50 ∞, and ${pct(hi)} of the higher included by the end vs ${pct(lo)} of the lower`);
      } else if (!(lat(hi.effectiveP50Ms) <= ratio * lat(lo.effectiveP50Ms))) problems.push(`tier ${hi.name} (fee ${hi.fee}) inclusion p50 ${ms(hi.effectiveP50Ms)} > ${ratio} × tier ${lo.name} (fee ${lo.fee}) p50 ${ms(lo.effectiveP50Ms)}`);
      if (lat(hi.effectiveP99Ms) > lat(lo.effectiveP99Ms)) problems.push(`tier ${hi.name} (fee ${hi.fee}) inclusion p99 ${ms(hi.effectiveP99Ms)} > tier ${lo.name} (fee ${lo.fee}) p99 ${ms(lo.effectiveP99Ms)}`);
    }
    if (r.evictionsTotal < o.minEvictions) problems.push(`${r.evictionsTotal} evictions at capacity, needed ≥ ${o.minEvictions}`);
    const fill = r.blockFill;
    if (fill.median === null) problems.push(fill.capacityTxs === null ? "block fill unknown: the nodes' block capacity is not readable from the run directory" : 'no block in the second half of the load span');
    else if (fill.median < o.minBlockFill) problems.push(`median block fill ${fill.median} of ${fill.capacityTxs} transactions over ${fill.blocks} blocks, needed ≥ ${o.minBlockFill}`);
    const t = r.throughput;
    if (t.lastThirdTps < o.minThroughputFraction * t.middleThirdTps) problems.push(`included ${t.lastThirdTps} tx/s over the last third, under ${o.minThroughputFraction} × the middle third's ${t.middleThirdTps} tx/s`);
    const evictions = Object.entries(r.evictions).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    const span = r.loadSpan ? ` (load span ${r.loadSpan.fromMs}–${r.loadSpan.toMs} ms of the window)` : '';
    const line = `tiers by fee: ${tiers.map(show).join('; ')}; evictions ${r.evictionsTotal} (${evictions}); median block fill ${fill.median ?? '–'} (${fill.blocks} blocks); included ${t.lastThirdTps} tx/s last third vs ${t.middleThirdTps} middle third${span}`;
    return verdict(problems, line, { ...r });
  },
};

// ---- propagation-race ----

export interface PropagationRaceOptions {
  /** Bound on the p99 from a transaction's first submission to its block (absent: none). */
  maxInclusionMs?: number;
}

interface LatencyFigures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

type AccountValues = Record<string, { balance: number; nonce: number } | string>;

/** What the race check read at evaluation: the copies' answers, each live node's chain, state roots and accounts. */
export interface RaceObserved {
  started: boolean;
  batch: number;
  nodes: string[];
  startHeight: number;
  answers: Record<string, { sent: number; accepted: number; duplicate: number; other: Record<string, number> }>;
  inclusion: LatencyFigures;
  seenInBlock: LatencyFigures;
  /** Per live node: its tip, batch transactions on its chain, missing, and in more than one block (with the first of each). */
  perNode: Record<string, { tip: number; included: number; missing: number; twice: number }>;
  firstMissing: Record<string, string>;
  firstTwice: Record<string, { id: string; heights: number[] }>;
  stateRoot: { height: number | null; roots: Record<string, string | { root: string }>; distinct: number };
  touchedAccounts: number;
  /** Accounts whose balance and nonce differ between nodes, with the first one's values. */
  differingAccounts: number;
  firstDiffering: { id: string; values: AccountValues } | null;
  /** Recipients not holding exactly their transfer, senders whose nonce did not move by one. */
  wrongRecipients: number;
  firstWrongRecipient: { id: string; amount: number; values: AccountValues } | null;
  wrongSenders: number;
  /** Raced nodes not answering at the end. */
  down: string[];
}

/** Each transaction once on every live node's chain, equal state and accounts, every copy answered, inclusion within the bound. */
export const propagationRaceCheck: HistoryCheck<PropagationRaceOptions> = {
  type: 'propagation-race',
  kinds: [],
  options: (raw) => (raw.maxInclusionMs === undefined || raw.maxInclusionMs === null ? {} : { maxInclusionMs: checkNumber('propagation-race', 'maxInclusionMs', raw.maxInclusionMs, 0, MAX, 'a non-negative number of milliseconds (absent: no bound)') }),
  judge(slice, o) {
    const e = slice.evaluate as unknown as RaceObserved;
    if (!e.started) return { status: 'unknown', message: 'the race did not run' };
    const problems: string[] = [];
    for (const [node, p] of Object.entries(e.perNode)) {
      if (p.missing > 0) problems.push(`${node} misses ${p.missing} of ${e.batch} (e.g. ${short(e.firstMissing[node]!)})`);
      const twice = e.firstTwice[node];
      if (p.twice > 0 && twice) problems.push(`${node} has ${p.twice} included more than once (e.g. ${short(twice.id)} at heights ${twice.heights.join(', ')})`);
    }
    const state = e.stateRoot;
    if (state.height === null) problems.push(`no height where every node serves the same block: ${JSON.stringify(state.roots).slice(0, 300)}`);
    else if (state.distinct > 1) problems.push(`${state.distinct} different state roots at height ${state.height}: ${Object.entries(state.roots).map(([n, r]) => `${n} ${typeof r === 'string' ? r : short(r.root)}`).join(', ')}`);
    if (e.firstDiffering) problems.push(`${e.differingAccounts} touched accounts differ between nodes (e.g. ${short(e.firstDiffering.id)}: ${JSON.stringify(e.firstDiffering.values)})`);
    if (e.firstWrongRecipient) problems.push(`${e.wrongRecipients} recipients do not hold exactly their transfer (e.g. ${short(e.firstWrongRecipient.id)} should hold ${e.firstWrongRecipient.amount}: ${JSON.stringify(e.firstWrongRecipient.values)})`);
    if (e.wrongSenders > 0) problems.push(`${e.wrongSenders} senders' nonces did not move by exactly one`);
    if (e.down.length > 0) problems.push(`raced nodes not answering at the end: ${e.down.join(', ')}`);
    const unanswered = Object.values(e.answers).reduce((a, r) => a + (r.other.error ?? 0), 0);
    if (unanswered > 0) problems.push(`${unanswered} copies got no answer`);
    const inclusion = e.inclusion;
    if (o.maxInclusionMs !== undefined && inclusion.count > 0 && inclusion.p99Ms > o.maxInclusionMs) problems.push(`inclusion p99 ${inclusion.p99Ms} ms > bound ${o.maxInclusionMs} ms`);
    const figures = { batch: e.batch, nodes: e.nodes, startHeight: e.startHeight, answers: e.answers, inclusion, seenInBlock: e.seenInBlock, perNode: e.perNode, stateRoot: state, touchedAccounts: e.touchedAccounts, differingAccounts: e.differingAccounts };
    const copies = Object.entries(e.answers).map(([n, a]) => `${n} ${a.accepted} ok/${a.duplicate} dup${Object.keys(a.other).length > 0 ? `/${Object.entries(a.other).map(([k, v]) => `${v} ${k}`).join('/')}` : ''}`).join(', ');
    const once = Object.values(e.perNode).filter((p) => p.missing === 0 && p.twice === 0).length;
    const line = `${e.batch} transactions raced to ${e.nodes.length} nodes (${copies}); included once on ${once} of ${Object.keys(e.perNode).length} nodes; inclusion p50 ${inclusion.p50Ms} ms, p99 ${inclusion.p99Ms} ms, max ${inclusion.maxMs} ms${o.maxInclusionMs !== undefined ? ` (bound ${o.maxInclusionMs} ms)` : ''}; state root at height ${state.height ?? '-'}: ${state.distinct} distinct; ${e.touchedAccounts} touched accounts, ${e.differingAccounts} differing`;
    return { status: problems.length === 0 ? 'pass' : 'fail', message: `${problems.length === 0 ? '' : `${problems.join('; ')} — `}${line}`, figures };
  },
};

// ---- mempool-divergence ----

export interface MempoolDivergenceOptions {
  /** After the divergence ends, within this every batch transaction is where it must be. */
  windowMs: number;
}

/** What the divergence check read: the workload's mempool samples and, at the end, where each transaction is. */
export interface DivergenceObserved {
  started: boolean;
  transactions: number;
  perNode: number;
  /** The nodes that got a batch. */
  nodes: string[];
  blocksOnly: boolean;
  submittedAt: number;
  healedAt: number | null;
  /** When the divergence ended (the last submission or the last heal after it), and when every transaction was converged (null: never). */
  end: number;
  convergedAt: number | null;
  samples: Array<{ t: number; sizes: Record<string, number>; differences: Record<string, number>; unconverged: number }>;
  atEnd: { inBlocks: number; pendingEverywhere: number; partial: number; dropped: number; lacking: Record<string, number> };
  firstDropped: string | null;
  firstPartial: string | null;
}

/** Converged within the window after the divergence's end, none dropped, none only partly spread at the end. */
export const mempoolDivergenceCheck: HistoryCheck<MempoolDivergenceOptions> = {
  type: 'mempool-divergence',
  kinds: [],
  options: (raw) => ({ windowMs: checkNumber('mempool-divergence', 'windowMs', raw.windowMs, 0, MAX, 'a non-negative number of milliseconds') }),
  judge(slice, { windowMs }) {
    const e = slice.evaluate as unknown as DivergenceObserved;
    if (!e.started) return { status: 'unknown', message: 'the divergence batches were not sent' };
    const { end, samples } = e;
    const deadline = end + windowMs;
    const last = samples[samples.length - 1];
    const convergenceMs = e.convergedAt === null ? null : Math.max(0, Math.round(e.convergedAt - end));
    const largest = (xs: typeof samples) => Math.max(0, ...xs.map((s) => Math.max(0, ...Object.values(s.differences))));
    const maxDifference = largest(samples);
    const atEnd = samples.filter((s) => s.t >= end);
    const maxAfter = atEnd.length > 0 ? largest(atEnd) : null;
    const problems: string[] = [];
    const what = e.blocksOnly ? 'in a block on every live node' : "in a block or in every live node's mempool";
    if (last === undefined || last.t < deadline) problems.push(`the mempools were read until ${last ? Math.round(last.t - end) : '-'} ms after the divergence ended, short of the ${windowMs} ms window (lengthen the run)`);
    else if (convergenceMs === null) {
      problems.push(`not converged within ${windowMs} ms of the divergence's end: ${last.unconverged} of ${e.transactions} transactions not ${what} at the last reading (${Math.round(last.t - end)} ms after)`);
    } else if (e.convergedAt! > deadline) {
      const atWindowEnd = [...samples].reverse().find((x) => x.t <= deadline);
      problems.push(`converged only ${convergenceMs} ms after the divergence's end, window ${windowMs} ms (at the window's end ${atWindowEnd?.unconverged ?? e.transactions} of ${e.transactions} transactions not ${what})`);
    }
    const a = e.atEnd;
    if (a.dropped > 0) problems.push(`${a.dropped} dropped: on no live node's chain or mempool (e.g. ${short(e.firstDropped!)})`);
    if (a.partial > 0) problems.push(`${a.partial} at the end not ${what} (${Object.entries(a.lacking).map(([n, k]) => `${n} lacks ${k}`).join(', ')}; e.g. ${short(e.firstPartial!)})`);
    const figures = {
      transactions: e.transactions,
      perNode: e.perNode,
      nodes: e.nodes,
      blocksOnly: e.blocksOnly,
      windowMs,
      divergenceEnd: { submittedAt: Math.round(e.submittedAt), healedAt: e.healedAt === null ? null : Math.round(e.healedAt) },
      convergenceMs,
      maxPairwiseDifference: maxDifference,
      maxPairwiseDifferenceAfterDivergence: maxAfter,
      atEnd: a,
      samples: samples.map((s) => ({ ms: Math.round(s.t - end), sizes: s.sizes, differences: s.differences, unconverged: s.unconverged })),
    };
    const endedAt = e.healedAt !== null && e.healedAt > e.submittedAt ? 'at the heal' : 'at the last submission';
    const line = `${e.transactions} transactions in ${e.nodes.length} disjoint batches; divergence ended ${endedAt}; converged ${convergenceMs === null ? 'never' : `${convergenceMs} ms after`} (window ${windowMs} ms); largest pairwise mempool difference ${maxDifference}, ${maxAfter ?? '-'} after the divergence ended; at the end ${a.inBlocks} in blocks, ${a.pendingEverywhere} pending everywhere, ${a.partial} partial, ${a.dropped} dropped`;
    return { status: problems.length === 0 ? 'pass' : 'fail', message: `${problems.length === 0 ? '' : `${problems.join('; ')} — `}${line}`, figures };
  },
};
