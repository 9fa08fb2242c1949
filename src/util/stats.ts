/**
 * The statistics of `loadnet compare` and `max-rate --deployments`, pure: a run's figure with its standard error by the method of batch
 * means (jobs/batch-means.ts: cut the measured window into consecutive batches of time, take the figure of
 * each batch; neighbouring transactions share blocks, batches are nearly independent), a confidence interval
 * from Student's t with batches − 1 degrees of freedom, and the difference of two runs' figures with Welch's
 * interval. A difference whose interval excludes zero is significant at the stated confidence.
 */

/** Standard error of the mean of `values` (sample standard deviation / √n); null with fewer than 2. */
export function standardError(values: readonly number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n);
}

/** A run's figure: the point, its batch-means standard error, and how many batches that came from. */
export interface Estimate {
  value: number;
  /** null: fewer than two batches (no error estimate). */
  stdErr: number | null;
  batches: number;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The point (the run's own figure when given, else the mean of the batches) with the batches' standard error. */
export function batchEstimate(batches: readonly number[], point?: number): Estimate | null {
  const finite = batches.filter(Number.isFinite);
  const value = point ?? (finite.length ? mean(finite) : undefined);
  if (value === undefined || !Number.isFinite(value)) return null;
  return { value, stdErr: standardError(finite), batches: finite.length };
}

// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9): enough digits for t quantiles to 1e-9.
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz), for x < (a + 1) / (a + b + 2). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    c = 1 + num / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    h *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    c = 1 + num / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-12) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(|T| ≤ t) = confidence: the two-sided critical value (bisection on the CDF). */
export function tCritical(confidence: number, df: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1 (got ${confidence})`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive (got ${df})`);
  const target = 0.5 + confidence / 2;
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < target) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** value ± t·se over batches − 1 degrees of freedom; null without an error estimate. */
export function confidenceInterval(e: Estimate, confidence: number): [number, number] | null {
  if (e.stdErr === null) return null;
  const half = e.stdErr === 0 ? 0 : tCritical(confidence, e.batches - 1) * e.stdErr;
  return [e.value - half, e.value + half];
}

export interface Difference {
  /** candidate − baseline */
  diff: number;
  /** Welch's interval of the difference; null when either side has no error estimate. */
  ci: [number, number] | null;
  /** Welch–Satterthwaite degrees of freedom (null: no interval, or both errors zero). */
  df: number | null;
  /** The interval excludes zero. */
  significant: boolean;
}

/**
 * candidate − baseline with Welch's interval: se = √(se_a² + se_b²), degrees of freedom by
 * Welch–Satterthwaite. Two figures without any spread (both errors 0, e.g. no reorg in either run) differ
 * significantly exactly when they differ at all.
 */
export function difference(baseline: Estimate, candidate: Estimate, confidence: number): Difference {
  const diff = candidate.value - baseline.value;
  if (baseline.stdErr === null || candidate.stdErr === null) return { diff, ci: null, df: null, significant: false };
  const va = baseline.stdErr ** 2;
  const vb = candidate.stdErr ** 2;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { diff, ci: [diff, diff], df: null, significant: diff !== 0 };
  const df = (va + vb) ** 2 / ((va > 0 ? va ** 2 / (baseline.batches - 1) : 0) + (vb > 0 ? vb ** 2 / (candidate.batches - 1) : 0));
  const half = tCritical(confidence, df) * se;
  return { diff, ci: [diff - half, diff + half], df, significant: diff - half > 0 || diff + half < 0 };
}
