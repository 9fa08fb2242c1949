/**
 * Fork rate: reorgs and orphaned blocks per produced block, and the deepest reorg, over the run (from the
 * block feed, which follows every node). A reorg counts once per node that made it; an orphan is a block
 * some node reverted (once however many reverted it). Faults raise it (a partition heals into reorgs on the
 * losing side; tier delays above the slot time make competing blocks), so this bounds how much.
 *
 * Orphans are told apart by the block that won their height: the final one, else a rival no node reverted, else
 * any rival (two orphans of one slot on the losing side of a cut lost to a block of another slot, a height
 * battle, not to each other). A winner from the same slot is a slot battle: the lottery gave that slot two leaders, which happens at a rate set by the active slot coefficient and the stakes
 * whatever the network does (4 equal validators at f = 0.5: about 0.21 orphans per produced block). A rival
 * only from other slots is a height battle: a leader built beside a block it had not received, which is what
 * delay, loss or a cut cause. `maxHeightBattlesPerBlock` bounds the latter alone, so a scenario can judge what
 * its network faults did apart from the lottery's share.
 */
import type { ExpectationResult, ReorgEvent, RunContext } from '../runtime/contracts.js';
import { checkNumber, round } from './common.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';

export interface ForkRateOptions {
  maxReorgsPerBlock: number;
  maxOrphansPerBlock: number;
  maxDepth: number;
  /** Orphans from height battles per produced block; not judged when absent. */
  maxHeightBattlesPerBlock?: number;
}

/** What the judge needs of a block to find an orphan's rivals. */
export interface ForkBlock {
  id: string;
  height: number;
  slot?: number;
  /** It became final (the winner at its height). */
  final?: boolean;
}

export const FORK_RATE_DEFAULTS: ForkRateOptions = { maxReorgsPerBlock: 0.2, maxOrphansPerBlock: 0.1, maxDepth: 3 };

export function judgeForkRate(
  input: { produced: number; reorgs: ReadonlyArray<Pick<ReorgEvent, 'reverted' | 'depth'>>; blocks?: ReadonlyArray<ForkBlock> },
  o: ForkRateOptions,
): ExpectationResult {
  const orphanIds = new Set(input.reorgs.flatMap((r) => r.reverted));
  const orphans = orphanIds.size;
  const battles = classifyOrphans(orphanIds, input.blocks ?? []);
  const deepest = input.reorgs.reduce((m, r) => Math.max(m, r.depth), 0);
  const per = (n: number) => (input.produced > 0 ? n / input.produced : n > 0 ? Infinity : 0);
  const figures = {
    produced: input.produced,
    reorgs: input.reorgs.length,
    orphans,
    slotBattles: battles.slot,
    heightBattles: battles.height,
    unclassified: battles.unknown,
    reorgsPerBlock: round(per(input.reorgs.length), 3),
    orphansPerBlock: round(per(orphans), 3),
    heightBattlesPerBlock: round(per(battles.height + battles.unknown), 3),
    deepest,
    bounds: { ...o },
  };
  const over: string[] = [];
  if (per(input.reorgs.length) > o.maxReorgsPerBlock) over.push(`${input.reorgs.length} reorgs in ${input.produced} blocks (${figures.reorgsPerBlock} per block, bound ${o.maxReorgsPerBlock})`);
  if (per(orphans) > o.maxOrphansPerBlock) over.push(`${orphans} orphaned blocks (${figures.orphansPerBlock} per block, bound ${o.maxOrphansPerBlock})`);
  // An orphan whose rival the feed never saw, or on a chain without slots, may be either kind: judged as a height battle.
  if (o.maxHeightBattlesPerBlock !== undefined && per(battles.height + battles.unknown) > o.maxHeightBattlesPerBlock) {
    const unknown = battles.unknown > 0 ? ` (${battles.unknown} of them without a rival of known slot)` : '';
    over.push(`${battles.height + battles.unknown} orphans from height battles, a leader building beside a block it had not received${unknown}, in ${input.produced} blocks (${figures.heightBattlesPerBlock} per block, bound ${o.maxHeightBattlesPerBlock})`);
  }
  if (deepest > o.maxDepth) over.push(`deepest reorg ${deepest} blocks (bound ${o.maxDepth})`);
  if (input.produced === 0) return { status: 'fail', message: 'no block was produced: no fork rate to judge', figures };
  const kinds = `${battles.slot} from slot battles, ${battles.height} from height battles${battles.unknown ? `, ${battles.unknown} unclassified` : ''}`;
  if (over.length) return { status: 'fail', message: `${over.join('; ')} [orphans: ${kinds}]`, figures };
  return {
    status: 'pass',
    message: `${input.reorgs.length} reorgs and ${orphans} orphans (${kinds}) in ${input.produced} blocks (${figures.reorgsPerBlock} / ${figures.orphansPerBlock} per block), deepest ${deepest}`,
    figures,
  };
}

/**
 * Each orphan by the block that won its height (final, else not reverted anywhere, else any rival): a winner
 * from the same slot makes a slot battle, others a height battle.
 */
function classifyOrphans(orphans: ReadonlySet<string>, blocks: ReadonlyArray<ForkBlock>): { slot: number; height: number; unknown: number } {
  const byId = new Map(blocks.map((b) => [b.id, b]));
  const atHeight = new Map<number, ForkBlock[]>();
  for (const b of byId.values()) atHeight.set(b.height, [...(atHeight.get(b.height) ?? []), b]);
  const n = { slot: 0, height: 0, unknown: 0 };
  for (const id of orphans) {
    const b = byId.get(id);
    const rivals = b ? (atHeight.get(b.height) ?? []).filter((r) => r.id !== id && r.slot !== undefined) : [];
    const final = rivals.filter((r) => r.final);
    const standing = rivals.filter((r) => !orphans.has(r.id));
    const winners = final.length > 0 ? final : standing.length > 0 ? standing : rivals;
    if (!b || b.slot === undefined || winners.length === 0) n.unknown++;
    else if (winners.some((r) => r.slot === b.slot)) n.slot++;
    else n.height++;
  }
  return n;
}

export function forkRateOptions(raw: Record<string, unknown>): ForkRateOptions {
  const o = { ...FORK_RATE_DEFAULTS, ...raw };
  return {
    maxReorgsPerBlock: checkNumber('fork-rate', 'maxReorgsPerBlock', o.maxReorgsPerBlock, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of reorgs per block (default 0.2)'),
    maxOrphansPerBlock: checkNumber('fork-rate', 'maxOrphansPerBlock', o.maxOrphansPerBlock, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of orphans per block (default 0.1)'),
    maxDepth: checkNumber('fork-rate', 'maxDepth', o.maxDepth, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of blocks (default 3)'),
    ...(o.maxHeightBattlesPerBlock === undefined
      ? {}
      : { maxHeightBattlesPerBlock: checkNumber('fork-rate', 'maxHeightBattlesPerBlock', o.maxHeightBattlesPerBlock, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of orphans from height battles per block (default: not judged)') }),
  };
}

/** Fork rate over the history: the feed's `block` events above the height at capture, and its `reorg` events. */
export const forkRateCheck: HistoryCheck<ForkRateOptions> = {
  type: 'fork-rate',
  kinds: ['block', 'block.final', 'reorg'],
  options: forkRateOptions,
  judge(slice, options) {
    const startHeight = slice.capture.startHeight as number;
    let produced = 0;
    const reorgs: Array<Pick<ReorgEvent, 'reverted' | 'depth'>> = [];
    const blocks: ForkBlock[] = [];
    const finalIds = new Set<string>();
    for (const e of slice.events) {
      if (e.kind === 'block.final') finalIds.add(e.id);
      else if (e.kind === 'block') {
        blocks.push({ id: e.id, height: e.height, ...(e.slot === undefined ? {} : { slot: e.slot }) });
        if (e.height > startHeight) produced++;
      } else if (e.kind === 'reorg') reorgs.push({ reverted: e.reverted, depth: e.depth });
    }
    for (const b of blocks) if (finalIds.has(b.id)) b.final = true;
    return judgeForkRate({ produced, reorgs, blocks }, options);
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
