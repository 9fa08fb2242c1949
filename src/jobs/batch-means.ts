/**
 * How sure a step is about its p99, by the method of batch means. Inclusion latencies of neighbouring
 * transactions are not independent: one late block (an empty slot run, a reorg, a GC pause on the leader)
 * delays a whole block's worth at once, so the count of transactions says little about the noise of a p99.
 * Cutting the hold into batches by intended send time and taking each batch's p99 gives nearly independent
 * samples whose spread estimates the standard error of the hold's p99. A step whose p99 is within `z`
 * standard errors of the SLO is undecided: the search measures it for another hold instead of flipping a
 * coin at the knee. Pure apart from the histograms.
 */
import { newHistogram, recordMs, type Histogram } from '../load/histogram.js';
export { standardError } from '../util/stats.js';

/** Inclusion latencies bucketed by intended send time into fixed batches over [originMs, endMs). */
export class LatencyBatches {
  private readonly batches: Histogram[] = [];

  constructor(readonly originMs: number, readonly endMs: number, readonly batchMs: number) {
    if (!(batchMs > 0) || !(endMs > originMs)) throw new RangeError(`batches need batchMs > 0 and a non-empty span (got ${batchMs} ms over ${endMs - originMs} ms)`);
    const count = Math.max(1, Math.floor((endMs - originMs) / batchMs));
    for (let i = 0; i < count; i++) this.batches.push(newHistogram(32));
  }

  /** Transactions intended outside the span, or in the tail shorter than a batch, are not batched. */
  record(intendedMs: number, latencyMs: number): void {
    const i = Math.floor((intendedMs - this.originMs) / this.batchMs);
    if (i < 0 || i >= this.batches.length) return;
    recordMs(this.batches[i]!, latencyMs);
  }

  /** p99 (or another quantile) of every batch holding at least `minCount` transactions, ms. */
  quantiles(q = 99, minCount = 20): number[] {
    return this.batches.filter((h) => h.totalCount >= minCount).map((h) => h.getValueAtPercentile(q) / 1000);
  }

  destroy(): void {
    for (const h of this.batches) h.destroy();
    this.batches.length = 0;
  }
}

export type SloCall = 'pass' | 'fail' | 'undecided';

/**
 * The p99 against the SLO, allowing for its noise: clearly under (p99 + z·se ≤ SLO) passes, clearly over
 * (p99 − z·se > SLO) fails, anything between is undecided. Without an error estimate the point decides.
 */
export function callAgainstSlo(p99Ms: number | null, stdErrMs: number | null, sloMs: number, z: number): SloCall {
  if (p99Ms === null) return 'fail';
  const margin = stdErrMs === null ? 0 : z * stdErrMs;
  if (p99Ms + margin <= sloMs) return 'pass';
  if (p99Ms - margin > sloMs) return 'fail';
  return 'undecided';
}
