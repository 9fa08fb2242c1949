// The traffic record's schedule: stages that give back the engine's due times, and scaling in time or rate.
import { describe, expect, it } from 'vitest';
import { Schedule, scheduleFromRate } from '../../src/load/schedule.js';
import { scaleTraffic, stagesOf, type TrafficRecord } from '../../src/load/traffic.js';

const due = (s: Schedule, n: number) => Array.from({ length: n }, (_, i) => s.dueMs(i));

describe('traffic record', () => {
  it('stages give the same due times as the engine schedule (constant, per block, stages with ramps)', () => {
    const rates = [
      { rate: { kind: 'perSecond' as const, perSecond: 40 }, durationMs: 12_000 },
      { rate: { kind: 'perBlock' as const, perBlock: 25 }, durationMs: 10_000 },
      { rate: { kind: 'stages' as const, stages: [{ durationMs: 3000, perSecond: 100, ramp: true }, { durationMs: 2000, perSecond: 100, ramp: false }, { durationMs: 4000, perSecond: 10, ramp: true }] }, durationMs: 15_000 },
    ];
    for (const { rate, durationMs } of rates) {
      const engine = new Schedule(scheduleFromRate(rate, 625));
      const replay = new Schedule(scheduleFromRate({ kind: 'stages', stages: stagesOf(engine.data, durationMs) }));
      const n = Math.floor(engine.countAt(durationMs));
      expect(n).toBeGreaterThan(100);
      const a = due(engine, n);
      const b = due(replay, n);
      expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).toBeLessThan(1e-6);
    }
  });

  it('scales times (same transactions, spread out) or rates (more on the same curve)', () => {
    const record: TrafficRecord = {
      workload: 'transactions',
      spec: { type: 'transactions', rate: { kind: 'perSecond', perSecond: 40 }, users: 10, fee: 1, amount: 1, targets: 'round-robin', batch: 'auto', inclusionThreshold: 1 },
      stages: [{ durationMs: 2000, perSecond: 50, ramp: true }, { durationMs: 8000, perSecond: 50, ramp: false }],
      offsetMs: 120,
      durationMs: 10_000,
      seed: 7,
      threads: 1,
      targets: ['validator-0'],
      targetChoice: 'round-robin',
    };
    const base = new Schedule(scheduleFromRate({ kind: 'stages', stages: record.stages }));
    const slow = scaleTraffic(record, { timeScale: 2 });
    expect(slow).toMatchObject({ offsetMs: 240, durationMs: 20_000 });
    const slowed = new Schedule(scheduleFromRate({ kind: 'stages', stages: slow.stages }));
    for (const i of [0, 1, 10, 200, 449]) expect(slowed.dueMs(i)).toBeCloseTo(2 * base.dueMs(i), 6);
    expect(slowed.countAt(slow.durationMs)).toBeCloseTo(base.countAt(record.durationMs), 6);
    const more = scaleTraffic(record, { rateScale: 3 });
    expect(more).toMatchObject({ offsetMs: 120, durationMs: 10_000 });
    expect(new Schedule(scheduleFromRate({ kind: 'stages', stages: more.stages })).countAt(10_000)).toBeCloseTo(3 * base.countAt(10_000), 6);
    expect(() => scaleTraffic(record, { timeScale: 0 })).toThrow(/timeScale is 0; allowed: a positive number/);
  });
});
