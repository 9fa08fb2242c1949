import { describe, expect, it } from 'vitest';
import { callAgainstSlo, LatencyBatches, standardError } from '../../src/jobs/batch-means.js';
import { searchMaxRate } from '../../src/jobs/rate-search.js';
import { measureSequentially, needsAnotherHold, poolHolds, type HoldMeasure } from '../../src/jobs/step-holds.js';
import { seededRandom } from '../../src/util/random.js';
import { DEFAULT_CRITERIA, type SloCriteria, type StepResult } from '../../src/jobs/step-judge.js';
import { newHistogram, recordMs } from '../../src/load/histogram.js';

const criteria: SloCriteria = { ...DEFAULT_CRITERIA, sloP99Ms: 3000, minInclusion: 0.99 };

function step(over: Partial<StepResult> = {}): StepResult {
  return {
    targetTps: 100, holdMs: 30_000, offeredTps: 100, sent: 3000, accepted: 3000, rejected: 0, errored: 0,
    included: 3000, inclusionRatio: 1, includedTps: 100, inclusion: { p50: 500, p90: 1000, p99: 2000, max: 2500 },
    backlogSlopeTps: 0, pendingAtEnd: 0, generator: { bound: false }, ...over,
  };
}

describe('LatencyBatches', () => {
  it('buckets by intended time, ignores what falls outside the span, and gives each batch its own p99', () => {
    const b = new LatencyBatches(1000, 31_000, 5000);
    for (let i = 0; i < 100; i++) {
      b.record(1000 + i, 100); // batch 0: all 100 ms
      b.record(6000 + i, i < 98 ? 100 : 9000); // batch 1: a slow tail of 2 %
      b.record(500, 50_000); // before the span: ignored
      b.record(31_000 + i, 50_000); // after it: ignored
    }
    b.record(11_000, 100); // batch 2: one sample, below minCount
    const q = b.quantiles(99, 20);
    expect(q).toHaveLength(2);
    expect(q[0]).toBeCloseTo(100, 0);
    expect(q[1]).toBeGreaterThan(8900);
    b.destroy();
  });

  it('rejects an empty span or a batch length that is not positive', () => {
    expect(() => new LatencyBatches(10, 10, 5)).toThrow(/non-empty span/);
    expect(() => new LatencyBatches(0, 10, 0)).toThrow(/batchMs > 0/);
  });
});

describe('standardError and callAgainstSlo', () => {
  it('computes sd / √n and needs two values', () => {
    expect(standardError([5])).toBeNull();
    // values 2, 4, 4, 4, 5, 5, 7, 9: sample sd = 2.138; se = 2.138 / √8
    expect(standardError([2, 4, 4, 4, 5, 5, 7, 9])!).toBeCloseTo(2.138 / Math.sqrt(8), 3);
    expect(standardError([3, 3, 3])).toBe(0);
  });

  it('passes clearly under, fails clearly over, and leaves the band undecided', () => {
    expect(callAgainstSlo(2000, 200, 3000, 2)).toBe('pass');
    expect(callAgainstSlo(4000, 200, 3000, 2)).toBe('fail');
    expect(callAgainstSlo(2800, 200, 3000, 2)).toBe('undecided');
    expect(callAgainstSlo(3300, 200, 3000, 2)).toBe('undecided');
    expect(callAgainstSlo(2800, null, 3000, 2)).toBe('pass'); // no error estimate: the point decides
    expect(callAgainstSlo(null, 10, 3000, 2)).toBe('fail');
  });
});

describe('poolHolds', () => {
  it('sums counts over holds and recomputes the rates over the whole measured time', () => {
    const a = step({ sent: 3000, included: 3000, rejected: 1, rejectedByReason: { nonce_gap: 1 }, backlogSlopeTps: 2, submit: { p50: 1, p90: 2, p99: 3, max: 4 } });
    const b = step({ sent: 2940, included: 2900, rejected: 2, rejectedByReason: { nonce_gap: 1, mempool_full: 1 }, backlogSlopeTps: 4, submit: { p50: 1, p90: 2, p99: 9, max: 10 }, generator: { bound: true, reason: 'signing' } });
    const p = poolHolds([a, b], { p50: 1, p90: 2, p99: 2900, max: 3100 }, 120);
    expect(p).toMatchObject({ holds: 2, holdMs: 60_000, sent: 5940, included: 5900, rejected: 3, rejectedByReason: { nonce_gap: 2, mempool_full: 1 }, backlogSlopeTps: 3, p99StdErrMs: 120 });
    expect(p.offeredTps).toBeCloseTo(99, 5);
    expect(p.inclusionRatio).toBeCloseTo(5900 / 5940, 6);
    expect(p.submit!.p99).toBe(9);
    expect(p.generator).toMatchObject({ bound: true, reason: 'signing' });
    expect(p.inclusion!.p99).toBe(2900);
  });

  it('throws without a hold', () => {
    expect(() => poolHolds([], null, null)).toThrow(/at least one hold/);
  });
});

describe('needsAnotherHold', () => {
  it('asks again only when latency is the open question', () => {
    const near = step({ inclusion: { p50: 1, p90: 2, p99: 2900, max: 3000 }, p99StdErrMs: 200 });
    expect(needsAnotherHold(near, criteria, 2)).toEqual({ again: true, call: 'undecided' });
    expect(needsAnotherHold({ ...near, inclusionRatio: 0.9, included: 2700 }, criteria, 2).again).toBe(false);
    expect(needsAnotherHold({ ...near, generator: { bound: true } }, criteria, 2).again).toBe(false);
    expect(needsAnotherHold({ ...near, p99StdErrMs: 20 }, criteria, 2)).toEqual({ again: false, call: 'pass' });
  });
});

/** A hold whose 1,000 latencies are 100 ms except a tail at `tailMs`; its batches' p99s are given. */
function fakeHold(tailMs: number, batchP99s: number[]): HoldMeasure {
  const latencies = newHistogram(64);
  for (let i = 0; i < 1000; i++) recordMs(latencies, i < 985 ? 100 : tailMs);
  return { result: step(), latencies, batchP99s };
}

describe('measureSequentially', () => {
  it('stops after one hold when the p99 is clearly on one side of the SLO', async () => {
    let holds = 0;
    const r = await measureSequentially(() => (holds++, Promise.resolve(fakeHold(1000, [900, 1000, 1100]))), { criteria, maxHolds: 4, z: 2 });
    expect(holds).toBe(1);
    expect(r.holds).toBe(1);
    expect(r.inclusion!.p99).toBeCloseTo(1000, -1);
  });

  it('holds again while undecided, pools every hold, and stops at maxHolds', async () => {
    const extra: number[] = [];
    const r = await measureSequentially((n) => Promise.resolve(fakeHold(2950 + n, [2000, 4000, 2500, 3500])), { criteria, maxHolds: 3, z: 2, onAnotherHold: (_p, n) => extra.push(n) });
    expect(extra).toEqual([1, 2]);
    expect(r.holds).toBe(3);
    expect(r.sent).toBe(9000);
    expect(r.holdMs).toBe(90_000);
    expect(r.p99StdErrMs).toBeGreaterThan(0);
  });

  it('stops holding once the pooled batches decide', async () => {
    // The first hold's batches straddle the SLO; the next ones agree with each other, so the error shrinks.
    const batches = [[1500, 3500], [2000, 2000, 2000, 2000], [2000, 2000, 2000, 2000]];
    let holds = 0;
    const r = await measureSequentially((n) => (holds++, Promise.resolve(fakeHold(2000, batches[n]!))), { criteria, maxHolds: 5, z: 2 });
    expect(holds).toBe(2);
    expect(r.holds).toBe(2);
  });
});

/**
 * A simulated chain whose p99 near the knee is noisy batch by batch: each 5 s batch's tail is the true
 * p99 at the rate times a log-normal factor (one late block or not). Not the devnet: a model of the noise
 * that made single-hold searches disagree on this machine, to show what pooling holds does to it.
 */
function simulatedHold(rate: number, rand: () => number, batches = 6, perBatch = 200): HoldMeasure {
  // As measured at the 4 + 2 knee: p99 doubles from 1.7 s at 1,600 tx/s over ~660 tx/s (crossing 3 s near
  // 2,140 tx/s); batch p99s within one 30 s hold spread with a log-sd of ~0.3, whole holds by ~0.15 more.
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const trueP99 = 1700 * Math.exp((rate - 1600) / 950) * Math.exp(0.15 * gauss());
  const latencies = newHistogram(64);
  const batchP99s: number[] = [];
  for (let b = 0; b < batches; b++) {
    const tail = trueP99 * Math.exp(0.3 * gauss());
    const h = newHistogram(32);
    for (let i = 0; i < perBatch; i++) {
      const v = i < perBatch * 0.98 ? (tail / 3) * rand() : tail * (0.98 + 0.04 * rand());
      recordMs(h, v);
      recordMs(latencies, v);
    }
    batchP99s.push(h.getValueAtPercentile(99) / 1000);
  }
  const sent = rate * 30; // a 30 s hold at the rate (the latency samples above stand for them)
  const result = step({ targetTps: rate, offeredTps: rate, sent, accepted: sent, included: sent, includedTps: rate, inclusion: null });
  return { result, latencies, batchP99s };
}

async function simulatedSearch(seed: number, maxHolds: number): Promise<{ max: number | null; holds: number }> {
  const rand = seededRandom(seed);
  let holds = 0;
  const outcome = await searchMaxRate(
    (rate) => measureSequentially((n) => { holds++; void n; return Promise.resolve(simulatedHold(rate, rand)); }, { criteria, maxHolds, z: 2 }),
    { startTps: 200, maxTps: 100_000, resolution: 0.05, criteria },
  );
  return { max: outcome.maxRateTps, holds };
}

describe('sequential holds against a noisy knee (simulation)', () => {
  it('narrows the spread of the found maximum between runs, at a bounded cost in holds', async () => {
    const runs = async (maxHolds: number) => Promise.all(Array.from({ length: 40 }, (_, i) => simulatedSearch(1000 + i, maxHolds)));
    const single = await runs(1);
    const pooled = await runs(4);
    const figures = (xs: Array<{ max: number | null }>) => xs.map((x) => x.max);
    /** Of 20 disjoint pairs of runs, how many both found a figure within ±10 % of their mean. */
    const agreeing = (xs: Array<number | null>) => {
      let n = 0;
      for (let i = 0; i + 1 < xs.length; i += 2) {
        const [a, b] = [xs[i], xs[i + 1]];
        if (a != null && b != null && Math.abs(a - b) / ((a + b) / 2) <= 0.1) n++;
      }
      return n;
    };
    const iqr = (xs: Array<number | null>) => {
      const f = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
      const q = (p: number) => f[Math.floor(p * (f.length - 1))]!;
      return (q(0.75) - q(0.25)) / q(0.5);
    };
    // Measured with this model: 14 of 20 pairs agree with one hold per step, 16 with up to 4; IQR 13 % → 9 %;
    // 10.9 → 19.2 holds per search.
    const s1 = { agree: agreeing(figures(single)), iqr: iqr(figures(single)) };
    const s4 = { agree: agreeing(figures(pooled)), iqr: iqr(figures(pooled)) };
    expect(s4.agree).toBeGreaterThan(s1.agree);
    expect(s4.iqr).toBeLessThan(s1.iqr);
    // The price: more holds per search, but nowhere near maxHolds on every step.
    const holds = (xs: Array<{ holds: number }>) => xs.reduce((a, x) => a + x.holds, 0) / xs.length;
    expect(holds(pooled)).toBeGreaterThan(holds(single));
    expect(holds(pooled)).toBeLessThan(2.5 * holds(single));
  });
});
