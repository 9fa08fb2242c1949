/**
 * Blocks and transactions from the network: gossip handling (import, re-gossip what is new and
 * valid, penalise peers for invalid or stale data), orphans (a block whose parent is unknown makes
 * us fetch the sender's canonical chain above our LIB), blocks from the future (held back until
 * their slot is within the clock tolerance, refused beyond k slots ahead; late ones counted) and a periodic probe so a late or restarted node
 * catches up to the tip even when no gossip arrives.
 */
import type { Hex } from '../util/bytes.js';
import { decodeBlock, type Block } from './block-codec.js';
import type { ImportResult } from './chain.js';
import type { BlockRequest, P2PHandlers } from './p2p-port.js';
import type { DevnetNode } from './node.js';
import { DEFAULT_DEFENSES } from './p2p/network.js';
import { SHARE_KIND_FETCH } from './da/shares.js';

const PAGE = 200;
/** Under the P2P module's 16 MiB frame limit, with room for the list framing. */
const MAX_SERVE_BYTES = 12 * 1024 * 1024;
const MAX_ORPHANS = 512;
const MAX_FUTURE = 256;
/** Held blocks can be megabytes each: bound the memory of each holding area too. */
const MAX_HELD_BYTES = 64 * 1024 * 1024;
/** Penalty points (the P2P module disconnects a peer whose score falls too low). */
const PENALTY = { malformed: 20, invalid: 50, stale: 2, badTx: 5, unfunded: 0.5, refusedShare: 2 } as const;
const MAX_BUDGETS = 1024;

interface Held {
  block: Block;
  from?: string;
  /** Its proposer won its slot (checked for blocks held from the future: they make a leader miss). */
  leaderOk?: boolean;
}

export class BlockSync {
  private readonly orphans = new Map<Hex, Held>();
  private future: Held[] = [];
  /** Ids of blocks the clock rules counted already (a held block is retried each slot). */
  private readonly futureCounted = new Set<Hex>();
  private orphanBytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly syncing = new Set<string>();
  private probeIndex = 0;
  private slotsSinceProbe = 0;
  private stopped = false;
  private readonly budgets = new Map<string, { second: number; used: number; dropped: number }>();
  syncedBlocks = 0;
  /** Gossiped transactions dropped unverified, over their peer's verification budget. */
  overVerifyBudget = 0;
  /** Signature verifications per peer per second for its gossiped transactions (0 = no budget). */
  private readonly verifyPerSec: number;
  private readonly penalizeUnfunded: boolean;

  constructor(private readonly node: DevnetNode) {
    this.verifyPerSec = node.config.p2p.defenses?.gossipVerifyPerSec ?? DEFAULT_DEFENSES.gossipVerifyPerSec;
    this.penalizeUnfunded = !node.defensesOff.has('gossip-penalty');
  }

  start(): void {
    this.stopped = false;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Catching up: a sync is running and we have seen a block more than one above our tip. */
  isBootstrapping(): boolean {
    if (this.syncing.size === 0) return false;
    const height = this.node.chain.height;
    for (const held of this.orphans.values()) if (held.block.header.height > height + 1) return true;
    return false;
  }

  handlers(): P2PHandlers {
    return {
      // A peer that just connected is asked for its chain above our tip at once, not at the next probe (up to two
      // slots away): a node that starts, restarts or heals behind the others builds on their chain, not on its own.
      onPeerConnected: (peer) => void this.syncFrom(peer, this.node.chain.height + 1),
      onTx: (bytes, from) => {
        const budget = this.verifyPerSec > 0 ? this.verifyBudget(from) : null;
        if (budget && budget.used >= this.verifyPerSec) {
          // Over this peer's verification budget for this second: dropped unverified.
          this.overVerifyBudget++;
          if (++budget.dropped % 100 === 0) this.node.p2p?.penalize(from, 1, 'gossip over its verification budget');
          return;
        }
        const before = this.node.verifier.verifications;
        const out = this.node.submitTxBytes(bytes, from);
        if (budget) budget.used += this.node.verifier.verifications - before;
        if (out.result === 'malformed' || out.result === 'bad_signature') this.node.p2p?.penalize(from, PENALTY.badTx, `gossiped tx ${out.result}`);
        // A validly signed transfer nobody can pay for cost a verification and carries nothing.
        else if (out.result === 'insufficient_funds' && this.penalizeUnfunded) this.node.p2p?.penalize(from, PENALTY.unfunded, 'gossiped an unfunded transaction');
      },
      onBlock: (bytes, from) => this.receive(bytes, from),
      onBlockRequest: (req) => this.serve(req),
      onDaShare: (bytes, from) => {
        const reply = this.node.da?.onShare(bytes, from) ?? null;
        // A share to store that was refused (unsolicited, malformed, not this node's): an offence; a fetch of a share not held is not.
        if (reply === null && bytes[0] !== SHARE_KIND_FETCH) this.node.p2p?.penalize(from, PENALTY.refusedShare, 'sent a DA share that was refused');
        return reply;
      },
    };
  }

  private verifyBudget(peer: string): { second: number; used: number; dropped: number } {
    const second = Math.floor(Date.now() / 1000);
    let b = this.budgets.get(peer);
    if (!b) {
      if (this.budgets.size >= MAX_BUDGETS) this.budgets.delete(this.budgets.keys().next().value!);
      this.budgets.set(peer, (b = { second, used: 0, dropped: 0 }));
    }
    if (b.second !== second) {
      b.second = second;
      b.used = 0;
    }
    return b;
  }

  private receive(bytes: Uint8Array, from: string): void {
    let block: Block;
    try {
      block = decodeBlock(bytes, this.node.config.block.maxTxs);
    } catch (e) {
      this.node.p2p?.penalize(from, PENALTY.malformed, `malformed block: ${(e as Error).message}`);
      return;
    }
    // Relay as soon as the header checks out: in a star or ring every hop would otherwise add the
    // time to verify and execute thousands of transactions, and slow propagation is what makes forks.
    const early = this.node.chain.headerCheck(block, this.node.now()) === null;
    if (early) this.node.p2p?.broadcastBlock(block.bytes, from);
    this.inOrder(block, () => {
      if (this.stopped) return;
      const r = this.handle(block, from, !early);
      if (r.status === 'imported' && this.node.now() - this.node.chain.slotStartMs(block.header.slot + 1) > this.node.config.consensus.clockToleranceMs) this.node.clockRules.lateBlocks++;
    });
  }

  /**
   * Gossiped blocks are handled one at a time in arrival order; a block carrying many transactions
   * this node has not verified yet gets them checked by the worker pool first, off the main thread.
   */
  private inOrder(block: Block, then: () => void): void {
    const pool = this.node.verifyPool;
    const pre = pool && !this.node.chain.has(block.id) ? pool.preverify(block.txs, this.node.verifier).catch((e) => this.node.log('warn', 'pool verification failed; verifying inline', { error: (e as Error).message })) : null;
    this.queue = this.queue.then(async () => {
      if (pre) await pre;
      then();
    });
  }

  private async preverify(block: Block): Promise<void> {
    await this.node.verifyPool?.preverify(block.txs, this.node.verifier).catch(() => undefined);
  }

  /** Import a block and act on the result. `regossip`: it came by gossip, so pass it on if new. */
  handle(block: Block, from: string | undefined, regossip: boolean): ImportResult {
    const r = this.node.importBlock(block);
    switch (r.status) {
      case 'imported':
        if (regossip) this.node.p2p?.broadcastBlock(block.bytes, from);
        this.adoptOrphans(block.id);
        break;
      case 'orphan':
        if (!this.orphans.has(block.id)) {
          while (this.orphans.size > 0 && (this.orphans.size >= MAX_ORPHANS || this.orphanBytes + block.bytes.length > MAX_HELD_BYTES)) this.dropOrphan(this.orphans.keys().next().value!);
          this.orphans.set(block.id, { block, from });
          this.orphanBytes += block.bytes.length;
        }
        if (from !== undefined) void this.syncFrom(from, this.node.chain.libHeight + 1, block.header.height);
        break;
      case 'future': {
        // Held until its slot is within the clock tolerance, unless it starts beyond the horizon the
        // chain could absorb (k slots): then it is refused (docs/devnet-node.md, "Clock rules").
        const horizonMs = this.node.config.consensus.securityParam * this.node.config.consensus.slotDurationMs;
        const held = this.future.some((h) => h.block.id === block.id);
        const counted = this.futureCounted.has(block.id);
        if (!counted) {
          if (this.futureCounted.size >= MAX_FUTURE * 4) this.futureCounted.delete(this.futureCounted.values().next().value!);
          this.futureCounted.add(block.id);
        }
        if (r.startsInMs > horizonMs) {
          if (!counted) this.node.clockRules.futureRejected++;
          this.node.log('info', 'block from beyond the future horizon refused', { id: block.id, slot: block.header.slot, startsInMs: Math.round(r.startsInMs), horizonMs, from });
        } else if (!held && this.future.length < MAX_FUTURE && this.future.reduce((n, h) => n + h.block.bytes.length, block.bytes.length) <= MAX_HELD_BYTES) {
          const leaderOk = this.node.lottery.checkProof(block.header.proposer, block.header.slot, block.header.leaderProof, this.node.chain.stakeFor(block.header.parent, block.header.slot)) === null;
          this.future.push({ block, from, leaderOk });
          if (!counted) this.node.clockRules.futureHeld++;
          this.node.log('debug', 'block from the future held', { id: block.id, slot: block.header.slot, startsInMs: Math.round(r.startsInMs), from });
        }
        break;
      }
      case 'invalid':
        this.node.log('warn', 'invalid block', { id: block.id, from, reason: r.reason });
        if (from !== undefined) this.node.p2p?.penalize(from, PENALTY.invalid, `invalid block: ${r.reason}`);
        break;
      case 'stale':
        if (from !== undefined) this.node.p2p?.penalize(from, PENALTY.stale, `stale block: ${r.reason}`);
        break;
      case 'known':
        break;
    }
    return r;
  }

  private dropOrphan(id: Hex): void {
    const held = this.orphans.get(id);
    if (!held) return;
    this.orphans.delete(id);
    this.orphanBytes -= held.block.bytes.length;
  }

  private adoptOrphans(parent: Hex): void {
    const queue = [parent];
    while (queue.length > 0) {
      const p = queue.shift()!;
      for (const [id, held] of this.orphans) {
        if (held.block.header.parent !== p) continue;
        this.dropOrphan(id);
        const r = this.handle(held.block, held.from, false);
        if (r.status === 'imported') queue.push(id);
      }
    }
  }

  /** Canonical blocks for a peer: by ids, or by height range (oldest first), bounded. */
  serve(req: BlockRequest): Uint8Array[] {
    const chain = this.node.chain;
    const max = Math.max(0, Math.min(Number(req.max) || PAGE, PAGE));
    const out: Uint8Array[] = [];
    let bytes = 0;
    const push = (b: Uint8Array | undefined) => {
      if (!b || b.length === 0 || out.length >= max || bytes + b.length > MAX_SERVE_BYTES) return false;
      out.push(b);
      bytes += b.length;
      return true;
    };
    if (Array.isArray(req.ids)) {
      for (const id of req.ids) if (typeof id === 'string' && !push(chain.blockBytes(id)) && out.length >= max) break;
      return out;
    }
    const from = Math.max(1, Math.floor(Number(req.fromHeight) || 1));
    const to = Math.min(chain.height, Math.floor(Number(req.toHeight ?? chain.height)));
    for (let h = from; h <= to; h++) {
      const id = chain.canonicalId(h);
      if (!id || !push(chain.blockBytes(id))) break;
    }
    return out;
  }

  /** Fetch `peer`'s canonical blocks from `fromHeight` on and import them in order. */
  async syncFrom(peer: string, fromHeight: number, toHeight?: number): Promise<void> {
    const p2p = this.node.p2p;
    if (!p2p || this.syncing.has(peer) || this.stopped) return;
    this.syncing.add(peer);
    try {
      let from = fromHeight;
      let rewound = false;
      for (let round = 0; round < 1000 && !this.stopped; round++) {
        const to = toHeight !== undefined && toHeight >= from ? Math.min(toHeight, from + PAGE - 1) : from + PAGE - 1;
        const blocks = await p2p.requestBlocks(peer, { fromHeight: from, toHeight: to, max: PAGE });
        if (this.stopped || blocks.length === 0) break;
        let orphaned = false;
        for (const bytes of blocks) {
          let block: Block;
          try {
            block = decodeBlock(bytes, this.node.config.block.maxTxs);
          } catch (e) {
            p2p.penalize(peer, PENALTY.malformed, `malformed block in sync: ${(e as Error).message}`);
            return;
          }
          await this.preverify(block);
          if (this.stopped) return;
          const r = this.handle(block, undefined, false);
          if (r.status === 'imported') this.syncedBlocks++;
          if (r.status === 'invalid') {
            p2p.penalize(peer, PENALTY.invalid, `invalid block in sync: ${r.reason}`);
            return;
          }
          if (r.status === 'orphan') orphaned = true;
        }
        if (orphaned && !rewound && from > this.node.chain.libHeight + 1) {
          // The peer is on another branch: fetch its chain from just above our LIB instead.
          rewound = true;
          from = this.node.chain.libHeight + 1;
          toHeight = undefined;
          continue;
        }
        if (blocks.length < PAGE || (toHeight !== undefined && from + blocks.length > toHeight)) break;
        from += blocks.length;
      }
    } catch (e) {
      this.node.log('debug', 'sync request failed', { peer, error: (e as Error).message });
    } finally {
      this.syncing.delete(peer);
    }
  }

  /** The newest slot of a validly led block held from the future (-1 when none): the network is past our clock. */
  newestHeldSlot(): number {
    let newest = -1;
    for (const h of this.future) if (h.leaderOk && h.block.header.slot > newest) newest = h.block.header.slot;
    return newest;
  }

  /** Each slot: retry blocks held back from the future; every other slot, probe one peer for a longer chain. */
  onSlot(): void {
    // Orphans at or below the LIB can never be adopted.
    const lib = this.node.chain.libHeight;
    for (const [id, held] of this.orphans) if (held.block.header.height <= lib) this.dropOrphan(id);
    if (this.future.length > 0) {
      const held = this.future;
      this.future = [];
      for (const h of held) this.handle(h.block, h.from, true);
    }
    if (++this.slotsSinceProbe < 2 || !this.node.p2p) return;
    this.slotsSinceProbe = 0;
    const peers = this.node.p2p.peers().filter((p) => p.connected);
    if (peers.length === 0) return;
    const peer = peers[this.probeIndex++ % peers.length]!;
    void this.syncFrom(peer.id, this.node.chain.height + 1);
  }
}
