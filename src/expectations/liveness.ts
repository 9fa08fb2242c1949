/**
 * Consensus liveness, judged against the run's own baseline (not height from genesis):
 *  - blocks produced between capture and evaluation ≥ minFraction × expected, where
 *    expected = elapsed / (slotDuration / activeSlotCoeff);
 *  - every node within maxLag blocks of the best node at the end (a node that is down is reported and fails);
 *  - the LIB advanced during the window (when requireLibAdvance).
 */
import type { ExpectationResult, NodeTip, RunContext, RunMetrics } from '../runtime/contracts.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';
import type { LivenessOptions } from '../scenario/spec.js';
import { nowMs } from '../util/clock.js';
import { checkNumber, round, stripUndefined } from './common.js';

/** Defaults: half the expected blocks, 5 blocks of lag, LIB must advance. */
export const LIVENESS_DEFAULTS: LivenessOptions = { minFraction: 0.5, maxLag: 5, requireLibAdvance: true };

export interface LivenessBaseline {
  atMs: number;
  /** Best height and best LIB height over the nodes that answered. */
  height: number;
  libHeight: number;
}

export interface LivenessInput {
  baseline: LivenessBaseline;
  endMs: number;
  /** Latest tip of every node of the run; nodes with no tip at all are listed in `missing`. */
  tips: Array<Pick<NodeTip, 'node' | 'up' | 'height' | 'libHeight'>>;
  missing: string[];
  meanBlockIntervalMs: number;
}

export type LivenessFigures = {
  windowMs: number;
  blocks: number;
  expectedBlocks: number;
  requiredBlocks: number;
  fraction: number;
  bestHeight: number;
  heights: Record<string, number>;
  lagging: Record<string, number>;
  down: string[];
  libStart: number;
  libEnd: number;
};

/** Pure judgement over captured tips; `options` must already carry defaults. */
export function judgeLiveness(input: LivenessInput, options: LivenessOptions): ExpectationResult & { figures: LivenessFigures } {
  const up = input.tips.filter((t) => t.up);
  const down = [...input.tips.filter((t) => !t.up).map((t) => t.node), ...input.missing].sort();
  const bestHeight = up.reduce((m, t) => Math.max(m, t.height), 0);
  const libEnd = up.reduce((m, t) => Math.max(m, t.libHeight), 0);
  const windowMs = Math.max(0, input.endMs - input.baseline.atMs);
  const expectedBlocks = windowMs / input.meanBlockIntervalMs;
  const requiredBlocks = Math.ceil(options.minFraction * expectedBlocks);
  const blocks = Math.max(0, bestHeight - input.baseline.height);
  const heights: Record<string, number> = {};
  const lagging: Record<string, number> = {};
  for (const t of up) {
    heights[t.node] = t.height;
    if (bestHeight - t.height > options.maxLag) lagging[t.node] = bestHeight - t.height;
  }
  const figures: LivenessFigures = {
    windowMs: Math.round(windowMs),
    blocks,
    expectedBlocks: round(expectedBlocks, 1),
    requiredBlocks,
    fraction: round(expectedBlocks > 0 ? blocks / expectedBlocks : 0, 3),
    bestHeight,
    heights,
    lagging,
    down,
    libStart: input.baseline.libHeight,
    libEnd,
  };
  const problems: string[] = [];
  if (up.length === 0) problems.push('no node answered at evaluation');
  if (blocks < requiredBlocks) {
    problems.push(`${blocks} blocks in ${round(windowMs / 1000, 1)}s, needed ≥ ${requiredBlocks} (${options.minFraction} × ${round(expectedBlocks, 1)} expected)`);
  }
  const lagList = Object.entries(lagging).map(([n, lag]) => `${n} at ${heights[n]} (${lag} behind)`);
  if (lagList.length) problems.push(`${lagList.join(', ')}; best ${bestHeight}, max lag ${options.maxLag}`);
  if (down.length) problems.push(`down at evaluation: ${down.join(', ')}`);
  if (options.requireLibAdvance && libEnd <= input.baseline.libHeight) problems.push(`LIB did not advance (height ${input.baseline.libHeight} → ${libEnd})`);
  const context = `${blocks} blocks in ${round(windowMs / 1000, 1)}s vs ${round(expectedBlocks, 1)} expected; best height ${bestHeight}; LIB ${input.baseline.libHeight} → ${libEnd}`;
  if (problems.length) return { status: 'fail', message: `${problems.join('; ')} [${context}]`, figures };
  return {
    status: 'pass',
    message: `${blocks} blocks in ${round(windowMs / 1000, 1)}s (${round(figures.fraction * 100, 1)}% of ${round(expectedBlocks, 1)} expected, ≥ ${requiredBlocks} needed); ${up.length} nodes within ${options.maxLag} of best ${bestHeight}; LIB ${input.baseline.libHeight} → ${libEnd}`,
    figures,
  };
}

export function baselineFromTips(tips: readonly NodeTip[], atMs: number): LivenessBaseline {
  const up = tips.filter((t) => t.up);
  return { atMs, height: up.reduce((m, t) => Math.max(m, t.height), 0), libHeight: up.reduce((m, t) => Math.max(m, t.libHeight), 0) };
}

function livenessOptions(raw: Record<string, unknown>): LivenessOptions {
  const o = { ...LIVENESS_DEFAULTS, ...stripUndefined(raw) } as LivenessOptions;
  checkNumber('consensus-liveness', 'minFraction', o.minFraction, 0, 1, 'a fraction from 0 to 1 (default 0.5)');
  checkNumber('consensus-liveness', 'maxLag', o.maxLag, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of blocks (default 5)');
  return { minFraction: o.minFraction, maxLag: o.maxLag, requireLibAdvance: o.requireLibAdvance };
}

/** Liveness over the history: the tips read at capture and at evaluation. */
export const livenessCheck: HistoryCheck<LivenessOptions> = {
  type: 'consensus-liveness',
  kinds: [],
  options: livenessOptions,
  judge(slice, options) {
    const e = slice.evaluate as unknown as Omit<LivenessInput, 'baseline'> & { window: { startMs: number } };
    const baseline = (slice.capture.baseline as LivenessBaseline | undefined) ?? { atMs: e.window.startMs, height: 0, libHeight: 0 };
    return judgeLiveness({ baseline, endMs: e.endMs, tips: e.tips, missing: e.missing, meanBlockIntervalMs: e.meanBlockIntervalMs }, options);
  },
};

export class ConsensusLiveness extends RecordedExpectation<LivenessOptions> {
  readonly name = 'consensus-liveness';
  private metrics?: RunMetrics;

  constructor(options: Partial<LivenessOptions> = {}) {
    super(livenessCheck, livenessOptions(options));
  }

  init(metrics: RunMetrics): void {
    this.metrics = metrics;
  }

  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    await ctx.blockFeed.refresh();
    return { baseline: baselineFromTips(ctx.blockFeed.tips(), nowMs()) };
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    const metrics = this.metrics ?? ctx.metrics;
    await ctx.blockFeed.refresh();
    const endMs = nowMs();
    const byNode = new Map(ctx.blockFeed.tips().map((t) => [t.node, t]));
    const names = ctx.nodes().map((n) => n.descriptor.name);
    const tips = names.flatMap((n) => (byNode.has(n) ? [byNode.get(n)!] : [])).map((t) => ({ node: t.node, up: t.up, height: t.height, libHeight: t.libHeight }));
    const missing = names.filter((n) => !byNode.has(n));
    return { endMs, tips, missing, meanBlockIntervalMs: metrics.meanBlockIntervalMs };
  }
}
