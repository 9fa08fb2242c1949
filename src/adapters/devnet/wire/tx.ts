/**
 * The devnet transaction: one codec shared by the node and the load generator.
 *
 * Canonical binary form (little-endian, u64 as safe integers):
 *   body   = version u8 (=1) | from 32 | nonce u64 | fee u64 | opCount u16 | op*
 *   op     = 1 transfer         | to 32 | amount u64
 *          | 2 channel_inscribe | channel 32 | dataLen u16 | data
 *          | 3 channel_blob     | blobId 32 | size u32 | channel 32 | parent 32 | attCount u16 | (validator 32 | signature 64)*
 *          | 4 stake_declare    | amount u64
 *          | 5 stake_withdraw   | amount u64
 *   signed = body | signature 64
 * The signature covers, and the id (SHA-256, hex) hashes, the domain-separated message TX_DOMAIN | body,
 * so a transaction signed here can never be replayed as another kind of message (blocks, tickets).
 */
import { ByteReader, ByteWriter, fromHex, toHex, type Hex } from '../../../util/bytes.js';
import { sha256Hex } from '../../../util/hash.js';
import type { Ed25519Backend, SigningKey } from './ed25519.js';
import { LoadnetError } from '../../../errors.js';

export const TX_VERSION = 1;
export const TX_DOMAIN = new TextEncoder().encode('loadnet.devnet.tx.v1\0');
/** Largest transaction the codec accepts (bytes of the signed form). */
export const MAX_TX_BYTES = 64 * 1024;
export const MAX_OPS = 64;
export const MAX_INSCRIPTION_BYTES = 1024;
export const MAX_ATTESTATIONS = 256;

export const OP_TRANSFER = 1;
export const OP_CHANNEL_INSCRIBE = 2;
export const OP_CHANNEL_BLOB = 3;
/** Stake ops (tags 4, 5) came later: every transaction encoded before them decodes and hashes as it did. */
export const OP_STAKE_DECLARE = 4;
export const OP_STAKE_WITHDRAW = 5;

export interface TransferOp {
  kind: 'transfer';
  to: Hex;
  amount: number;
}

/** Creates a DA channel; `data` is an optional inscription payload (hex). */
export interface ChannelInscribeOp {
  kind: 'channel_inscribe';
  channel: Hex;
  data: Hex;
}

export interface Attestation {
  validator: Hex;
  signature: Hex;
}

/** A DA certificate: the blob was dispersed and these validators attest to holding its shares. */
export interface ChannelBlobOp {
  kind: 'channel_blob';
  blobId: Hex;
  size: number;
  channel: Hex;
  parent: Hex;
  attestations: Attestation[];
}

/**
 * The sender bonds `amount` of its balance as stake: its key becomes (or stays) a validator that the leader
 * lottery counts from k slots after the block that carries it (docs/devnet-node.md, "Staking").
 */
export interface StakeDeclareOp {
  kind: 'stake_declare';
  amount: number;
}

/**
 * The sender takes `amount` of its bonded stake back into its balance; when no bonded stake is left it leaves
 * the validator set (a genesis validator's genesis stake goes with it: `amount` 0 deregisters one).
 */
export interface StakeWithdrawOp {
  kind: 'stake_withdraw';
  amount: number;
}

export type StakeOp = StakeDeclareOp | StakeWithdrawOp;

export type Operation = TransferOp | ChannelInscribeOp | ChannelBlobOp | StakeOp;

export interface Transaction {
  from: Hex;
  nonce: number;
  fee: number;
  ops: Operation[];
}

/** The JSON form (for humans and the JSON endpoint). `id` is informative: it is recomputed on decode. */
export interface SignedTransactionJson extends Transaction {
  signature: Hex;
  id?: Hex;
}

/** A decoded, signed transaction with its canonical bytes kept so nothing is re-encoded on hot paths. */
export interface SignedTransaction extends Transaction {
  signature: Hex;
  id: Hex;
  /** TX_DOMAIN | body: what was signed and hashed. */
  message: Uint8Array;
  /** body | signature: the canonical signed bytes. */
  bytes: Uint8Array;
}

const ZERO32 = '0'.repeat(64);

function writeOp(w: ByteWriter, op: Operation): void {
  switch (op.kind) {
    case 'transfer':
      w.u8(OP_TRANSFER).bytes(fromHex(op.to, 32, 'transfer.to')).u64(op.amount);
      return;
    case 'channel_inscribe': {
      const data = fromHex(op.data ?? '', undefined, 'channel_inscribe.data');
      if (data.length > MAX_INSCRIPTION_BYTES) throw new LoadnetError('LN_ERR_CODEC', `channel_inscribe.data: ${data.length} bytes, at most ${MAX_INSCRIPTION_BYTES} allowed`);
      w.u8(OP_CHANNEL_INSCRIBE).bytes(fromHex(op.channel, 32, 'channel_inscribe.channel')).u16(data.length).bytes(data);
      return;
    }
    case 'channel_blob': {
      if (op.attestations.length > MAX_ATTESTATIONS) throw new LoadnetError('LN_ERR_CODEC', `channel_blob.attestations: ${op.attestations.length}, at most ${MAX_ATTESTATIONS} allowed`);
      w.u8(OP_CHANNEL_BLOB)
        .bytes(fromHex(op.blobId, 32, 'channel_blob.blobId'))
        .u32(op.size)
        .bytes(fromHex(op.channel, 32, 'channel_blob.channel'))
        .bytes(fromHex(op.parent || ZERO32, 32, 'channel_blob.parent'))
        .u16(op.attestations.length);
      for (const a of op.attestations) w.bytes(fromHex(a.validator, 32, 'attestation.validator')).bytes(fromHex(a.signature, 64, 'attestation.signature'));
      return;
    }
    case 'stake_declare':
      w.u8(OP_STAKE_DECLARE).u64(op.amount);
      return;
    case 'stake_withdraw':
      w.u8(OP_STAKE_WITHDRAW).u64(op.amount);
      return;
    default:
      throw new LoadnetError('LN_ERR_CODEC', `unknown operation kind ${JSON.stringify((op as { kind?: unknown }).kind)}; allowed: transfer, channel_inscribe, channel_blob, stake_declare, stake_withdraw`);
  }
}

/** The canonical body (unsigned). */
export function encodeTxBody(tx: Transaction): Uint8Array {
  const from = fromHex(tx.from, 32, 'from');
  if (!Array.isArray(tx.ops) || tx.ops.length === 0 || tx.ops.length > MAX_OPS) {
    throw new LoadnetError('LN_ERR_CODEC', `ops: ${Array.isArray(tx.ops) ? tx.ops.length : 'missing'}; allowed: 1 to ${MAX_OPS} operations`);
  }
  const w = new ByteWriter(128);
  w.u8(TX_VERSION).bytes(from).u64(tx.nonce).u64(tx.fee).u16(tx.ops.length);
  for (const op of tx.ops) writeOp(w, op);
  return w.finish();
}

/** TX_DOMAIN | body. */
export function txMessage(body: Uint8Array): Uint8Array {
  const m = new Uint8Array(TX_DOMAIN.length + body.length);
  m.set(TX_DOMAIN, 0);
  m.set(body, TX_DOMAIN.length);
  return m;
}

export function txIdOfMessage(message: Uint8Array): Hex {
  return sha256Hex(message);
}

/** Sign a transaction with a key whose public key must equal `tx.from`. */
export function signTx(tx: Transaction, key: SigningKey): SignedTransaction {
  const body = encodeTxBody(tx);
  const message = txMessage(body);
  const sig = key.sign(message);
  const bytes = new Uint8Array(body.length + 64);
  bytes.set(body, 0);
  bytes.set(sig, body.length);
  return { ...tx, signature: toHex(sig), id: txIdOfMessage(message), message, bytes };
}

/** Bytes of a single-transfer transaction's body, and of the signed transaction (body + 64-byte signature). */
const TRANSFER_BODY_BYTES = 1 + 32 + 8 + 8 + 2 + 1 + 32 + 8;
export const TRANSFER_TX_BYTES = TRANSFER_BODY_BYTES + 64;
/** Where the nonce sits in a transfer's message (TX_DOMAIN | body). */
const TRANSFER_NONCE_AT = TX_DOMAIN.length + 1 + 32;

function setU64(dv: DataView, at: number, n: number): void {
  dv.setUint32(at, n % 0x1_0000_0000, true);
  dv.setUint32(at + 4, Math.floor(n / 0x1_0000_0000), true);
}

/** The message (TX_DOMAIN | body) a single-transfer transaction signs, written into `msg`. */
function writeTransferMessage(msg: Uint8Array, from: Uint8Array, nonce: number, fee: number, to: Uint8Array, amount: number): void {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  msg.set(TX_DOMAIN, 0);
  let o = TX_DOMAIN.length;
  msg[o++] = TX_VERSION;
  msg.set(from, o);
  o += 32;
  setU64(dv, o, nonce);
  o += 8;
  setU64(dv, o, fee);
  o += 8;
  dv.setUint16(o, 1, true);
  o += 2;
  msg[o++] = OP_TRANSFER;
  msg.set(to, o);
  o += 32;
  setU64(dv, o, amount);
}

/**
 * Fast path for the load generator: a single-transfer transaction encoded straight from bytes
 * (no hex round trips). Returns the signed bytes and the id.
 */
export function signTransferFast(key: SigningKey, nonce: number, fee: number, to: Uint8Array, amount: number): { bytes: Uint8Array; id: Hex } {
  const msg = new Uint8Array(TX_DOMAIN.length + TRANSFER_BODY_BYTES);
  writeTransferMessage(msg, key.publicKey, nonce, fee, to, amount);
  const sig = key.sign(msg);
  const bytes = new Uint8Array(TRANSFER_TX_BYTES);
  bytes.set(msg.subarray(TX_DOMAIN.length), 0);
  bytes.set(sig, TRANSFER_BODY_BYTES);
  return { bytes, id: txIdOfMessage(msg) };
}

/**
 * One sender's transfers (fixed fee, recipient and amount) signed by nonce into a caller's buffer, the same bytes
 * as signTransferFast, allocating nothing: one message is kept and only its nonce rewritten. The load workers'
 * hot path, where a buffer per transaction cost more than the engine's own work (bench/RESULTS.md, #15).
 */
export class TransferSigner {
  private readonly msg = new Uint8Array(TX_DOMAIN.length + TRANSFER_BODY_BYTES);
  private readonly body = this.msg.subarray(TX_DOMAIN.length);
  private readonly dv = new DataView(this.msg.buffer);
  private readonly sig = new Uint8Array(64);

  constructor(private readonly key: SigningKey, fee: number, to: Uint8Array, amount: number) {
    writeTransferMessage(this.msg, key.publicKey, 0, fee, to, amount);
  }

  /** Writes the transfer at `nonce` (TRANSFER_TX_BYTES) into `out` at `offset`; returns its length. */
  signInto(nonce: number, out: Uint8Array, offset: number): number {
    setU64(this.dv, TRANSFER_NONCE_AT, nonce);
    this.key.signInto(this.msg, this.sig);
    out.set(this.body, offset);
    out.set(this.sig, offset + TRANSFER_BODY_BYTES);
    return TRANSFER_TX_BYTES;
  }
}

/** The id of a signed transaction from its bytes (body, then the 64-byte signature). */
export function txIdOfBytes(bytes: Uint8Array): Hex {
  return txIdOfMessage(txMessage(bytes.subarray(0, bytes.length - 64)));
}

function readOp(r: ByteReader): Operation {
  const tag = r.u8('op tag');
  switch (tag) {
    case OP_TRANSFER:
      return { kind: 'transfer', to: toHex(r.bytes(32, 'transfer.to')), amount: r.u64('transfer.amount') };
    case OP_CHANNEL_INSCRIBE: {
      const channel = toHex(r.bytes(32, 'channel_inscribe.channel'));
      const len = r.u16('channel_inscribe.dataLen');
      if (len > MAX_INSCRIPTION_BYTES) throw new LoadnetError('LN_ERR_CODEC', `channel_inscribe.data: ${len} bytes, at most ${MAX_INSCRIPTION_BYTES}`);
      return { kind: 'channel_inscribe', channel, data: toHex(r.bytes(len, 'channel_inscribe.data')) };
    }
    case OP_CHANNEL_BLOB: {
      const blobId = toHex(r.bytes(32, 'channel_blob.blobId'));
      const size = r.u32('channel_blob.size');
      const channel = toHex(r.bytes(32, 'channel_blob.channel'));
      const parent = toHex(r.bytes(32, 'channel_blob.parent'));
      const n = r.u16('channel_blob.attCount');
      if (n > MAX_ATTESTATIONS) throw new LoadnetError('LN_ERR_CODEC', `channel_blob.attestations: ${n}, at most ${MAX_ATTESTATIONS}`);
      const attestations: Attestation[] = [];
      for (let i = 0; i < n; i++) attestations.push({ validator: toHex(r.bytes(32, 'attestation.validator')), signature: toHex(r.bytes(64, 'attestation.signature')) });
      return { kind: 'channel_blob', blobId, size, channel, parent, attestations };
    }
    case OP_STAKE_DECLARE:
      return { kind: 'stake_declare', amount: r.u64('stake_declare.amount') };
    case OP_STAKE_WITHDRAW:
      return { kind: 'stake_withdraw', amount: r.u64('stake_withdraw.amount') };
    default:
      throw new LoadnetError('LN_ERR_CODEC', `unknown op tag ${tag}; allowed: 1 transfer, 2 channel_inscribe, 3 channel_blob, 4 stake_declare, 5 stake_withdraw`);
  }
}

/** Decode the canonical signed bytes; throws LN_ERR_CODEC on anything malformed (never reads out of range). */
export function decodeTx(bytes: Uint8Array): SignedTransaction {
  if (bytes.length > MAX_TX_BYTES) throw new LoadnetError('LN_ERR_CODEC', `transaction is ${bytes.length} bytes, at most ${MAX_TX_BYTES}`);
  if (bytes.length < 64 + 1 + 32 + 8 + 8 + 2) throw new LoadnetError('LN_ERR_CODEC', `transaction is ${bytes.length} bytes, too short`);
  const bodyEnd = bytes.length - 64;
  const r = new ByteReader(bytes, 0, bodyEnd);
  const version = r.u8('version');
  if (version !== TX_VERSION) throw new LoadnetError('LN_ERR_CODEC', `transaction version ${version}; allowed: ${TX_VERSION}`);
  const from = toHex(r.bytes(32, 'from'));
  const nonce = r.u64('nonce');
  const fee = r.u64('fee');
  const count = r.u16('opCount');
  if (count === 0 || count > MAX_OPS) throw new LoadnetError('LN_ERR_CODEC', `opCount ${count}; allowed: 1 to ${MAX_OPS}`);
  const ops: Operation[] = [];
  for (let i = 0; i < count; i++) ops.push(readOp(r));
  if (r.remaining !== 0) throw new LoadnetError('LN_ERR_CODEC', `${r.remaining} trailing bytes after the operations`);
  const body = bytes.subarray(0, bodyEnd);
  const message = txMessage(body);
  return { from, nonce, fee, ops, signature: toHex(bytes.subarray(bodyEnd)), id: txIdOfMessage(message), message, bytes: bytes.slice() };
}

/** Check the signature of a decoded transaction. */
export function verifyTx(tx: SignedTransaction, backend: Ed25519Backend): boolean {
  return backend.verify(fromHex(tx.signature, 64, 'signature'), tx.message, fromHex(tx.from, 32, 'from'));
}

export function txToJson(tx: SignedTransaction): SignedTransactionJson {
  return { id: tx.id, from: tx.from, nonce: tx.nonce, fee: tx.fee, ops: tx.ops, signature: tx.signature };
}

/** Decode the JSON form: re-encodes canonically, so the id and signature check are the binary ones. */
export function txFromJson(json: unknown): SignedTransaction {
  return decodeTx(txBytesFromJson(json));
}

/**
 * The canonical signed bytes of the JSON form, not decoded: the node's admission answers an over-size
 * transaction as too_large (decoding first would call it malformed).
 */
export function txBytesFromJson(json: unknown): Uint8Array {
  if (typeof json !== 'object' || json === null) throw new LoadnetError('LN_ERR_CODEC', 'transaction JSON must be an object');
  const j = json as Partial<SignedTransactionJson>;
  for (const f of ['from', 'signature'] as const) if (typeof j[f] !== 'string') throw new LoadnetError('LN_ERR_CODEC', `transaction JSON: ${f} must be a hex string`);
  for (const f of ['nonce', 'fee'] as const) if (!Number.isSafeInteger(j[f]) || (j[f] as number) < 0) throw new LoadnetError('LN_ERR_CODEC', `transaction JSON: ${f} must be a non-negative integer`);
  if (!Array.isArray(j.ops)) throw new LoadnetError('LN_ERR_CODEC', 'transaction JSON: ops must be an array');
  for (const op of j.ops) {
    if ((op?.kind === 'transfer' || op?.kind === 'stake_declare' || op?.kind === 'stake_withdraw') && (!Number.isSafeInteger(op.amount) || op.amount < 0)) throw new LoadnetError('LN_ERR_CODEC', `${op.kind}.amount must be a non-negative integer`);
    if (op?.kind === 'channel_blob' && (!Number.isInteger(op.size) || op.size < 0 || op.size > 0xffffffff || !Array.isArray(op.attestations))) throw new LoadnetError('LN_ERR_CODEC', 'channel_blob: size must be a u32 and attestations an array');
  }
  const body = encodeTxBody({ from: j.from!, nonce: j.nonce!, fee: j.fee!, ops: j.ops });
  const sig = fromHex(j.signature!, 64, 'signature');
  const bytes = new Uint8Array(body.length + 64);
  bytes.set(body, 0);
  bytes.set(sig, body.length);
  return bytes;
}

/** Batch form for POST /mempool/add/txs: count u32 | (len u32 | signed tx)*. */
export function encodeTxBatch(txs: readonly Uint8Array[]): Uint8Array {
  let total = 4;
  for (const t of txs) total += 4 + t.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, txs.length, true);
  let o = 4;
  for (const t of txs) {
    dv.setUint32(o, t.length, true);
    out.set(t, o + 4);
    o += 4 + t.length;
  }
  return out;
}

/** Split a batch into its transactions' bytes (views, no copy). Throws LN_ERR_CODEC on a bad frame. */
export function decodeTxBatch(buf: Uint8Array, maxCount = 100_000): Uint8Array[] {
  const at = txBatchOffsets(buf, maxCount);
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < at.length; i++) out.push(buf.subarray(at[i]! + 4, at[i + 1]!));
  return out;
}

/**
 * Check a batch frame and find its transactions without creating a view per transaction: entry i is
 * buf.subarray(at[i] + 4, at[i + 1]) (a huge batch is then looked at a window at a time).
 */
export function txBatchOffsets(buf: Uint8Array, maxCount = 100_000): Uint32Array {
  const r = new ByteReader(buf);
  const n = r.u32('batch count');
  if (n > maxCount) throw new LoadnetError('LN_ERR_CODEC', `batch of ${n} transactions, at most ${maxCount}`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const at = new Uint32Array(n + 1);
  let o = 4;
  for (let i = 0; i < n; i++) {
    if (o + 4 > buf.length) throw new LoadnetError('LN_ERR_CODEC', `truncated input: tx length needs 4 bytes at offset ${o}, ${buf.length - o} left`);
    // An item over MAX_TX_BYTES is framed like any other: admission answers it too_large, alone.
    const len = dv.getUint32(o, true);
    if (o + 4 + len > buf.length) throw new LoadnetError('LN_ERR_CODEC', `truncated input: tx ${i} needs ${len} bytes at offset ${o + 4}, ${buf.length - o - 4} left`);
    at[i] = o;
    o += 4 + len;
  }
  at[n] = o;
  if (o !== buf.length) throw new LoadnetError('LN_ERR_CODEC', `${buf.length - o} trailing bytes after the batch`);
  return at;
}

/** Sum of transfer amounts (what the sender pays to others besides the fee). */
export function txTransferTotal(tx: Transaction): number {
  let s = 0;
  for (const op of tx.ops) if (op.kind === 'transfer') s += op.amount;
  return s;
}

/** Stake the transaction bonds minus stake it withdraws (what moves between the sender's balance and its stake). */
export function txStakeDelta(tx: Transaction): number {
  let s = 0;
  for (const op of tx.ops) if (op.kind === 'stake_declare') s += op.amount;
  else if (op.kind === 'stake_withdraw') s -= op.amount;
  return s;
}

/** What the sender's balance must cover: the fee, its transfers and the stake it declares (withdrawals come after). */
export function txSpend(tx: Transaction): number {
  let s = tx.fee;
  for (const op of tx.ops) if (op.kind === 'transfer' || op.kind === 'stake_declare') s += op.amount;
  return s;
}
