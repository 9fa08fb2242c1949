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
  const us = Math.round(ms * 1000);
  const v = us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us;
  if (count === 1) h.recordValue(v);
  else h.recordValueWithCount(v, count);
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
