/**
 * One node's canonical chain as loadnet last saw it: ids by height over a bounded window of recent heights.
 * Pure bookkeeping for the block feed: it decides which heights to fetch after a new tip report, links
 * fetched blocks to what it knew, and tells which known blocks a reorg reverted.
 *
 * A node whose chain got shorter without any id changing (a restart that truncated a torn tail) is not a
 * reorg: its tail is forgotten and refetched when it syncs again. A reorg is an id replaced at a height.
 */
import type { Hex } from '../adapters/seam.js';

export interface ChainBlockRef {
  id: Hex;
  parent: Hex;
  height: number;
}

export type ApplyResult =
  | { status: 'empty' }
  /** The first fetched block does not build on the known block below it: fetch from lower down. */
  | { status: 'unlinked' }
  | { status: 'applied'; accepted: number; reverted: Array<{ id: Hex; height: number }>; truncated: boolean; adopted: Hex[] };

export class NodeChainView {
  tipHeight = -1;
  tipId: Hex | undefined;
  libHeight = 0;
  /** Highest height this node reported final that the feed has already marked final. */
  finalizedUpTo = 0;
  private readonly byHeight = new Map<number, Hex>();
  private lowest = Infinity;

  /** @param window heights kept below the tip (bounded memory for long runs) */
  constructor(private readonly window: number) {}

  idAt(height: number): Hex | undefined {
    return this.byHeight.get(height);
  }

  get known(): boolean {
    return this.tipId !== undefined;
  }

  /** Lowest height still held (the floor for stepping back on a deep reorg). */
  get lowestHeight(): number {
    return this.lowest === Infinity ? 0 : this.lowest;
  }

  /**
   * First height to fetch after the node reported a new tip at `reportedHeight`.
   * `initialDepth` bounds how much history a newly followed node contributes.
   */
  fetchFrom(reportedHeight: number, initialDepth: number): number {
    if (!this.known) return Math.max(1, reportedHeight - initialDepth + 1);
    return Math.max(1, Math.min(this.tipHeight + 1, reportedHeight));
  }

  /**
   * Apply canonical blocks (oldest first, as fetched). Only the contiguous prefix is used; the rest is
   * fetched again at the next poll. `force` accepts a batch whose parent is unknown to the window.
   */
  apply(blocks: readonly ChainBlockRef[], force = false): ApplyResult {
    if (blocks.length === 0) return { status: 'empty' };
    const chain: ChainBlockRef[] = [blocks[0]!];
    for (let i = 1; i < blocks.length; i++) {
      const b = blocks[i]!;
      const prev = chain[chain.length - 1]!;
      if (b.parent !== prev.id || b.height !== prev.height + 1) break;
      chain.push(b);
    }
    const first = chain[0]!;
    const knownParent = this.byHeight.get(first.height - 1);
    if (!force && knownParent !== undefined && knownParent !== first.parent) return { status: 'unlinked' };

    const reverted: Array<{ id: Hex; height: number }> = [];
    for (const b of chain) {
      const old = this.byHeight.get(b.height);
      if (old !== undefined && old !== b.id) reverted.push({ id: old, height: b.height });
    }
    const newTip = chain[chain.length - 1]!;
    let truncated = false;
    for (let h = newTip.height + 1; h <= this.tipHeight; h++) {
      const old = this.byHeight.get(h);
      if (old === undefined) continue;
      // Above the new tip: reverted when the chain diverged, otherwise only a shorter view (truncation).
      if (reverted.length > 0) reverted.push({ id: old, height: h });
      else truncated = true;
      this.byHeight.delete(h);
    }
    for (const b of chain) this.byHeight.set(b.height, b.id);
    this.tipHeight = newTip.height;
    this.tipId = newTip.id;
    this.lowest = Math.min(this.lowest, first.height);
    const floor = this.tipHeight - this.window;
    if (this.lowest < floor) {
      for (let h = this.lowest; h < floor; h++) this.byHeight.delete(h);
      this.lowest = floor;
    }
    if (this.finalizedUpTo > this.tipHeight) this.finalizedUpTo = this.tipHeight;
    reverted.sort((a, b) => b.height - a.height);
    // The blocks now canonical from the lowest replaced height up: what the reverted ones gave way to.
    const from = reverted.length ? reverted[reverted.length - 1]!.height : Infinity;
    const adopted = chain.filter((b) => b.height >= from).map((b) => b.id);
    return { status: 'applied', accepted: chain.length, reverted, truncated, adopted };
  }
}
