/**
 * Matches accepted transaction ids against the block feed: inclusion latency (intended send → block first
 * seen on any node) and finality latency (intended send → that block final). Accepted ids reach the
 * coordinator up to a report interval after the node answered, so transactions of recent blocks are kept
 * for a while to match late arrivals. Memory is bounded by what is pending plus that window.
 */
import type { Hex } from '../adapters/seam.js';
import type { BlockFeed, FeedBlock, ReorgEvent } from '../runtime/contracts.js';
import { newHistogram, recordMs, type Histogram } from './histogram.js';

interface Included {
  intended: number;
  blockId: Hex;
}

export interface InclusionCounts {
  /** Distinct accepted ids handed to the tracker. */
  tracked: number;
  included: number;
  final: number;
  /** Accepted, not (or no longer) in a block. */
  pending: number;
  /** Ids accepted a second time (0 unless a request was replayed). */
  repeatedAcceptances: number;
  /** Inclusions undone by a reorg. */
  reverted: number;
}

export class InclusionTracker {
  private readonly pending = new Map<Hex, number>();
  private readonly includedNotFinal = new Map<Hex, Included>();
  private finalCount = 0;
  private repeated = 0;
  private reverted = 0;
  /**
   * txId → block of recently seen blocks, for acceptances that arrive after their block (a report interval
   * or two later) and for reorgs to a sibling. 30 s of blocks bounds it: at 2,000 included tx/s, ~9 MB.
   */
  private readonly recent = new Map<Hex, { blockId: Hex; at: number }>();
  /** Ids whose block was reverted (they count once more as included when they land again). */
  private readonly revertedIds = new Set<Hex>();
  private unsubscribe?: () => void;
  readonly inclusion: Histogram = newHistogram(64);
  readonly finality: Histogram = newHistogram(64);
  /** Interval figures, reset by takeInterval(). */
  private intervalIncluded = 0;
  private intervalInclusion: Histogram = newHistogram(32);
  private intervalFinality: Histogram = newHistogram(32);
  /** Called once per transaction when it is first seen in a block (for callers that bucket by intended time). */
  onInclusion?: (intendedMs: number, latencyMs: number) => void;

  constructor(private readonly feed: BlockFeed, private readonly recentWindowMs = 30_000) {
    this.unsubscribe = feed.subscribe({
      onBlock: (b) => this.onBlock(b),
      onFinal: (b) => this.onFinal(b),
      onReorg: (e) => this.onReorg(e),
    });
  }

  /**
   * Accepted ids, concatenated, with their intended send times. A chain's ids all have one length (the
   * devnet: 64 hex chars; EVM: 0x + 64), so each is idsConcat.length / intended.length long.
   */
  addAccepted(idsConcat: string, intended: Float64Array): void {
    const width = intended.length === 0 ? 0 : idsConcat.length / intended.length;
    for (let i = 0; i < intended.length; i++) {
      const id = idsConcat.slice(i * width, i * width + width);
      if (this.pending.has(id) || this.includedNotFinal.has(id)) {
        this.repeated++;
        continue;
      }
      const seen = this.recent.get(id);
      const block = seen ? this.feed.block(seen.blockId) : undefined;
      if (block) {
        // Matched: the late-arrival entry has served (keeping it would hold every tx for the whole window).
        this.recent.delete(id);
        this.include(id, intended[i]!, block);
      } else this.pending.set(id, intended[i]!);
    }
  }

  private include(id: Hex, intended: number, block: FeedBlock): void {
    this.pending.delete(id);
    // Latency is to the first block it was seen in: one sample per id, even if a reorg moved it.
    if (!this.revertedIds.delete(id)) {
      recordMs(this.inclusion, block.firstSeenAt - intended);
      recordMs(this.intervalInclusion, block.firstSeenAt - intended);
      this.intervalIncluded++;
      this.onInclusion?.(intended, block.firstSeenAt - intended);
    }
    if (block.finalAt !== undefined) {
      this.recordFinal(block.finalAt - intended);
    } else {
      this.includedNotFinal.set(id, { intended, blockId: block.id });
    }
  }

  private recordFinal(latencyMs: number): void {
    recordMs(this.finality, latencyMs);
    recordMs(this.intervalFinality, latencyMs);
    this.finalCount++;
  }

  private onBlock(b: FeedBlock): void {
    const now = b.firstSeenAt;
    for (const id of b.txIds) {
      const intended = this.pending.get(id);
      if (intended !== undefined) this.include(id, intended, b);
      else {
        this.recent.delete(id); // re-insert at the end: the pruning below walks oldest first
        this.recent.set(id, { blockId: b.id, at: now });
      }
    }
    // Prune the late-arrival window (Map keeps insertion order: oldest first).
    for (const [id, r] of this.recent) {
      if (now - r.at <= this.recentWindowMs) break;
      this.recent.delete(id);
    }
  }

  private onFinal(b: FeedBlock): void {
    for (const id of b.txIds) {
      // Final in this block, whichever block we last placed it in (a fork sibling may not be reorged yet),
      // and included for good even if a reorg flip-flop had put it back to pending.
      const inc = this.includedNotFinal.get(id);
      if (inc) {
        this.includedNotFinal.delete(id);
        this.recordFinal((b.finalAt ?? b.firstSeenAt) - inc.intended);
        continue;
      }
      const intended = this.pending.get(id);
      if (intended !== undefined) this.include(id, intended, b);
    }
  }

  /**
   * Blocks left a node's canonical chain. Their transactions move to the other block that carried them
   * when there is one (the feed may have announced the new branch before the reorg), else back to pending,
   * and from pending into the blocks the node adopted in their place.
   */
  private onReorg(e: ReorgEvent): void {
    const reverted = new Set(e.reverted);
    for (const blockId of e.reverted) {
      const b = this.feed.block(blockId);
      if (!b) continue;
      // Still canonical on another live node: its transactions are in a chain yet; that node's own reorg,
      // if it comes, moves them.
      if ((this.feed.canonicalOn?.(blockId).length ?? 0) > 0) continue;
      for (const id of b.txIds) {
        const inc = this.includedNotFinal.get(id);
        if (!inc || inc.blockId !== blockId) continue;
        this.reverted++;
        const other = this.recent.get(id);
        if (other && !reverted.has(other.blockId) && this.feed.block(other.blockId)) {
          inc.blockId = other.blockId;
          continue;
        }
        this.includedNotFinal.delete(id);
        this.pending.set(id, inc.intended);
        this.revertedIds.add(id);
      }
    }
    // The branch the node moved to: transactions waiting (again) that it carries are in a block again. A
    // flip back to an earlier branch brings no new block, so this is the only news of them until finality.
    for (const blockId of e.adopted ?? []) {
      const b = this.feed.block(blockId);
      if (!b) continue;
      for (const id of b.txIds) {
        const intended = this.pending.get(id);
        if (intended !== undefined) this.include(id, intended, b);
      }
    }
  }

  /** Included count, inclusion and finality histograms (of transactions that became final) since the last call. */
  takeInterval(): { included: number; inclusion: Histogram; finality: Histogram } {
    const r = { included: this.intervalIncluded, inclusion: this.intervalInclusion, finality: this.intervalFinality };
    this.intervalIncluded = 0;
    this.intervalInclusion = newHistogram(32);
    this.intervalFinality = newHistogram(32);
    return r;
  }

  counts(): InclusionCounts {
    const included = this.includedNotFinal.size + this.finalCount;
    return { tracked: this.pending.size + included, included, final: this.finalCount, pending: this.pending.size, repeatedAcceptances: this.repeated, reverted: this.reverted };
  }

  /** Ids accepted and not in any block now. */
  pendingIds(): Hex[] {
    return [...this.pending.keys()];
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
