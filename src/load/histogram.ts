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
/** Lowest and highest value of an index's bucket. */
const bucketOf = (i: number): number => (i < 2048 ? 0 : (i >> 10) - 1);
const lowestAt = (i: number): number => (i - (bucketOf(i) << 10)) * 2 ** bucketOf(i);
const highestAt = (i: number): number => lowestAt(i) + 2 ** bucketOf(i) - 1;

/**
 * Samples as plain data for crossing threads and hosts: the histograms' bucket indexes in use and the count of
 * each (same length). What a worker reports per interval instead of an encoded histogram: no compression on
 * either side, and merging is adding counts.
 */
export interface BucketCounts {
  at: number[];
  counts: number[];
}

/**
 * Samples of one interval on a hot path (the load workers take three per transaction), counted in the
 * histograms' own buckets with integer ops (hdr-histogram-js's recordValue goes through log2 and pow;
 * bench/RESULTS.md) and taken as BucketCounts once per interval.
 */
export class SampleCounts {
  private readonly counts = new Uint32Array(COUNTS_LENGTH);
  private used: number[] = [];

  /** One sample, or `count` samples of the same duration (one answer for a whole batch). */
  recordMs(ms: number, count = 1): void {
    const i = countsIndex(toUs(ms));
    const before = this.counts[i]!;
    if (before === 0) this.used.push(i);
    this.counts[i] = before + count;
  }

  /** The samples so far, and start over. */
  take(): BucketCounts {
    const at = this.used;
    const counts = new Array<number>(at.length);
    for (let k = 0; k < at.length; k++) {
      const i = at[k]!;
      counts[k] = this.counts[i]!;
      this.counts[i] = 0;
    }
    this.used = [];
    return { at, counts };
  }
}

/**
 * Add counted samples to `h`. Each bucket's count goes in at the bucket's lowest value, then a zero count at the
 * top bucket's highest value (it moves the max, adds no sample), so `h` holds what adding the decoded
 * encodeHistogram of the same samples gave: the same counts, and the min and max a decoded histogram has (its
 * lowest and highest buckets' lowest and highest equivalent values; the encoding keeps no exact extremes).
 * Percentiles, max and re-encoding come out identical (test/unit/load-schedule.test.ts).
 */
export function addCounts(h: Histogram, c: BucketCounts): void {
  const { at, counts } = c;
  let top = -1;
  for (let k = 0; k < at.length; k++) {
    const n = counts[k]!;
    if (n === 0) continue;
    const i = at[k]!;
    h.recordValueWithCount(lowestAt(i), n);
    if (i > top) top = i;
  }
  if (top >= 0) h.recordValueWithCount(highestAt(top), 0);
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

/** Compressed form for files (the run's interval events; 1–2 ms to encode 64k samples on a loaded 2-core box, bench/primitives.ts). */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(s: string): Histogram {
  return hdr.decodeFromCompressedBase64(s, 32, false);
}
