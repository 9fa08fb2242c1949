/**
 * EIP-1559 (type 2) transactions: signing and ids. The signing hash is keccak(0x02 ‖ rlp([chainId, nonce,
 * maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList])); the raw transaction appends
 * [yParity, r, s] to the list; its id (hash) is keccak of the raw bytes.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { rlpEncode, rlpInt, type RlpItem } from './rlp.js';
import { hex } from './keys.js';

export interface Eip1559Fields {
  chainId: bigint;
  nonce: number;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  gasLimit: bigint;
  /** 20 bytes. */
  to: Uint8Array;
  value: bigint;
  data: Uint8Array;
}

/** A recoverable secp256k1 signature of a 32-byte hash. */
export interface RecoverableSignature {
  r: Uint8Array;
  s: Uint8Array;
  yParity: number;
}

export type Secp256k1Sign = (hash: Uint8Array, privateKey: Uint8Array) => RecoverableSignature;

/** @noble/curves: the reference signer (RFC 6979 deterministic nonces, low-s). */
export const nobleSign: Secp256k1Sign = (hash, privateKey) => {
  const sig = secp256k1.sign(hash, privateKey, { prehash: false, format: 'recovered' });
  return { yParity: sig[0]!, r: sig.subarray(1, 33), s: sig.subarray(33, 65) };
};

/** Strip leading zero bytes (RLP integers). */
function trim(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

function fieldList(f: Eip1559Fields): RlpItem[] {
  return [rlpInt(f.chainId), rlpInt(f.nonce), rlpInt(f.maxPriorityFeePerGas), rlpInt(f.maxFeePerGas), rlpInt(f.gasLimit), f.to, rlpInt(f.value), f.data, []];
}

function typed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = 0x02;
  out.set(payload, 1);
  return out;
}

export function signingHash(f: Eip1559Fields): Uint8Array {
  return keccak_256(typed(rlpEncode(fieldList(f))));
}

/** Sign a type-2 transaction: raw bytes (what eth_sendRawTransaction takes) and its hash. */
export function signEip1559(f: Eip1559Fields, privateKey: Uint8Array, sign: Secp256k1Sign = nobleSign): { bytes: Uint8Array; id: string } {
  const fields = fieldList(f);
  const sig = sign(keccak_256(typed(rlpEncode(fields))), privateKey);
  const raw = typed(rlpEncode([...fields, rlpInt(sig.yParity), trim(sig.r), trim(sig.s)]));
  return { bytes: raw, id: hex(keccak_256(raw)) };
}
