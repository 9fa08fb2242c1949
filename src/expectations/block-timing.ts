/**
 * Block timing from the block feed: the mean interval between consecutive blocks of the canonical chain
 * (proposer timestamps) is within `tolerance` of slotDuration / activeSlotCoeff, and no gap exceeds `maxGapMs`.
 * The chain is the best node's, walked back through the feed's parent links to the capture baseline.
 */
import type { Hex } from '../adapters/seam.js';
import type { BlockFeed, ExpectationResult, RunContext, RunMetrics } from '../runtime/contracts.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';
import { checkNumber, round, stripUndefined } from './common.js';

export interface BlockTimingOptions {
  /** |mean − expected| / expected must be ≤ this. Default 0.5: with n blocks the mean's spread is ~1/√n. */
  tolerance: number;
  /** Longest allowed interval; default 12 × the expected mean (a leader-less stretch that long has p ≈ e^-12 per block). */
  maxGapMs?: number;
}

export const BLOCK_TIMING_DEFAULTS = { tolerance: 0.5, maxGapFactor: 12 } as const;

export interface TimedBlock {
  height: number;
  timestamp: number;
  id?: Hex;
}

export type BlockTimingFigures = {
  blocks: number;
  meanIntervalMs: number;
  expectedIntervalMs: number;
  deviation: number;
  maxGapMs: number;
  maxGapAtHeight: number;
  allowedMaxGapMs: number;
  p50IntervalMs: number;
  p90IntervalMs: number;
};

/** Pure judgement over the canonical chain's blocks in height order. */
export function judgeBlockTiming(chain: readonly TimedBlock[], expectedIntervalMs: number, options: { tolerance: number; maxGapMs: number }): ExpectationResult & { figures: BlockTimingFigures } {
  const intervals: Array<{ ms: number; height: number }> = [];
  for (let i = 1; i < chain.length; i++) intervals.push({ ms: chain[i]!.timestamp - chain[i - 1]!.timestamp, height: chain[i]!.height });
  const sorted = intervals.map((x) => x.ms).sort((a, b) => a - b);
  const pct = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
  const span = chain.length > 1 ? chain[chain.length - 1]!.timestamp - chain[0]!.timestamp : 0;
  const mean = intervals.length ? span / intervals.length : 0;
  const worst = intervals.reduce((w, x) => (x.ms > w.ms ? x : w), { ms: 0, height: 0 });
  const deviation = expectedIntervalMs > 0 ? Math.abs(mean - expectedIntervalMs) / expectedIntervalMs : 0;
  const figures: BlockTimingFigures = {
    blocks: chain.length,
    meanIntervalMs: Math.round(mean),
    expectedIntervalMs: Math.round(expectedIntervalMs),
    deviation: round(deviation, 3),
    maxGapMs: Math.round(worst.ms),
    maxGapAtHeight: worst.height,
    allowedMaxGapMs: Math.round(options.maxGapMs),
    p50IntervalMs: Math.round(pct(0.5)),
    p90IntervalMs: Math.round(pct(0.9)),
  };
  if (intervals.length < 2) {
    return { status: 'fail', message: `only ${chain.length} blocks in the window: too few to judge the interval (need ≥ 3)`, figures };
  }
  const problems: string[] = [];
  if (deviation > options.tolerance) {
    problems.push(`mean interval ${figures.meanIntervalMs}ms is ${round(deviation * 100, 1)}% off the expected ${figures.expectedIntervalMs}ms (tolerance ${round(options.tolerance * 100, 1)}%)`);
  }
  if (worst.ms > options.maxGapMs) problems.push(`gap of ${figures.maxGapMs}ms before height ${worst.height} exceeds ${figures.allowedMaxGapMs}ms`);
  const summary = `${intervals.length} intervals over ${chain.length} blocks, mean ${figures.meanIntervalMs}ms vs expected ${figures.expectedIntervalMs}ms (p50 ${figures.p50IntervalMs}ms, p90 ${figures.p90IntervalMs}ms), longest ${figures.maxGapMs}ms`;
  if (problems.length) return { status: 'fail', message: `${problems.join('; ')} [${summary}]`, figures };
  return { status: 'pass', message: `${summary} (≤ ${figures.allowedMaxGapMs}ms allowed, tolerance ${round(options.tolerance * 100, 1)}%)`, figures };
}

/** Walk back from `tip` through the feed's parent links while height > `aboveHeight`; returns oldest first. */
export function canonicalChain(feed: BlockFeed, tip: Hex, aboveHeight: number): TimedBlock[] {
  const out: TimedBlock[] = [];
  let block = feed.block(tip);
  while (block && block.height > aboveHeight) {
    out.push({ height: block.height, timestamp: block.timestamp, id: block.id });
    block = feed.block(block.parent);
  }
  return out.reverse();
}

function blockTimingOptions(raw: Record<string, unknown>): BlockTimingOptions {
  const o = stripUndefined(raw as Partial<BlockTimingOptions>);
  const tolerance = checkNumber('block-timing', 'tolerance', o.tolerance ?? BLOCK_TIMING_DEFAULTS.tolerance, 0, 100, 'a non-negative fraction such as 0.5 (default 0.5)');
  if (o.maxGapMs === undefined) return { tolerance };
  return { tolerance, maxGapMs: checkNumber('block-timing', 'maxGapMs', o.maxGapMs, 1, Number.MAX_SAFE_INTEGER, 'a positive number of milliseconds (default 12 × the mean block interval)') };
}

/** Block timing over the history: the canonical chain above the capture height, read at evaluation. */
export const blockTimingCheck: HistoryCheck<BlockTimingOptions> = {
  type: 'block-timing',
  kinds: [],
  options: blockTimingOptions,
  judge(slice, o) {
    const e = slice.evaluate as { chain: TimedBlock[]; expectedIntervalMs: number };
    return judgeBlockTiming(e.chain, e.expectedIntervalMs, { tolerance: o.tolerance, maxGapMs: o.maxGapMs ?? BLOCK_TIMING_DEFAULTS.maxGapFactor * e.expectedIntervalMs });
  },
};

export class BlockTiming extends RecordedExpectation<BlockTimingOptions> {
  readonly name = 'block-timing';
  private metrics?: RunMetrics;
  private baselineHeight = 0;

  constructor(options: Partial<BlockTimingOptions> = {}) {
    super(blockTimingCheck, blockTimingOptions(options));
  }

  get tolerance(): number {
    return this.options.tolerance;
  }

  get maxGapMs(): number | undefined {
    return this.options.maxGapMs;
  }

  init(metrics: RunMetrics): void {
    this.metrics = metrics;
  }

  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    await ctx.blockFeed.refresh();
    this.baselineHeight = ctx.blockFeed.tips().reduce((m, t) => (t.up ? Math.max(m, t.height) : m), 0);
    return { baselineHeight: this.baselineHeight };
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    const metrics = this.metrics ?? ctx.metrics;
    await ctx.blockFeed.refresh();
    const best = ctx.blockFeed.tips().filter((t) => t.up).sort((a, b) => b.height - a.height)[0];
    const chain = best ? canonicalChain(ctx.blockFeed, best.tip, this.baselineHeight).map((b) => ({ height: b.height, timestamp: b.timestamp })) : [];
    return { chain, expectedIntervalMs: metrics.meanBlockIntervalMs };
  }
}
