/**
 * Latency histograms: hdr-histogram-js, microseconds from 1 µs to one hour, 3 significant digits, pure JS.
 * Never `packed`: somewhere between 8M and 10M wide-range values it starts returning wrong percentiles, silently
 * (p50 14.2 ms against 7.7 ms: bench/primitives.ts, bench/RESULTS.md). Interval histograms are
 * 32-bit (a second never holds 2^32 samples); run totals are 64-bit so multi-hour runs cannot overflow.
 * Values above the range are clamped to it (and so still counted), never dropped.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

export const HIGHEST_US = 3_600_000_000;

export function newHistogram(bitBucketSize: 32 | 64 = 32): Histogram {
  return hdr.build({ bitBucketSize, autoResize: false, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/**
 * Record a duration given in ms (fractional), as whole µs, clamped to [1 µs, 1 h]; `count` times at once
 * when many samples share it (one answer for a whole batch: one histogram update, not one per sample).
 */
export function recordMs(h: Histogram, ms: number, count = 1): void {
  const v = toUs(ms);
  if (count === 1) h.recordValue(v);
  else h.recordValueWithCount(v, count);
}

/** Whole µs, at most HIGHEST_US (< 2^32): the unit recordMs stores. */
function toUs(ms: number): number {
  const us = Math.round(ms * 1000);
  return us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us;
}

/**
 * The histograms' bucket layout (unit 1 µs, 3 significant digits: 2048 sub-buckets, the upper 1024 of each
 * bucket after the first in use) computed with integer ops: bucket = max(floor(log2 v) - 10, 0), index =
 * bucket * 1024 + (v >> bucket). The same index hdr-histogram-js computes with log2 and pow
 * (test/unit/load-schedule.test.ts checks it against the library, edges included).
 */
const countsIndex = (v: number): number => {
  const b = 21 - Math.clz32(v);
  const bucket = b > 0 ? b : 0;
  return (bucket << 10) + (v >>> bucket);
};
const COUNTS_LENGTH = countsIndex(HIGHEST_US) + 1;
/** Lowest value of an index's bucket. */
const lowestAt = (i: number): number => {
  const bucket = i < 2048 ? 0 : (i >> 10) - 1;
  return (i - (bucket << 10)) * 2 ** bucket;
};

/**
 * Samples of one interval on a hot path (the load workers take two per transaction), counted in the
 * histograms' own buckets with integer ops and added to a histogram once per interval (flushInto): same
 * counts, same min and max as recording every sample into it, at a fraction of hdr-histogram-js's
 * per-sample cost (its recordValue goes through log2 and pow; bench/RESULTS.md).
 */
export class SampleCounts {
  private readonly counts = new Uint32Array(COUNTS_LENGTH);
  private used: number[] = [];
  private min = Infinity;
  private max = 0;

  recordMs(ms: number): void {
    const v = toUs(ms);
    const i = countsIndex(v);
    if (this.counts[i]++ === 0) this.used.push(i);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Add the samples to `h` and start over. */
  flushInto(h: Histogram): void {
    const { min, max, counts } = this;
    const minAt = countsIndex(min);
    const maxAt = countsIndex(max);
    for (const i of this.used) {
      let c = counts[i]!;
      counts[i] = 0;
      // The exact min and max are recorded as themselves (the histogram keeps both); every other sample of a
      // bucket as one value inside both the bucket and [min, max], so counts and extremes come out the same.
      if (i === minAt) {
        h.recordValue(min);
        c--;
      }
      if (i === maxAt && c > 0) {
        h.recordValue(max);
        c--;
      }
      if (c > 0) h.recordValueWithCount(Math.min(Math.max(lowestAt(i), min), max), c);
    }
    this.used = [];
    this.min = Infinity;
    this.max = 0;
  }
}

/** Latency figures in ms, as the summary and the events carry them. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

const round = (us: number): number => Math.round(us) / 1000;

export function percentiles(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    p50: round(h.getValueAtPercentile(50)),
    p90: round(h.getValueAtPercentile(90)),
    p99: round(h.getValueAtPercentile(99)),
    p999: round(h.getValueAtPercentile(99.9)),
    max: round(h.maxValue),
  };
}

/** Compressed form for crossing threads (1–2 ms to encode 64k samples on a loaded 2-core box, bench/primitives.ts; once a second per worker). */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(s: string): Histogram {
  return hdr.decodeFromCompressedBase64(s, 32, false);
}
