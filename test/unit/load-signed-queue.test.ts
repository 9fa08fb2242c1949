import { describe, expect, it } from 'vitest';
import { SignedQueue, packedCall, submitCallOf } from '../../workers/signed-queue.js';
import { createTxFactory } from '../../src/adapters/devnet/tx-factory.js';
import { ed25519Backend } from '../../src/adapters/devnet/wire/ed25519.js';
import { deriveSeed } from '../../src/adapters/devnet/wire/keys.js';
import { decodeTx, encodeTxBatch } from '../../src/adapters/devnet/wire/tx.js';
import { toHex } from '../../src/util/bytes.js';
import type { WorkerTxFactory } from '../../src/adapters/seam.js';

const wallets = [0, 1, 2].map((index) => ({ index, secret: toHex(deriveSeed('signed-queue', 'wallet', index)) }));
const recipients = wallets.map((w) => toHex(ed25519Backend('sodium').keyFromSeed(Buffer.from(w.secret, 'hex')).publicKey));
const devnet = () => createTxFactory({ wallets, recipients, params: { fee: 2, amount: 7 }, options: {} });
/** The devnet factory as an adapter written against the seam's required members only (no signInto, no submitPacked). */
const plain = (): WorkerTxFactory => {
  const f = devnet();
  return { addresses: f.addresses, sign: (s, n) => f.sign(s, n), submitCall: (t) => f.submitCall(t), submitAnswers: (s, b, c) => f.submitAnswers(s, b, c), nonceCall: (a) => f.nonceCall(a), nonceAnswer: (s, b) => f.nonceAnswer(s, b) };
};
const all = () => true;
const head = <T,>(xs: ArrayLike<T>, n: number): T[] => Array.from(xs).slice(0, n);
const bodyOf = (call: { body?: string | Uint8Array }) => call.body as Uint8Array;

describe('signed queue', () => {
  it('signs into one buffer the same bytes and ids as sign(), and a taken batch is the devnet batch frame', () => {
    const f = devnet();
    const q = new SignedQueue(f, true);
    const want: { bytes: Uint8Array; id: string }[] = [];
    for (let i = 0; i < 5; i++) {
      q.push(i % 3, 40 + i);
      want.push(f.sign(i % 3, 40 + i));
    }
    const b = q.take(4, all)!;
    expect(b.count).toBe(4);
    expect(head(b.slot, b.count)).toEqual([0, 1, 2, 0]);
    expect(head(b.nonce, b.count)).toEqual([40, 41, 42, 43]);
    expect(head(b.ids!, b.count)).toEqual(want.slice(0, 4).map((w) => w.id));
    for (let j = 0; j < 4; j++) expect(b.txBytes(j)).toEqual(want[j]!.bytes);
    const call = packedCall(f, b.body, b.count, () => b.views());
    expect(bodyOf(call)).toEqual(encodeTxBatch(want.slice(0, 4).map((w) => w.bytes)));
    expect(decodeTx(b.txBytes(3))).toMatchObject({ nonce: 43, fee: 2, ops: [{ kind: 'transfer', amount: 7 }] });
    expect(q.length).toBe(1);
  });

  it('signs the same bytes with every ed25519 backend', () => {
    for (const backend of ['node', 'noble']) {
      const f = createTxFactory({ wallets, recipients, params: { fee: 2, amount: 7, backend }, options: {} });
      const q = new SignedQueue(f, true);
      q.push(1, 5);
      const b = q.take(1, all)!;
      expect([b.txBytes(0), b.txId(0)]).toEqual([devnet().sign(1, 5).bytes, devnet().sign(1, 5).id]);
    }
  });

  it('makes no ids when nobody reads them', () => {
    const q = new SignedQueue(devnet(), false);
    q.push(0, 1);
    const b = q.take(1, all)!;
    expect(b.ids).toBeUndefined();
    expect(b.txId(0)).toBe('');
  });

  it('skips stale transactions when taking, keeping the rest in order', () => {
    const f = devnet();
    const q = new SignedQueue(f, true);
    for (let n = 0; n < 6; n++) q.push(n % 2, n);
    const current = (slot: number, nonce: number) => !(slot === 1 && nonce < 4); // wallet 1's nonces 1 and 3 are on chain
    expect(q.countCurrent(10, current)).toBe(4);
    const b = q.take(3, current)!;
    expect(head(b.nonce, b.count)).toEqual([0, 2, 4]);
    expect(bodyOf(packedCall(f, b.body, b.count, () => b.views()))).toEqual(encodeTxBatch([0, 2, 4].map((n) => f.sign(0, n).bytes)));
    expect(q.length).toBe(1); // nonce 5 left; the stale 1 and 3 were dropped on the way
    expect(q.take(3, () => false)).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('keeps every transaction intact across compaction and growth', () => {
    const f = devnet();
    const q = new SignedQueue(f, true);
    let next = 0;
    let taken = 0;
    // Fill past the initial capacity (512 entries, 64 KiB), take part, fill more: compaction and growth both happen.
    for (const [push, take] of [[700, 300], [900, 1000], [2000, 1500], [50, 850]] as const) {
      for (let i = 0; i < push; i++, next++) q.push(next % 3, next);
      let left = take;
      while (left > 0) {
        const b = q.take(Math.min(left, 100), all)!;
        for (let j = 0; j < b.count; j++) {
          const n = taken + j;
          expect(b.nonce[j]).toBe(n);
          const want = f.sign(n % 3, n);
          expect(b.txBytes(j)).toEqual(want.bytes);
          expect(b.txId(j)).toBe(want.id);
        }
        taken += b.count;
        left -= b.count;
      }
    }
    expect(taken).toBe(next);
    expect(q.length).toBe(0);
  });

  it('works with a factory that has only sign() and submitCall()', () => {
    const f = plain();
    const q = new SignedQueue(f, true);
    for (let n = 0; n < 3; n++) q.push(n, n);
    const b = q.take(3, all)!;
    expect(head(b.ids!, b.count)).toEqual([0, 1, 2].map((n) => f.sign(n, n).id));
    expect(bodyOf(packedCall(f, b.body, b.count, () => b.views()))).toEqual(encodeTxBatch([0, 1, 2].map((n) => f.sign(n, n).bytes)));
  });

  it('refuses a factory that signs into a buffer without saying how large a transaction gets', () => {
    const f = devnet();
    const noMax: WorkerTxFactory = { ...plain(), signInto: (s, n, out, o) => f.signInto!(s, n, out, o) };
    expect(() => new SignedQueue(noMax, false)).toThrow(/signInto needs maxTxBytes.*positive integer.*got undefined/);
  });

  it('packs re-submitted transactions into the same frame', () => {
    const f = devnet();
    const txs = [f.sign(0, 3).bytes, f.sign(2, 9).bytes];
    expect(bodyOf(submitCallOf(f, txs))).toEqual(encodeTxBatch(txs));
    expect(bodyOf(submitCallOf(plain(), txs))).toEqual(encodeTxBatch(txs));
  });
});
