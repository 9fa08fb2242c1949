/** Hex and a tiny binary writer/reader for the canonical encodings. Hex is lowercase, without 0x. */
import { LoadnetError } from '../errors.js';

export type Hex = string;

export function toHex(bytes: Uint8Array): Hex {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const HEX_RE = /^[0-9a-f]*$/;

/** Decode lowercase hex; `len` (in bytes) is enforced when given. */
export function fromHex(hex: string, len?: number, field = 'hex'): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !HEX_RE.test(hex)) {
    throw new LoadnetError('LN_ERR_CODEC', `${field}: expected lowercase hex without 0x, got ${JSON.stringify(String(hex).slice(0, 80))}`);
  }
  if (len !== undefined && hex.length !== len * 2) {
    throw new LoadnetError('LN_ERR_CODEC', `${field}: expected ${len} bytes (${len * 2} hex chars), got ${hex.length / 2} bytes`);
  }
  const b = Buffer.from(hex, 'hex');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const TWO_32 = 0x1_0000_0000;

/** Growable little-endian writer. u64 values are JS numbers up to Number.MAX_SAFE_INTEGER. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
    return this;
  }

  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new LoadnetError('LN_ERR_CODEC', `u64: ${v} is not a non-negative safe integer`);
    this.ensure(8);
    this.view.setUint32(this.length, v % TWO_32, true);
    this.view.setUint32(this.length + 4, Math.floor(v / TWO_32), true);
    this.length += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Bounds-checked reader: every overrun is an LN_ERR_CODEC, never an out-of-range read. */
export class ByteReader {
  private readonly view: DataView;
  offset: number;

  constructor(readonly buf: Uint8Array, offset = 0, readonly end = buf.length) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.offset = offset;
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.end) throw new LoadnetError('LN_ERR_CODEC', `truncated input: ${what} needs ${n} bytes at offset ${this.offset}, ${this.end - this.offset} left`);
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.offset++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u64(what = 'u64'): number {
    this.need(8, what);
    const lo = this.view.getUint32(this.offset, true);
    const hi = this.view.getUint32(this.offset + 4, true);
    if (hi >= 0x20_0000) throw new LoadnetError('LN_ERR_CODEC', `${what}: value exceeds 2^53-1`);
    this.offset += 8;
    return hi * TWO_32 + lo;
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
}
