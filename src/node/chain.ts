/**
 * The block tree and fork choice: validates blocks (header, leader proof, signature, tx root, size,
 * transaction signatures), keeps every non-final block, follows the longest chain (a tie keeps the
 * current tip), executes blocks on the ledger with undo logs so a reorg above the LIB reverts exactly,
 * and finalises the block k deep (LIB), never reverting below it. Final blocks keep only their header
 * and where their bytes are (the block log), so memory stays flat over long runs.
 */
import { fromHex, type Hex } from '../util/bytes.js';
import type { Ed25519Backend } from '../adapters/devnet/wire/ed25519.js';
import type { NodeConfig } from './config.js';
import { headerBytesOf, headerMessage, txRoot, type Block, type BlockHeader } from './block-codec.js';
import { Ledger, Undo, type Account, type Channel, type LedgerSnapshot } from './ledger.js';
import { StakeDistribution, type Lottery } from './lottery.js';
import { applyStakeEvent, genesisStakeTable, type StakeEntry, type StakeEvent, type StakeTable } from './stake.js';
import type { TxVerifier } from './tx-verifier.js';

export type ImportResult =
  | { status: 'imported'; tipChanged: boolean }
  | { status: 'known' }
  | { status: 'orphan' }
  | { status: 'future'; startsInMs: number }
  | { status: 'invalid'; reason: string }
  | { status: 'stale'; reason: string };

/** Where a final block's bytes can be read back (the block log), and its header for quick answers. */
export interface FinalRef {
  id: Hex;
  header: BlockHeader;
  txCount: number;
  read(): Uint8Array;
}

export interface ChainHooks {
  /** A new valid block entered the tree: persist it; returns how to read it back once final. */
  persist(block: Block): () => Uint8Array;
  /** Blocks that left (reverted) and joined (applied) the canonical chain, oldest first. */
  onCanonicalChange(reverted: Block[], applied: Block[]): void;
  onFinal?(blocks: Block[]): void;
}

interface Live {
  block: Block;
  read: () => Uint8Array;
  invalid?: string;
}

export class Chain {
  /** Non-final blocks (and the LIB), by id. */
  private readonly live = new Map<Hex, Live>();
  /** Canonical final blocks (height 1..libHeight) by height; index 0 is genesis. */
  private readonly finals: FinalRef[] = [];
  private readonly finalIds = new Map<Hex, number>();
  /** Canonical ids above the LIB by height (index = height). */
  private readonly canonical: Hex[] = [];
  private readonly undos = new Map<Hex, Undo>();
  /**
   * The lottery's view of stake (./stake.ts): the final stake changes already in effect for every slot above
   * the LIB, folded into one table, and the final ones not yet in effect; live blocks add theirs per branch.
   */
  private finalStakes: StakeTable;
  private pendingFinal: StakeEvent[] = [];
  private finalDistribution: StakeDistribution | null = null;
  private readonly stakeEvents = new WeakMap<Block, StakeEvent[]>();
  tip: Block;
  lib: Block;
  forks = 0;
  reorgs = 0;
  maxReorgDepth = 0;
  invalidBlocks = 0;

  constructor(
    readonly genesis: Block,
    readonly ledger: Ledger,
    private readonly lottery: Lottery,
    private readonly verifier: TxVerifier,
    private readonly backend: Ed25519Backend,
    private readonly cfg: Pick<NodeConfig, 'consensus' | 'block' | 'genesis'>,
    private readonly hooks: ChainHooks,
  ) {
    this.finalStakes = genesisStakeTable(cfg.genesis.validators);
    this.tip = genesis;
    this.lib = genesis;
    this.live.set(genesis.id, { block: genesis, read: () => genesis.bytes });
    this.canonical[0] = genesis.id;
    this.finals[0] = { id: genesis.id, header: genesis.header, txCount: 0, read: () => genesis.bytes };
    this.finalIds.set(genesis.id, 0);
  }

  get height(): number {
    return this.tip.header.height;
  }

  get libHeight(): number {
    return this.lib.header.height;
  }

  has(id: Hex): boolean {
    return this.live.has(id) || this.finalIds.has(id);
  }

  /** The canonical block id at a height, or undefined. */
  canonicalId(height: number): Hex | undefined {
    if (height < 0 || height > this.height) return undefined;
    return height <= this.libHeight ? this.finals[height]?.id : this.canonical[height];
  }

  /** Encoded bytes of any known block, by id. */
  blockBytes(id: Hex): Uint8Array | undefined {
    const l = this.live.get(id);
    if (l) return l.block.bytes;
    const h = this.finalIds.get(id);
    return h === undefined ? undefined : this.finals[h]!.read();
  }

  /** A decoded non-final block, when live. */
  liveBlock(id: Hex): Block | undefined {
    return this.live.get(id)?.block;
  }

  headerOf(id: Hex): BlockHeader | undefined {
    const l = this.live.get(id);
    if (l) return l.block.header;
    const h = this.finalIds.get(id);
    return h === undefined ? undefined : this.finals[h]!.header;
  }

  private eventsOf(block: Block): StakeEvent[] {
    let evs = this.stakeEvents.get(block);
    if (!evs) {
      evs = [];
      for (const tx of block.txs) for (const op of tx.ops) if (op.kind === 'stake_declare' || op.kind === 'stake_withdraw') evs.push({ slot: block.header.slot, pk: tx.from, op });
      this.stakeEvents.set(block, evs);
    }
    return evs;
  }

  /**
   * The stake distribution of `slot` on the branch ending at `parentId` (the tip for our own slots): genesis
   * plus the branch's stake changes from blocks of slot ≤ slot − k. An unknown parent counts the final ones only.
   */
  stakeFor(parentId: Hex, slot: number): StakeDistribution {
    const cutoff = slot - this.cfg.consensus.securityParam;
    const live: StakeEvent[] = [];
    for (let b = this.live.get(parentId)?.block; b && b.header.height > this.libHeight; b = this.live.get(b.header.parent)?.block) {
      const evs = this.eventsOf(b);
      for (let i = evs.length - 1; i >= 0; i--) if (evs[i]!.slot <= cutoff) live.push(evs[i]!);
    }
    const pending = this.pendingFinal.filter((e) => e.slot <= cutoff);
    if (live.length === 0 && pending.length === 0) return (this.finalDistribution ??= new StakeDistribution(this.finalStakes, this.cfg.consensus.activeSlotCoeff));
    const table: StakeTable = new Map([...this.finalStakes].map(([pk, e]) => [pk, { ...e }]));
    for (const e of pending) applyStakeEvent(table, e);
    for (let i = live.length - 1; i >= 0; i--) applyStakeEvent(table, live[i]!);
    return new StakeDistribution(table, this.cfg.consensus.activeSlotCoeff);
  }

  /** Final stake changes into the history; fold those in effect for every slot after the LIB. */
  private finaliseStake(blocks: readonly Block[]): void {
    for (const b of blocks) this.pendingFinal.push(...this.eventsOf(b));
    const horizon = this.lib.header.slot + 1 - this.cfg.consensus.securityParam;
    let n = 0;
    while (n < this.pendingFinal.length && this.pendingFinal[n]!.slot <= horizon) applyStakeEvent(this.finalStakes, this.pendingFinal[n++]!);
    if (n > 0) {
      this.pendingFinal.splice(0, n);
      this.finalDistribution = null;
    }
  }

  slotStartMs(slot: number): number {
    return this.cfg.genesis.timeMs + slot * this.cfg.consensus.slotDurationMs;
  }

  /**
   * Stateless and header checks against the parent; null when the block may enter the tree.
   * `trusted` (replay of our own checksummed log) skips the signature checks done before.
   */
  private check(block: Block, parent: BlockHeader, now: number, trusted: boolean, verifyTxs = true): ImportResult | null {
    const h = block.header;
    if (block.bytes.length > this.cfg.block.maxBytes) return { status: 'invalid', reason: `block is ${block.bytes.length} bytes, limit ${this.cfg.block.maxBytes}` };
    if (block.txs.length > this.cfg.block.maxTxs) return { status: 'invalid', reason: `block has ${block.txs.length} txs, limit ${this.cfg.block.maxTxs}` };
    if (h.height !== parent.height + 1) return { status: 'invalid', reason: `height ${h.height} does not follow parent height ${parent.height}` };
    if (h.slot <= parent.slot) return { status: 'invalid', reason: `slot ${h.slot} not after parent slot ${parent.slot}` };
    const startsInMs = this.slotStartMs(h.slot) - now;
    if (startsInMs > this.cfg.consensus.clockToleranceMs) return { status: 'future', startsInMs };
    if (h.height <= this.libHeight) return { status: 'stale', reason: `height ${h.height} is at or below the LIB (${this.libHeight})` };
    if (this.ancestorAt(h.parent, this.libHeight) !== this.lib.id) return { status: 'stale', reason: 'forks below the LIB' };
    if (h.txRoot !== txRoot(block.txs.map((t) => t.id))) return { status: 'invalid', reason: 'tx_root does not match the transactions' };
    if (trusted) return null;
    const why = this.lottery.checkProof(h.proposer, h.slot, h.leaderProof, this.stakeFor(h.parent, h.slot));
    if (why) return { status: 'invalid', reason: why };
    if (!this.backend.verify(fromHex(block.signature, 64), headerMessage(headerBytesOf(block)), fromHex(h.proposer, 32))) return { status: 'invalid', reason: 'block signature invalid' };
    if (!verifyTxs) return null;
    for (const tx of block.txs) {
      const bad = this.verifier.verify(tx);
      if (bad) return { status: 'invalid', reason: `transaction ${tx.id}: ${bad}` };
    }
    return null;
  }

  /** Id of the ancestor of `id` (inclusive) at `height`, walking live blocks then the final index. */
  private ancestorAt(id: Hex, height: number): Hex | undefined {
    let cur = this.live.get(id)?.block;
    while (cur && cur.header.height > height) cur = this.live.get(cur.header.parent)?.block;
    if (cur) return cur.header.height === height ? cur.id : undefined;
    const fh = this.finalIds.get(id);
    return fh !== undefined && fh >= height ? this.finals[height]?.id : undefined;
  }

  /**
   * Everything but the transactions: null when the block extends a known block, its proposer won the
   * slot and signed it, and its size and tx root are right. Used to relay a gossiped block before
   * spending the time to verify and execute its transactions (the proposer is accountable for them).
   */
  headerCheck(block: Block, now: number): ImportResult | null {
    if (this.has(block.id)) return { status: 'known' };
    const parent = this.live.get(block.header.parent);
    if (!parent) return { status: 'orphan' };
    if (parent.invalid) return { status: 'invalid', reason: `parent is invalid (${parent.invalid})` };
    return this.check(block, parent.block.header, now, false, false);
  }

  import(block: Block, now: number, trusted = false): ImportResult {
    if (this.has(block.id)) return { status: 'known' };
    const parent = this.live.get(block.header.parent);
    if (!parent) {
      if (this.finalIds.has(block.header.parent)) return { status: 'stale', reason: 'parent is final but not the LIB' };
      return { status: 'orphan' };
    }
    if (parent.invalid) return { status: 'invalid', reason: `parent is invalid (${parent.invalid})` };
    const bad = this.check(block, parent.block.header, now, trusted);
    if (bad) {
      if (bad.status === 'invalid') this.invalidBlocks++;
      return bad;
    }
    const read = this.hooks.persist(block);
    this.live.set(block.id, { block, read });
    if (block.header.parent !== this.tip.id) this.forks++;
    if (block.header.height <= this.height) return { status: 'imported', tipChanged: false };
    const ok = this.switchTo(block);
    if (!ok) return { status: 'invalid', reason: this.live.get(block.id)?.invalid ?? 'branch does not execute' };
    return { status: 'imported', tipChanged: true };
  }

  /** Execute a block's transactions on the ledger; on failure nothing is left applied. */
  private execute(block: Block): Undo | string {
    const undo = new Undo();
    for (const tx of block.txs) {
      const err = this.ledger.check(tx);
      if (err) {
        this.ledger.revert(undo);
        return `transaction ${tx.id} does not execute: ${err}`;
      }
      this.ledger.apply(tx, block.header.proposer, undo);
    }
    return undo;
  }

  private switchTo(newTip: Block): boolean {
    const branch: Block[] = [];
    let cur: Block = newTip;
    while (this.canonical[cur.header.height] !== cur.id) {
      branch.push(cur);
      cur = this.live.get(cur.header.parent)!.block;
    }
    branch.reverse();
    const ancestorHeight = cur.header.height;
    const reverted: Block[] = [];
    for (let hgt = this.height; hgt > ancestorHeight; hgt--) {
      const id = this.canonical[hgt]!;
      this.ledger.revert(this.undos.get(id)!);
      this.undos.delete(id);
      reverted.push(this.live.get(id)!.block);
    }
    reverted.reverse();
    const applied: Block[] = [];
    for (const b of branch) {
      const r = this.execute(b);
      if (typeof r === 'string') {
        for (const rest of branch.slice(branch.indexOf(b))) this.markInvalid(rest, rest === b ? r : `ancestor ${b.id} is invalid: ${r}`);
        for (const a of applied.reverse()) {
          this.ledger.revert(this.undos.get(a.id)!);
          this.undos.delete(a.id);
        }
        for (const o of reverted) this.undos.set(o.id, this.execute(o) as Undo);
        return false;
      }
      this.undos.set(b.id, r);
      applied.push(b);
    }
    this.canonical.length = ancestorHeight + 1;
    for (const b of applied) this.canonical[b.header.height] = b.id;
    this.tip = newTip;
    if (reverted.length > 0) {
      this.reorgs++;
      this.maxReorgDepth = Math.max(this.maxReorgDepth, reverted.length);
    }
    this.hooks.onCanonicalChange(reverted, applied);
    this.advanceLib();
    return true;
  }

  private markInvalid(block: Block, reason: string): void {
    this.invalidBlocks++;
    const l = this.live.get(block.id);
    if (l) l.invalid = reason;
  }

  private advanceLib(): void {
    const target = this.height - this.cfg.consensus.securityParam;
    if (target <= this.libHeight) return;
    const finalised: Block[] = [];
    for (let hgt = this.libHeight + 1; hgt <= target; hgt++) {
      const l = this.live.get(this.canonical[hgt]!)!;
      const b = l.block;
      this.finals[hgt] = { id: b.id, header: b.header, txCount: b.txs.length, read: l.read };
      this.finalIds.set(b.id, hgt);
      this.undos.delete(b.id);
      finalised.push(b);
    }
    this.lib = finalised[finalised.length - 1]!;
    this.finaliseStake(finalised);
    // Drop the decoded form of everything now at or below the LIB (final blocks are read from disk),
    // except the LIB itself which stays live as the root of the fork tree.
    for (const [id, l] of this.live) {
      if (id === this.lib.id) continue;
      if (l.block.header.height <= this.libHeight) this.live.delete(id);
    }
    this.hooks.onFinal?.(finalised);
  }

  /** Canonical block ids from `from` (default tip) back to `to` (default LIB), tip first. */
  idsBetween(from?: Hex, to?: Hex, max = 1000): Hex[] | null {
    let id = from ?? this.tip.id;
    const stop = to ?? this.lib.id;
    const out: Hex[] = [];
    for (;;) {
      const h = this.headerOf(id);
      if (!h) return out.length ? out : null;
      out.push(id);
      if (id === stop || h.height === 0 || out.length >= max) return out;
      id = h.parent;
    }
  }

  /**
   * Restart from a snapshot taken at a final block: `path` is the canonical chain, heights 1..snapshot
   * (headers only), `lib` the decoded snapshot block, which becomes tip and LIB.
   */
  restoreFinal(path: FinalRef[], lib: Block, ledger: LedgerSnapshot): void {
    if (path.length === 0) return;
    this.ledger.restore(ledger);
    if (ledger.lottery) {
      this.finalStakes = new Map(ledger.lottery.folded.map(([pk, genesis, bonded]) => [pk, { genesis, bonded }]));
      this.pendingFinal = ledger.lottery.pending.map(([slot, pk, kind, amount]) => ({ slot, pk, op: { kind, amount } }));
      this.finalDistribution = null;
    }
    for (const ref of path) {
      const hgt = ref.header.height;
      this.finals[hgt] = ref;
      this.finalIds.set(ref.id, hgt);
      this.canonical[hgt] = ref.id;
    }
    const last = path[path.length - 1]!;
    this.live.clear();
    this.live.set(lib.id, { block: lib, read: last.read });
    this.tip = lib;
    this.lib = lib;
  }

  /** The ledger state at the LIB (what a snapshot on disk holds). */
  libSnapshot(): LedgerSnapshot {
    return this.snapshotAt(this.libHeight)!;
  }

  /**
   * The ledger state after the canonical block at `height` (LIB ≤ height ≤ tip) without touching the ledger:
   * the current state overlaid with the oldest prior value each canonical block above it recorded in its
   * undo log. Below the LIB the undo logs are gone: null.
   */
  snapshotAt(height: number): LedgerSnapshot | null {
    if (height < this.libHeight || height > this.height) return null;
    const accounts = new Map<Hex, Account | null>();
    const channels = new Map<Hex, Channel | null>();
    let burned = this.ledger.burned;
    for (let hgt = this.height; hgt > height; hgt--) {
      const undo = this.undos.get(this.canonical[hgt]!)!;
      for (const [k, v] of undo.accounts) accounts.set(k, v);
      for (const [k, v] of undo.channels) channels.set(k, v);
      if (undo.burned >= 0) burned = undo.burned;
    }
    const stakes = new Map<Hex, StakeEntry | null>();
    for (let hgt = this.height; hgt > this.libHeight; hgt--) for (const [k, v] of this.undos.get(this.canonical[hgt]!)!.stakes) stakes.set(k, v);
    const snap: LedgerSnapshot = {
      accounts: [],
      channels: [],
      burned,
      stakes: [],
      lottery: { folded: [...this.finalStakes].map(([pk, e]) => [pk, e.genesis, e.bonded]), pending: this.pendingFinal.map((e) => [e.slot, e.pk, e.op.kind, e.op.amount]) },
    };
    for (const [pk, e] of this.ledger.stakes) if (!stakes.has(pk)) snap.stakes!.push([pk, e.genesis, e.bonded]);
    for (const [pk, e] of stakes) if (e) snap.stakes!.push([pk, e.genesis, e.bonded]);
    for (const [pk, a] of this.ledger.accounts) if (!accounts.has(pk)) snap.accounts.push([pk, a.balance, a.nonce]);
    for (const [pk, a] of accounts) if (a) snap.accounts.push([pk, a.balance, a.nonce]);
    for (const [id, c] of this.ledger.channels) if (!channels.has(id)) snap.channels.push([id, c.owner, c.lastMsg, c.blobs]);
    for (const [id, c] of channels) if (c) snap.channels.push([id, c.owner, c.lastMsg, c.blobs]);
    return snap;
  }
}
