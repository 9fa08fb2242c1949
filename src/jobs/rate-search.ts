/**
 * The max-rate search, over an abstract `trial(rate) → StepResult`: grow the rate geometrically until a
 * step fails, bisect the bracket [last pass, first fail] down to a relative resolution, then confirm the
 * found rate with one more run that must pass. Any step where the generator could not keep up stops the
 * search with status 'generator-bound' and no maximum: a rate the generator never offered was not measured.
 * Pure apart from awaiting `trial`; the real driver (max-rate.ts) supplies trials against a deployment.
 */
import { judgeStep, type SloCriteria, type StepResult, type StepVerdict } from './step-judge.js';

export type SearchPhase = 'grow' | 'shrink' | 'bisect' | 'confirm';

export interface SearchStep {
  index: number;
  phase: SearchPhase;
  rateTps: number;
  result: StepResult;
  verdict: StepVerdict;
}

export type SearchStatus =
  /** A maximum was bracketed and confirmed. */
  | 'found'
  /** Even the largest allowed rate passed (and was confirmed): the maximum is at least `maxTps`. */
  | 'max-reached'
  /** The trial budget ran out while every rate still passed: the maximum is at least the reported rate. */
  | 'lower-bound'
  /** The generator fell short of a target: no maximum is reported. */
  | 'generator-bound'
  /** Even the smallest rate tried failed. */
  | 'none-sustainable'
  /** The chain's idle latency floor is above the SLO: no search was run (latency-floor.ts). */
  | 'slo-below-floor'
  /** The confirmation run failed every time: the system is not stable near the bracket. */
  | 'unconfirmed'
  | 'aborted';

export interface SearchOptions {
  startTps: number;
  maxTps: number;
  /** Lowest rate tried when the start rate already fails (default startTps / 16, at least 0.1). */
  minTps?: number;
  /** Factor between grow steps (default 2). */
  growth?: number;
  /** Stop bisecting when (firstFail − lastPass) / lastPass ≤ this (default 0.05). */
  resolution?: number;
  /** Bound on search trials, confirmations excluded (default 24). */
  maxTrials?: number;
  /** Confirmation runs before giving up (default 2). */
  confirmAttempts?: number;
  criteria: SloCriteria;
  signal?: AbortSignal;
  onStep?(step: SearchStep): void;
}

export type Trial = (rateTps: number, phase: SearchPhase, index: number) => Promise<StepResult>;

export interface SearchOutcome {
  status: SearchStatus;
  /** The maximum sustainable rate, tx/s (a lower bound for 'max-reached' and 'lower-bound'); null otherwise. */
  maxRateTps: number | null;
  /** Highest rate that passed and lowest that failed (null when none did). */
  bracket: { lastPassTps: number | null; firstFailTps: number | null };
  /** Requested and achieved relative width of the bracket. */
  resolution: { requested: number; achieved: number | null };
  steps: SearchStep[];
  /** One sentence for the terminal and the report. */
  message: string;
}

/** Round a rate so bisection works in readable numbers: integers above 100 tx/s, 3 significant digits below. */
export function roundRate(x: number): number {
  if (x >= 100) return Math.round(x);
  return Number(x.toPrecision(3));
}

/** The search's defaults for what SearchOptions leaves out. */
export const SEARCH_DEFAULTS = { growth: 2, resolution: 0.05, maxTrials: 24, confirmAttempts: 2 } as const;

export async function searchMaxRate(trial: Trial, options: SearchOptions): Promise<SearchOutcome> {
  const growth = options.growth ?? SEARCH_DEFAULTS.growth;
  const resolution = options.resolution ?? SEARCH_DEFAULTS.resolution;
  const maxTrials = options.maxTrials ?? SEARCH_DEFAULTS.maxTrials;
  const confirmAttempts = options.confirmAttempts ?? SEARCH_DEFAULTS.confirmAttempts;
  const maxTps = options.maxTps;
  const minTps = options.minTps ?? Math.max(0.1, roundRate(options.startTps / 16));
  const steps: SearchStep[] = [];
  let lo: number | null = null; // highest pass
  let hi: number | null = null; // lowest fail
  let searchTrials = 0;

  type Run = { kind: 'ok'; verdict: StepVerdict } | { kind: 'stop'; outcome: SearchOutcome };
  const outcome = (status: SearchStatus, maxRateTps: number | null, message: string): SearchOutcome => ({
    status,
    maxRateTps,
    bracket: { lastPassTps: lo, firstFailTps: hi },
    resolution: { requested: resolution, achieved: lo !== null && hi !== null ? (hi - lo) / lo : null },
    steps,
    message,
  });

  async function run(rate: number, phase: SearchPhase): Promise<Run> {
    if (options.signal?.aborted) return { kind: 'stop', outcome: outcome('aborted', null, 'search aborted before it finished') };
    if (phase !== 'confirm') searchTrials++;
    const result = await trial(rate, phase, steps.length);
    const verdict = judgeStep(result, options.criteria);
    const step: SearchStep = { index: steps.length, phase, rateTps: rate, result, verdict };
    steps.push(step);
    options.onStep?.(step);
    if (options.signal?.aborted) return { kind: 'stop', outcome: outcome('aborted', null, 'search aborted before it finished') };
    if (verdict.generatorBound) {
      const why = verdict.failures.find((f) => f.check === 'generator')?.message ?? 'generator fell short';
      const known = lo === null ? '' : `; the system sustained at least ${lo} tx/s before that`;
      return { kind: 'stop', outcome: outcome('generator-bound', null, `no maximum reported: at ${rate} tx/s the load generator was the bottleneck (${why})${known}`) };
    }
    return { kind: 'ok', verdict };
  }

  // Grow geometrically from the start rate until a step fails or the cap passes.
  let rate = roundRate(Math.min(options.startTps, maxTps));
  for (;;) {
    const r = await run(rate, 'grow');
    if (r.kind === 'stop') return r.outcome;
    if (!r.verdict.pass) {
      hi = rate;
      break;
    }
    lo = rate;
    if (rate >= maxTps) break;
    if (searchTrials >= maxTrials) break;
    rate = roundRate(Math.min(rate * growth, maxTps));
  }

  // The start already failed: shrink until something passes.
  if (lo === null) {
    rate = hi!;
    while (lo === null) {
      const next = roundRate(rate / growth);
      if (next < minTps || next === rate || searchTrials >= maxTrials) {
        return outcome('none-sustainable', null, `no rate sustained: the lowest tried, ${hi} tx/s, failed (minimum ${minTps} tx/s)`);
      }
      rate = next;
      const r = await run(rate, 'shrink');
      if (r.kind === 'stop') return r.outcome;
      if (r.verdict.pass) lo = rate;
      else hi = rate;
    }
  }

  for (let attempt = 0; ; attempt++) {
    // Bisect (geometric midpoint: the search lives on a log scale).
    while (hi !== null && lo !== null && (hi - lo) / lo > resolution && searchTrials < maxTrials) {
      const mid = roundRate(Math.sqrt(lo * hi));
      if (mid <= lo || mid >= hi) break;
      const r = await run(mid, 'bisect');
      if (r.kind === 'stop') return r.outcome;
      if (r.verdict.pass) lo = mid;
      else hi = mid;
    }
    const candidate: number = lo!;
    const c = await run(candidate, 'confirm');
    if (c.kind === 'stop') return c.outcome;
    if (c.verdict.pass) {
      const width = hi === null ? null : (hi - candidate) / candidate;
      if (hi === null && candidate >= maxTps) return outcome('max-reached', candidate, `sustains at least ${candidate} tx/s, the largest rate allowed (--max); confirmed`);
      if (hi === null) return outcome('lower-bound', candidate, `sustains at least ${candidate} tx/s (confirmed); the trial budget ran out before a rate failed`);
      return outcome('found', candidate, `maximum sustainable rate ${candidate} tx/s (bracket [${candidate}, ${hi}], ±${((width ?? 0) * 100).toFixed(1)} %); confirmed`);
    }
    // The confirmation failed: the candidate becomes the new upper bound; fall back to the best lower pass.
    hi = candidate;
    const lowerPasses = steps.filter((s) => s.verdict.pass && s.rateTps < candidate).map((s) => s.rateTps);
    lo = lowerPasses.length ? Math.max(...lowerPasses) : null;
    if (lo === null || attempt + 1 >= confirmAttempts) {
      return outcome('unconfirmed', null, `no maximum reported: the confirmation run at ${candidate} tx/s failed ${attempt + 1} time(s) (${c.verdict.failures.map((f) => f.message).join('; ')})`);
    }
  }
}
