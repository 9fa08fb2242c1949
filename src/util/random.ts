/**
 * Seeded PRNG (mulberry32): small, fast and good enough for schedules, sizes and target choice, so a
 * scenario's seed replays the same fault schedule, blob sizes and target picks.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A copy of `bytes` with 1 to 3 distinct bits flipped, drawn from `random` (the fuzzers' bit-flip mutation):
 * distinct, since two flips of one bit would give back the valid original.
 */
export function flipDistinctBits(bytes: Uint8Array, random: () => number): Uint8Array {
  const int = (below: number) => Math.floor(random() * below);
  const out = bytes.slice();
  const bits = new Set<number>();
  const flips = 1 + int(3);
  while (bits.size < flips) bits.add(int(out.length * 8));
  for (const b of bits) out[b >> 3]! ^= 1 << (b & 7);
  return out;
}
