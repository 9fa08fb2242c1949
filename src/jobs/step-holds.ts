/**
 * A max-rate step measured over one or more holds at the same rate. Near the knee a single hold's p99 is a
 * coin flip (measured here: at 1,903 tx/s on 4 + 2 nodes, 30 s holds gave p99 from 1.65 s to 4.5 s), so a
 * step whose p99 is within z standard errors of the SLO (batch-means.ts) is held again and the holds are
 * pooled, up to a bound; far from the SLO one hold decides. Pure: pools measured figures, says whether to
 * measure again.
 */
import { newHistogram, percentiles, type Histogram } from '../load/histogram.js';
import { callAgainstSlo, standardError, type SloCall } from './batch-means.js';
import { judgeStep, type LatencyFigures, type SloCriteria, type StepResult } from './step-judge.js';

/** What one hold measured: its figures, every inclusion latency of the hold, and its batches' p99s. */
export interface HoldMeasure {
  result: StepResult;
  latencies: Histogram;
  batchP99s: number[];
}

export interface SequentialOptions {
  criteria: SloCriteria;
  maxHolds: number;
  z: number;
  signal?: AbortSignal;
  /** Called before each extra hold with the pooled result so far. */
  onAnotherHold?(pooled: StepResult, holdsSoFar: number): void;
}

/** Hold, pool, and hold again while the p99 is undecided (bounded by maxHolds). */
export async function measureSequentially(hold: (holdNo: number) => Promise<HoldMeasure>, o: SequentialOptions): Promise<StepResult> {
  const results: StepResult[] = [];
  const pooled = newHistogram(64);
  const batchP99s: number[] = [];
  try {
    for (;;) {
      const m = await hold(results.length);
      results.push(m.result);
      pooled.add(m.latencies);
      batchP99s.push(...m.batchP99s);
      const result = poolHolds(results, pooled.totalCount > 0 ? latencyFigures(pooled) : null, standardError(batchP99s));
      if (results.length >= o.maxHolds || o.signal?.aborted) return result;
      if (!needsAnotherHold(result, o.criteria, o.z).again) return result;
      o.onAnotherHold?.(result, results.length);
    }
  } finally {
    pooled.destroy();
  }
}

export function latencyFigures(h: Histogram): LatencyFigures {
  const p = percentiles(h);
  return { p50: p.p50, p90: p.p90, p99: p.p99, max: p.max };
}

/** The pooled step: sums over holds, latency from the pooled histogram, error from every hold's batches. */
export function poolHolds(holds: readonly StepResult[], inclusion: LatencyFigures | null, p99StdErrMs: number | null): StepResult {
  if (holds.length === 0) throw new RangeError('poolHolds needs at least one hold');
  if (holds.length === 1) return { ...holds[0]!, inclusion, holds: 1, p99StdErrMs };
  const sum = (f: (h: StepResult) => number) => holds.reduce((a, h) => a + f(h), 0);
  const holdMs = sum((h) => h.holdMs);
  const sent = sum((h) => h.sent);
  const included = sum((h) => h.included);
  const rejectedByReason: Record<string, number> = {};
  for (const h of holds) for (const [k, v] of Object.entries(h.rejectedByReason ?? {})) rejectedByReason[k] = (rejectedByReason[k] ?? 0) + v;
  const slopes = holds.map((h) => h.backlogSlopeTps).filter((s): s is number => s !== null);
  const submits = holds.map((h) => h.submit).filter((s): s is LatencyFigures => !!s);
  const last = holds[holds.length - 1]!;
  const bound = holds.find((h) => h.generator.bound);
  return {
    targetTps: last.targetTps,
    holdMs,
    offeredTps: sent / (holdMs / 1000),
    sent,
    accepted: sum((h) => h.accepted),
    rejected: sum((h) => h.rejected),
    rejectedByReason,
    errored: sum((h) => h.errored),
    included,
    inclusionRatio: sent > 0 ? included / sent : 0,
    includedTps: included / (holdMs / 1000),
    inclusion,
    // Submit latency per hold is only kept as figures: the worst hold's stands for the step.
    submit: submits.length ? submits.reduce((w, s) => (s.p99 > w.p99 ? s : w)) : null,
    // Each hold's slope is a noisy estimate of the same trend: their mean is a better one.
    backlogSlopeTps: slopes.length ? slopes.reduce((a, b) => a + b, 0) / slopes.length : null,
    pendingAtEnd: last.pendingAtEnd,
    generator: {
      bound: !!bound,
      reason: bound?.generator.reason,
      scheduleLagP99Ms: Math.max(...holds.map((h) => h.generator.scheduleLagP99Ms ?? 0)),
      backpressure: holds.some((h) => h.generator.backpressure),
    },
    elapsedMs: sum((h) => h.elapsedMs ?? 0),
    holds: holds.length,
    p99StdErrMs,
  };
}

/**
 * Another hold is worth it only when latency is the open question: the generator kept up, every other
 * check passed, and the p99 is within z standard errors of the SLO.
 */
export function needsAnotherHold(pooled: StepResult, c: SloCriteria, z: number): { again: boolean; call: SloCall } {
  const call = callAgainstSlo(pooled.inclusion?.p99 ?? null, pooled.p99StdErrMs ?? null, c.sloP99Ms, z);
  if (call !== 'undecided') return { again: false, call };
  const verdict = judgeStep(pooled, c);
  const otherFailure = verdict.generatorBound || verdict.failures.some((f) => f.check !== 'latency');
  return { again: !otherFailure, call };
}
