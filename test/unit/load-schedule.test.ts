import { describe, expect, it } from 'vitest';
import { Schedule, scheduleFromRate } from '../../src/load/schedule.js';
import { addCounts, newHistogram, percentiles, recordMs, encodeHistogram, decodeHistogram, SampleCounts, type Histogram } from '../../src/load/histogram.js';

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

  // Samples over the integer bucket index's edges (bucket 0's end, powers of two and their neighbours, the
  // clamps) and a long-tailed spread.
  const edges = [0, 0.0004, 0.001, 1.023, 1.024, 2.047, 2.048, 2.049, 4.095, 4.096, 4.097, 1e9];
  for (let k = 11; k < 32; k++) for (const d of [-1, 0, 1]) edges.push((2 ** k + d) / 1000);
  const spread = (seed: number, n: number, scaleMs: number): number[] => {
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    return Array.from({ length: n }, () => random() ** 4 * scaleMs);
  };
  const points = [0, 10, 50, 90, 99, 99.9, 99.99, 100];
  /** What a coordinator read from a histogram: percentiles, the raw percentile values, count, extremes, the encoding. */
  const readout = (h: Histogram) => ({ percentiles: percentiles(h), at: points.map((p) => h.getValueAtPercentile(p)), count: h.totalCount, min: h.minNonZeroValue, max: h.maxValue, encoded: encodeHistogram(h) });
  /** The previous path: samples recorded into a histogram, encoded in the worker, decoded and added in the coordinator. */
  const viaEncoding = (into: Histogram, samples: Array<[ms: number, count: number]>): Histogram => {
    const h = newHistogram();
    for (const [ms, count] of samples) recordMs(h, ms, count);
    if (h.totalCount > 0) into.add(decodeHistogram(encodeHistogram(h)));
    return into;
  };
  const viaCounts = (into: Histogram, samples: Array<[ms: number, count: number]>): Histogram => {
    const counts = new SampleCounts();
    for (const [ms, count] of samples) counts.recordMs(ms, count);
    addCounts(into, counts.take());
    return into;
  };

  it('bucket counts give the coordinator the same histogram as the encoded one did: percentiles, count, extremes, encoding', () => {
    const ones = (ms: number[]) => ms.map((m): [number, number] => [m, 1]);
    const batches: Array<Array<[number, number]>> = [ones([...edges, ...spread(7, 20_000, 5000)]), ones([3.3]), ones([2.0485, 2.0489]), [[12.5, 100], [0.7, 3], [12.5, 1], [900, 40]], []];
    for (const samples of batches) {
      for (const bits of [32, 64] as const) {
        const old = readout(viaEncoding(newHistogram(bits), samples));
        expect(readout(viaCounts(newHistogram(bits), samples)), `${samples.length} samples, ${bits}-bit`).toEqual(old);
      }
    }
    expect(percentiles(viaCounts(newHistogram(), [[12.5, 100], [900, 40]]))).toEqual({ count: 140, p50: 12.503, p90: 900.095, p99: 900.095, p999: 900.095, max: 900.095 }); // each bucket's highest equivalent value (8 µs and 512 µs wide there)
  });

  it('merging bucket counts across workers is exact: the merge equals one histogram of every sample, and the encoded path', () => {
    const workers = [spread(1, 5000, 50), spread(2, 8000, 3000), [], spread(3, 1, 1e7), [...edges]].map((ms) => ms.map((m): [number, number] => [m, 1]));
    const byCounts = newHistogram(64);
    const byEncoding = newHistogram(64);
    for (const w of workers) {
      viaCounts(byCounts, w);
      viaEncoding(byEncoding, w);
    }
    const all = viaCounts(newHistogram(64), workers.flat());
    expect(readout(byCounts)).toEqual(readout(byEncoding));
    expect(readout(byCounts)).toEqual(readout(all));
    expect(byCounts.totalCount).toBe(workers.flat().length);
  });

  it('taking the counts starts over: a second interval holds only its own samples', () => {
    const counts = new SampleCounts();
    counts.recordMs(5);
    counts.recordMs(5, 2);
    expect(counts.take()).toEqual({ at: [3298], counts: [3] });
    counts.recordMs(7);
    const next = newHistogram();
    addCounts(next, counts.take());
    expect([next.totalCount, next.minNonZeroValue, next.maxValue]).toEqual([1, 7000, 7003]);
    expect(counts.take()).toEqual({ at: [], counts: [] });
  });
});
