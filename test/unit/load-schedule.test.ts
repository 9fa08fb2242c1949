import { describe, expect, it } from 'vitest';
import { Schedule, scheduleFromRate } from '../../src/load/schedule.js';
import { newHistogram, percentiles, recordMs, encodeHistogram, decodeHistogram, SampleCounts } from '../../src/load/histogram.js';

describe('load schedule', () => {
  it('constant rate: tx i is due at i / rate, cumulative (no drift over a million transactions)', () => {
    const s = new Schedule(scheduleFromRate(1000));
    expect(s.dueMs(0)).toBe(0);
    expect(s.dueMs(1)).toBeCloseTo(1, 9);
    expect(s.dueMs(1_000_000)).toBeCloseTo(1_000_000, 6);
    expect(s.countAt(2500)).toBeCloseTo(2500, 9);
  });

  it('fractional rates: 0.1 tx/s is one transaction every 10 s', () => {
    const s = new Schedule(scheduleFromRate({ kind: 'perSecond', perSecond: 0.1 }));
    expect(s.dueMs(1)).toBeCloseTo(10_000, 6);
    expect(s.dueMs(3)).toBeCloseTo(30_000, 6);
  });

  it('perBlock becomes perBlock / mean block interval per second', () => {
    const s = new Schedule(scheduleFromRate({ kind: 'perBlock', perBlock: 5 }, 2000));
    expect(s.rateAt(0)).toBeCloseTo(2.5, 9);
    expect(() => scheduleFromRate({ kind: 'perBlock', perBlock: 5 })).toThrow(/meanBlockIntervalMs/);
  });

  it('stages: a ramp from 0 to 100 tx/s over 10 s then a step to 50 tx/s', () => {
    const s = new Schedule(scheduleFromRate({ kind: 'stages', stages: [{ durationMs: 10_000, perSecond: 100, ramp: true }, { durationMs: 10_000, perSecond: 50, ramp: false }] }));
    expect(s.rateAt(5000)).toBeCloseTo(50, 9);
    expect(s.countAt(10_000)).toBeCloseTo(500, 9); // area of the triangle
    expect(s.countAt(20_000)).toBeCloseTo(1000, 9);
    expect(s.countAt(30_000)).toBeCloseTo(1500, 9); // the last stage's rate holds
    // due times invert the count exactly, inside the ramp and after it
    for (const i of [1, 7, 125, 499, 500, 750, 1200]) expect(s.countAt(s.dueMs(i))).toBeCloseTo(i, 6);
    // inside the ramp: C(t) = 5 t² (t in s) → t = sqrt(i / 5)
    expect(s.dueMs(125)).toBeCloseTo(5000, 6);
  });

  it('a zero rate is never due', () => {
    const s = new Schedule(scheduleFromRate(0));
    expect(s.dueMs(0)).toBe(Infinity);
  });

  it('rejects bad rates with a clear error naming the field', () => {
    expect(() => scheduleFromRate(-1)).toThrow(/rate: -1; allowed: a rate from 0/);
    expect(() => scheduleFromRate({ kind: 'stages', stages: [] })).toThrow(/rate.stages/);
    expect(() => scheduleFromRate({ kind: 'stages', stages: [{ durationMs: 0, perSecond: 1, ramp: false }] })).toThrow(/durationMs/);
  });
});

describe('load histograms', () => {
  it('records ms as µs, clamps out-of-range values, and survives the encode/decode across threads', () => {
    const h = newHistogram();
    for (let i = 1; i <= 1000; i++) recordMs(h, i); // 1..1000 ms
    recordMs(h, 1e9); // beyond one hour: clamped, still counted
    const back = decodeHistogram(encodeHistogram(h));
    const p = percentiles(back);
    expect(p.count).toBe(1001);
    expect(p.p50).toBeGreaterThan(499);
    expect(p.p50).toBeLessThan(502);
    expect(p.p99).toBeGreaterThan(989);
    expect(p.p99).toBeLessThan(992);
    expect(p.max).toBeGreaterThan(3_599_000);
  });

  it('counts samples in the same buckets as the histogram: flushed, the histogram reads as if each was recorded into it', () => {
    // Edges of the integer bucket index: bucket 0's end, powers of two and their neighbours, the clamps.
    const edges = [0, 0.0004, 0.001, 1.023, 1.024, 2.047, 2.048, 2.049, 4.095, 4.096, 4.097, 1e9];
    for (let k = 11; k < 32; k++) for (const d of [-1, 0, 1]) edges.push((2 ** k + d) / 1000);
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const samples = [...edges, ...Array.from({ length: 20_000 }, () => random() ** 4 * 5000)];
    for (const batch of [samples, [3.3], [2.0485, 2.0489]]) {
      const direct = newHistogram();
      const counted = newHistogram();
      const counts = new SampleCounts();
      for (const ms of batch) {
        recordMs(direct, ms);
        counts.recordMs(ms);
      }
      counts.flushInto(counted);
      expect(encodeHistogram(counted)).toBe(encodeHistogram(direct));
      expect([counted.totalCount, counted.minNonZeroValue, counted.maxValue]).toEqual([direct.totalCount, direct.minNonZeroValue, direct.maxValue]);
      expect(percentiles(counted)).toEqual(percentiles(direct));
      for (const p of [0, 10, 50, 90, 99, 99.9, 100]) expect(counted.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
    }
    // Flushing starts over: a second interval holds only its own samples.
    const counts = new SampleCounts();
    counts.recordMs(5);
    counts.flushInto(newHistogram());
    const next = newHistogram();
    counts.recordMs(7);
    counts.flushInto(next);
    expect([next.totalCount, next.minNonZeroValue, next.maxValue]).toEqual([1, 7000, 7000]);
  });
});
