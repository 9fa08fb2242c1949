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
