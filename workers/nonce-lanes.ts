/**
 * Per-wallet nonce lanes of one worker. A lane hands out nonces in order with several transactions in
 * flight; a nonce whose transaction was rejected (so never entered a mempool) is reused next; after a
 * nonce_too_low / nonce_gap answer, a transport error or a node restart the lane pauses and resyncs its
 * next nonce from GET /ledger/account/:pk.
 *
 * Every resync starts a new epoch, and the transaction content depends on the epoch (recipient rotation),
 * so a nonce signed again after a resync never has the id of a transaction accepted before: each accepted
 * id is one acceptance, which keeps accepted = included + pending + dropped exact.
 */
import { fromHex, type Hex } from '../src/chain/bytes.js';
import type { Ed25519Backend, SigningKey } from '../src/chain/ed25519.js';
import { signTransferFast } from '../src/chain/tx.js';
import type { ShardWallet } from '../src/load/protocol.js';

export interface Lane {
  readonly walletIndex: number;
  readonly key: SigningKey;
  readonly publicKey: Hex;
  nextNonce: number;
  /** Nonces to reuse (their transactions were rejected), kept sorted ascending. */
  free: number[];
  epoch: number;
  resyncing: boolean;
}

export interface SignedEntry {
  lane: Lane;
  epoch: number;
  nonce: number;
  bytes: Uint8Array;
  id: Hex;
}

export class NonceLanes {
  readonly lanes: Lane[];
  private cursor = 0;
  private readonly recipients: Uint8Array[];

  constructor(wallets: ShardWallet[], recipients: Hex[], backend: Ed25519Backend, private readonly fee: number, private readonly amount: number) {
    this.recipients = recipients.map((r) => fromHex(r, 32, 'recipient'));
    this.lanes = wallets.map((w) => {
      const key = backend.keyFromSeed(fromHex(w.seed, 32, 'wallet seed'));
      return { walletIndex: w.index, key, publicKey: Buffer.from(key.publicKey).toString('hex'), nextNonce: 0, free: [], epoch: 0, resyncing: true };
    });
  }

  /** The next lane able to sign, round-robin; undefined when every lane is resyncing. */
  private pick(): Lane | undefined {
    for (let n = 0; n < this.lanes.length; n++) {
      const lane = this.lanes[this.cursor]!;
      this.cursor = (this.cursor + 1) % this.lanes.length;
      if (!lane.resyncing) return lane;
    }
    return undefined;
  }

  /** Sign the next transaction of the next available lane. */
  signNext(): SignedEntry | undefined {
    const lane = this.pick();
    if (!lane) return undefined;
    const nonce = lane.free.length > 0 ? lane.free.shift()! : lane.nextNonce++;
    // Recipient rotates with the epoch; with few wallets the amount grows by one per full rotation so
    // (recipient, amount) never repeats for a (wallet, nonce) across epochs.
    const n = this.recipients.length;
    const to = this.recipients[(lane.walletIndex + 1 + lane.epoch) % n]!;
    const amount = this.amount + Math.floor(lane.epoch / n);
    const { bytes, id } = signTransferFast(lane.key, nonce, this.fee, to, amount);
    return { lane, epoch: lane.epoch, nonce, bytes, id };
  }

  /** Still valid to send: same epoch and the lane is not resyncing. */
  isCurrent(e: SignedEntry): boolean {
    return e.epoch === e.lane.epoch && !e.lane.resyncing;
  }

  /** The transaction never entered a mempool: its nonce is free again (unless a resync superseded it). */
  release(e: SignedEntry): void {
    if (e.epoch !== e.lane.epoch || e.lane.resyncing || e.nonce >= e.lane.nextNonce) return;
    const f = e.lane.free;
    if (f.includes(e.nonce)) return;
    f.push(e.nonce);
    f.sort((a, b) => a - b);
  }

  /** Begin a resync: new epoch (pre-signed transactions of the lane become stale). Returns false if one runs. */
  beginResync(lane: Lane): boolean {
    if (lane.resyncing) return false;
    lane.resyncing = true;
    lane.epoch++;
    lane.free = [];
    return true;
  }

  endResync(lane: Lane, nonce: number): void {
    lane.nextNonce = nonce;
    lane.free = [];
    lane.resyncing = false;
  }
}
