/**
 * The load engine's figures: one interval (the `load.interval` event) and the run totals (the `load`
 * summary section). Pure accumulation of worker reports, no I/O.
 */
import { addCounts, encodeHistogram, newHistogram, percentiles, type Histogram, type Percentiles } from './histogram.js';
import type { LateReason, LostShard, WorkerReport } from './protocol.js';

/** Rejections by the chain's own reason label (the devnet: mempool_full, nonce_gap, ...). */
export type RejectCounts = Record<string, number>;

export interface LoadInterval {
  workload: string;
  intervalMs: number;
  targetTps: number;
  offeredTps: number;
  acceptedTps: number;
  rejectedTps: number;
  erroredTps: number;
  includedTps: number;
  inFlight: number;
  backlog: number;
  submitCorrected: Percentiles;
  submitUncorrected: Percentiles;
  inclusion: Percentiles;
  /** Finality latency of the transactions whose block became final in this interval. */
  finality: Percentiles;
  /**
   * The interval's histograms (hdr-histogram-js compressed base64, µs), so a reader can merge any run of
   * intervals exactly: `loadnet compare` takes batch percentiles and latency distributions from them.
   */
  hdr: { submit: string; inclusion: string; finality: string };
  scheduleLagP99Ms: number;
  /** Offered more than 2 % below target in this interval. */
  short: boolean;
  late: Partial<Record<LateReason, number>>;
  /** Mean event-loop utilisation of the workers (1 = their threads never idle). */
  workerElu: number;
}

export interface LoadTotals {
  workload: string;
  /** Mean target and offered rate over the generation time. */
  targetTps: number;
  offeredTps: number;
  generationMs: number;
  /** Transactions the schedule called for (C(T)) and those actually submitted. */
  targetCount: number;
  submitted: number;
  accepted: number;
  rejected: RejectCounts;
  rejectedTotal: number;
  errored: number;
  /** Due but never sent when generation stopped. */
  unsent: number;
  late: Partial<Record<LateReason, number>>;
  signed: number;
  resyncs: number;
  /** Transactions re-submitted for stalled wallets (same ids; not in `submitted`), and those a node took as new. */
  resent: number;
  resentAccepted: number;
  /** Re-submissions taken as new of transactions accepted before: accepted, lost, recovered. */
  recoveredAccepted: number;
  /** Mean event-loop utilisation of the workers, and the share of their time spent signing. */
  workerElu: number;
  signingShare: number;
  generatorBound: boolean;
  generatorBoundReason?: string;
  shortIntervals: number;
  intervals: number;
  /** Shards whose load agent was lost mid-run (engine option agentLoss 'continue'); absent when none. */
  lostShards?: LostShard[];
  submitCorrected: Percentiles;
  submitUncorrected: Percentiles;
  scheduleLag: Percentiles;
}

const sumInto = <K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void => {
  for (const [k, v] of Object.entries(from) as [K, number][]) into[k] = (into[k] ?? 0) + v;
};

const sumValues = (r: Partial<Record<string, number>>): number => Object.values(r).reduce<number>((a, b) => a + (b ?? 0), 0);

let emptyEncoded: string | undefined;
/** An interval histogram for the event; an empty one (no inclusion tracking, an idle interval) costs no encoding. */
const encodeForEvent = (h: Histogram | undefined): string => (h && h.totalCount > 0 ? encodeHistogram(h) : (emptyEncoded ??= encodeHistogram(newHistogram(32))));

/** Merges worker reports: per interval (reset on take) and for the whole run. */
export class FigureAccumulator {
  // run totals
  submitted = 0;
  accepted = 0;
  errored = 0;
  signed = 0;
  resyncs = 0;
  resent = 0;
  resentAccepted = 0;
  recoveredAccepted = 0;
  dueCount = 0;
  signingMs = 0;
  private eluSum = 0;
  private eluCount = 0;
  readonly rejected: RejectCounts = {};
  readonly late: Partial<Record<LateReason, number>> = {};
  readonly corrected = newHistogram(64);
  readonly uncorrected = newHistogram(64);
  readonly lag = newHistogram(64);
  // current interval
  private iv = this.freshInterval();
  private readonly inFlight = new Map<number, number>();
  private readonly backlog = new Map<number, number>();
  private readonly due = new Map<number, number>();

  private freshInterval() {
    return { sent: 0, accepted: 0, rejected: 0, errored: 0, corrected: newHistogram(32), uncorrected: newHistogram(32), lag: newHistogram(32), late: {} as Partial<Record<LateReason, number>>, eluSum: 0, eluCount: 0 };
  }

  add(r: WorkerReport): void {
    addCounts(this.corrected, r.submitCorrected);
    addCounts(this.iv.corrected, r.submitCorrected);
    addCounts(this.uncorrected, r.submitUncorrected);
    addCounts(this.iv.uncorrected, r.submitUncorrected);
    addCounts(this.lag, r.scheduleLag);
    addCounts(this.iv.lag, r.scheduleLag);
    const rejected = sumValues(r.rejected);
    this.submitted += r.sent;
    this.accepted += r.accepted;
    this.errored += r.errored;
    this.signed += r.signed;
    this.resyncs += r.resyncs;
    this.resent += r.resent ?? 0;
    this.resentAccepted += r.resentAccepted ?? 0;
    this.recoveredAccepted += r.recoveredAccepted ?? 0;
    this.signingMs += r.signingMs;
    this.eluSum += r.elu;
    this.eluCount++;
    this.iv.eluSum += r.elu;
    this.iv.eluCount++;
    sumInto(this.rejected, r.rejected);
    sumInto(this.late, r.late);
    this.iv.sent += r.sent;
    this.iv.accepted += r.accepted;
    this.iv.rejected += rejected;
    this.iv.errored += r.errored;
    sumInto(this.iv.late, r.late);
    this.inFlight.set(r.workerIndex, r.inFlight);
    this.backlog.set(r.workerIndex, r.backlog);
    this.due.set(r.workerIndex, r.dueCount);
    this.dueCount = [...this.due.values()].reduce((a, b) => a + b, 0);
  }

  /** Close the current interval. */
  takeInterval(workload: string, intervalMs: number, targetCount: number, included: number, inclusion: Histogram | undefined, finality?: Histogram): LoadInterval {
    const iv = this.iv;
    this.iv = this.freshInterval();
    const perS = (n: number) => Math.round((n * 1000 * 100) / intervalMs) / 100;
    const backlog = [...this.backlog.values()].reduce((a, b) => a + b, 0);
    return {
      workload,
      intervalMs: Math.round(intervalMs),
      targetTps: perS(targetCount),
      offeredTps: perS(iv.sent),
      acceptedTps: perS(iv.accepted),
      rejectedTps: perS(iv.rejected),
      erroredTps: perS(iv.errored),
      includedTps: perS(included),
      inFlight: [...this.inFlight.values()].reduce((a, b) => a + b, 0),
      backlog,
      submitCorrected: percentiles(iv.corrected),
      submitUncorrected: percentiles(iv.uncorrected),
      inclusion: percentiles(inclusion ?? newHistogram(32)),
      finality: percentiles(finality ?? newHistogram(32)),
      hdr: { submit: encodeForEvent(iv.corrected), inclusion: encodeForEvent(inclusion), finality: encodeForEvent(finality) },
      scheduleLagP99Ms: percentiles(iv.lag).p99,
      short: targetCount >= 1 && iv.sent < 0.98 * targetCount - 1,
      late: iv.late,
      workerElu: iv.eluCount ? Math.round((iv.eluSum / iv.eluCount) * 1000) / 1000 : 0,
    };
  }

  totals(workload: string, generationMs: number, targetCount: number, shortIntervals: number, intervals: number): LoadTotals {
    const rejectedTotal = sumValues(this.rejected);
    const unsent = Math.max(0, this.dueCount - this.submitted);
    // Generator-bound: offered more than 2 % below what the schedule called for (±1 for discreteness).
    const generatorBound = targetCount >= 1 && this.submitted < 0.98 * targetCount - 1;
    const workerElu = this.eluCount ? this.eluSum / this.eluCount : 0;
    const threadMs = generationMs * Math.max(1, this.due.size);
    const signingShare = threadMs > 0 ? Math.min(1, this.signingMs / threadMs) : 0;
    let reason: string | undefined;
    if (generatorBound) {
      const pct = (x: number) => `${Math.round(x * 100)} %`;
      const names: Record<LateReason, string> = { signing: 'signing (pre-signed buffer ran dry)', connections: 'connections (every connection busy)', lanes: 'nonce lanes (every wallet resyncing)', eventLoop: 'event loop (timers fired late)' };
      if (workerElu > 0.85) {
        // Worker threads saturated: whichever way the backlog showed up, CPU was the limit.
        reason = signingShare >= 0.5 * workerElu ? `signing (worker threads ${pct(workerElu)} busy, ${pct(signingShare)} of their time signing)` : `event loop (worker threads ${pct(workerElu)} busy, ${pct(signingShare)} signing)`;
      } else {
        const top = (Object.entries(this.late) as [LateReason, number][]).sort((a, b) => b[1] - a[1])[0];
        reason = top ? names[top[0]] : unsent > 0 ? names.connections : names.eventLoop;
      }
    }
    const s = generationMs / 1000;
    return {
      workload,
      targetTps: s > 0 ? Math.round((targetCount / s) * 100) / 100 : 0,
      offeredTps: s > 0 ? Math.round((this.submitted / s) * 100) / 100 : 0,
      generationMs: Math.round(generationMs),
      targetCount: Math.round(targetCount * 100) / 100,
      submitted: this.submitted,
      accepted: this.accepted,
      rejected: { ...this.rejected },
      rejectedTotal,
      errored: this.errored,
      unsent,
      late: { ...this.late },
      signed: this.signed,
      resyncs: this.resyncs,
      resent: this.resent,
      resentAccepted: this.resentAccepted,
      recoveredAccepted: this.recoveredAccepted,
      workerElu: Math.round(workerElu * 1000) / 1000,
      signingShare: Math.round(signingShare * 1000) / 1000,
      generatorBound,
      ...(reason ? { generatorBoundReason: reason } : {}),
      shortIntervals,
      intervals,
      submitCorrected: percentiles(this.corrected),
      submitUncorrected: percentiles(this.uncorrected),
      scheduleLag: percentiles(this.lag),
    };
  }
}
