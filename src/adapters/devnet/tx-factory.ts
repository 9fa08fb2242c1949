/**
 * The devnet's worker-side transaction factory: ed25519 transfers in the devnet's binary form, submitted as
 * one binary batch frame per POST to /mempool/add/txs, nonces from /ledger/account/<pk>.
 * Imported by the load workers by path (see DevnetAdapter.txFactory).
 */
import { Paths, REJECT_REASONS, type SubmitBatchResponse } from './wire/api.js';
import { fromHex } from '../../util/bytes.js';
import { ed25519Backend, type Ed25519BackendName, type SigningKey } from './wire/ed25519.js';
import { encodeTxBatch, signTransferFast, TRANSFER_TX_BYTES, TransferSigner, txIdOfBytes } from './wire/tx.js';
import type { Hex, HttpCall, SignedTx, TxAnswer, TxFactoryInit, TxOutcomeClass, WorkerTxFactory } from '../seam.js';

/** The devnet's reasons by generic class (one shared answer object each: no allocation per transaction). */
const CLASS_OF: Record<string, TxOutcomeClass> = { ok: 'accepted', duplicate: 'duplicate', nonce_too_low: 'stale_nonce', nonce_gap: 'nonce_gap' };
const ANSWERS = new Map<unknown, TxAnswer>(['ok', ...REJECT_REASONS].map((r) => [r, { outcome: CLASS_OF[r] ?? 'rejected', reason: r }]));
const ACCEPTED = ANSWERS.get('ok')!;
const OTHER: TxAnswer = { outcome: 'rejected', reason: 'other' };

export interface DevnetTxOptions {
  backend?: Ed25519BackendName;
}

class DevnetTxFactory implements WorkerTxFactory {
  readonly addresses: string[];
  readonly maxTxBytes = TRANSFER_TX_BYTES;
  /** The batch frame's count (u32, little-endian) before the packed transactions. */
  readonly packedHeaderBytes = 4;
  private readonly keys: SigningKey[];
  private readonly to: Uint8Array[];
  private readonly signers: TransferSigner[];

  constructor(private readonly init: TxFactoryInit) {
    const backend = ed25519Backend((init.params.backend as Ed25519BackendName | undefined) ?? 'sodium');
    this.keys = init.wallets.map((w) => backend.keyFromSeed(fromHex(w.secret, 32, 'wallet seed')));
    this.addresses = this.keys.map((k) => Buffer.from(k.publicKey).toString('hex'));
    const recipients = init.recipients.map((r) => fromHex(r, 32, 'recipient'));
    this.to = init.wallets.map((w) => recipients[(w.index + 1) % recipients.length]!);
    this.signers = this.keys.map((k, slot) => new TransferSigner(k, init.params.fee, this.to[slot]!, init.params.amount));
  }

  sign(slot: number, nonce: number): SignedTx {
    return signTransferFast(this.keys[slot]!, nonce, this.init.params.fee, this.to[slot]!, this.init.params.amount);
  }

  signInto(slot: number, nonce: number, out: Uint8Array, offset: number): number {
    return this.signers[slot]!.signInto(nonce, out, offset);
  }

  idOf(tx: Uint8Array): Hex {
    return txIdOfBytes(tx);
  }

  submitCall(txs: readonly Uint8Array[]): HttpCall {
    return { method: 'POST', path: Paths.addTxs, body: encodeTxBatch(txs), contentType: 'application/octet-stream' };
  }

  /** The packed form is the batch frame (encodeTxBatch) but for its count. */
  submitPacked(body: Uint8Array, count: number): HttpCall {
    new DataView(body.buffer, body.byteOffset, 4).setUint32(0, count, true);
    return { method: 'POST', path: Paths.addTxs, body, contentType: 'application/octet-stream' };
  }

  submitAnswers(status: number, body: string): readonly (TxAnswer | undefined)[] | undefined {
    if (status !== 200) return undefined;
    let results: unknown;
    try {
      results = (JSON.parse(body) as SubmitBatchResponse).results;
    } catch {
      return undefined;
    }
    if (!Array.isArray(results)) return undefined;
    const out: (TxAnswer | undefined)[] = new Array(results.length);
    for (let i = 0; i < results.length; i++) {
      const r: unknown = results[i];
      out[i] = r === 'ok' ? ACCEPTED : typeof r === 'string' ? (ANSWERS.get(r) ?? OTHER) : undefined;
    }
    return out;
  }

  nonceCall(address: string): HttpCall {
    return { method: 'GET', path: Paths.account + address };
  }

  nonceAnswer(status: number, body: string): number {
    if (status !== 200) throw new Error(`account: ${status}`);
    const nonce = (JSON.parse(body) as { nonce?: unknown }).nonce;
    if (typeof nonce !== 'number') throw new Error('account: no nonce');
    return nonce;
  }
}

export function createTxFactory(init: TxFactoryInit): WorkerTxFactory {
  return new DevnetTxFactory(init);
}
