/**
 * Data availability, the pure parts: splitting a blob into shares, assigning shares to validators by
 * subnetwork, the share message sent over P2P, and attestations.
 *
 * - A blob of `size` bytes splits into `subnetworks` shares of ceil(size / subnetworks) bytes (the last
 *   ones shorter or empty). Simple chunking: no erasure code; the devnet measures dispersal, not coding.
 * - Assignment: validators sorted by peer id (hex); subnetwork s is held by every validator whose index i
 *   has i % subnetworks === s; a subnetwork that gets nobody (fewer validators than subnetworks) is held by
 *   validator s % n, so every share has at least one holder.
 * - Attestation: a validator signs 'loadnet.devnet.da.v1\0' | blobId with its identity key after storing
 *   its share (the same message the node's TxVerifier checks in a channel_blob certificate).
 *
 * Share messages (the bytes of P2PNetwork.sendDaShare):
 *   store  kind u8 (=1) | blobId 32 | index u16 | total u16 | size u32 | data
 *          reply: the 64-byte attestation signature, or null when refused
 *   fetch  kind u8 (=2) | blobId 32 | index u16      (a holder repairing a share it missed)
 *          reply: the share as a store message, or null when not held
 */
import { ByteReader, ByteWriter, fromHex, toHex, type Hex } from '../../util/bytes.js';
import type { Ed25519Backend, SigningKey } from '../../adapters/devnet/wire/ed25519.js';
import { LoadnetError } from '../../errors.js';
import { attestationMessage } from '../tx-verifier.js';

export const SHARE_KIND_STORE = 1;
export const SHARE_KIND_FETCH = 2;
/** Most shares (subnetworks) a blob may split into: u16 index on the wire. */
export const MAX_SUBNETWORKS = 4096;

export function shareLength(size: number, total: number, index: number): number {
  const chunk = Math.ceil(size / total);
  return Math.max(0, Math.min(chunk, size - index * chunk));
}

/** Split data into `total` shares (views, no copy). */
export function splitBlob(data: Uint8Array, total: number): Uint8Array[] {
  if (!Number.isInteger(total) || total < 1 || total > MAX_SUBNETWORKS) throw new LoadnetError('LN_ERR_CONFIG_INVALID', `da.subnetworks: ${total}; allowed: an integer 1..${MAX_SUBNETWORKS}`);
  const chunk = Math.ceil(data.length / total);
  const out: Uint8Array[] = [];
  for (let i = 0; i < total; i++) out.push(data.subarray(Math.min(i * chunk, data.length), Math.min((i + 1) * chunk, data.length)));
  return out;
}

/** Concatenate shares back into the blob (inverse of splitBlob). */
export function joinShares(shares: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(shares.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength))));
}

/** holders[s] = the validators (hex ids) that hold subnetwork s. */
export function assignSubnetworks(validators: readonly Hex[], subnetworks: number): Hex[][] {
  const sorted = [...new Set(validators)].sort();
  const holders: Hex[][] = Array.from({ length: subnetworks }, () => []);
  if (sorted.length === 0) return holders;
  sorted.forEach((v, i) => holders[i % subnetworks]!.push(v));
  for (let s = 0; s < subnetworks; s++) if (holders[s]!.length === 0) holders[s]!.push(sorted[s % sorted.length]!);
  return holders;
}

export interface ShareMessage {
  blobId: Hex;
  index: number;
  total: number;
  size: number;
  data: Uint8Array;
}

export function encodeShare(m: ShareMessage): Uint8Array {
  return new ByteWriter(41 + m.data.length).u8(SHARE_KIND_STORE).bytes(fromHex(m.blobId, 32, 'blobId')).u16(m.index).u16(m.total).u32(m.size).bytes(m.data).finish();
}

/** Decode and check internal consistency (index < total, data length as the split defines). */
export function decodeShare(bytes: Uint8Array): ShareMessage {
  const r = new ByteReader(bytes);
  const kind = r.u8('share kind');
  if (kind !== SHARE_KIND_STORE) throw new LoadnetError('LN_ERR_CODEC', `share kind ${kind}; allowed: ${SHARE_KIND_STORE}`);
  const blobId = toHex(r.bytes(32, 'blobId'));
  const index = r.u16('index');
  const total = r.u16('total');
  const size = r.u32('size');
  const data = r.bytes(r.remaining, 'data');
  if (total < 1 || index >= total) throw new LoadnetError('LN_ERR_CODEC', `share index ${index} of ${total}`);
  const want = shareLength(size, total, index);
  if (data.length !== want) throw new LoadnetError('LN_ERR_CODEC', `share ${index}/${total} of a ${size}-byte blob must be ${want} bytes, got ${data.length}`);
  return { blobId, index, total, size, data };
}

export function encodeFetch(blobId: Hex, index: number): Uint8Array {
  return new ByteWriter(35).u8(SHARE_KIND_FETCH).bytes(fromHex(blobId, 32, 'blobId')).u16(index).finish();
}

export function decodeFetch(bytes: Uint8Array): { blobId: Hex; index: number } {
  const r = new ByteReader(bytes);
  const kind = r.u8('share kind');
  if (kind !== SHARE_KIND_FETCH) throw new LoadnetError('LN_ERR_CODEC', `share kind ${kind}; expected ${SHARE_KIND_FETCH} (fetch)`);
  const blobId = toHex(r.bytes(32, 'blobId'));
  const index = r.u16('index');
  if (r.remaining !== 0) throw new LoadnetError('LN_ERR_CODEC', `share fetch: ${r.remaining} trailing bytes`);
  return { blobId, index };
}

export function signAttestation(key: SigningKey, blobId: Hex): Uint8Array {
  return key.sign(attestationMessage(fromHex(blobId, 32, 'blobId')));
}

export function verifyAttestation(backend: Ed25519Backend, blobId: Hex, validator: Hex, signature: Uint8Array): boolean {
  return backend.verify(signature, attestationMessage(fromHex(blobId, 32, 'blobId')), fromHex(validator, 32, 'validator'));
}
