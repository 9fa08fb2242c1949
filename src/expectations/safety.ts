/**
 * Safety: no block that was final (k deep) is ever reverted on any node (the feed's `reorg` events with
 * revertedFinal), and every node holds the same block at every final height (each node's chain up to its
 * own LIB, compared height by height across nodes and with the feed's final blocks).
 */
import type { ChainClient, Hex } from '../adapters/seam.js';
import type { ExpectationResult, ReorgEvent, RunContext } from '../runtime/contracts.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';
import { mapLimit, shortId } from './common.js';

/** One node's final chain: block id by height (heights at or below its LIB). */
export interface FinalChain {
  node: string;
  libHeight: number;
  idsByHeight: Map<number, Hex>;
}

export interface SafetyInput {
  reorgs: readonly ReorgEvent[];
  chains: readonly FinalChain[];
  /** The feed's agreed final block at a height, if any. */
  feedFinalAt?: (height: number) => Hex | undefined;
  /** Nodes that did not answer at evaluation (reported, their chains not compared). */
  down: readonly string[];
}

export type SafetyFigures = {
  reorgs: number;
  maxReorgDepth: number;
  finalReverted: number;
  heightsCompared: number;
  nodesCompared: number;
  divergentHeights: number[];
  down: string[];
};

export function judgeSafety(input: SafetyInput): ExpectationResult & { figures: SafetyFigures } {
  const finalReverts = input.reorgs.filter((r) => r.revertedFinal);
  const heights = new Set<number>();
  for (const c of input.chains) for (const h of c.idsByHeight.keys()) heights.add(h);
  const divergent: Array<{ height: number; ids: string }> = [];
  for (const h of [...heights].sort((a, b) => a - b)) {
    const holders = new Map<Hex, string[]>();
    for (const c of input.chains) {
      const id = c.idsByHeight.get(h);
      if (id !== undefined) holders.set(id, [...(holders.get(id) ?? []), c.node]);
    }
    const feedId = input.feedFinalAt?.(h);
    if (feedId !== undefined && !holders.has(feedId)) holders.set(feedId, ['block feed']);
    if (holders.size > 1) divergent.push({ height: h, ids: [...holders].map(([id, ns]) => `${ns.join('+')} ${shortId(id)}`).join(' vs ') });
  }
  const figures: SafetyFigures = {
    reorgs: input.reorgs.length,
    maxReorgDepth: input.reorgs.reduce((m, r) => Math.max(m, r.depth), 0),
    finalReverted: finalReverts.length,
    heightsCompared: heights.size,
    nodesCompared: input.chains.length,
    divergentHeights: divergent.map((d) => d.height).slice(0, 50),
    down: [...input.down],
  };
  const problems: string[] = [];
  for (const r of finalReverts.slice(0, 3)) problems.push(`final block reverted on ${r.node}: reorg of depth ${r.depth} removed ${r.reverted.slice(0, 3).map(shortId).join(', ')}`);
  if (finalReverts.length > 3) problems.push(`${finalReverts.length - 3} more final reverts`);
  if (divergent.length) problems.push(`nodes disagree at ${divergent.length} final heights, first at ${divergent[0]!.height}: ${divergent[0]!.ids}`);
  const downNote = input.down.length ? `; not compared (down): ${input.down.join(', ')}` : '';
  if (input.chains.length === 0) problems.push('no node answered: nothing to compare');
  if (problems.length) return { status: 'fail', message: problems.join('; ') + downNote, figures };
  return {
    status: 'pass',
    message: `no final block reverted (${figures.reorgs} reorgs, deepest ${figures.maxReorgDepth}); ${input.chains.length} nodes agree on ${figures.heightsCompared} final heights${downNote}`,
    figures,
  };
}

/** A chain as recorded: the id at each height from `from` (null where the node had none). */
interface RecordedChain {
  node: string;
  libHeight: number;
  from: number;
  ids: Array<Hex | null>;
}

function pack(node: string, libHeight: number, idsByHeight: ReadonlyMap<number, Hex>): RecordedChain {
  const heights = [...idsByHeight.keys()];
  const from = heights.length ? Math.min(...heights) : 0;
  const to = heights.length ? Math.max(...heights) : -1;
  return { node, libHeight, from, ids: Array.from({ length: to - from + 1 }, (_, i) => idsByHeight.get(from + i) ?? null) };
}

function unpack(c: RecordedChain): FinalChain {
  const idsByHeight = new Map<number, Hex>();
  c.ids.forEach((id, i) => id !== null && idsByHeight.set(c.from + i, id));
  return { node: c.node, libHeight: c.libHeight, idsByHeight };
}

/** Safety over the history: the `reorg` events after capture, and each node's final chain read at evaluation. */
export const safetyCheck: HistoryCheck<Record<string, never>> = {
  type: 'safety',
  kinds: ['reorg'],
  options: () => ({}),
  judge(slice) {
    const e = slice.evaluate as { chains: RecordedChain[]; feedFinal: RecordedChain; down: string[] };
    const feed = unpack(e.feedFinal).idsByHeight;
    const reorgs = slice.events.flatMap((ev) => (ev.kind === 'reorg' ? [{ node: ev.node, at: ev.t, reverted: ev.reverted as Hex[], adopted: [], depth: ev.depth, revertedFinal: ev.revertedFinal }] : []));
    return judgeSafety({ reorgs, chains: e.chains.map(unpack), feedFinalAt: (h) => feed.get(h), down: e.down });
  },
};

export class Safety extends RecordedExpectation<Record<string, never>> {
  readonly name = 'safety';
  private baselineLib = 0;

  /** No options: safety has no threshold. */
  constructor(_options: Record<string, never> = {}) {
    super(safetyCheck, {});
  }

  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    this.baselineLib = ctx.blockFeed.tips().reduce((m, t) => (t.up ? Math.min(m, t.libHeight) : m), Number.MAX_SAFE_INTEGER);
    if (this.baselineLib === Number.MAX_SAFE_INTEGER) this.baselineLib = 0;
    return { baselineLib: this.baselineLib };
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    await ctx.blockFeed.refresh();
    const down: string[] = [];
    const chains = (
      await mapLimit(ctx.nodes(), 4, async (n): Promise<FinalChain | undefined> => {
        try {
          return await withTimeout(finalChainOf(n.descriptor.name, n.client, this.baselineLib), NODE_READ_TIMEOUT_MS);
        } catch {
          down.push(n.descriptor.name);
          return undefined;
        }
      })
    ).filter((c): c is FinalChain => c !== undefined);
    // The feed's final block at every height a node's chain holds (what judgeSafety compares them with).
    const feed = new Map<number, Hex>();
    for (const c of chains) for (const h of c.idsByHeight.keys()) if (!feed.has(h)) { const id = ctx.blockFeed.finalAt(h); if (id !== undefined) feed.set(h, id); }
    return { chains: chains.map((c) => pack(c.node, c.libHeight, c.idsByHeight)), feedFinal: pack('block feed', 0, feed), down: down.sort() };
  }
}

/** A frozen node answers nothing: report it as down after this long instead of the client's full timeout. */
const NODE_READ_TIMEOUT_MS = 5000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

type ChainReader = Pick<ChainClient, 'head' | 'ancestors' | 'blocksByHeight'>;

/**
 * A node's final chain from its final block back to (not below) `fromHeight`: through `ancestors` in pages
 * where the chain has it, else its canonical blocks by height (the final chain is their prefix).
 */
export async function finalChainOf(node: string, client: ChainReader, fromHeight: number): Promise<FinalChain> {
  const info = await client.head();
  const idsByHeight = new Map<number, Hex>();
  if (!client.ancestors) {
    for (let h = Math.max(1, fromHeight); h <= info.finalHeight; ) {
      const page = await client.blocksByHeight(h, info.finalHeight);
      if (page.length === 0) break;
      for (const b of page) idsByHeight.set(b.height, b.id);
      h = page[page.length - 1]!.height + 1;
    }
    return { node, libHeight: info.finalHeight, idsByHeight };
  }
  let cursor = info.final;
  let height = info.finalHeight;
  while (height >= Math.max(0, fromHeight)) {
    const ids = await client.ancestors(cursor, 'genesis');
    for (let i = 0; i < ids.length && height - i >= fromHeight; i++) idsByHeight.set(height - i, ids[i]!);
    if (ids.length < 2) break; // reached genesis (or a node that pages by one)
    cursor = ids[ids.length - 1]!;
    height -= ids.length - 1;
    if (height <= 0) break;
  }
  return { node, libHeight: info.finalHeight, idsByHeight };
}
