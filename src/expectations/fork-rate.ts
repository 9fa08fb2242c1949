/**
 * Fork rate: reorgs and orphaned blocks per produced block, and the deepest reorg, over the run (from the
 * block feed, which follows every node). A reorg counts once per node that made it; an orphan is a block
 * some node reverted (once however many reverted it). Faults raise it (a partition heals into reorgs on the
 * losing side; tier delays above the slot time make competing blocks), so this bounds how much.
 */
import type { ExpectationResult, ReorgEvent, RunContext } from '../runtime/contracts.js';
import { checkNumber, round } from './common.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';

export interface ForkRateOptions {
  maxReorgsPerBlock: number;
  maxOrphansPerBlock: number;
  maxDepth: number;
}

export const FORK_RATE_DEFAULTS: ForkRateOptions = { maxReorgsPerBlock: 0.2, maxOrphansPerBlock: 0.1, maxDepth: 3 };

export function judgeForkRate(input: { produced: number; reorgs: ReadonlyArray<Pick<ReorgEvent, 'reverted' | 'depth'>> }, o: ForkRateOptions): ExpectationResult {
  const orphans = new Set(input.reorgs.flatMap((r) => r.reverted)).size;
  const deepest = input.reorgs.reduce((m, r) => Math.max(m, r.depth), 0);
  const per = (n: number) => (input.produced > 0 ? n / input.produced : n > 0 ? Infinity : 0);
  const figures = { produced: input.produced, reorgs: input.reorgs.length, orphans, reorgsPerBlock: round(per(input.reorgs.length), 3), orphansPerBlock: round(per(orphans), 3), deepest, bounds: { ...o } };
  const over: string[] = [];
  if (per(input.reorgs.length) > o.maxReorgsPerBlock) over.push(`${input.reorgs.length} reorgs in ${input.produced} blocks (${figures.reorgsPerBlock} per block, bound ${o.maxReorgsPerBlock})`);
  if (per(orphans) > o.maxOrphansPerBlock) over.push(`${orphans} orphaned blocks (${figures.orphansPerBlock} per block, bound ${o.maxOrphansPerBlock})`);
  if (deepest > o.maxDepth) over.push(`deepest reorg ${deepest} blocks (bound ${o.maxDepth})`);
  if (input.produced === 0) return { status: 'fail', message: 'no block was produced: no fork rate to judge', figures };
  if (over.length) return { status: 'fail', message: over.join('; '), figures };
  return { status: 'pass', message: `${input.reorgs.length} reorgs and ${orphans} orphans in ${input.produced} blocks (${figures.reorgsPerBlock} / ${figures.orphansPerBlock} per block), deepest ${deepest}`, figures };
}

export function forkRateOptions(raw: Record<string, unknown>): ForkRateOptions {
  const o = { ...FORK_RATE_DEFAULTS, ...raw };
  return {
    maxReorgsPerBlock: checkNumber('fork-rate', 'maxReorgsPerBlock', o.maxReorgsPerBlock, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of reorgs per block (default 0.2)'),
    maxOrphansPerBlock: checkNumber('fork-rate', 'maxOrphansPerBlock', o.maxOrphansPerBlock, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of orphans per block (default 0.1)'),
    maxDepth: checkNumber('fork-rate', 'maxDepth', o.maxDepth, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of blocks (default 3)'),
  };
}

/** Fork rate over the history: the feed's `block` events above the height at capture, and its `reorg` events. */
export const forkRateCheck: HistoryCheck<ForkRateOptions> = {
  type: 'fork-rate',
  kinds: ['block', 'reorg'],
  options: forkRateOptions,
  judge(slice, options) {
    const startHeight = slice.capture.startHeight as number;
    let produced = 0;
    const reorgs: Array<Pick<ReorgEvent, 'reverted' | 'depth'>> = [];
    for (const e of slice.events) {
      if (e.kind === 'block' && e.height > startHeight) produced++;
      else if (e.kind === 'reorg') reorgs.push({ reverted: e.reverted, depth: e.depth });
    }
    return judgeForkRate({ produced, reorgs }, options);
  },
};

export class ForkRate extends RecordedExpectation<ForkRateOptions> {
  readonly name = 'fork-rate';

  constructor(options: Partial<ForkRateOptions> = {}) {
    super(forkRateCheck, forkRateOptions(options));
  }

  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    return { startHeight: Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height)) };
  }

  /** The blocks and reorgs a last refresh brings are still collected (the slice closes after this). */
  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    await ctx.blockFeed.refresh();
    return {};
  }
}
