/**
 * Robust trends over time series: the Theil–Sen slope (median of pairwise slopes), used to tell a rising
 * mempool backlog from the sawtooth of block production, and a leak (node RSS, data dir, coordinator heap)
 * from GC and compaction noise. Theil–Sen tolerates up to ~29 % outliers where least squares follows them.
 * Pure: no I/O, no clock.
 */

export interface TrendPoint {
  /** Time in ms (any origin; only differences matter). */
  t: number;
  value: number;
}

export interface TrendFit {
  /** Units of `value` per second. */
  slopePerS: number;
  /** value at t = 0 of the fit (median of residual intercepts). */
  intercept: number;
  /** Number of points the fit used (after downsampling). */
  n: number;
  /** Time span covered, ms. */
  spanMs: number;
}

/** Theil–Sen is O(n²) in pairs; above this many points the series is reduced to bucket medians first. */
const MAX_POINTS = 400;

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Reduce a long series to at most `max` points: the median time and value of equal-count buckets. */
export function downsample(points: readonly TrendPoint[], max = MAX_POINTS): TrendPoint[] {
  if (points.length <= max) return points.slice();
  const out: TrendPoint[] = [];
  const per = points.length / max;
  for (let b = 0; b < max; b++) {
    const from = Math.floor(b * per);
    const to = Math.floor((b + 1) * per);
    const bucket = points.slice(from, to);
    if (bucket.length === 0) continue;
    out.push({ t: median(bucket.map((p) => p.t)), value: median(bucket.map((p) => p.value)) });
  }
  return out;
}

/**
 * Theil–Sen fit. Returns undefined with fewer than 2 points at distinct times (no slope can be told).
 * Non-finite points are ignored.
 */
export function theilSen(series: readonly TrendPoint[]): TrendFit | undefined {
  const points = downsample(series.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.value)));
  if (points.length < 2) return undefined;
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.t - points[i]!.t;
      if (dt !== 0) slopes.push((points[j]!.value - points[i]!.value) / dt);
    }
  }
  if (slopes.length === 0) return undefined;
  const slopePerMs = median(slopes);
  const intercept = median(points.map((p) => p.value - slopePerMs * p.t));
  const ts = points.map((p) => p.t);
  return { slopePerS: slopePerMs * 1000, intercept, n: points.length, spanMs: Math.max(...ts) - Math.min(...ts) };
}

export interface TrendLimit {
  /** Largest allowed growth, units of the series per hour (e.g. bytes/hour for RSS). */
  maxSlopePerHour: number;
  /** Fewer points than this, or a shorter span, gives 'unknown' rather than a guess. */
  minPoints?: number;
  minSpanMs?: number;
}

export interface TrendVerdict {
  metric: string;
  status: 'pass' | 'fail' | 'unknown';
  slopePerHour: number | null;
  maxSlopePerHour: number;
  points: number;
  spanMs: number;
  /** First and last fitted values, for the report. */
  fittedStart?: number;
  fittedEnd?: number;
  message: string;
}

/** Judge one series against a slope limit: 'fail' means it grows faster than allowed (a leak). */
export function checkTrend(metric: string, series: readonly TrendPoint[], limit: TrendLimit): TrendVerdict {
  const minPoints = limit.minPoints ?? 5;
  const minSpanMs = limit.minSpanMs ?? 0;
  const fit = theilSen(series);
  const base = { metric, maxSlopePerHour: limit.maxSlopePerHour, points: fit?.n ?? series.length, spanMs: fit?.spanMs ?? 0 };
  if (!fit || fit.n < minPoints || fit.spanMs < minSpanMs) {
    return { ...base, status: 'unknown', slopePerHour: fit ? fit.slopePerS * 3600 : null, message: `${metric}: too few samples to judge a trend (${base.points} points over ${Math.round(base.spanMs / 1000)} s; need ${minPoints} over ${Math.round(minSpanMs / 1000)} s)` };
  }
  const slopePerHour = fit.slopePerS * 3600;
  const t0 = Math.min(...series.map((p) => p.t));
  const t1 = Math.max(...series.map((p) => p.t));
  const fittedStart = fit.intercept + (fit.slopePerS / 1000) * t0;
  const fittedEnd = fit.intercept + (fit.slopePerS / 1000) * t1;
  const pass = slopePerHour <= limit.maxSlopePerHour;
  return {
    ...base,
    status: pass ? 'pass' : 'fail',
    slopePerHour,
    fittedStart,
    fittedEnd,
    message: `${metric}: slope ${formatRate(slopePerHour)}/h ${pass ? '≤' : '>'} limit ${formatRate(limit.maxSlopePerHour)}/h over ${Math.round(fit.spanMs / 1000)} s (${fit.n} points)`,
  };
}

function formatRate(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(2)}k`;
  return x.toFixed(2);
}
