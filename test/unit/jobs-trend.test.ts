import { describe, expect, it } from 'vitest';
import { checkTrend, downsample, theilSen, type TrendPoint } from '../../src/util/trend.js';

/** Deterministic pseudo-random numbers (mulberry32) so the noise is the same on every run. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ols(points: TrendPoint[]): number {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.value - mv);
    den += (p.t - mt) ** 2;
  }
  return (num / den) * 1000;
}

describe('theilSen', () => {
  it('recovers a linear slope exactly', () => {
    const pts = Array.from({ length: 50 }, (_, i) => ({ t: i * 1000, value: 10 + 3 * i }));
    const fit = theilSen(pts)!;
    expect(fit.slopePerS).toBeCloseTo(3, 10);
    expect(fit.intercept).toBeCloseTo(10, 10);
  });

  it('ignores outliers that drag least squares (GC spikes on a flat heap)', () => {
    const r = rng(7);
    const pts = Array.from({ length: 120 }, (_, i) => ({ t: i * 1000, value: 50e6 + (r() - 0.5) * 1e6 }));
    // Late spikes: 15 % of the samples, +40 MB each, all in the last third.
    for (let i = 100; i < 118; i++) pts[i]!.value += 40e6;
    const robust = theilSen(pts)!.slopePerS;
    const naive = ols(pts);
    expect(Math.abs(robust)).toBeLessThan(20_000); // < 20 kB/s
    expect(naive).toBeGreaterThan(100_000); // least squares sees a leak that is not there
  });

  it('reads a block sawtooth as flat and a slow climb under it as rising', () => {
    // Pending fills at 100 tx/s and empties every 2 s (a block); sampled every 250 ms.
    const flat = Array.from({ length: 120 }, (_, i) => ({ t: i * 250, value: ((i * 250) % 2000) / 10 }));
    expect(Math.abs(theilSen(flat)!.slopePerS)).toBeLessThan(2);
    const rising = flat.map((p) => ({ t: p.t, value: p.value + (p.t / 1000) * 5 }));
    expect(theilSen(rising)!.slopePerS).toBeGreaterThan(4);
    expect(theilSen(rising)!.slopePerS).toBeLessThan(6);
  });

  it('needs two distinct times', () => {
    expect(theilSen([])).toBeUndefined();
    expect(theilSen([{ t: 1, value: 1 }])).toBeUndefined();
    expect(theilSen([{ t: 1, value: 1 }, { t: 1, value: 2 }])).toBeUndefined();
  });

  it('downsamples long series and keeps the slope', () => {
    const pts = Array.from({ length: 20_000 }, (_, i) => ({ t: i * 100, value: 2 * i + (i % 7) }));
    expect(downsample(pts, 400).length).toBe(400);
    const fit = theilSen(pts)!;
    expect(fit.n).toBe(400);
    expect(fit.slopePerS).toBeCloseTo(20, 0);
  });
});

describe('checkTrend', () => {
  const hour = 3_600_000;
  it('passes a flat series, fails a leak, and is unknown on too little data', () => {
    const flat = Array.from({ length: 60 }, (_, i) => ({ t: (i * hour) / 60, value: 100e6 + (i % 3) * 1e6 }));
    const leak = flat.map((p) => ({ t: p.t, value: p.value + (p.t / hour) * 50e6 }));
    const limit = { maxSlopePerHour: 10e6, minPoints: 10, minSpanMs: 60_000 };
    expect(checkTrend('rss', flat, limit).status).toBe('pass');
    const v = checkTrend('rss', leak, limit);
    expect(v.status).toBe('fail');
    expect(v.slopePerHour!).toBeGreaterThan(40e6);
    expect(v.message).toMatch(/rss: slope .*M\/h > limit 10.00M\/h/);
    expect(checkTrend('rss', flat.slice(0, 3), limit).status).toBe('unknown');
  });
});
