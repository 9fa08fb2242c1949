/** Pure parts of the P2P layer: frame codec and decoder, handshake signatures, seen cache, peer score. */
import { describe, expect, it } from 'vitest';
import { deriveKeyPair } from '../../src/adapters/devnet/wire/keys.js';
import { ByteReader } from '../../src/util/bytes.js';
import { FrameDecoder, MsgType, decodeBlockRequest, decodeList, encodeBlockRequest, encodeFrame, encodeListFrame, u32Prefix } from '../../src/adapters/devnet/wire/p2p-frames.js';
import { P2P_VERSION, decodeHello, encodeHello, newChallenge, newSession, signAuth, verifyAuth } from '../../src/adapters/devnet/wire/p2p-handshake.js';
import { SeenCache, bit } from '../../src/node/p2p/seen-cache.js';
import { DEFAULT_LIMITS, PeerScore } from '../../src/node/p2p/peer-score.js';

describe('frames', () => {
  it('decodes frames split at every byte boundary and coalesced several per chunk', () => {
    const frames = [encodeFrame(MsgType.block, new Uint8Array(1000).fill(3)), encodeFrame(MsgType.ping, new Uint8Array(4)), encodeListFrame(MsgType.txs, [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([9])])];
    const stream = Buffer.concat(frames);
    for (const step of [1, 2, 5, 7, 333, stream.length]) {
      const d = new FrameDecoder(1 << 20);
      const got: Array<{ type: number; payload: Buffer }> = [];
      for (let o = 0; o < stream.length; o += step) got.push(...d.push(stream.subarray(o, o + step)));
      expect(got.map((f) => f.type)).toEqual([MsgType.block, MsgType.ping, MsgType.txs]);
      expect(got[0]!.payload.equals(Buffer.alloc(1000, 3))).toBe(true);
      expect(decodeList(new ByteReader(got[2]!.payload), 10, 'txs').map((x) => Array.from(x))).toEqual([[1, 2], [], [9]]);
    }
  });

  it('rejects oversized and empty frames before buffering them', () => {
    const d = new FrameDecoder(100);
    const big = Buffer.alloc(5);
    big.writeUInt32LE(101, 0);
    expect(() => d.push(big)).toThrow(/at most 100/);
    expect(() => new FrameDecoder(100).push(Buffer.alloc(5))).toThrow(/empty frame/);
  });

  it('list decoding never reads out of range', () => {
    const good = encodeListFrame(MsgType.txs, [new Uint8Array(10)]).subarray(5);
    for (let cut = 0; cut < good.length; cut++) expect(() => decodeList(new ByteReader(good.subarray(0, cut)), 10, 'txs')).toThrow();
    expect(() => decodeList(new ByteReader(Buffer.concat([good, Buffer.from([0])])), 10, 'txs')).toThrow(/trailing/);
    expect(() => decodeList(new ByteReader(u32Prefix(11)), 10, 'txs')).toThrow(/at most 10/);
  });

  it('round-trips block requests, absent fields stay absent', () => {
    const ids = ['ab'.repeat(32), 'cd'.repeat(32)];
    expect(decodeBlockRequest(encodeBlockRequest(7, { ids, max: 3 }))).toEqual({ reqId: 7, req: { ids, max: 3 } });
    expect(decodeBlockRequest(encodeBlockRequest(8, { fromHeight: 0, toHeight: 99, max: 100 }))).toEqual({ reqId: 8, req: { fromHeight: 0, toHeight: 99, max: 100 } });
  });
});

describe('handshake', () => {
  const a = deriveKeyPair('unit', 'node', 0).key;
  const b = deriveKeyPair('unit', 'node', 1).key;
  const helloOf = (k: typeof a) => ({ version: P2P_VERSION, chainId: 'c', peerId: k.publicKey, challenge: newChallenge(), session: newSession(), listenPort: 4000, name: 'x' });

  it('round-trips HELLO', () => {
    const h = helloOf(a);
    expect(decodeHello(encodeHello(h))).toEqual(h);
  });

  it('accepts only a signature by the claimed key, over our challenge, on our chain', () => {
    const hb = helloOf(b);
    const ha = helloOf(a);
    const sig = signAuth(a, 'c', hb); // a answers b's challenge
    expect(verifyAuth(sig, 'c', hb.challenge, a.publicKey, b.publicKey)).toBe(true);
    expect(verifyAuth(sig, 'other', hb.challenge, a.publicKey, b.publicKey)).toBe(false);
    expect(verifyAuth(sig, 'c', ha.challenge, a.publicKey, b.publicKey)).toBe(false);
    expect(verifyAuth(sig, 'c', hb.challenge, b.publicKey, b.publicKey)).toBe(false);
    expect(verifyAuth(sig, 'c', hb.challenge, a.publicKey, a.publicKey)).toBe(false);
    expect(verifyAuth(sig.subarray(1), 'c', hb.challenge, a.publicKey, b.publicKey)).toBe(false);
  });
});

describe('seen cache', () => {
  it('bounds entries by count and age, oldest first', () => {
    let now = 0;
    const c = new SeenCache(3, 1_000, () => now);
    for (const k of ['a', 'b', 'c', 'd']) c.touch(k);
    expect(c.size).toBe(3);
    expect(c.get('a')).toBeUndefined();
    now = 2_000;
    c.touch('e');
    expect(c.size).toBe(1);
    expect(c.touch('e').created).toBe(false);
  });

  it('quarantines freed slots for the age bound', () => {
    let now = 0;
    const c = new SeenCache(10, 1_000, () => now);
    const slots = Array.from({ length: 31 }, () => c.allocSlot());
    expect(new Set(slots).size).toBe(31);
    expect(c.allocSlot()).toBe(-1);
    c.freeSlot(5);
    expect(c.allocSlot()).toBe(-1);
    now = 1_000;
    expect(c.allocSlot()).toBe(5);
    expect(bit(-1)).toBe(0);
    expect(bit(30)).toBe(1 << 30);
  });
});

describe('peer score', () => {
  it('rate-limits with a token bucket that refills over time', () => {
    let now = 0;
    const s = new PeerScore({ ...DEFAULT_LIMITS, ratePerSec: 100, burst: 10 }, () => now);
    let admitted = 0;
    for (let i = 0; i < 50; i++) if (s.admit(1)) admitted++;
    expect(admitted).toBe(10);
    now = 50; // +5 tokens
    admitted = 0;
    for (let i = 0; i < 50; i++) if (s.admit(1)) admitted++;
    expect(admitted).toBe(5);
  });

  it('caps the rate-limit penalty per second: a burst throttles, only a sustained flood disconnects', () => {
    let now = 0;
    const s = new PeerScore({ ...DEFAULT_LIMITS, recoverPerSec: 0 }, () => now);
    for (let i = 0; i < 100_000; i++) s.penalizeThrottled();
    expect(s.value).toBeCloseTo(-DEFAULT_LIMITS.maxThrottledPenaltyPerSec, 5);
    for (let sec = 1; sec <= 10; sec++) {
      now = sec * 1000;
      for (let i = 0; i < 100_000; i++) s.penalizeThrottled();
    }
    expect(s.shouldDisconnect).toBe(true);
  });

  it('throttles below the threshold (a tenth of the rate), disconnects lower, recovers with time', () => {
    let now = 0;
    const s = new PeerScore({ ...DEFAULT_LIMITS, ratePerSec: 100, burst: 100, recoverPerSec: 10 }, () => now);
    for (let i = 0; i < 100; i++) s.admit(1);
    s.penalize(60);
    expect(s.throttled).toBe(true);
    expect(s.shouldDisconnect).toBe(false);
    now = 100; // 0.1 s: 1 token at the throttled rate instead of 10
    let admitted = 0;
    for (let i = 0; i < 20; i++) if (s.admit(1)) admitted++;
    expect(admitted).toBeLessThanOrEqual(2);
    s.penalize(50);
    expect(s.shouldDisconnect).toBe(true);
    now = 100 + 20_000;
    expect(s.value).toBe(0);
    expect(s.throttled).toBe(false);
  });
});
