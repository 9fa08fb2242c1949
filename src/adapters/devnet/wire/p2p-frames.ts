/**
 * Wire format of the devnet P2P layer: length-prefixed binary frames over a persistent TCP stream.
 *
 *   frame = length u32 LE (bytes of type + payload) | type u8 | payload
 *
 * Message payloads (little-endian):
 *   HELLO      version u8 | chainIdLen u16 | chainId | peerId 32 | challenge 32 | session 16 | listenPort u16 | nameLen u8 | name
 *   AUTH       signature 64 (see p2p-handshake.ts)
 *   DISCONNECT reasonLen u16 | reason (utf-8), sent before closing so the other side can log why
 *   PING/PONG  nonce u32
 *   TXS        count u32 | (len u32 | tx)*      (small transactions coalesced into one frame per tick)
 *   BLOCK      block bytes
 *   BLOCK_REQ  reqId u32 | max u32 | fromHeight u64+1 (0 = absent) | toHeight u64+1 | idCount u16 | id 32*
 *   BLOCK_RESP reqId u32 | count u32 | (len u32 | block)*
 *   SHARE_REQ  reqId u32 | share bytes
 *   SHARE_RESP reqId u32 | present u8 | reply bytes
 *   PEERS      count u16 | (peerId 32 | port u16 | hostLen u8 | host)*   (address book exchange)
 */
import { ByteReader, ByteWriter, fromHex, toHex } from '../../../util/bytes.js';
import { LoadnetError } from '../../../errors.js';

export const MsgType = {
  hello: 1,
  auth: 2,
  disconnect: 3,
  ping: 4,
  pong: 5,
  txs: 16,
  block: 17,
  blockReq: 18,
  blockResp: 19,
  shareReq: 20,
  shareResp: 21,
  peers: 22,
} as const;
export type MsgTypeCode = (typeof MsgType)[keyof typeof MsgType];

export const FRAME_HEADER_BYTES = 5;
/** Default largest frame (type + payload); a block response of several full blocks fits. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** One frame: header + payload in a single buffer (what the socket writes). */
export function encodeFrame(type: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length + 1, 0);
  out[4] = type;
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** A frame carrying a list of byte strings (`count u32 | (len u32 | item)*`) after an optional prefix. */
export function encodeListFrame(type: number, items: readonly Uint8Array[], prefix?: Uint8Array): Buffer {
  let size = (prefix?.length ?? 0) + 4;
  for (const it of items) size += 4 + it.length;
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + size);
  out.writeUInt32LE(size + 1, 0);
  out[4] = type;
  let o = FRAME_HEADER_BYTES;
  if (prefix) {
    out.set(prefix, o);
    o += prefix.length;
  }
  out.writeUInt32LE(items.length, o);
  o += 4;
  for (const it of items) {
    out.writeUInt32LE(it.length, o);
    out.set(it, o + 4);
    o += 4 + it.length;
  }
  return out;
}

/** Split a `count u32 | (len u32 | item)*` list into views (no copy). Throws LN_ERR_CODEC when malformed. */
export function decodeList(r: ByteReader, maxCount: number, what: string): Uint8Array[] {
  const n = r.u32(`${what} count`);
  if (n > maxCount) throw new LoadnetError('LN_ERR_CODEC', `${what}: ${n} items, at most ${maxCount}`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.bytes(r.u32(`${what} length`), `${what} ${i}`));
  if (r.remaining !== 0) throw new LoadnetError('LN_ERR_CODEC', `${what}: ${r.remaining} trailing bytes`);
  return out;
}

export interface BlockRequest {
  ids?: string[];
  fromHeight?: number;
  toHeight?: number;
  max: number;
}

export const MAX_REQUEST_IDS = 1024;

export function encodeBlockRequest(reqId: number, req: BlockRequest): Uint8Array {
  const ids = req.ids ?? [];
  if (ids.length > MAX_REQUEST_IDS) throw new LoadnetError('LN_ERR_CODEC', `block request: ${ids.length} ids, at most ${MAX_REQUEST_IDS}`);
  const w = new ByteWriter(32 + ids.length * 32);
  w.u32(reqId).u32(Math.max(0, Math.min(req.max, 0xffffffff)));
  w.u64(req.fromHeight === undefined ? 0 : req.fromHeight + 1).u64(req.toHeight === undefined ? 0 : req.toHeight + 1);
  w.u16(ids.length);
  for (const id of ids) w.bytes(fromHex(id, 32, 'block request id'));
  return w.finish();
}

export function decodeBlockRequest(payload: Uint8Array): { reqId: number; req: BlockRequest } {
  const r = new ByteReader(payload);
  const reqId = r.u32('reqId');
  const max = r.u32('max');
  const from = r.u64('fromHeight');
  const to = r.u64('toHeight');
  const n = r.u16('idCount');
  if (n > MAX_REQUEST_IDS) throw new LoadnetError('LN_ERR_CODEC', `block request: ${n} ids, at most ${MAX_REQUEST_IDS}`);
  const req: BlockRequest = { max };
  if (n > 0) {
    req.ids = [];
    for (let i = 0; i < n; i++) req.ids.push(toHex(r.bytes(32, 'block request id')));
  }
  if (from > 0) req.fromHeight = from - 1;
  if (to > 0) req.toHeight = to - 1;
  if (r.remaining !== 0) throw new LoadnetError('LN_ERR_CODEC', `block request: ${r.remaining} trailing bytes`);
  return { reqId, req };
}

export function u32Prefix(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function encodeReason(reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason.slice(0, 500));
  return new ByteWriter(text.length + 2).u16(text.length).bytes(text).finish();
}

export function decodeReason(payload: Uint8Array): string {
  try {
    const r = new ByteReader(payload);
    return new TextDecoder().decode(r.bytes(r.u16()));
  } catch {
    return '(unreadable reason)';
  }
}

/**
 * Incremental frame parser. Chunks are kept in a list and joined once per frame, so a 16 MB frame arriving
 * in 64 KB reads costs one copy, not a quadratic series of concatenations.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1; // total bytes of the frame being read, -1 while the header is incomplete

  /** Largest frame accepted; the connection keeps it small until the handshake is done. */
  constructor(public maxFrameBytes: number) {}

  /** Feed bytes; returns complete frames. Throws LN_ERR_CODEC on a zero-length or oversized frame. */
  push(chunk: Buffer): Array<{ type: number; payload: Buffer }> {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Array<{ type: number; payload: Buffer }> = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const head = this.peekHeader();
        if (head === 0) throw new LoadnetError('LN_ERR_CODEC', 'empty frame');
        if (head > this.maxFrameBytes) throw new LoadnetError('LN_ERR_CODEC', `frame of ${head} bytes, at most ${this.maxFrameBytes}`);
        this.need = head + 4;
      }
      if (this.buffered < this.need) break;
      const frame = this.take(this.need);
      this.need = -1;
      out.push({ type: frame[4]!, payload: frame.subarray(FRAME_HEADER_BYTES) });
    }
    return out;
  }

  private peekHeader(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32LE(0);
    return this.take(this.buffered, true).readUInt32LE(0);
  }

  /** Remove n bytes from the front (or, with keep, just join everything into one chunk). */
  private take(n: number, keep = false): Buffer {
    const first = this.chunks[0]!;
    let joined: Buffer;
    if (first.length >= n) {
      joined = first;
    } else {
      joined = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [joined];
    }
    if (keep) return joined;
    const frame = joined.subarray(0, n);
    const rest = joined.subarray(n);
    if (rest.length > 0) this.chunks[0] = rest;
    else this.chunks.shift();
    this.buffered -= n;
    return frame;
  }
}

export interface PeerAddressEntry {
  id: string;
  host: string;
  port: number;
}

export const MAX_PEER_ENTRIES = 1024;

export function encodePeers(entries: readonly PeerAddressEntry[]): Uint8Array {
  const list = entries.slice(0, MAX_PEER_ENTRIES);
  const w = new ByteWriter(2 + list.length * 64).u16(list.length);
  for (const e of list) {
    const host = new TextEncoder().encode(e.host).subarray(0, 255);
    w.bytes(fromHex(e.id, 32, 'peer id')).u16(e.port).u8(host.length).bytes(host);
  }
  return w.finish();
}

export function decodePeers(payload: Uint8Array): PeerAddressEntry[] {
  const r = new ByteReader(payload);
  const n = r.u16('peer count');
  if (n > MAX_PEER_ENTRIES) throw new LoadnetError('LN_ERR_CODEC', `peers: ${n} entries, at most ${MAX_PEER_ENTRIES}`);
  const out: PeerAddressEntry[] = [];
  for (let i = 0; i < n; i++) {
    const id = toHex(r.bytes(32, 'peer id'));
    const port = r.u16('port');
    const host = new TextDecoder().decode(r.bytes(r.u8('host length'), 'host'));
    out.push({ id, host, port });
  }
  if (r.remaining !== 0) throw new LoadnetError('LN_ERR_CODEC', `peers: ${r.remaining} trailing bytes`);
  return out;
}
