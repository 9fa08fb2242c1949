/**
 * A run's traffic record: the seed and parameters that regenerate a transaction load exactly, not the
 * transactions themselves. The engine's offered schedule is a function of its rate segments alone (transaction i
 * is due at `dueMs(i)`, schedule.ts), and each transaction's bytes are a function of the wallet (from the
 * scenario's seed), its nonce (from the chain), the recipient and the amounts: so the stages in tx/s, the start
 * offset in the window, the generation length, the seed, the wallets used, the shard count and the target
 * choice give back every transaction's intended send time and, on a fresh deployment of the same scenario
 * (nonces from 0), the same signed bytes and ids. One `load.traffic` event of ~0.7 KB per load, whatever its
 * length; per-transaction records (intended time 8 B + target 1 B + the devnet's 156-byte signed transfer) would
 * take ~165 MB per million transactions, and could not follow an attached network's nonces.
 */
import { LoadnetError } from '../errors.js';
import type { RunEventFields } from '../runtime/run-events.js';
import type { RateStage } from '../scenario/spec.js';
import type { ScheduleData } from './schedule.js';

/** The `load.traffic` event's fields (runtime/run-events.ts): everything a replay needs to send the same load again. */
export type TrafficRecord = RunEventFields['load.traffic'];

/**
 * The engine's segments as rate stages in tx/s that give the same due times: each finite segment one stage
 * (a ramp from the previous stage's rate when it moves); an open-ended hold becomes one stage of the
 * generation's length when it is the whole schedule, and is implied after the last stage otherwise.
 */
export function stagesOf(schedule: ScheduleData, durationMs: number): RateStage[] {
  const stages: RateStage[] = [];
  for (const s of schedule.segments) {
    if (s.durationMs === Infinity) {
      if (stages.length === 0) stages.push({ durationMs, perSecond: s.r0, ramp: false });
      break;
    }
    stages.push({ durationMs: s.durationMs, perSecond: s.r1, ramp: s.r0 !== s.r1 });
  }
  return stages;
}

export interface TrafficScale {
  /** Every time × this (a slower replay for > 1), rates ÷ this: the same transactions, spread out. Default 1. */
  timeScale?: number;
  /** Every rate × this, times unchanged: more (or fewer) transactions on the same curve. Default 1. */
  rateScale?: number;
}

/** Checks a scale: both positive and finite, at most one of them moved from 1. */
export function checkScale(scale: TrafficScale): Required<TrafficScale> {
  const bad = (field: string, value: unknown) =>
    new LoadnetError('LN_ERR_USAGE', `replay: ${field} is ${JSON.stringify(value)}; allowed: a positive number (e.g. 2 for twice as slow or twice the rate)`, { issues: [{ field, value, allowed: 'a positive finite number' }] });
  const timeScale = scale.timeScale ?? 1;
  const rateScale = scale.rateScale ?? 1;
  if (!(Number.isFinite(timeScale) && timeScale > 0)) throw bad('timeScale', scale.timeScale);
  if (!(Number.isFinite(rateScale) && rateScale > 0)) throw bad('rateScale', scale.rateScale);
  return { timeScale, rateScale };
}

/** The record with its times and rates scaled: due times × timeScale, rates × rateScale / timeScale. */
export function scaleTraffic(record: TrafficRecord, scale: TrafficScale): TrafficRecord {
  const { timeScale, rateScale } = checkScale(scale);
  return {
    ...record,
    stages: record.stages.map((s) => ({ ...s, durationMs: s.durationMs * timeScale, perSecond: (s.perSecond * rateScale) / timeScale })),
    offsetMs: record.offsetMs * timeScale,
    durationMs: record.durationMs * timeScale,
  };
}
