/**
 * A time series with a memory bound, for runs of hours: once it holds `2 × capacity` points, adjacent pairs
 * merge into their mean (time and value), halving it. Resolution coarsens as the run grows, but the trend
 * over the whole run survives and memory stays flat however long the soak lasts.
 */
import type { TrendPoint } from '../util/trend.js';

export class BoundedSeries {
  private points: TrendPoint[] = [];
  /** Raw samples each stored point stands for (doubles at every compaction). */
  private weight = 1;
  private pending: TrendPoint[] = [];

  constructor(readonly capacity = 512) {
    if (!Number.isInteger(capacity) || capacity < 8) throw new RangeError(`BoundedSeries capacity must be an integer ≥ 8, got ${capacity}`);
  }

  add(t: number, value: number): void {
    if (!Number.isFinite(value)) return;
    // Raw samples accumulate until they make one point of the current weight.
    this.pending.push({ t, value });
    if (this.pending.length < this.weight) return;
    this.points.push(mean(this.pending));
    this.pending = [];
    if (this.points.length >= 2 * this.capacity) {
      const merged: TrendPoint[] = [];
      for (let i = 0; i + 1 < this.points.length; i += 2) merged.push(mean([this.points[i]!, this.points[i + 1]!]));
      this.points = merged;
      this.weight *= 2;
    }
  }

  /** Stored points plus the partial bucket, oldest first. */
  values(): TrendPoint[] {
    return this.pending.length ? [...this.points, mean(this.pending)] : [...this.points];
  }

  get length(): number {
    return this.points.length + (this.pending.length ? 1 : 0);
  }

  last(): TrendPoint | undefined {
    return this.pending.at(-1) ?? this.points.at(-1);
  }
}

function mean(ps: readonly TrendPoint[]): TrendPoint {
  let t = 0;
  let v = 0;
  for (const p of ps) {
    t += p.t;
    v += p.value;
  }
  return { t: t / ps.length, value: v / ps.length };
}
