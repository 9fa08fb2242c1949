/**
 * The chain's idle latency floor and what it says about an SLO, before a max-rate search spends minutes on
 * it. With no load at all a transaction still waits for the next block: slots are won by lottery (a block
 * in a slot with probability f), so the wait is a geometric number of slots and its p99 is several mean
 * block intervals (4 + 2 nodes at a trickle, bench/max-rate-floor.ts: 1 s slots and f = 0.5, a 2 s mean
 * interval, p99 4.7–5.9 s, once 12.9 s; 500 ms slots and f = 0.8, 625 ms, p99 1.0–1.4 s). Load only adds to it.
 *
 * The job measures the floor first with a hold at a trickle rate, judged as a search step would be: a
 * floor within z standard errors of the SLO is held again and pooled (step-holds.ts). When the floor is
 * above the SLO, no step the search could run would pass, and it stops with a diagnosis. The floor also
 * gives the smallest SLO worth searching under: its p99 plus two standard errors (where the floor still
 * clearly passes) plus one mean block interval (the room load needs to queue a transaction for one more
 * block before the SLO is reached), rounded up to half a second. Under a smaller SLO the figure is decided
 * by block luck rather than by load: at 500 ms and f = 0.8, whose floor is ~1.5 s, a 2 s SLO gave maxima
 * 17 % apart between deployments where a 3 s SLO gave figures within ±10 % (bench/RESULTS.md). With no
 * SLO given the job uses DEFAULT_SLO_P99_MS when the floor leaves that room, else that smallest SLO.
 * Pure: takes the measured floor, returns the decision.
 */
import type { StepResult } from './step-judge.js';

/** The SLO the job uses when none is given and the floor leaves room under it. */
export const DEFAULT_SLO_P99_MS = 3000;

/** Trickle rate of the floor hold at most, tx/s: a few transactions per block, nothing queued. */
export const FLOOR_RATE_TPS = 10;

/** What the floor was measured on and what it measured. */
export interface LatencyFloor {
  rateTps: number;
  /** Length of one floor hold. */
  holdMs: number;
  holds: number;
  sent: number;
  included: number;
  /** Inclusion latency at the trickle from the intended send time, ms; null when nothing was included. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Standard error of the p99 by batch means; null with too few batches. */
  p99StdErrMs: number | null;
  /** The chain settings behind the floor. */
  slotDurationMs: number;
  activeSlotCoeff: number;
  meanBlockIntervalMs: number;
  /** The smallest SLO worth searching under (see the module comment); null when nothing was included. */
  minSloMs: number | null;
}

export type SloSource = 'given' | 'default' | 'floor';

export type FloorDecision =
  | { kind: 'search'; sloP99Ms: number; sloSource: SloSource; /** The SLO is above the floor but leaves less than minSloMs: said, not refused. */ note?: string }
  | { kind: 'stop'; status: 'slo-below-floor' | 'none-sustainable'; message: string };

/** The floor hold: a trickle (at most FLOOR_RATE_TPS, never above the search's start), at least 16 mean block intervals or 15 s, at most a step's hold. */
export function floorHold(o: { holdMs: number; startTps: number; meanBlockIntervalMs: number }): { rateTps: number; holdMs: number } {
  return { rateTps: Math.min(FLOOR_RATE_TPS, o.startTps), holdMs: Math.min(o.holdMs, Math.max(15_000, 16 * o.meanBlockIntervalMs)) };
}

/** The floor record of a (pooled) floor hold. */
export function toLatencyFloor(r: StepResult, hold: { rateTps: number; holdMs: number }, chain: { slotDurationMs: number; activeSlotCoeff: number; meanBlockIntervalMs: number }): LatencyFloor {
  const p99 = r.inclusion?.p99 ?? null;
  const se = r.p99StdErrMs ?? null;
  return {
    rateTps: hold.rateTps,
    holdMs: hold.holdMs,
    holds: r.holds ?? 1,
    sent: r.sent,
    included: r.included,
    p50Ms: r.inclusion ? round(r.inclusion.p50) : null,
    p99Ms: p99 === null ? null : round(p99),
    p99StdErrMs: se === null ? null : round(se),
    ...chain,
    minSloMs: p99 === null ? null : roundUpHalfSecond(p99 + 2 * (se ?? 0) + chain.meanBlockIntervalMs),
  };
}

/** Search, and under which SLO, or stop with a diagnosis. `givenSloMs` undefined: the job picks the SLO. */
export function decideAgainstFloor(floor: LatencyFloor, givenSloMs: number | undefined): FloorDecision {
  if (floor.p99Ms === null || floor.minSloMs === null) {
    return { kind: 'stop', status: 'none-sustainable', message: `no search: at a trickle of ${floor.rateTps} tx/s none of the ${floor.sent} transactions sent in ${secs(floor.holdMs * floor.holds)} was included: the chain is not including transactions (${chainText(floor)})` };
  }
  if (givenSloMs === undefined) {
    if (floor.minSloMs <= DEFAULT_SLO_P99_MS) return { kind: 'search', sloP99Ms: DEFAULT_SLO_P99_MS, sloSource: 'default' };
    return { kind: 'search', sloP99Ms: floor.minSloMs, sloSource: 'floor' };
  }
  if (floor.p99Ms > givenSloMs) {
    return {
      kind: 'stop',
      status: 'slo-below-floor',
      message:
        `no search: the SLO p99 of ${ms(givenSloMs)} is below this chain's idle latency floor, p99 ${floorText(floor)} at a trickle of ${floor.rateTps} tx/s, ` +
        `which comes from its ${ms(floor.meanBlockIntervalMs)} mean block interval (${ms(floor.slotDurationMs)} slots, f = ${floor.activeSlotCoeff}): no rate can meet it. ` +
        `Use --slo-p99 ${secs(floor.minSloMs)} or more, or faster blocks (consensus.slotDurationMs / activeSlotCoeff: 500 ms and 0.8 give a 625 ms interval)`,
    };
  }
  if (givenSloMs < floor.minSloMs) {
    return {
      kind: 'search',
      sloP99Ms: givenSloMs,
      sloSource: 'given',
      note: `the SLO p99 of ${ms(givenSloMs)} is less than one block interval (${ms(floor.meanBlockIntervalMs)}) above the idle floor (p99 ${floorText(floor)}): near it steps pass or fail by block luck, and the figure may differ between deployments; --slo-p99 ${secs(floor.minSloMs)} or more leaves room for load`,
    };
  }
  return { kind: 'search', sloP99Ms: givenSloMs, sloSource: 'given' };
}

/** One line for the terminal: the floor and the SLO it led to. */
export function floorLine(floor: LatencyFloor, d: FloorDecision): string {
  const head = `idle floor: p99 ${floor.p99Ms === null ? '—' : floorText(floor)}, p50 ${floor.p50Ms === null ? '—' : ms(floor.p50Ms)} at a trickle of ${floor.rateTps} tx/s over ${secs(floor.holdMs * floor.holds)} (${chainText(floor)})`;
  if (d.kind === 'stop') return head;
  const why = d.sloSource === 'given' ? 'given' : d.sloSource === 'default' ? `default; the floor leaves room under it: the smallest SLO worth searching is ${ms(floor.minSloMs!)}` : `no --slo-p99 given, and the ${ms(DEFAULT_SLO_P99_MS)} default leaves less than a block interval above the floor: floor p99 + 2 standard errors + one mean block interval, rounded up to 0.5 s`;
  return `${head}; SLO p99 ${ms(d.sloP99Ms)} (${why})`;
}

function floorText(f: LatencyFloor): string {
  return f.p99StdErrMs === null ? ms(f.p99Ms!) : `${Math.round(f.p99Ms!).toLocaleString('en-US')} ± ${Math.round(f.p99StdErrMs)} ms`;
}

function chainText(f: LatencyFloor): string {
  return `mean block interval ${ms(f.meanBlockIntervalMs)}: ${ms(f.slotDurationMs)} slots, f = ${f.activeSlotCoeff}`;
}

function ms(x: number): string {
  return `${Math.round(x).toLocaleString('en-US')} ms`;
}

function secs(x: number): string {
  return `${+(x / 1000).toFixed(1)}s`;
}

function roundUpHalfSecond(x: number): number {
  return Math.ceil(x / 500) * 500;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
