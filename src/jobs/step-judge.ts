/**
 * What "sustainable" means for one step of a max-rate search, stated as four checks over the step's hold
 * window: inclusion ratio, p99 inclusion latency from the intended send time, no rising mempool backlog,
 * and a generator that kept up. A step where the generator fell short is neither a pass nor a fail of the
 * system under test: it says nothing about the nodes, and the search must stop rather than report it.
 * Pure: takes measured figures, returns a verdict.
 */

export interface LatencyFigures {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What one step measured. Rates are tx/s, latencies ms. */
export interface StepResult {
  /** The target rate of the step. */
  targetTps: number;
  holdMs: number;
  /** Achieved offered rate over the hold window (sent / hold). */
  offeredTps: number;
  /** Transactions sent during the hold window. */
  sent: number;
  accepted: number;
  rejected: number;
  /** Rejections by node reason (mempool_full, nonce_gap, ...). */
  rejectedByReason?: Record<string, number>;
  errored: number;
  /** Of the transactions sent in the hold window, those seen in a block by the end of the step's grace. */
  included: number;
  /** included / sent (0 when nothing was sent). */
  inclusionRatio: number;
  includedTps: number;
  /** Inclusion latency from the intended send time; null when nothing was included. */
  inclusion: LatencyFigures | null;
  /** Submit latency from the intended send time (corrected for coordinated omission). */
  submit?: LatencyFigures | null;
  /**
   * Worst node's Theil–Sen slope of mempool pending (troughs) over the hold window, tx/s (positive =
   * growing); null when the hold was too short to fit a trend (it is then not judged).
   */
  backlogSlopeTps: number | null;
  /** Largest pending count seen on any node at the end of the hold. */
  pendingAtEnd: number;
  generator: {
    /** The engine's own self-check flagged it (offered short of target, schedule lag). */
    bound: boolean;
    reason?: string;
    scheduleLagP99Ms?: number;
    /**
     * The shortfall came from the nodes, not the generator: every connection was waiting on a node's
     * answer (the engine's 'connections' reason). Open loop: the nodes did not take the rate.
     */
    backpressure?: boolean;
  };
  /** Wall time the step took, including drain. */
  elapsedMs?: number;
  /** Holds pooled into this result (step-holds.ts; 1 when the first hold decided). */
  holds?: number;
  /** Standard error of the p99 by batch means, ms; null when too few batches had data. */
  p99StdErrMs?: number | null;
}

export interface SloCriteria {
  /** p99 inclusion latency must be at most this, ms. */
  sloP99Ms: number;
  /** Fraction 0..1 of sent transactions that must be included. */
  minInclusion: number;
  /**
   * Largest allowed backlog growth as a fraction of the target rate (default 0.02): a backlog growing at
   * 2 % of the rate for the whole hold means the chain is falling behind.
   */
  maxBacklogGrowth: number;
  /** Absolute floor of the backlog limit, tx/s (default 0.5), so block sawtooth at tiny rates is not a trend. */
  minBacklogSlopeTps: number;
  /** Offered may fall short of the target by at most this fraction (default 0.02). */
  generatorTolerance: number;
  /**
   * Mean block interval, ms. A backlog that grows by less than one block's worth of arrivals over the hold
   * cannot be told from the sawtooth of random block gaps, so the limit is at least rate × interval / hold.
   */
  blockIntervalMs?: number;
}

export const DEFAULT_CRITERIA: Omit<SloCriteria, 'sloP99Ms' | 'minInclusion'> = {
  maxBacklogGrowth: 0.02,
  minBacklogSlopeTps: 0.5,
  generatorTolerance: 0.02,
};

export type StepCheck = 'generator' | 'backpressure' | 'inclusion' | 'latency' | 'backlog';

export interface StepFailure {
  check: StepCheck;
  observed: number | null;
  limit: number;
  message: string;
}

export interface StepVerdict {
  /** The system under test sustained the rate. */
  pass: boolean;
  /** The generator did not keep up: the step tells nothing about the nodes. */
  generatorBound: boolean;
  failures: StepFailure[];
  /** One line for the terminal. */
  summary: string;
}

export function backlogLimitTps(targetTps: number, holdMs: number, c: SloCriteria): number {
  const noise = c.blockIntervalMs ? (targetTps * c.blockIntervalMs) / holdMs : 0;
  return Math.max(c.minBacklogSlopeTps, c.maxBacklogGrowth * targetTps, noise);
}

export function judgeStep(r: StepResult, c: SloCriteria): StepVerdict {
  const failures: StepFailure[] = [];
  const minOffered = r.targetTps * (1 - c.generatorTolerance);
  const short = r.generator.bound || r.offeredTps < minOffered;
  if (!(r.inclusionRatio >= c.minInclusion)) {
    failures.push({
      check: 'inclusion',
      observed: r.inclusionRatio,
      limit: c.minInclusion,
      message: `inclusion ${(r.inclusionRatio * 100).toFixed(2)} % < ${(c.minInclusion * 100).toFixed(2)} % (${r.included}/${r.sent})`,
    });
  }
  const p99 = r.inclusion?.p99 ?? null;
  if (p99 === null || p99 > c.sloP99Ms) {
    failures.push({
      check: 'latency',
      observed: p99,
      limit: c.sloP99Ms,
      message: p99 === null ? 'no transaction was included: p99 inclusion latency unknown' : `p99 inclusion ${fmt(p99)} ms > SLO ${fmt(c.sloP99Ms)} ms`,
    });
  }
  const backlogLimit = backlogLimitTps(r.targetTps, r.holdMs, c);
  if (r.backlogSlopeTps !== null && !(r.backlogSlopeTps <= backlogLimit)) {
    failures.push({
      check: 'backlog',
      observed: r.backlogSlopeTps,
      limit: backlogLimit,
      message: `mempool backlog rising at ${fmt(r.backlogSlopeTps)} tx/s > ${fmt(backlogLimit)} tx/s`,
    });
  }
  // A shortfall caused by the nodes (every connection waiting on them) while the nodes also miss the SLO
  // is the nodes' failure: latency is measured from the intended send time, so it is not hidden. Any
  // other shortfall (signing, event loop, lanes), or one where the nodes looked healthy, says nothing
  // about the nodes: the step is generator-bound.
  const sutFailed = failures.length > 0;
  const generatorBound = short && !(r.generator.backpressure && sutFailed);
  if (short) {
    const why = r.generator.reason ? ` (${r.generator.reason})` : '';
    failures.unshift({
      check: generatorBound ? 'generator' : 'backpressure',
      observed: r.offeredTps,
      limit: minOffered,
      message: generatorBound
        ? `generator offered ${fmt(r.offeredTps)} tx/s of ${fmt(r.targetTps)} target${why}; needs ≥ ${fmt(minOffered)}`
        : `the nodes held the generator back: offered ${fmt(r.offeredTps)} tx/s of ${fmt(r.targetTps)}${why}`,
    });
  }
  const pass = failures.length === 0;
  const se = r.p99StdErrMs == null ? '' : ` ± ${fmt(r.p99StdErrMs)}`;
  const holds = (r.holds ?? 1) > 1 ? ` over ${r.holds} holds` : '';
  const head = `${fmt(r.targetTps)} tx/s: offered ${fmt(r.offeredTps)}, included ${fmt(r.includedTps)} (${(r.inclusionRatio * 100).toFixed(1)} %), p99 ${p99 === null ? '—' : fmt(p99) + se + ' ms'}${holds}, backlog ${r.backlogSlopeTps === null ? 'not judged' : fmt(r.backlogSlopeTps) + ' tx/s'}`;
  const tail = generatorBound ? 'GENERATOR-BOUND' : pass ? 'pass' : `fail: ${failures.map((f) => f.check).join(', ')}`;
  return { pass, generatorBound, failures, summary: `${head} → ${tail}` };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? Math.round(x).toString() : (+x.toFixed(2)).toString();
}
