/**
 * The mempool: admission (every rejection has a reason, counted), per-sender nonce queues with a
 * bounded nonce gap, fee-priority eviction when full (lowest fee first, with that sender's later
 * nonces, which could no longer execute; each counted by reason), duplicate suppression and TTL expiry.
 * Block candidates come highest fee first, each sender's in nonce order (or, with the fee-ordering
 * defense off, senders in order of first arrival).
 */
import type { Hex } from '../util/bytes.js';
import { MAX_TX_BYTES, decodeTx, txSpend, type SignedTransaction } from '../adapters/devnet/wire/tx.js';
import { EVICT_REASONS, REJECT_REASONS, type EvictReason, type MempoolMetrics, type RejectReason, type SubmitResult } from '../adapters/devnet/wire/api.js';
import type { NodeConfig } from './config.js';
import type { Account } from './ledger.js';
import type { TxVerifier } from './tx-verifier.js';
import { MinHeap } from './min-heap.js';

export interface PoolEntry {
  tx: SignedTransaction;
  /** fee + transfers + declared stake (txSpend): what the sender pays when it executes. */
  cost: number;
  addedAt: number;
  seq: number;
}

interface SenderQueue {
  byNonce: Map<number, PoolEntry>;
  cost: number;
}

/** Where a transaction came from: rejections are counted per source; re-admission after a reorg is not counted. */
export type TxSource = 'api' | 'gossip' | 'reorg' | 'restore';

export interface AdmitOutcome {
  result: SubmitResult;
  tx?: SignedTransaction;
  error?: string;
}

export class Mempool {
  private readonly byId = new Map<Hex, PoolEntry>();
  /** Insertion-ordered by a sender's first pending arrival: block building serves senders fairly. */
  private readonly senders = new Map<Hex, SenderQueue>();
  private readonly feeHeap = new MinHeap<PoolEntry>((a, b) => a.tx.fee - b.tx.fee || b.seq - a.seq);
  private seq = 0;
  bytes = 0;
  added = 0;
  evicted = 0;
  /** Evictions by reason: the lowest-fee entry displaced by a higher fee, or a later nonce of the same sender with it. */
  readonly evictedBy: Record<EvictReason, number> = Object.fromEntries(EVICT_REASONS.map((r) => [r, 0])) as Record<EvictReason, number>;
  expired = 0;
  included = 0;
  /** Rejections of transactions submitted through the API (what clients were told). */
  readonly rejected: Record<RejectReason, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  /** Rejections of gossiped transactions, counted apart: under load many arrive after their block did. */
  readonly gossipRejected: Record<RejectReason, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  private readonly maxTxBytes: number;

  constructor(
    private readonly cfg: NodeConfig['mempool'],
    blockMaxBytes: number,
    private readonly verifier: TxVerifier,
    private readonly accountOf: (pk: Hex) => Readonly<Account>,
  ) {
    this.maxTxBytes = Math.min(MAX_TX_BYTES, blockMaxBytes);
  }

  get size(): number {
    return this.byId.size;
  }

  /** How many transactions of this sender are pending. */
  pendingOf(pk: Hex): number {
    return this.senders.get(pk)?.byNonce.size ?? 0;
  }

  has(id: Hex): boolean {
    return this.byId.has(id);
  }

  private reject(source: TxSource, reason: RejectReason, tx?: SignedTransaction, error?: string): AdmitOutcome {
    if (source === 'api') this.rejected[reason]++;
    else if (source === 'gossip') this.gossipRejected[reason]++;
    return { result: reason, tx, error };
  }

  /** Count a rejection decided outside the mempool (the JSON endpoint's undecodable body). */
  noteRejected(reason: RejectReason, count = 1): void {
    this.rejected[reason] += count;
  }

  /** Admit the canonical bytes of a signed transaction. */
  admitBytes(bytes: Uint8Array, now: number, source: TxSource = 'api'): AdmitOutcome {
    const tx = this.decode(bytes, source);
    return 'result' in tx ? tx : this.admit(tx, now, source);
  }

  /** Decode for admission: the transaction, or its (counted) rejection as too_large or malformed. */
  decode(bytes: Uint8Array, source: TxSource = 'api'): SignedTransaction | AdmitOutcome {
    if (bytes.length > this.maxTxBytes) return this.reject(source, 'too_large', undefined, `transaction is ${bytes.length} bytes, at most ${this.maxTxBytes}`);
    try {
      return decodeTx(bytes);
    } catch (e) {
      return this.reject(source, 'malformed', undefined, (e as Error).message);
    }
  }

  /** Admit a decoded transaction (also used to re-admit transactions of reverted blocks). */
  admit(tx: SignedTransaction, now: number, source: TxSource = 'api'): AdmitOutcome {
    if (tx.bytes.length > this.maxTxBytes) return this.reject(source, 'too_large', tx);
    if (this.byId.has(tx.id)) return this.reject(source, 'duplicate', tx);
    const bad = this.verifier.verify(tx);
    if (bad) return this.reject(source, 'bad_signature', tx, bad === 'bad_attestation' ? 'a DA attestation is invalid or from a non-validator' : 'signature does not verify');
    const acct = this.accountOf(tx.from);
    if (tx.nonce < acct.nonce) return this.reject(source, 'nonce_too_low', tx, `nonce ${tx.nonce} < account nonce ${acct.nonce}`);
    const queue = this.senders.get(tx.from);
    const pending = queue?.byNonce.size ?? 0;
    const maxNonce = acct.nonce + pending + this.cfg.maxNonceGap;
    if (tx.nonce > maxNonce) return this.reject(source, 'nonce_gap', tx, `nonce ${tx.nonce} > ${maxNonce} (account nonce ${acct.nonce} + ${pending} pending + gap ${this.cfg.maxNonceGap})`);
    if (queue?.byNonce.has(tx.nonce)) return this.reject(source, 'duplicate', tx, `sender already has a pending transaction with nonce ${tx.nonce}`);
    if (tx.fee < this.cfg.minFee) return this.reject(source, 'fee_too_low', tx, `fee ${tx.fee} < minimum ${this.cfg.minFee}`);
    const cost = txSpend(tx);
    const committed = queue?.cost ?? 0;
    if (!Number.isSafeInteger(cost) || acct.balance < cost + committed) return this.reject(source, 'insufficient_funds', tx, `balance ${acct.balance} < ${cost} + ${committed} pending`);
    while (this.byId.size >= this.cfg.maxCount || this.bytes + tx.bytes.length > this.cfg.maxBytes) {
      const lowest = this.lowestFee();
      if (!lowest || lowest.tx.fee >= tx.fee || lowest.tx.from === tx.from) return this.reject(source, 'mempool_full', tx, `mempool full (${this.byId.size} txs, ${this.bytes} bytes) and fee ${tx.fee} does not beat the lowest pending`);
      this.evictFrom(lowest);
    }
    const entry: PoolEntry = { tx, cost, addedAt: now, seq: this.seq++ };
    this.insert(entry);
    this.added++;
    return { result: 'ok', tx };
  }

  private insert(entry: PoolEntry): void {
    const { tx } = entry;
    this.byId.set(tx.id, entry);
    let q = this.senders.get(tx.from);
    if (!q) this.senders.set(tx.from, (q = { byNonce: new Map(), cost: 0 }));
    q.byNonce.set(tx.nonce, entry);
    q.cost += entry.cost;
    this.bytes += tx.bytes.length;
    this.feeHeap.push(entry);
    if (this.feeHeap.size > 2 * this.byId.size + 1024) this.feeHeap.rebuild([...this.byId.values()]);
  }

  private lowestFee(): PoolEntry | undefined {
    for (;;) {
      const top = this.feeHeap.peek();
      if (!top) return undefined;
      if (this.byId.get(top.tx.id) === top) return top;
      this.feeHeap.pop();
    }
  }

  private remove(entry: PoolEntry): void {
    const { tx } = entry;
    if (this.byId.get(tx.id) !== entry) return;
    this.byId.delete(tx.id);
    this.bytes -= tx.bytes.length;
    const q = this.senders.get(tx.from);
    if (q && q.byNonce.get(tx.nonce) === entry) {
      q.byNonce.delete(tx.nonce);
      q.cost -= entry.cost;
      if (q.byNonce.size === 0) this.senders.delete(tx.from);
    }
  }

  /** Evict an entry and the same sender's higher nonces (they could never execute without it). */
  private evictFrom(entry: PoolEntry): void {
    const q = this.senders.get(entry.tx.from);
    const victims = q ? [...q.byNonce.values()].filter((e) => e.tx.nonce >= entry.tx.nonce) : [entry];
    for (const v of victims) {
      this.remove(v);
      this.evicted++;
      this.evictedBy[v === entry ? 'lowest_fee' : 'after_evicted_nonce']++;
    }
  }

  /** Drop entries older than the TTL (byId is in admission order, so stop at the first young one). */
  expire(now: number): number {
    let n = 0;
    for (const entry of this.byId.values()) {
      if (now - entry.addedAt < this.cfg.ttlMs) break;
      this.remove(entry);
      n++;
    }
    this.expired += n;
    return n;
  }

  /** After a block was applied: drop included transactions and any made stale by new nonces. */
  onApplied(txs: readonly SignedTransaction[]): void {
    const touched = new Set<Hex>();
    for (const tx of txs) {
      const e = this.byId.get(tx.id);
      if (e) {
        this.remove(e);
        this.included++;
      }
      touched.add(tx.from);
    }
    for (const from of touched) {
      const q = this.senders.get(from);
      if (!q) continue;
      const nonce = this.accountOf(from).nonce;
      for (const e of [...q.byNonce.values()]) if (e.tx.nonce < nonce) this.remove(e);
    }
  }

  /**
   * Transactions in block order, each sender's run of consecutive nonces from its account nonce:
   * `byFee` takes the highest-fee head of any sender's run next (ties: the older admission first), else
   * senders in order of first arrival, one whole run after the other. The builder skips a sender's
   * remaining entries itself when one cannot execute yet (its successors cannot either).
   */
  *candidates(nonceOf: (pk: Hex) => number, byFee = true): Generator<PoolEntry> {
    if (!byFee) {
      for (const [from, q] of this.senders) {
        let n = nonceOf(from);
        let e: PoolEntry | undefined;
        while ((e = q.byNonce.get(n)) !== undefined) {
          yield e;
          n++;
        }
      }
      return;
    }
    // A max-heap (by fee, then age) of each sender's next executable entry.
    const heads = new MinHeap<PoolEntry>((a, b) => b.tx.fee - a.tx.fee || a.seq - b.seq);
    const first: PoolEntry[] = [];
    for (const [from, q] of this.senders) {
      const e = q.byNonce.get(nonceOf(from));
      if (e) first.push(e);
    }
    heads.rebuild(first);
    let e: PoolEntry | undefined;
    while ((e = heads.pop()) !== undefined) {
      yield e;
      const next = this.senders.get(e.tx.from)?.byNonce.get(e.tx.nonce + 1);
      if (next) heads.push(next);
    }
  }

  /** Every pending transaction's bytes, each sender's in nonce order (re-admissible in this order). */
  pendingBytes(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const q of this.senders.values()) for (const e of [...q.byNonce.values()].sort((a, b) => a.tx.nonce - b.tx.nonce)) out.push(e.tx.bytes);
    return out;
  }

  pendingIds(limit: number): Hex[] {
    const out: Hex[] = [];
    for (const id of this.byId.keys()) {
      if (out.length >= limit) break;
      out.push(id);
    }
    return out;
  }

  metrics(): MempoolMetrics {
    return { pending: this.byId.size, bytes: this.bytes, added: this.added, evicted: this.evicted, evictedByReason: { ...this.evictedBy }, expired: this.expired, included: this.included, rejected: { ...this.rejected } };
  }
}
