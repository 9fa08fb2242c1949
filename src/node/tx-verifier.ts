/**
 * Signature checks for transactions with a cache of verified ids, so a transaction admitted to the
 * mempool is never verified again when it arrives inside a block (each signature is verified once per node).
 * A transaction id hashes the signed message, not the signature, so the cache also remembers the
 * signature it verified: a copy with a forged signature does not ride on a cached id.
 * Invalid signatures are remembered too, for a while (bounded, oldest first out): a flood that repeats
 * or re-submits them costs one verification each, not one per arrival.
 */
import { createHash } from 'node:crypto';
import { fromHex, type Hex } from '../util/bytes.js';
import type { Ed25519Backend } from '../adapters/devnet/wire/ed25519.js';
import type { SignedTransaction } from '../adapters/devnet/wire/tx.js';

export const DA_ATTESTATION_DOMAIN = new TextEncoder().encode('loadnet.devnet.da.v1\0');

export function attestationMessage(blobId: Uint8Array): Uint8Array {
  const m = new Uint8Array(DA_ATTESTATION_DOMAIN.length + 32);
  m.set(DA_ATTESTATION_DOMAIN, 0);
  m.set(blobId, DA_ATTESTATION_DOMAIN.length);
  return m;
}

export type VerifyFailure = 'bad_signature' | 'bad_attestation';

const REJECTED_CAPACITY = 200_000;

/**
 * The key of a rejected transaction: 128 bits of SHA-256 over its bytes (message and signature), 24 characters
 * where id + signature in hex took 192: under a forged-signature flood the memory fills at the rate signatures
 * are verified (~20 MiB per 90,000 entries in a heap snapshot of the flooded node, 2026-12-04), so smaller
 * entries mean less growth until the cap. A collision would need a second preimage of SHA-256.
 */
function rejectedKey(tx: SignedTransaction): string {
  return createHash('sha256').update(tx.bytes).digest().toString('base64', 0, 16);
}
const REJECTED_TTL_MS = 120_000;

export class TxVerifier {
  /** id → verified signature (hex); insertion-ordered so the oldest are evicted first. */
  private readonly verified = new Map<Hex, Hex>();
  /** rejectedKey(tx) → when it was found invalid; insertion-ordered, so expiry and eviction start at the front. */
  private readonly rejected = new Map<string, number>();
  verifications = 0;
  cacheHits = 0;
  rejectedHits = 0;

  constructor(
    private readonly backend: Ed25519Backend,
    private readonly isValidator: (pk: Hex) => boolean,
    private readonly capacity = 500_000,
    /** Remember invalid signatures (false: the defense switched off, each arrival is verified again). */
    private readonly rememberInvalid = true,
  ) {}

  isCached(tx: SignedTransaction): boolean {
    return this.verified.get(tx.id) === tx.signature;
  }

  /** Known invalid (found so within the last REJECTED_TTL_MS). */
  isRejected(tx: SignedTransaction): boolean {
    // Most nodes never saw an invalid signature: the admission path then pays no hash.
    if (this.rejected.size === 0) return false;
    const at = this.rejected.get(rejectedKey(tx));
    return at !== undefined && performance.now() - at < REJECTED_TTL_MS;
  }

  /** Null when the signature and every DA attestation are valid; caches the result. */
  verify(tx: SignedTransaction): VerifyFailure | null {
    if (this.verified.get(tx.id) === tx.signature) {
      this.cacheHits++;
      return null;
    }
    if (this.isRejected(tx)) {
      this.rejectedHits++;
      return 'bad_signature';
    }
    this.verifications++;
    const sig = tx.bytes.subarray(tx.bytes.length - 64);
    if (!this.backend.verify(sig, tx.message, tx.bytes.subarray(1, 33))) {
      this.markRejected(tx, false);
      return 'bad_signature';
    }
    for (const op of tx.ops) {
      if (op.kind !== 'channel_blob') continue;
      if (op.attestations.length === 0) return 'bad_attestation';
      const msg = attestationMessage(fromHex(op.blobId, 32));
      const seen = new Set<Hex>();
      for (const a of op.attestations) {
        if (!this.isValidator(a.validator) || seen.has(a.validator)) return 'bad_attestation';
        seen.add(a.validator);
        if (!this.backend.verify(fromHex(a.signature, 64), msg, fromHex(a.validator, 32))) return 'bad_attestation';
      }
    }
    this.remember(tx);
    return null;
  }

  /** Record a signature verified elsewhere (the worker pool); only for txs without DA attestations. */
  markVerified(tx: SignedTransaction): void {
    this.verifications++;
    this.remember(tx);
  }

  /** Record an invalid signature (found by the worker pool when `counted`, else here). */
  markRejected(tx: SignedTransaction, counted = true): void {
    if (counted) this.verifications++;
    if (!this.rememberInvalid) return;
    const key = rejectedKey(tx);
    this.rejected.delete(key);
    this.rejected.set(key, performance.now());
    if (this.rejected.size > REJECTED_CAPACITY) {
      let drop = Math.ceil(REJECTED_CAPACITY / 10);
      for (const k of this.rejected.keys()) {
        this.rejected.delete(k);
        if (--drop === 0) break;
      }
    }
  }

  private remember(tx: SignedTransaction): void {
    this.verified.set(tx.id, tx.signature);
    if (this.verified.size > this.capacity) {
      // Drop the oldest tenth at once: amortises the eviction and keeps the Map fast.
      let drop = Math.ceil(this.capacity / 10);
      for (const k of this.verified.keys()) {
        this.verified.delete(k);
        if (--drop === 0) break;
      }
    }
  }

  /** Forget ids once their transactions are final (the nonce makes them invalid forever after). */
  forget(ids: Iterable<Hex>): void {
    for (const id of ids) this.verified.delete(id);
  }
}
