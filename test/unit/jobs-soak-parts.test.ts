import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BoundedSeries } from '../../src/jobs/bounded-series.js';
import { dirSizeBytes, heapDataAfterGc, heapUsedAfterGc, writeJsonAtomic } from '../../src/jobs/resource-probes.js';
import { rssFromPrometheus } from '../../src/runtime/node-sampler.js';
import { theilSen } from '../../src/util/trend.js';
import { formatCurveTable, toMaxRateSummary } from '../../src/jobs/max-rate-result.js';
import { searchMaxRate } from '../../src/jobs/rate-search.js';
import { DEFAULT_CRITERIA } from '../../src/jobs/step-judge.js';

describe('BoundedSeries', () => {
  it('keeps memory bounded over a day of samples and preserves the slope', () => {
    const s = new BoundedSeries(64);
    // one sample a second for 24 h, value = 5/s plus a sawtooth
    for (let i = 0; i < 86_400; i++) s.add(i * 1000, 5 * i + (i % 10) * 3);
    expect(s.length).toBeLessThanOrEqual(128 + 1);
    expect(s.length).toBeGreaterThanOrEqual(64);
    expect(theilSen(s.values())!.slopePerS).toBeCloseTo(5, 1);
    const v = s.values();
    expect(v[0]!.t).toBeLessThan(v.at(-1)!.t);
  });

  it('ignores non-finite values and rejects a tiny capacity', () => {
    const s = new BoundedSeries(8);
    s.add(1, NaN);
    s.add(2, 3);
    expect(s.values()).toEqual([{ t: 2, value: 3 }]);
    expect(() => new BoundedSeries(2)).toThrow(/capacity must be an integer ≥ 8/);
  });
});

describe('resource probes', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('sums file sizes recursively and says undefined for a missing dir', async () => {
    const d = await mkdtemp(join(tmpdir(), 'loadnet-jobs-'));
    dirs.push(d);
    await mkdir(join(d, 'a', 'b'), { recursive: true });
    await writeFile(join(d, 'x'), Buffer.alloc(1000));
    await writeFile(join(d, 'a', 'b', 'y'), Buffer.alloc(2345));
    expect(await dirSizeBytes(d)).toBe(3345);
    expect(await dirSizeBytes(join(d, 'missing'))).toBeUndefined();
  });

  it('reads RSS from prom-client text', () => {
    const text = '# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 81362944\nnodejs_heap_size_total_bytes 1\n';
    expect(rssFromPrometheus(text)).toBe(81_362_944);
    expect(rssFromPrometheus('process_resident_memory_bytes{node="v0"} 1.5e6\n')).toBe(1.5e6);
    expect(rssFromPrometheus('nothing here')).toBeUndefined();
  });

  it('measures heap after GC: garbage is gone, retained memory is counted', () => {
    const before = heapUsedAfterGc();
    let garbage: number[][] | null = Array.from({ length: 200 }, () => new Array(10_000).fill(1.5));
    expect(garbage.length).toBe(200);
    garbage = null;
    const afterGarbage = heapUsedAfterGc();
    const kept = Array.from({ length: 200 }, () => new Array(10_000).fill(1.5));
    const afterKeep = heapUsedAfterGc();
    expect(afterGarbage - before).toBeLessThan(2_000_000);
    expect(afterKeep - afterGarbage).toBeGreaterThan(10_000_000); // 2M doubles ≈ 16 MB
    expect(kept.length).toBe(200);
  });

  it('positive control: heap data sampled after GC shows a slow leak as a slope, and no slope without one', () => {
    const kept: string[] = [];
    const leak: Array<{ t: number; value: number }> = [];
    const flat: Array<{ t: number; value: number }> = [];
    for (let i = 0; i < 20; i++) {
      // 2,000 distinct 64-char strings per step: what keeping every tx id of a busy second would do
      for (let j = 0; j < 2000; j++) kept.push(`${i}-${j}-`.padEnd(64, 'x'));
      leak.push({ t: i * 1000, value: heapDataAfterGc() });
    }
    for (let i = 0; i < 20; i++) {
      let garbage: string[] | null = Array.from({ length: 2000 }, (_, j) => `${i}-${j}-`.padEnd(64, 'y'));
      expect(garbage.length).toBe(2000);
      garbage = null;
      flat.push({ t: i * 1000, value: heapDataAfterGc() });
    }
    const slope = theilSen(leak)!.slopePerS;
    expect(slope).toBeGreaterThan(2000 * 80); // at least the strings' payload per 1,000 ms step
    expect(Math.abs(theilSen(flat)!.slopePerS)).toBeLessThan(20_000);
    expect(kept.length).toBe(40_000);
  });

  it('writes JSON atomically (no temp file left)', async () => {
    const d = await mkdtemp(join(tmpdir(), 'loadnet-jobs-'));
    dirs.push(d);
    await writeJsonAtomic(join(d, 'summary.partial.json'), { a: 1 });
    await writeJsonAtomic(join(d, 'summary.partial.json'), { a: 2 });
    expect(JSON.parse(await readFile(join(d, 'summary.partial.json'), 'utf8'))).toEqual({ a: 2 });
    expect(await readdir(d)).toEqual(['summary.partial.json']);
  });
});

describe('max-rate result', () => {
  it('turns a search outcome into the summary shape and a table', async () => {
    const criteria = { ...DEFAULT_CRITERIA, sloP99Ms: 2000, minInclusion: 0.99 };
    const outcome = await searchMaxRate(
      async (rate) => {
        const over = rate > 300;
        return {
          targetTps: rate, holdMs: 1000, offeredTps: rate, sent: rate, accepted: rate, rejected: 0, errored: 0,
          included: over ? rate / 2 : rate, inclusionRatio: over ? 0.5 : 1, includedTps: over ? rate / 2 : rate,
          inclusion: { p50: 100, p90: 200, p99: over ? 5000 : 300, max: 400 }, backlogSlopeTps: over ? rate / 2 : 0, pendingAtEnd: 0, generator: { bound: false },
        };
      },
      { startTps: 100, maxTps: 10_000, resolution: 0.1, criteria },
    );
    const s = toMaxRateSummary(outcome, criteria, { holdMs: 1000, maxHolds: 4, sloZ: 2 }, { startedAt: 'a', endedAt: 'b' }, { validators: 4, executors: 2 });
    expect(s.status).toBe('found');
    expect(s.curve.length).toBe(outcome.steps.length);
    expect(s.curve[0]).toMatchObject({ index: 0, phase: 'grow', targetTps: 100, verdict: 'pass', p99Ms: 300 });
    expect(s.curve.find((p) => p.targetTps === 400)).toMatchObject({ verdict: 'fail', inclusionRatio: 0.5 });
    expect(s.criteria.holdMs).toBe(1000);
    const table = formatCurveTable(s);
    expect(table.split('\n').length).toBe(2 + s.curve.length);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('troughSeries', () => {
  it('reads a sawtooth with random block gaps as flat, and leftover growth as rising', async () => {
    const { troughSeries } = await import('../../src/jobs/step-meter.js');
    // 100 tx/s arrive; blocks at irregular times take up to `cap` transactions each.
    const blocks = [0, 700, 3100, 3600, 6400, 8000, 8200, 11_900, 13_000, 15_500, 18_000, 19_100, 22_500, 24_000, 27_300, 30_000];
    const sample = (cap: number) => {
      const pts: Array<{ t: number; value: number }> = [];
      let pending = 0;
      let b = 0;
      for (let t = 0; t <= 30_000; t += 250) {
        pending += 25;
        while (b < blocks.length && blocks[b]! <= t) {
          pending = Math.max(0, pending - cap);
          b++;
        }
        pts.push({ t, value: pending });
      }
      return pts;
    };
    const flat = troughSeries(sample(1e9), 0, 4000);
    expect(flat.length).toBe(8);
    expect(Math.abs(theilSen(flat)!.slopePerS)).toBeLessThan(0.5);
    // 16 blocks × 150 = 2,400 taken of 3,000 offered over 30 s: ~20 tx/s left behind.
    const rising = troughSeries(sample(150), 0, 4000);
    expect(theilSen(rising)!.slopePerS).toBeGreaterThan(10);
    // The raw sawtooth of the keeping-up case has a slope far from 0 that the troughs do not show.
    expect(Math.abs(theilSen(sample(1e9))!.slopePerS)).toBeGreaterThan(1);
  });
});
