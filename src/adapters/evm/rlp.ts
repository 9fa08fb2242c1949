/**
 * RLP encoding (Ethereum's recursive length prefix), encode only: what signing a transaction needs. Our
 * own: a transfer is a fixed list of a few integers and byte strings, and the hot path signs tens of
 * thousands a second per core; a general library's input normalisation would allocate more per field.
 */

export type RlpItem = Uint8Array | readonly RlpItem[];

function lengthPrefix(len: number, offset: number): Uint8Array {
  if (len < 56) return Uint8Array.of(offset + len);
  const bytes: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Uint8Array.of(offset + 55 + bytes.length, ...bytes);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function rlpEncode(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) return item;
    return concat([lengthPrefix(item.length, 0x80), item]);
  }
  const body = concat((item as readonly RlpItem[]).map(rlpEncode));
  return concat([lengthPrefix(body.length, 0xc0), body]);
}

/** A non-negative integer as RLP wants it: big-endian, no leading zeros (zero is the empty string). */
export function rlpInt(v: number | bigint): Uint8Array {
  let x = BigInt(v);
  if (x < 0n) throw new RangeError(`rlpInt: negative ${x}`);
  const bytes: number[] = [];
  while (x > 0n) {
    bytes.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  return Uint8Array.from(bytes);
}

/**
 * Strict RLP decoding of one item filling `bytes` (what the fuzzer's own validity check reads back): every
 * length in its shortest form, no single byte below 0x80 wrapped, nothing left over. Throws RangeError.
 */
export function rlpDecode(bytes: Uint8Array): RlpItem {
  const [item, end] = decodeAt(bytes, 0);
  if (end !== bytes.length) throw new RangeError(`rlp: ${bytes.length - end} bytes after the item`);
  return item;
}

function decodeAt(b: Uint8Array, at: number): [RlpItem, number] {
  const p = b[at];
  if (p === undefined) throw new RangeError('rlp: truncated');
  if (p < 0x80) return [b.subarray(at, at + 1), at + 1];
  const isList = p >= 0xc0;
  const short = p - (isList ? 0xc0 : 0x80);
  let start = at + 1;
  let len = short;
  if (short > 55) {
    const n = short - 55;
    if (start + n > b.length || b[start] === 0) throw new RangeError('rlp: bad long length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    if (len < 56) throw new RangeError('rlp: long form for a short length');
    start += n;
  }
  const end = start + len;
  if (end > b.length) throw new RangeError('rlp: truncated');
  if (!isList) {
    if (len === 1 && b[start]! < 0x80) throw new RangeError('rlp: single byte not in canonical form');
    return [b.subarray(start, end), end];
  }
  const items: RlpItem[] = [];
  for (let i = start; i < end; ) {
    const [item, next] = decodeAt(b, i);
    if (next > end) throw new RangeError('rlp: item overruns its list');
    items.push(item);
    i = next;
  }
  return [items, end];
}
