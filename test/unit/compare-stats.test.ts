/**
 * loadnet compare's pure parts: Student's t against table values, Welch's interval, verdicts and regression
 * thresholds per figure, the max-rate bracket rule, scenario differences, and a run's figures from
 * synthetic interval events (batches, pooled rates, exact batch percentiles from interval histograms).
 */
import { describe, expect, it } from 'vitest';
import { batchEstimate, confidenceInterval, difference, studentTCdf, tCritical } from '../../src/util/stats.js';
import { compareFigures, compareRuns, formatComparison, scenarioDifferences } from '../../src/compare/compare.js';
import { FIGURES, runFigures, type FigureDef } from '../../src/compare/figures.js';
import { deriveSeries } from '../../src/report/run-data.js';
import { encodeHistogram, newHistogram, recordMs } from '../../src/load/histogram.js';
import type { ScenarioSpec } from '../../src/scenario/spec.js';

const def = (id: string): FigureDef => FIGURES.find((f) => f.id === id)!;

describe('Student t', () => {
  it('matches table values of the two-sided critical t', () => {
    // t_{0.975}: df 1 12.706, df 4 2.776, df 9 2.262, df 30 2.042; ∞ → 1.960. t_{0.995}, df 9: 3.250.
    expect(tCritical(0.95, 1)).toBeCloseTo(12.706, 2);
    expect(tCritical(0.95, 4)).toBeCloseTo(2.776, 3);
    expect(tCritical(0.95, 9)).toBeCloseTo(2.262, 3);
    expect(tCritical(0.95, 30)).toBeCloseTo(2.042, 3);
    expect(tCritical(0.95, 1e6)).toBeCloseTo(1.96, 2);
    expect(tCritical(0.99, 9)).toBeCloseTo(3.25, 2);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(-2.262, 9)).toBeCloseTo(0.025, 3);
    expect(() => tCritical(1.2, 3)).toThrow(/confidence/);
  });

  it('batch estimates: the point given or the mean, the standard error of the batches', () => {
    const e = batchEstimate([10, 12, 14, 16]);
    expect(e).toMatchObject({ value: 13, batches: 4 });
    expect(e!.stdErr).toBeCloseTo(Math.sqrt(20 / 3 / 4), 9);
    expect(batchEstimate([1, 2], 7)!.value).toBe(7);
    expect(batchEstimate([5])!.stdErr).toBeNull();
    const ci = confidenceInterval(e!, 0.95)!;
    expect(ci[0]).toBeCloseTo(13 - 3.182 * e!.stdErr!, 2);
  });

  it("Welch's interval: overlapping runs are no different, far-apart runs are; zero spread differs exactly when the values do", () => {
    const a = { value: 100, stdErr: 5, batches: 10 };
    expect(difference(a, { value: 108, stdErr: 5, batches: 10 }, 0.95).significant).toBe(false);
    const far = difference(a, { value: 130, stdErr: 5, batches: 10 }, 0.95);
    expect(far.significant).toBe(true);
    expect(far.df).toBeCloseTo(18, 6);
    expect(far.ci![0]).toBeCloseTo(30 - 2.101 * Math.sqrt(50), 1);
    expect(difference({ value: 0, stdErr: 0, batches: 10 }, { value: 0, stdErr: 0, batches: 10 }, 0.95).significant).toBe(false);
    expect(difference({ value: 0, stdErr: 0, batches: 10 }, { value: 1, stdErr: 0, batches: 10 }, 0.95).significant).toBe(true);
    expect(difference(a, { value: 500, stdErr: null, batches: 1 }, 0.95).ci).toBeNull();
  });
});

describe('verdicts', () => {
  const a = { value: 1000, stdErr: 20, batches: 10 };
  it('lower-is-better figures: a significant rise is worse, a regression past the threshold only', () => {
    const worse = compareFigures(def('inclusionP99'), a, { value: 1300, stdErr: 20, batches: 10 }, 0.95);
    expect(worse).toMatchObject({ verdict: 'worse', regression: true, diff: 300 });
    expect(worse.relative).toBeCloseTo(0.3, 9);
    const small = compareFigures(def('inclusionP99'), a, { value: 1080, stdErr: 10, batches: 10 }, 0.95);
    expect(small).toMatchObject({ verdict: 'worse', regression: false }); // significant, under 10 %
    expect(compareFigures(def('inclusionP99'), a, { value: 1080, stdErr: 10, batches: 10 }, 0.95, { relative: 0.05 }).regression).toBe(true);
    expect(compareFigures(def('inclusionP99'), a, { value: 700, stdErr: 20, batches: 10 }, 0.95).verdict).toBe('better');
    expect(compareFigures(def('inclusionP99'), a, { value: 1010, stdErr: 20, batches: 10 }, 0.95).verdict).toBe('no significant difference');
  });

  it('higher-is-better figures and absolute thresholds', () => {
    expect(compareFigures(def('includedTps'), { value: 100, stdErr: 1, batches: 10 }, { value: 80, stdErr: 1, batches: 10 }, 0.95)).toMatchObject({ verdict: 'worse', regression: true });
    expect(compareFigures(def('errorRate'), { value: 0, stdErr: 0, batches: 10 }, { value: 0.005, stdErr: 0.001, batches: 10 }, 0.95)).toMatchObject({ verdict: 'worse', regression: false });
    expect(compareFigures(def('errorRate'), { value: 0, stdErr: 0, batches: 10 }, { value: 0.05, stdErr: 0.01, batches: 10 }, 0.95)).toMatchObject({ verdict: 'worse', regression: true });
    expect(compareFigures(def('finalityP99'), a, undefined, 0.95)).toMatchObject({ verdict: 'not comparable', reason: 'not measured in the candidate' });
  });

  it('max-rate without spread: the search brackets decide', () => {
    const run = (v: number, lastPassTps: number, firstFailTps: number) => ({ value: v, stdErr: null, batches: 1, bracket: { lastPassTps, firstFailTps } });
    expect(compareFigures(def('maxRateTps'), run(1000, 1000, 1100), run(800, 800, 900), 0.95)).toMatchObject({ verdict: 'worse', regression: true });
    expect(compareFigures(def('maxRateTps'), run(1000, 1000, 1100), run(1050, 1050, 1150), 0.95).verdict).toBe('no significant difference');
    expect(compareFigures(def('maxRateTps'), run(1000, 1000, 1100), run(1200, 1200, 1300), 0.95).verdict).toBe('better');
  });
});

describe('scenario differences', () => {
  it('lists every differing leaf by path, the name aside', () => {
    const a = { name: 'a', seed: 1, topology: { validators: 3, executors: 1 }, workloads: [{ type: 'transactions', rate: 5 }] };
    const b = { name: 'b', seed: 1, topology: { validators: 4, executors: 1 }, workloads: [{ type: 'transactions', rate: 10 }], durationMs: 5 };
    expect(scenarioDifferences(a, b)).toEqual([
      { path: 'durationMs', baseline: undefined, candidate: 5 },
      { path: 'topology.validators', baseline: 3, candidate: 4 },
      { path: 'workloads.0.rate', baseline: 5, candidate: 10 },
    ]);
    expect(scenarioDifferences(a, { ...a, name: 'other' })).toEqual([]);
  });
});

/** Ten 1 s intervals in a 10 s window: 20 tx/s offered, inclusion latency `lat(i)` ms for every tx. */
function syntheticRun(runDir: string, lat: (i: number) => number, withHdr = true) {
  const t0 = 1_000_000;
  const events: Array<{ t: number; kind: string; [k: string]: unknown }> = [
    { t: t0, kind: 'run.phase', phase: 'window' },
    { t: t0 + 10_000, kind: 'run.phase', phase: 'cooldown' },
  ];
  for (let i = 0; i < 10; i++) {
    const h = newHistogram(32);
    for (let k = 0; k < 20; k++) recordMs(h, lat(i) + k);
    const empty = encodeHistogram(newHistogram(32));
    events.push({
      t: t0 + (i + 1) * 1000,
      kind: 'load.interval',
      workload: 'transactions',
      intervalMs: 1000,
      offeredTps: 20,
      includedTps: 20,
      erroredTps: i === 0 ? 2 : 0,
      rejectedTps: 0,
      inclusion: { count: 20, p50: lat(i) + 10, p99: lat(i) + 19 },
      submitCorrected: { count: 20, p50: 5, p99: 9 },
      ...(withHdr ? { hdr: { inclusion: encodeHistogram(h), submit: empty, finality: empty } } : {}),
    });
  }
  return deriveSeries(runDir, undefined, undefined, events);
}

describe('a run’s figures', () => {
  it('batches the window, pools rates, takes batch percentiles from merged histograms', () => {
    const f = runFigures(syntheticRun('a', (i) => 500 + 10 * i), { batches: 5 });
    expect(f.batches).toBe(5);
    expect(f.batchSeconds).toBe(2);
    expect(f.figures.offeredTps).toMatchObject({ value: 20, stdErr: 0, batches: 5 });
    expect(f.figures.errorRate!.value).toBeCloseTo(2 / 200, 9);
    // Batch j merges intervals 2j, 2j+1: its p50 is in the lower interval's upper half, within 0.1 %.
    expect(f.figures.inclusionP50!.batches).toBe(5);
    // A p99 batch holds at least 100 transactions (one beyond its p99): 200 in batches of 40 make one of 120 and
    // a remainder of 80 that joins it, so no error estimate; in ten batches of 20, two of 100.
    expect(f.figures.inclusionP99!.batches).toBe(1);
    expect(runFigures(syntheticRun('c', () => 500)).figures.inclusionP99!.batches).toBe(2);
    expect(f.figures.inclusionP50!.note).toMatch(/point pooled/);
    expect(f.figures.inclusionP50!.value).toBeGreaterThan(540);
    expect(f.figures.inclusionP50!.value).toBeLessThan(560);
    expect(f.distributions.inclusion).toHaveLength(101);
    expect(runFigures(syntheticRun('b', () => 500, false)).figures.inclusionP99!.note).toMatch(/count-weighted mean/);
  });

  it('two runs of one shape do not differ; a run 40 % slower is worse, a regression, and printed after the scenario differences', () => {
    const noise = (i: number) => [0, 30, -20, 10, -30, 20, 0, -10, 30, -20][i]!;
    const base = runFigures(syntheticRun('base', (i) => 500 + noise(i)));
    const same = runFigures(syntheticRun('same', (i) => 505 + noise((i + 3) % 10)));
    const slow = runFigures(syntheticRun('slow', (i) => 700 + noise((i + 5) % 10)));
    const spec = (rate: number) => ({ name: 'x', seed: 1, workloads: [{ type: 'transactions', rate }] }) as unknown as ScenarioSpec;
    const r = compareRuns([{ figures: base, scenario: spec(5) }, { figures: same, scenario: spec(5) }, { figures: slow, scenario: spec(6) }]);
    const p99 = (i: number) => r.pairs[i]!.figures.find((f) => f.id === 'inclusionP99')!;
    expect(p99(0).verdict).toBe('no significant difference');
    expect(r.pairs[0]!.regressions).toEqual([]);
    expect(p99(1)).toMatchObject({ verdict: 'worse', regression: true });
    expect(r.pairs[1]!.regressions).toContain('inclusionP50');
    const text = formatComparison(r);
    expect(text.indexOf('workloads.0.rate: 5 → 6')).toBeGreaterThan(0);
    expect(text.indexOf('workloads.0.rate: 5 → 6')).toBeLessThan(text.lastIndexOf('inclusion latency p99'));
  });
});

describe('max-rate across deployments', () => {
  it('mean, spread and a t interval over the deployments that named a maximum; compare reads the file as a run', async () => {
    const { summarizeDeployments, DEPLOYMENTS_FILE } = await import('../../src/jobs/max-rate-deployments.js');
    const { compareRunDirs } = await import('../../src/compare/run-compare.js');
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const d = (v: number | null, seed: number) => ({ runDir: `/nowhere/${seed}`, seed, status: v === null ? 'none-sustainable' : 'found', maxRateTps: v, bracket: { lastPassTps: v, firstFailTps: v === null ? null : v * 1.05 } });
    const s = summarizeDeployments([d(2263, 1), d(2691, 2), d(2500, 3), d(null, 4)]);
    expect(s).toMatchObject({ count: 3, minTps: 2263, maxTps: 2691 });
    expect(s.meanTps).toBeCloseTo(2484.67, 1);
    const sd = Math.sqrt(((2263 - 2484.667) ** 2 + (2691 - 2484.667) ** 2 + (2500 - 2484.667) ** 2) / 2);
    expect(s.sdTps).toBeCloseTo(sd, 6);
    expect(s.ciTps![1] - s.meanTps!).toBeCloseTo(4.303 * (sd / Math.sqrt(3)), 0); // t(0.975, 2) = 4.303
    expect(s.spread).toBeCloseTo(428 / 2484.667, 6);
    expect(s.message).toMatch(/1 named no maximum/);

    const root = mkdtempSync(join(tmpdir(), 'loadnet-deployments-'));
    try {
      const write = (name: string, values: number[]) => {
        const dir = join(root, name);
        mkdirSync(dir);
        writeFileSync(join(dir, DEPLOYMENTS_FILE), JSON.stringify(summarizeDeployments(values.map((v, i) => d(v, i + 1)))));
        return dir;
      };
      const r = await compareRunDirs([write('a', [2400, 2500, 2450, 2550]), write('b', [1800, 1900, 1850, 1750]), write('c', [2420, 2530, 2400, 2480])]);
      expect(r.pairs[0]!.figures).toHaveLength(1);
      expect(r.pairs[0]!.figures[0]).toMatchObject({ id: 'maxRateTps', verdict: 'worse', regression: true });
      expect(r.pairs[1]!.figures[0]).toMatchObject({ id: 'maxRateTps', verdict: 'no significant difference' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
