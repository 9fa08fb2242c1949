/**
 * The devnet block codec: canonical binary header and block, block ids, header signatures, the
 * transaction root, and the JSON form served by the API.
 *
 *   header = version u8 (=1) | parent 32 | slot u64 | height u64 | proposer 32 | tx_root 32
 *          | leader_proof 64 | timestamp u64                                       (185 bytes)
 *   block  = header | signature 64 | txCount u32 | (len u32 | signed tx)*
 * The id is SHA-256 of BLOCK_DOMAIN | header; the proposer signs the same message, so a header
 * signature can never be replayed as a transaction or a leader ticket (different domains).
 */
import { ByteReader, ByteWriter, fromHex, toHex, type Hex } from '../util/bytes.js';
import { sha256, sha256Hex } from '../util/hash.js';
import { decodeTx, txToJson, type SignedTransaction } from '../adapters/devnet/wire/tx.js';
import type { BlockHeaderJson, BlockJson } from '../adapters/devnet/wire/api.js';
import type { SigningKey } from '../adapters/devnet/wire/ed25519.js';
import { LoadnetError } from '../errors.js';

export const BLOCK_VERSION = 1;
export const BLOCK_DOMAIN = new TextEncoder().encode('loadnet.devnet.block.v1\0');
export const HEADER_BYTES = 1 + 32 + 8 + 8 + 32 + 32 + 64 + 8;
export const ZERO_ID: Hex = '0'.repeat(64);

export interface BlockHeader {
  parent: Hex;
  slot: number;
  height: number;
  proposer: Hex;
  txRoot: Hex;
  leaderProof: Hex;
  timestamp: number;
}

export interface Block {
  id: Hex;
  header: BlockHeader;
  signature: Hex;
  txs: SignedTransaction[];
  /** The canonical encoded block (what is stored and gossiped). */
  bytes: Uint8Array;
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  const w = new ByteWriter(HEADER_BYTES);
  w.u8(BLOCK_VERSION)
    .bytes(fromHex(h.parent, 32, 'header.parent'))
    .u64(h.slot)
    .u64(h.height)
    .bytes(fromHex(h.proposer, 32, 'header.proposer'))
    .bytes(fromHex(h.txRoot, 32, 'header.tx_root'))
    .bytes(fromHex(h.leaderProof, 64, 'header.leader_proof'))
    .u64(h.timestamp);
  return w.finish();
}

/** BLOCK_DOMAIN | header: what the proposer signs and what the id hashes. */
export function headerMessage(header: Uint8Array): Uint8Array {
  const m = new Uint8Array(BLOCK_DOMAIN.length + header.length);
  m.set(BLOCK_DOMAIN, 0);
  m.set(header, BLOCK_DOMAIN.length);
  return m;
}

export function blockIdOf(headerBytes: Uint8Array): Hex {
  return sha256Hex(headerMessage(headerBytes));
}

const NODE_PREFIX = new Uint8Array([1]);

/**
 * Binary Merkle root over transaction ids (leaves are the ids themselves, already domain-separated
 * hashes); inner node = SHA-256(0x01 | left | right); an odd last node is carried up unchanged.
 * The empty block's root is 32 zero bytes.
 */
export function txRoot(ids: readonly Hex[]): Hex {
  if (ids.length === 0) return ZERO_ID;
  let level: Uint8Array[] = ids.map((id) => fromHex(id, 32, 'tx id'));
  const buf = new Uint8Array(65);
  buf.set(NODE_PREFIX, 0);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      if (i + 1 === level.length) {
        next.push(level[i]!);
        continue;
      }
      buf.set(level[i]!, 1);
      buf.set(level[i + 1]!, 33);
      next.push(sha256(buf));
    }
    level = next;
  }
  return toHex(level[0]!);
}

/** Build, sign and encode a block from a header (without tx_root) and transactions. */
export function buildBlock(fields: Omit<BlockHeader, 'txRoot'>, txs: SignedTransaction[], key: SigningKey): Block {
  const header: BlockHeader = { ...fields, txRoot: txRoot(txs.map((t) => t.id)) };
  const headerBytes = encodeHeader(header);
  const message = headerMessage(headerBytes);
  const signature = key.sign(message);
  let total = HEADER_BYTES + 64 + 4;
  for (const t of txs) total += 4 + t.bytes.length;
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  bytes.set(headerBytes, 0);
  bytes.set(signature, HEADER_BYTES);
  let o = HEADER_BYTES + 64;
  dv.setUint32(o, txs.length, true);
  o += 4;
  for (const t of txs) {
    dv.setUint32(o, t.bytes.length, true);
    bytes.set(t.bytes, o + 4);
    o += 4 + t.bytes.length;
  }
  return { id: sha256Hex(message), header, signature: toHex(signature), txs, bytes };
}

function readHeader(r: ByteReader): BlockHeader {
  const version = r.u8('block version');
  if (version !== BLOCK_VERSION) throw new LoadnetError('LN_ERR_CODEC', `block version ${version}; allowed: ${BLOCK_VERSION}`);
  return {
    parent: toHex(r.bytes(32, 'header.parent')),
    slot: r.u64('header.slot'),
    height: r.u64('header.height'),
    proposer: toHex(r.bytes(32, 'header.proposer')),
    txRoot: toHex(r.bytes(32, 'header.tx_root')),
    leaderProof: toHex(r.bytes(64, 'header.leader_proof')),
    timestamp: r.u64('header.timestamp'),
  };
}

/**
 * Decode a block; throws LN_ERR_CODEC on anything malformed (bounds-checked, never reads out of
 * range). `maxTxs` bounds the declared count before anything is allocated.
 */
export function decodeBlock(bytes: Uint8Array, maxTxs = 1_000_000): Block {
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  const signature = toHex(r.bytes(64, 'block signature'));
  const n = r.u32('block txCount');
  if (n > maxTxs) throw new LoadnetError('LN_ERR_CODEC', `block declares ${n} transactions, at most ${maxTxs} allowed`);
  const txs: SignedTransaction[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const len = r.u32(`block tx ${i} length`);
    txs[i] = decodeTx(r.bytes(len, `block tx ${i}`));
  }
  if (r.remaining !== 0) throw new LoadnetError('LN_ERR_CODEC', `${r.remaining} trailing bytes after the block's transactions`);
  const copy = bytes.slice();
  return { id: blockIdOf(copy.subarray(0, HEADER_BYTES)), header, signature, txs, bytes: copy };
}

/** Id, header and transaction count of an encoded block without decoding its transactions. */
export function peekBlock(bytes: Uint8Array): { id: Hex; header: BlockHeader; txCount: number } {
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  r.bytes(64, 'block signature');
  const txCount = r.u32('block txCount');
  return { id: blockIdOf(bytes.subarray(0, HEADER_BYTES)), header, txCount };
}

/** The header bytes of an encoded block (a view). */
export function headerBytesOf(block: Block): Uint8Array {
  return block.bytes.subarray(0, HEADER_BYTES);
}

export function headerToJson(h: BlockHeader): BlockHeaderJson {
  return { parent: h.parent, slot: h.slot, height: h.height, proposer: h.proposer, tx_root: h.txRoot, leader_proof: h.leaderProof, timestamp: h.timestamp };
}

export function blockToJson(b: Block): BlockJson {
  return { id: b.id, header: headerToJson(b.header), signature: b.signature, transactions: b.txs.map(txToJson) };
}
