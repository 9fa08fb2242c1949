import { describe, expect, it } from 'vitest';
import { roundRate, searchMaxRate, type SearchPhase, type Trial } from '../../src/jobs/rate-search.js';
import { DEFAULT_CRITERIA, judgeStep, type SloCriteria, type StepResult } from '../../src/jobs/step-judge.js';

const criteria: SloCriteria = { ...DEFAULT_CRITERIA, sloP99Ms: 2000, minInclusion: 0.99 };

/**
 * A synthetic system: below `capacityTps` everything is included fast; above it the backlog grows at the
 * excess rate and latency blows up. The generator offers at most `generatorTps`.
 */
function synthetic(capacityTps: number, generatorTps = Infinity, flaky?: (rate: number, phase: SearchPhase) => boolean) {
  const calls: Array<{ rate: number; phase: SearchPhase }> = [];
  const trial: Trial = async (rate, phase) => {
    calls.push({ rate, phase });
    const offered = Math.min(rate, generatorTps);
    const holdMs = 10_000;
    const sent = Math.round((offered * holdMs) / 1000);
    const over = offered > capacityTps || (flaky?.(rate, phase) ?? false);
    const included = over ? Math.round((Math.min(offered, capacityTps) * holdMs) / 1000 * 0.9) : sent;
    const result: StepResult = {
      targetTps: rate,
      holdMs,
      offeredTps: offered,
      sent,
      accepted: sent,
      rejected: 0,
      errored: 0,
      included,
      inclusionRatio: sent ? included / sent : 0,
      includedTps: (included * 1000) / holdMs,
      inclusion: over ? { p50: 3000, p90: 6000, p99: 9000, max: 10_000 } : { p50: 500, p90: 900, p99: 1200, max: 1500 },
      backlogSlopeTps: over ? offered - capacityTps : 0,
      pendingAtEnd: 0,
      generator: { bound: offered < rate * 0.98, reason: offered < rate ? 'signing' : undefined },
    };
    return result;
  };
  return { trial, calls };
}

describe('searchMaxRate', () => {
  it('grows geometrically, bisects to the resolution and confirms the maximum', async () => {
    const sys = synthetic(730);
    const out = await searchMaxRate(sys.trial, { startTps: 50, maxTps: 100_000, resolution: 0.05, criteria });
    expect(out.status).toBe('found');
    expect(out.maxRateTps).not.toBeNull();
    expect(out.maxRateTps!).toBeLessThanOrEqual(730);
    expect(out.maxRateTps!).toBeGreaterThanOrEqual(730 / 1.05);
    expect(out.bracket.firstFailTps!).toBeGreaterThan(730);
    expect(out.resolution.achieved!).toBeLessThanOrEqual(0.05);
    // 50,100,200,400,800 (fail) then bisect, then one confirmation at the found rate
    expect(sys.calls.slice(0, 5).map((c) => c.rate)).toEqual([50, 100, 200, 400, 800]);
    expect(sys.calls.slice(0, 5).every((c) => c.phase === 'grow')).toBe(true);
    const last = sys.calls.at(-1)!;
    expect(last).toEqual({ rate: out.maxRateTps, phase: 'confirm' });
    expect(out.steps.filter((s) => s.phase === 'bisect').length).toBeGreaterThan(0);
  });

  it('refuses to report a maximum when the generator is starved', async () => {
    // The nodes could take 5,000 tx/s but the generator only offers 300.
    const sys = synthetic(5000, 300);
    const out = await searchMaxRate(sys.trial, { startTps: 100, maxTps: 100_000, criteria });
    expect(out.status).toBe('generator-bound');
    expect(out.maxRateTps).toBeNull();
    expect(out.message).toMatch(/generator was the bottleneck/);
    expect(out.message).toMatch(/at least 200 tx\/s/);
    // It stopped at the first starved step instead of searching on.
    expect(sys.calls.map((c) => c.rate)).toEqual([100, 200, 400]);
  });

  it('flags the generator from offered vs target even when the engine self-check says nothing', () => {
    const v = judgeStep(
      { targetTps: 1000, holdMs: 1000, offeredTps: 970, sent: 970, accepted: 970, rejected: 0, errored: 0, included: 970, inclusionRatio: 1, includedTps: 970, inclusion: { p50: 1, p90: 1, p99: 1, max: 1 }, backlogSlopeTps: 0, pendingAtEnd: 0, generator: { bound: false } },
      criteria,
    );
    expect(v.generatorBound).toBe(true);
    expect(v.pass).toBe(false);
  });

  it('shrinks when the start rate already fails', async () => {
    const sys = synthetic(30);
    const out = await searchMaxRate(sys.trial, { startTps: 100, maxTps: 1000, resolution: 0.1, criteria });
    expect(out.status).toBe('found');
    expect(sys.calls.slice(0, 3).map((c) => [c.rate, c.phase])).toEqual([
      [100, 'grow'],
      [50, 'shrink'],
      [25, 'shrink'],
    ]);
    expect(out.maxRateTps!).toBeLessThanOrEqual(30);
    expect(out.maxRateTps!).toBeGreaterThanOrEqual(30 / 1.1);
  });

  it('says none is sustainable when even the minimum fails', async () => {
    const sys = synthetic(0.01);
    const out = await searchMaxRate(sys.trial, { startTps: 10, maxTps: 1000, minTps: 1, criteria });
    expect(out.status).toBe('none-sustainable');
    expect(out.maxRateTps).toBeNull();
    expect(Math.min(...sys.calls.map((c) => c.rate))).toBeGreaterThanOrEqual(1);
  });

  it('reports max-reached as a lower bound when the cap passes', async () => {
    const sys = synthetic(1e9);
    const out = await searchMaxRate(sys.trial, { startTps: 100, maxTps: 1000, criteria });
    expect(out.status).toBe('max-reached');
    expect(out.maxRateTps).toBe(1000);
    expect(sys.calls.map((c) => c.rate)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('falls back below a candidate whose confirmation fails', async () => {
    let confirmations = 0;
    // 400 passes during the search but fails its confirmation once (noise); 200 confirms.
    const sys = synthetic(450, Infinity, (rate, phase) => phase === 'confirm' && rate > 300 && confirmations++ < 1);
    const out = await searchMaxRate(sys.trial, { startTps: 100, maxTps: 10_000, resolution: 0.15, confirmAttempts: 3, criteria });
    expect(out.status).toBe('found');
    const confirms = out.steps.filter((s) => s.phase === 'confirm');
    expect(confirms.length).toBe(2);
    expect(confirms[0]!.verdict.pass).toBe(false);
    expect(confirms[1]!.verdict.pass).toBe(true);
    expect(out.maxRateTps).toBe(confirms[1]!.rateTps);
    expect(out.maxRateTps!).toBeLessThan(confirms[0]!.rateTps);
  });

  it('gives up as unconfirmed when confirmations keep failing', async () => {
    const sys = synthetic(450, Infinity, (_rate, phase) => phase === 'confirm');
    const out = await searchMaxRate(sys.trial, { startTps: 100, maxTps: 10_000, confirmAttempts: 2, criteria });
    expect(out.status).toBe('unconfirmed');
    expect(out.maxRateTps).toBeNull();
    expect(out.steps.filter((s) => s.phase === 'confirm').length).toBe(2);
  });

  it('stops with aborted when the signal fires', async () => {
    const ac = new AbortController();
    const sys = synthetic(1e9);
    const out = await searchMaxRate(
      async (rate, phase, i) => {
        if (i === 1) ac.abort();
        return sys.trial(rate, phase, i);
      },
      { startTps: 10, maxTps: 1e6, criteria, signal: ac.signal },
    );
    expect(out.status).toBe('aborted');
    expect(out.steps.length).toBe(2);
  });

  it('respects the trial budget', async () => {
    const sys = synthetic(1e9);
    const out = await searchMaxRate(sys.trial, { startTps: 1, maxTps: 1e9, maxTrials: 4, criteria });
    expect(out.status).toBe('lower-bound');
    expect(out.maxRateTps).toBe(8);
    expect(sys.calls.filter((c) => c.phase !== 'confirm').length).toBe(4);
  });

  it('rounds rates readably', () => {
    expect(roundRate(1234.4)).toBe(1234);
    expect(roundRate(12.345)).toBe(12.3);
    expect(roundRate(0.12345)).toBe(0.123);
  });
});

describe('judgeStep', () => {
  const good: StepResult = {
    targetTps: 100, holdMs: 10_000, offeredTps: 100, sent: 1000, accepted: 1000, rejected: 0, errored: 0, included: 995, inclusionRatio: 0.995, includedTps: 99.5,
    inclusion: { p50: 400, p90: 900, p99: 1800, max: 2500 }, backlogSlopeTps: 0.3, pendingAtEnd: 12, generator: { bound: false },
  };

  it('passes a step meeting every check', () => {
    const v = judgeStep(good, criteria);
    expect(v).toMatchObject({ pass: true, generatorBound: false, failures: [] });
    expect(v.summary).toMatch(/pass$/);
  });

  it.each([
    ['inclusion', { included: 980, inclusionRatio: 0.98 }],
    ['latency', { inclusion: { p50: 400, p90: 900, p99: 2100, max: 2500 } }],
    ['latency', { inclusion: null }],
    ['backlog', { backlogSlopeTps: 2.5 }],
    ['generator', { generator: { bound: true, reason: 'event loop' } }],
  ] as const)('fails on %s', (check, patch) => {
    const v = judgeStep({ ...good, ...patch } as StepResult, criteria);
    expect(v.pass).toBe(false);
    expect(v.failures.map((f) => f.check)).toEqual([check]);
    expect(v.generatorBound).toBe(check === 'generator');
  });

  it('scales the backlog limit with the rate but keeps an absolute floor', () => {
    expect(judgeStep({ ...good, targetTps: 1000, offeredTps: 1000, backlogSlopeTps: 15 }, criteria).pass).toBe(true);
    expect(judgeStep({ ...good, targetTps: 1000, offeredTps: 1000, backlogSlopeTps: 25 }, criteria).pass).toBe(false);
    expect(judgeStep({ ...good, targetTps: 1, offeredTps: 1, backlogSlopeTps: 0.4 }, criteria).pass).toBe(true);
  });

  it('does not judge a backlog rise smaller than one block of arrivals over the hold', () => {
    // 1000 tx/s, 2 s blocks, 10 s hold: below 200 tx/s of slope the rise is under one block's worth.
    const c = { ...criteria, blockIntervalMs: 2000 };
    const step = { ...good, targetTps: 1000, offeredTps: 1000 };
    expect(judgeStep({ ...step, backlogSlopeTps: 150 }, c).pass).toBe(true);
    expect(judgeStep({ ...step, backlogSlopeTps: 250 }, c).failures.map((f) => f.check)).toEqual(['backlog']);
    expect(judgeStep({ ...step, holdMs: 100_000, backlogSlopeTps: 150 }, c).pass).toBe(false);
  });

  it('counts a shortfall from node backpressure as the nodes\' failure when they also miss the SLO', () => {
    const slow = { ...good, targetTps: 1600, offeredTps: 1326, inclusion: { p50: 9000, p90: 12_000, p99: 15_000, max: 16_000 }, generator: { bound: true, reason: 'connections (every connection busy)', backpressure: true } };
    const v = judgeStep(slow, criteria);
    expect(v.generatorBound).toBe(false);
    expect(v.pass).toBe(false);
    expect(v.failures.map((f) => f.check)).toEqual(['backpressure', 'latency']);
    expect(v.failures[0]!.message).toMatch(/the nodes held the generator back/);
    // Backpressure while the nodes look healthy proves nothing about them: generator-bound.
    const healthy = judgeStep({ ...slow, inclusion: good.inclusion }, criteria);
    expect(healthy.generatorBound).toBe(true);
    // A signing shortfall is always the generator's, whatever the nodes did.
    expect(judgeStep({ ...slow, generator: { bound: true, reason: 'signing', backpressure: false } }, criteria).generatorBound).toBe(true);
  });

  it('leaves the backlog unjudged when the hold was too short for a trend', () => {
    const v = judgeStep({ ...good, backlogSlopeTps: null }, criteria);
    expect(v.pass).toBe(true);
    expect(v.summary).toMatch(/backlog not judged/);
  });
});
