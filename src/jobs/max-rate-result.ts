/**
 * The persisted result of a max-rate search: `max-rate.json` in the run directory and `summary.maxRate`,
 * which the HTML report renders as a throughput-versus-latency curve. Plain JSON; this file owns the shape.
 */
import type { SearchOutcome, SearchPhase, SearchStatus } from './rate-search.js';
import type { SloCriteria } from './step-judge.js';
import type { LatencyFloor, SloSource } from './latency-floor.js';

export interface MaxRateCurvePoint {
  /** Order in which the step ran (0-based). */
  index: number;
  phase: SearchPhase;
  targetTps: number;
  offeredTps: number;
  includedTps: number;
  /** included / sent, 0..1. */
  inclusionRatio: number;
  /** Inclusion latency from the intended send time, ms; null when nothing was included. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Standard error of p99 by batch means, ms (null: too few batches). */
  p99StdErrMs: number | null;
  /** Holds pooled into the step (more than one near the SLO). */
  holds: number;
  /** null: the hold was too short to judge a trend. */
  backlogSlopeTps: number | null;
  rejected: number;
  errored: number;
  verdict: 'pass' | 'fail' | 'generator-bound';
  /** One message per failed check. */
  failures: string[];
}

export interface MaxRateSummary {
  status: SearchStatus;
  /** tx/s; a lower bound for 'max-reached' / 'lower-bound'; null when no maximum can be claimed. */
  maxRateTps: number | null;
  /** [last pass, first fail] in tx/s: the confidence of the figure. */
  bracket: { lastPassTps: number | null; firstFailTps: number | null };
  resolution: { requested: number; achieved: number | null };
  message: string;
  criteria: SloCriteria & HoldSettings;
  /** Where criteria.sloP99Ms came from: the user, the job's default, or the measured floor (no SLO given and the default too close to it). */
  sloSource?: SloSource;
  /** The chain's idle latency floor, measured before the search (null: the check was turned off). */
  floor?: LatencyFloor | null;
  topology?: { validators: number; executors: number };
  /** Steps in the order they ran. Sort by targetTps to draw the curve. */
  curve: MaxRateCurvePoint[];
  startedAt: string;
  endedAt: string;
}

/** How each step was measured: hold length, the most holds a step near the SLO may take, and the z that decides. */
export interface HoldSettings {
  holdMs: number;
  maxHolds: number;
  sloZ: number;
}

export function toMaxRateSummary(
  outcome: SearchOutcome,
  criteria: SloCriteria,
  holds: HoldSettings,
  times: { startedAt: string; endedAt: string },
  topology?: { validators: number; executors: number },
  floor?: { floor: LatencyFloor | null; sloSource: SloSource },
): MaxRateSummary {
  return {
    status: outcome.status,
    maxRateTps: outcome.maxRateTps,
    bracket: outcome.bracket,
    resolution: outcome.resolution,
    message: outcome.message,
    criteria: { ...criteria, ...holds },
    ...(floor ? { sloSource: floor.sloSource, floor: floor.floor } : {}),
    topology,
    curve: outcome.steps.map((s) => ({
      index: s.index,
      phase: s.phase,
      targetTps: s.rateTps,
      offeredTps: round2(s.result.offeredTps),
      includedTps: round2(s.result.includedTps),
      inclusionRatio: Math.round(s.result.inclusionRatio * 10_000) / 10_000,
      p50Ms: s.result.inclusion ? round2(s.result.inclusion.p50) : null,
      p99Ms: s.result.inclusion ? round2(s.result.inclusion.p99) : null,
      p99StdErrMs: s.result.p99StdErrMs == null ? null : round2(s.result.p99StdErrMs),
      holds: s.result.holds ?? 1,
      backlogSlopeTps: s.result.backlogSlopeTps === null ? null : round2(s.result.backlogSlopeTps),
      rejected: s.result.rejected,
      errored: s.result.errored,
      verdict: s.verdict.generatorBound ? 'generator-bound' : s.verdict.pass ? 'pass' : 'fail',
      failures: s.verdict.failures.map((f) => f.message),
    })),
    ...times,
  };
}

/** A step's p99 with its standard error when it has one: "2013.5 ± 97" (terminal, RESULTS.md, report). */
export function formatP99(p: Pick<MaxRateCurvePoint, 'p99Ms' | 'p99StdErrMs'>): string {
  if (p.p99Ms === null) return '—';
  return p.p99StdErrMs == null ? `${p.p99Ms}` : `${p.p99Ms} ± ${Math.round(p.p99StdErrMs)}`;
}

/** A fixed-width table of the curve for the terminal and RESULTS.md. */
export function formatCurveTable(summary: MaxRateSummary): string {
  const rows = [...summary.curve].sort((a, b) => a.targetTps - b.targetTps || a.index - b.index);
  const head = '| step | phase | target tx/s | offered tx/s | included tx/s | inclusion | p50 ms | p99 ms ± se | holds | backlog tx/s | verdict |';
  const sep = '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|';
  const lines = rows.map((r) => `| ${r.index} | ${r.phase} | ${r.targetTps} | ${r.offeredTps} | ${r.includedTps} | ${(r.inclusionRatio * 100).toFixed(1)} % | ${r.p50Ms ?? '—'} | ${formatP99(r)} | ${r.holds ?? 1} | ${r.backlogSlopeTps ?? '—'} | ${r.verdict} |`);
  return [head, sep, ...lines].join('\n');
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
