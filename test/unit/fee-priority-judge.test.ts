/**
 * fee-priority judges each tier's inclusion latency over the whole tier: a transaction not included by the end
 * (pending or dropped) counts as later than any included one, so a tier that lost half has no p50 (∞), and its
 * lucky survivors do not flatter it. A higher tier whose p50 is ∞ is never shown sooner.
 */
import { describe, expect, it } from 'vitest';
import { feePriorityCheck, type FeePressureObserved, type FeeTierObserved } from '../../src/expectations/adversary.js';
import { newHistogram, recordMs } from '../../src/load/histogram.js';
import { wholeTierPercentile } from '../../src/workloads/fee-pressure.js';

const latencies = (ms: number[]) => {
  const h = newHistogram(64);
  for (const x of ms) recordMs(h, x);
  return h;
};

describe('whole-tier inclusion percentiles', () => {
  const h = latencies(Array.from({ length: 60 }, (_, i) => 100 * (i + 1))); // 100 .. 6,000 ms
  it('counts the ones not included by the end as later than every included one', () => {
    // 60 included of 100: the 50th is the 50th included, not the 30th (the included-only median).
    expect(wholeTierPercentile(h, 50, { included: 60, pending: 30, dropped: 10 })).toBeCloseTo(5000, -1);
    expect(wholeTierPercentile(h, 50, { included: 60, pending: 0, dropped: 0 })).toBeCloseTo(3000, -1);
  });
  it('is ∞ (null) where that rank falls among the ones never included', () => {
    expect(wholeTierPercentile(h, 50, { included: 60, pending: 40, dropped: 21 })).toBeNull();
    expect(wholeTierPercentile(h, 99, { included: 60, pending: 1, dropped: 0 })).toBeNull();
    expect(wholeTierPercentile(h, 99, { included: 60, pending: 0, dropped: 0 })).toBeCloseTo(6000, -1);
    expect(wholeTierPercentile(latencies([]), 50, { included: 0, pending: 0, dropped: 0 })).toBeNull();
  });
});

const tier = (name: string, fee: number, p50: number | null, p99: number | null, included: number, pending: number, dropped: number): FeeTierObserved => ({ name, fee, accepted: included + pending + dropped, included, pending, dropped, effectiveP50Ms: p50, effectiveP99Ms: p99 });
const report = (tiers: FeeTierObserved[]): FeePressureObserved => ({ tiers, evictions: { lowest_fee: 50 }, evictionsTotal: 50, blockFill: { median: 1, blocks: 10, capacityTxs: 20 }, throughput: { middleThirdTps: 30, lastThirdTps: 30 } });
const judge = (r: FeePressureObserved) => feePriorityCheck.judge({ capture: {}, evaluate: { report: r }, events: [] }, feePriorityCheck.options({ maxTierLatencyRatio: 0.5, minEvictions: 1, minBlockFill: 0.7, minThroughputFraction: 0.7 }));

describe('fee-priority tier order', () => {
  it('passes when each tier is included in at most half the next lower one’s time, naming the counts', () => {
    const v = judge(report([tier('high', 20, 400, 1300, 90, 0, 0), tier('mid', 5, 2900, null, 400, 60, 20), tier('low', 1, null, null, 5, 10, 250)]));
    expect(v.status, v.message).toBe('pass');
    expect(v.message).toContain('mid (fee 5) p50 2900 ms, p99 ∞, 400/480 included, 60 pending at the end, 20 dropped');
  });
  it('fails a higher tier that is not included sooner, and one whose median was never included', () => {
    const near = judge(report([tier('high', 20, 4100, 9000, 80, 10, 0), tier('mid', 5, 4800, null, 300, 80, 10), tier('low', 1, null, null, 5, 10, 250)]));
    expect(near.status).toBe('fail');
    expect(near.message).toMatch(/^tier high \(fee 20\) inclusion p50 4100 ms > 0.5 × tier mid \(fee 5\) p50 4800 ms/);
    const never = judge(report([tier('high', 20, null, null, 40, 50, 0), tier('mid', 5, 3000, null, 300, 80, 10), tier('low', 1, null, null, 5, 10, 250)]));
    expect(never.message).toMatch(/^tier high \(fee 20\) inclusion p50 ∞ > 0.5 × tier mid \(fee 5\) p50 3000 ms/);
  });
  it('with both medians ∞, asks the higher tier to have more of its transactions included', () => {
    const ok = judge(report([tier('high', 20, 400, 1300, 90, 0, 0), tier('mid', 5, null, null, 200, 150, 100), tier('low', 1, null, null, 5, 10, 250)]));
    expect(ok.status, ok.message).toBe('pass');
    const bad = judge(report([tier('high', 20, 400, 1300, 90, 0, 0), tier('mid', 5, null, null, 10, 150, 100), tier('low', 1, null, null, 50, 10, 50)]));
    expect(bad.status).toBe('fail');
    expect(bad.message).toMatch(/^tier mid \(fee 5\) inclusion p50 ∞ and tier low \(fee 1\) p50 ∞, and 3.8 % of the higher included by the end vs 45.5 % of the lower/);
  });
});
