import { describe, expect, it } from 'vitest';
import { maxRateOptions } from '../../src/cli/job-commands.js';
import { parseMaxRateArgs } from '../../src/jobs/job-args.js';
import { decideAgainstFloor, DEFAULT_SLO_P99_MS, floorHold, floorLine, toLatencyFloor } from '../../src/jobs/latency-floor.js';
import { describeSettings, maxRateSettings, MAX_RATE_CONSENSUS } from '../../src/jobs/max-rate.js';
import { toMaxRateSummary } from '../../src/jobs/max-rate-result.js';
import { DEFAULT_CRITERIA, type StepResult } from '../../src/jobs/step-judge.js';
import { renderHtml } from '../../src/report/html.js';
import { deriveSeries } from '../../src/report/run-data.js';
import type { RunSummary } from '../../src/runtime/contracts.js';

const slow = { slotDurationMs: 1000, activeSlotCoeff: 0.5, meanBlockIntervalMs: 2000 };
const fast = { slotDurationMs: 500, activeSlotCoeff: 0.8, meanBlockIntervalMs: 625 };

function trickle(p99: number | null, se: number | null, over: Partial<StepResult> = {}): StepResult {
  return {
    targetTps: 10, holdMs: 15_000, offeredTps: 10, sent: 150, accepted: 150, rejected: 0, errored: 0,
    included: p99 === null ? 0 : 150, inclusionRatio: p99 === null ? 0 : 1, includedTps: 10,
    inclusion: p99 === null ? null : { p50: p99 / 3, p90: p99 / 1.5, p99, max: p99 * 1.05 },
    backlogSlopeTps: 0, pendingAtEnd: 0, generator: { bound: false }, holds: 1, p99StdErrMs: se, ...over,
  };
}

describe('floorHold', () => {
  it('is a trickle of at most 10 tx/s for max(15 s, 16 block intervals), never longer than a step hold', () => {
    expect(floorHold({ holdMs: 30_000, startTps: 50, meanBlockIntervalMs: 625 })).toEqual({ rateTps: 10, holdMs: 15_000 });
    expect(floorHold({ holdMs: 30_000, startTps: 50, meanBlockIntervalMs: 2000 })).toEqual({ rateTps: 10, holdMs: 30_000 });
    expect(floorHold({ holdMs: 60_000, startTps: 50, meanBlockIntervalMs: 2000 })).toEqual({ rateTps: 10, holdMs: 32_000 });
    expect(floorHold({ holdMs: 5000, startTps: 4, meanBlockIntervalMs: 625 })).toEqual({ rateTps: 4, holdMs: 5000 });
  });
});

describe('the floor against the SLO', () => {
  it('stops when the SLO is below the floor, naming the floor, the block interval behind it and what to change', () => {
    // The chain: 1 s slots, f = 0.5, a 3 s SLO; floor as measured here at a trickle (4,948 ± 350 ms).
    const floor = toLatencyFloor(trickle(4948, 350), { rateTps: 10, holdMs: 30_000 }, slow);
    // p99 + 2 se + one interval = 7,648 ms, rounded up to half a second.
    expect(floor.minSloMs).toBe(8000);
    const d = decideAgainstFloor(floor, 3000);
    expect(d.kind).toBe('stop');
    if (d.kind !== 'stop') return;
    expect(d.status).toBe('slo-below-floor');
    expect(d.message).toContain('SLO p99 of 3,000 ms is below this chain\'s idle latency floor, p99 4,948 ± 350 ms at a trickle of 10 tx/s');
    expect(d.message).toContain('2,000 ms mean block interval (1,000 ms slots, f = 0.5)');
    expect(d.message).toContain('--slo-p99 8s or more');
    expect(d.message).toMatch(/faster blocks \(consensus\.slotDurationMs \/ activeSlotCoeff/);
  });

  it('searches under a given SLO above the floor, and says so when it leaves less than a block interval of room', () => {
    const floor = toLatencyFloor(trickle(1500, 100), { rateTps: 10, holdMs: 15_000 }, fast);
    expect(floor.minSloMs).toBe(2500); // 1500 + 200 + 625 = 2325 → 2500
    expect(decideAgainstFloor(floor, 3000)).toEqual({ kind: 'search', sloP99Ms: 3000, sloSource: 'given' });
    const tight = decideAgainstFloor(floor, 2000);
    expect(tight).toMatchObject({ kind: 'search', sloP99Ms: 2000, sloSource: 'given' });
    expect(tight.kind === 'search' && tight.note).toMatch(/less than one block interval \(625 ms\) above the idle floor.*--slo-p99 2\.5s or more/);
    // Exactly at the floor is not below it; 1 ms under is.
    expect(decideAgainstFloor(floor, 1500).kind).toBe('search');
    expect(decideAgainstFloor(floor, 1499).kind).toBe('stop');
  });

  it('with no SLO given: the default when the floor leaves room under it, else the smallest SLO worth searching', () => {
    const roomy = toLatencyFloor(trickle(1500, 100), { rateTps: 10, holdMs: 15_000 }, fast);
    const d = decideAgainstFloor(roomy, undefined);
    expect(d).toEqual({ kind: 'search', sloP99Ms: DEFAULT_SLO_P99_MS, sloSource: 'default' });
    expect(floorLine(roomy, d)).toMatch(/SLO p99 3,000 ms \(default; the floor leaves room under it/);
    const slowFloor = toLatencyFloor(trickle(4948, 350), { rateTps: 10, holdMs: 30_000 }, slow);
    const derived = decideAgainstFloor(slowFloor, undefined);
    expect(derived).toEqual({ kind: 'search', sloP99Ms: 8000, sloSource: 'floor' });
    expect(floorLine(slowFloor, derived)).toMatch(/SLO p99 8,000 ms \(no --slo-p99 given, and the 3,000 ms default leaves less than a block interval above the floor/);
    // Without a standard error the point stands alone: 2,400 + 625 = 3,025 → 3,500.
    expect(decideAgainstFloor(toLatencyFloor(trickle(2400, null), { rateTps: 10, holdMs: 15_000 }, fast), undefined)).toMatchObject({ sloP99Ms: 3500, sloSource: 'floor' });
  });

  it('stops when nothing sent at the trickle was included: there is no floor, the chain is not including', () => {
    const floor = toLatencyFloor(trickle(null, null), { rateTps: 10, holdMs: 15_000 }, fast);
    expect(floor).toMatchObject({ p99Ms: null, minSloMs: null, sent: 150, included: 0 });
    for (const slo of [undefined, 3000]) {
      const d = decideAgainstFloor(floor, slo);
      expect(d).toMatchObject({ kind: 'stop', status: 'none-sustainable' });
      expect(d.kind === 'stop' && d.message).toMatch(/none of the 150 transactions sent in 15s was included/);
    }
  });

  it('is recorded in the result and the report, also when the search never ran', () => {
    const floor = toLatencyFloor(trickle(4948, 350), { rateTps: 10, holdMs: 30_000 }, slow);
    const d = decideAgainstFloor(floor, 3000);
    if (d.kind !== 'stop') throw new Error('expected a stop');
    const outcome = { status: d.status, maxRateTps: null, bracket: { lastPassTps: null, firstFailTps: null }, resolution: { requested: 0.05, achieved: null }, steps: [], message: d.message };
    const s = toMaxRateSummary(outcome, { ...DEFAULT_CRITERIA, sloP99Ms: 3000, minInclusion: 0.99 }, { holdMs: 30_000, maxHolds: 4, sloZ: 2 }, { startedAt: 'a', endedAt: 'b' }, { validators: 4, executors: 2 }, { floor, sloSource: 'given' });
    expect(s).toMatchObject({ status: 'slo-below-floor', maxRateTps: null, sloSource: 'given', floor: { p99Ms: 4948, p99StdErrMs: 350, meanBlockIntervalMs: 2000, minSloMs: 8000 }, curve: [] });
    const html = renderHtml(deriveSeries('/r', undefined, { scenario: 'x', verdict: 'fail', expectations: [], maxRate: s } as unknown as RunSummary, []));
    expect(html).toContain('Idle latency floor: p99 4948 ± 350 ms, p50');
    expect(html).toContain('mean block interval 2000 ms (1000 ms slots, f = 0.5). SLO p99 3000 ms (given). Smallest SLO worth searching: 8000 ms.');
    expect(html).toContain('is below this chain&#39;s idle latency floor');
    expect(html).not.toContain('chart-maxrate-latency');
  });
});

describe('loadnet max-rate with no flags', () => {
  it('resolves to 4 + 2 nodes on 500 ms slots, f = 0.8, a floor check first and the 3 s SLO unless the floor says otherwise', () => {
    const s = maxRateSettings(maxRateOptions(parseMaxRateArgs([]), undefined));
    expect(s.spec.topology).toMatchObject({ validators: 4, executors: 2 });
    expect(s.spec.consensus).toEqual(MAX_RATE_CONSENSUS);
    expect(MAX_RATE_CONSENSUS).toEqual({ slotDurationMs: 500, activeSlotCoeff: 0.8, securityParam: 10 });
    expect(s.metrics.meanBlockIntervalMs).toBe(625);
    expect(s.givenSloP99Ms).toBeUndefined();
    expect(s.floor).toEqual({ rateTps: 10, holdMs: 15_000 });
    expect(s).toMatchObject({ minInclusion: 0.99, holds: { holdMs: 30_000, maxHolds: 4, sloZ: 2 }, startTps: 50, maxTps: 100_000, growth: 2, resolution: 0.05, maxTrials: 24 });
    expect(describeSettings(s)).toBe(
      'max-rate: 4 validators + 2 executors, 500 ms slots, f = 0.8 (mean block interval 625 ms), k = 10, 200 wallets; SLO p99 3000 ms unless the idle floor leaves no room under it, inclusion ≥ 0.99; ' +
        'idle floor first at 10 tx/s for 15 s; holds of 30 s (≤ 4 per step, z = 2); from 50 tx/s ×2 up to 100000 tx/s, bisected to 5 %',
    );
  });

  it('puts --validators/--executors on the job chain, while a scenario keeps its own chain', () => {
    expect(maxRateSettings(maxRateOptions(parseMaxRateArgs(['--validators', '3']), undefined)).spec).toMatchObject({ topology: { validators: 3, executors: 2 }, consensus: MAX_RATE_CONSENSUS });
    // Plain input: consensus fields it sets win, the rest are the job's.
    expect(maxRateSettings({ scenario: { consensus: { slotDurationMs: 1000 } } }).spec.consensus).toEqual({ ...MAX_RATE_CONSENSUS, slotDurationMs: 1000 });
    expect(maxRateSettings({ scenario: { consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 4 } } }).spec.consensus).toEqual({ slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 4 });
  });

  it('turns the floor check off on request, and then the SLO is the plain default', () => {
    const s = maxRateSettings({ floor: false });
    expect(s.floor).toBeNull();
    expect(describeSettings(s)).toContain('SLO p99 3000 ms (default)');
    expect(describeSettings(s)).toContain('no floor check');
    expect(maxRateSettings({ floor: { holdMs: 4000 }, holdMs: 10_000 }).floor).toEqual({ rateTps: 10, holdMs: 4000 });
  });
});
