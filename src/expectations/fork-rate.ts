/**
 * Fork rate: reorgs and orphaned blocks per produced block, and the deepest reorg, over the run (from the
 * block feed, which follows every node). A reorg counts once per node that made it; an orphan is a block
 * some node reverted (once however many reverted it). Faults raise it (a partition heals into reorgs on the
 * losing side; tier delays above the slot time make competing blocks), so this bounds how much.
 */
import type { Expectation, ExpectationResult, ReorgEvent, RunContext } from '../runtime/contracts.js';
import { round } from './common.js';

export interface ForkRateOptions {
  maxReorgsPerBlock: number;
  maxOrphansPerBlock: number;
  maxDepth: number;
}

export const FORK_RATE_DEFAULTS: ForkRateOptions = { maxReorgsPerBlock: 0.2, maxOrphansPerBlock: 0.1, maxDepth: 3 };

export function judgeForkRate(input: { produced: number; reorgs: readonly ReorgEvent[] }, o: ForkRateOptions): ExpectationResult {
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

export class ForkRate implements Expectation {
  readonly name = 'fork-rate';
  private readonly options: ForkRateOptions;
  private readonly reorgs: ReorgEvent[] = [];
  private produced = 0;
  private unsubscribe?: () => void;

  constructor(options: Partial<ForkRateOptions> = {}) {
    this.options = { ...FORK_RATE_DEFAULTS, ...options };
  }

  async startCapture(ctx: RunContext): Promise<void> {
    const startHeight = Math.max(0, ...ctx.blockFeed.tips().map((t) => t.height));
    this.unsubscribe = ctx.blockFeed.subscribe({
      onBlock: (b) => void (b.height > startHeight && this.produced++),
      onReorg: (r) => void this.reorgs.push(r),
    });
  }

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    await ctx.blockFeed.refresh();
    this.unsubscribe?.();
    return judgeForkRate({ produced: this.produced, reorgs: this.reorgs }, this.options);
  }
}
