/**
 * The open-loop schedule: transaction i (0-based, across the whole engine) is due at the time t where the
 * cumulative target count C(t) reaches i. C is the integral of a piecewise-linear rate (constant segments and
 * linear ramps), so due times are computed from i alone: no drift, no lost ticks, no dependence on when the
 * previous transaction actually went out. Plain data, so it crosses into worker threads unchanged.
 */
import { LoadnetError } from '../errors.js';
import type { RateSpec } from '../scenario/spec.js';

/** One piece of the rate curve: from `r0` to `r1` tx/s, linearly, over `durationMs` (Infinity = open end). */
export interface RateSegment {
  durationMs: number;
  r0: number;
  r1: number;
}

export interface ScheduleData {
  segments: RateSegment[];
}

function invalid(field: string, value: unknown, allowed: string): LoadnetError {
  return new LoadnetError('LN_ERR_SCENARIO_INVALID', `${field}: ${JSON.stringify(value)}; allowed: ${allowed}`, { issues: [{ field, value, allowed }] });
}

const MAX_RATE = 10_000_000;

function checkRate(field: string, r: number): number {
  if (!Number.isFinite(r) || r < 0 || r > MAX_RATE) throw invalid(field, r, `a rate from 0 to ${MAX_RATE} tx/s`);
  return r;
}

/**
 * Turn a user rate into segments. `perBlock` becomes perBlock / meanBlockInterval per second. Stages start
 * from 0 tx/s (a first ramp climbs from zero); after the last stage its rate holds.
 */
export function scheduleFromRate(rate: RateSpec | number, meanBlockIntervalMs?: number): ScheduleData {
  if (typeof rate === 'number') return { segments: [{ durationMs: Infinity, r0: checkRate('rate', rate), r1: rate }] };
  switch (rate.kind) {
    case 'perSecond':
      checkRate('rate.perSecond', rate.perSecond);
      return { segments: [{ durationMs: Infinity, r0: rate.perSecond, r1: rate.perSecond }] };
    case 'perBlock': {
      if (meanBlockIntervalMs === undefined || !(meanBlockIntervalMs > 0)) throw invalid('meanBlockIntervalMs', meanBlockIntervalMs, 'a positive number of ms (needed to turn a per-block rate into tx/s)');
      const r = checkRate('rate.perBlock', rate.perBlock / (meanBlockIntervalMs / 1000));
      return { segments: [{ durationMs: Infinity, r0: r, r1: r }] };
    }
    case 'stages': {
      if (!Array.isArray(rate.stages) || rate.stages.length === 0) throw invalid('rate.stages', rate.stages, 'a non-empty list of stages');
      const segments: RateSegment[] = [];
      let prev = 0;
      rate.stages.forEach((s, i) => {
        if (!Number.isFinite(s.durationMs) || s.durationMs <= 0) throw invalid(`rate.stages[${i}].durationMs`, s.durationMs, 'a positive duration in ms');
        const to = checkRate(`rate.stages[${i}].perSecond`, s.perSecond);
        segments.push({ durationMs: s.durationMs, r0: s.ramp ? prev : to, r1: to });
        prev = to;
      });
      segments.push({ durationMs: Infinity, r0: prev, r1: prev });
      return { segments };
    }
    default:
      throw invalid('rate.kind', (rate as { kind?: unknown }).kind, 'perBlock, perSecond or stages');
  }
}

interface PreparedSegment extends RateSegment {
  startMs: number;
  /** Cumulative count at the segment's start. */
  c0: number;
  /** Count within the segment (Infinity for an open end with a positive rate). */
  count: number;
}

/** Due times and target counts over a schedule; times are ms relative to the schedule's start. */
export class Schedule {
  private readonly segs: PreparedSegment[];

  constructor(readonly data: ScheduleData) {
    let startMs = 0;
    let c0 = 0;
    this.segs = data.segments.map((s) => {
      const count = s.durationMs === Infinity ? (s.r0 > 0 || s.r1 > 0 ? Infinity : 0) : ((s.r0 + s.r1) / 2) * (s.durationMs / 1000);
      const p: PreparedSegment = { ...s, startMs, c0, count };
      startMs += s.durationMs;
      c0 += count;
      return p;
    });
  }

  /** Target rate (tx/s) at relative time t. */
  rateAt(tMs: number): number {
    for (const s of this.segs) {
      if (tMs < s.startMs + s.durationMs) {
        if (s.durationMs === Infinity || s.r0 === s.r1) return s.r0;
        return s.r0 + ((s.r1 - s.r0) * (tMs - s.startMs)) / s.durationMs;
      }
    }
    return this.segs[this.segs.length - 1]!.r1;
  }

  /** Cumulative target count C(t) over [0, t]. */
  countAt(tMs: number): number {
    if (tMs <= 0) return 0;
    for (const s of this.segs) {
      if (tMs < s.startMs + s.durationMs) {
        const tau = (tMs - s.startMs) / 1000;
        const slope = s.durationMs === Infinity ? 0 : (s.r1 - s.r0) / (s.durationMs / 1000);
        return s.c0 + s.r0 * tau + (slope * tau * tau) / 2;
      }
    }
    const last = this.segs[this.segs.length - 1]!;
    return last.c0 + last.count;
  }

  /** When C(t) reaches i: the due time of transaction i (ms, relative), or Infinity when the rate never gets there. */
  dueMs(i: number): number {
    for (const s of this.segs) {
      if (i < s.c0 + s.count || (s.count === Infinity && i >= s.c0)) {
        const k = i - s.c0; // count still to go within this segment
        if (k <= 0) return s.startMs;
        if (s.durationMs === Infinity || s.r0 === s.r1) return s.startMs + (k / s.r0) * 1000;
        // k = r0 τ + (a/2) τ²  with a = (r1 - r0)/D: solve for τ ≥ 0 (stable form, no cancellation).
        const a = (s.r1 - s.r0) / (s.durationMs / 1000);
        const tau = (2 * k) / (s.r0 + Math.sqrt(s.r0 * s.r0 + 2 * a * k));
        return s.startMs + tau * 1000;
      }
    }
    return Infinity;
  }
}
