/**
 * Per-wallet nonce lanes of one worker. A lane hands out nonces in order with several transactions in
 * flight; a nonce whose transaction was rejected (so never entered a mempool) is reused next.
 *
 * One nonce, one transaction: once a transaction may have entered a mempool (answered accepted or
 * duplicate, or no answer at all), its nonce is never signed with other content. Two different
 * transactions accepted at one nonce would make one of them a certain drop; and the transaction content
 * depends only on (wallet, nonce), so a rejected nonce signed again has the same id. Every such
 * transaction is kept as an *outstanding record* (its original signed bytes) until the account nonce on
 * chain passes it. When the lane stalls (the account nonce does not move past an outstanding record for
 * a while: a node that held it restarted or was killed, its later nonces wait for it in every mempool),
 * the worker re-submits the records' original bytes to another node: same ids, so the accounting of
 * accepted = included + pending + dropped stays exact, and re-submissions are counted on their own.
 */
import type { Hex, WorkerTxFactory } from '../src/adapters/seam.js';
import type { ShardWallet } from '../src/load/protocol.js';

/** A transaction that may be in a mempool and is not yet below the account nonce. */
export interface OutstandingTx {
  wallet: number;
  nonce: number;
  bytes: Uint8Array;
  id: Hex;
  /** Counted as accepted (answered 'ok' on its first submission). */
  accepted: boolean;
  /** Target index it was last sent to, and when. */
  target: number;
  sentAt: number;
}

export interface Lane {
  readonly walletIndex: number;
  /** Position in the shard (what the chain's transaction factory signs by). */
  readonly slot: number;
  /** The account as the chain names it (nonce lookups). */
  readonly address: string;
  nextNonce: number;
  /** Nonces to reuse (their transactions were rejected), kept sorted ascending. */
  free: number[];
  /** True until the first account nonce is known. */
  resyncing: boolean;
  /** Outstanding transactions by nonce. */
  outstanding: Map<number, OutstandingTx>;
  /** Account nonce at the last check, and when the lane was last checked / last made progress. */
  confirmed: number;
  checkedAt: number;
  progressAt: number;
  checking: boolean;
}

/**
 * Signed transactions by position (a batch in flight): their bytes and ids are read only for a transaction
 * that is kept, so the hot path, where nothing is kept, makes neither a view nor an id per transaction.
 */
export interface SignedTxs {
  txBytes(j: number): Uint8Array;
  txId(j: number): Hex;
}

/** Most transactions one stall re-signs below a lane's oldest record (a bound on a node's bogus answer). */
const MAX_REFILL = 10_000;

export class NonceLanes {
  readonly lanes: Lane[];
  private cursor = 0;

  /** `keepOutstanding` false: nothing is kept (no stall recovery, e.g. against a sink that never confirms). */
  constructor(
    wallets: ShardWallet[],
    private readonly factory: WorkerTxFactory,
    private readonly keepOutstanding = true,
  ) {
    this.lanes = wallets.map((w, slot) => {
      return {
        walletIndex: w.index,
        slot,
        address: factory.addresses[slot]!,
        nextNonce: 0,
        free: [],
        resyncing: true,
        outstanding: new Map(),
        confirmed: 0,
        checkedAt: 0,
        progressAt: 0,
        checking: false,
      };
    });
  }

  /** The next lane able to sign, round-robin; undefined when every lane is resyncing. */
  nextLane(): Lane | undefined {
    for (let n = 0; n < this.lanes.length; n++) {
      const lane = this.lanes[this.cursor]!;
      this.cursor = (this.cursor + 1) % this.lanes.length;
      if (!lane.resyncing) return lane;
    }
    return undefined;
  }

  /** The nonce the lane signs next: a released one first, else a new one. */
  takeNonce(lane: Lane): number {
    return lane.free.length > 0 ? lane.free.shift()! : lane.nextNonce++;
  }

  /** Still valid to send: its nonce is not already on chain. */
  isCurrent(lane: Lane, nonce: number): boolean {
    return !lane.resyncing && nonce >= lane.confirmed;
  }

  /** The transaction never entered a mempool: its nonce is free again (same content, same id when re-signed). */
  release(lane: Lane, nonce: number): void {
    if (nonce < lane.confirmed || nonce >= lane.nextNonce || lane.outstanding.has(nonce)) return;
    const f = lane.free;
    if (f.includes(nonce)) return;
    f.push(nonce);
    f.sort((a, b) => a - b);
  }

  /** The transaction (`txs` at `j`) may be in a mempool: keep its bytes until the chain passes its nonce. */
  keep(lane: Lane, nonce: number, accepted: boolean, target: number, now: number, txs: SignedTxs, j: number): void {
    if (!this.keepOutstanding || nonce < lane.confirmed) return;
    const had = lane.outstanding.get(nonce);
    if (had) {
      had.accepted ||= accepted;
      return;
    }
    if (lane.outstanding.size === 0) lane.progressAt = now; // the stall clock starts with the oldest record
    lane.outstanding.set(nonce, { wallet: lane.walletIndex, nonce, bytes: txs.txBytes(j), id: txs.txId(j), accepted, target, sentAt: now });
  }

  /** First account nonce of a lane: it may sign from here. */
  start(lane: Lane, nonce: number, now: number): void {
    lane.nextNonce = nonce;
    lane.confirmed = nonce;
    lane.free = [];
    lane.checkedAt = lane.progressAt = now;
    lane.resyncing = false;
  }

  /**
   * The account nonce on chain is `nonce`: forget what it passed. Returns the outstanding records to
   * re-submit, oldest first, when the lane stalled (no progress for `stallMs` with records waiting).
   */
  confirm(lane: Lane, nonce: number, now: number, stallMs: number): OutstandingTx[] {
    lane.checkedAt = now;
    if (nonce > lane.confirmed) {
      lane.confirmed = nonce;
      lane.progressAt = now;
      for (const n of lane.outstanding.keys()) if (n < nonce) lane.outstanding.delete(n);
      lane.free = lane.free.filter((n) => n >= nonce);
      // Someone else used this wallet's nonces (or a restarted chain is ahead): continue from there.
      if (lane.nextNonce < nonce) lane.nextNonce = nonce;
    }
    if (lane.outstanding.size === 0 || now - lane.progressAt < stallMs) return [];
    lane.progressAt = now; // next re-submission only after another stall period
    const records = [...lane.outstanding.values()].sort((a, b) => a.nonce - b.nonce);
    return [...this.refill(lane, nonce, records[0]!, now), ...records];
  }

  /**
   * A stalled lane whose node reports an account nonce below every record: the transactions in between were
   * forgotten because a node ahead of this one (one on a fork that was later abandoned, e.g. an isolated
   * producer) had confirmed them. Nothing else will send them and every later nonce waits on them: sign them
   * again (a (wallet, nonce) always gives the same content and id) and keep them as records, re-sent with the
   * rest. From here the lane counts from the lower nonce, so the chain passing it again is progress.
   */
  private refill(lane: Lane, nonce: number, oldest: OutstandingTx, now: number): OutstandingTx[] {
    if (nonce >= oldest.nonce || oldest.nonce - nonce > MAX_REFILL) return [];
    const out: OutstandingTx[] = [];
    for (let n = nonce; n < oldest.nonce; n++) {
      const { bytes, id } = this.factory.sign(lane.slot, n);
      const record: OutstandingTx = { wallet: lane.walletIndex, nonce: n, bytes, id, accepted: false, target: oldest.target, sentAt: now };
      lane.outstanding.set(n, record);
      out.push(record);
    }
    lane.confirmed = Math.min(lane.confirmed, nonce);
    return out;
  }

  /** Lanes with records old enough to check (at most once per `everyMs` each). */
  dueForCheck(now: number, everyMs: number): Lane[] {
    return this.lanes.filter((l) => !l.resyncing && !l.checking && l.outstanding.size > 0 && now - l.checkedAt >= everyMs);
  }

  /** Records left in all lanes. */
  outstandingCount(): number {
    let n = 0;
    for (const l of this.lanes) n += l.outstanding.size;
    return n;
  }
}
