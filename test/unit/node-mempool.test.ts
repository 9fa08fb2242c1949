/**
 * The mempool on its own: nonce queues and the block-building order, eviction of the lowest fee with
 * the same sender's later nonces, TTL expiry, removal of included and stale transactions, and the
 * verified-id cache that spares block import a second signature check.
 */
import { describe, expect, it } from 'vitest';
import { deriveKeyPair, fastestEd25519, signTx } from '../../src/adapters/devnet/wire/index.js';
import { Mempool } from '../../src/node/mempool.js';
import { Ledger, Undo } from '../../src/node/ledger.js';
import { TxVerifier } from '../../src/node/tx-verifier.js';
import { selectTransactions } from '../../src/node/block-producer.js';

const A = deriveKeyPair('unit-mempool', 'wallet', 0);
const B = deriveKeyPair('unit-mempool', 'wallet', 1);
const C = deriveKeyPair('unit-mempool', 'wallet', 2);
const to = deriveKeyPair('unit-mempool', 'wallet', 9).publicKey;

function setup(maxCount = 100, ttlMs = 1000) {
  const ledger = new Ledger({ chainId: 'u', timeMs: 0, epochNonce: '00', accounts: [A, B, C].map((k) => ({ publicKey: k.publicKey, balance: 1000 })), validators: [] }, 'burn');
  const verifier = new TxVerifier(fastestEd25519(), () => false);
  const pool = new Mempool({ maxCount, maxBytes: 1 << 20, maxNonceGap: 10, ttlMs, minFee: 1 }, 1 << 20, verifier, (pk) => ledger.account(pk));
  return { ledger, verifier, pool };
}
const tx = (k: typeof A, nonce: number, fee = 1, amount = 1) => signTx({ from: k.publicKey, nonce, fee, ops: [{ kind: 'transfer', to, amount }] }, k.key);

describe('mempool', () => {
  const names = (txs: ReadonlyArray<{ from: string; nonce: number }>) => txs.map((t) => `${t.from === A.publicKey ? 'A' : t.from === B.publicKey ? 'B' : 'C'}${t.nonce}`);

  it('with fee ordering off: orders a block by sender arrival and consecutive nonces, skipping gaps', () => {
    const { pool, ledger } = setup();
    for (const t of [tx(A, 1), tx(B, 0), tx(A, 0), tx(C, 1), tx(B, 1)]) expect(pool.admit(t, 0).result).toBe('ok');
    const picked = selectTransactions(ledger, pool, to, { maxTxs: 100, maxBytes: 1 << 20 }, false);
    expect(names(picked)).toEqual(['A0', 'A1', 'B0', 'B1']);
    // Building does not change the ledger.
    expect(ledger.account(A.publicKey)).toEqual({ balance: 1000, nonce: 0 });
    expect(selectTransactions(ledger, pool, to, { maxTxs: 3, maxBytes: 1 << 20 }, false)).toHaveLength(3);
  });

  it('orders a block by fee, highest first, each sender in nonce order (a high fee behind a low one waits for it), ties by age', () => {
    const { pool, ledger } = setup();
    // A: nonce 0 at fee 2, nonce 1 at fee 9; B: fee 5, 5; C: nonce 1 only (a gap: never picked).
    for (const t of [tx(A, 1, 9), tx(B, 0, 5), tx(A, 0, 2), tx(C, 1, 50), tx(B, 1, 5)]) expect(pool.admit(t, 0).result).toBe('ok');
    expect(names(selectTransactions(ledger, pool, to, { maxTxs: 100, maxBytes: 1 << 20 }))).toEqual(['B0', 'B1', 'A0', 'A1']);
    // A full block takes the highest fees.
    expect(names(selectTransactions(ledger, pool, to, { maxTxs: 2, maxBytes: 1 << 20 }))).toEqual(['B0', 'B1']);
    const { pool: p2, ledger: l2 } = setup();
    for (const t of [tx(A, 0, 3), tx(B, 0, 3), tx(C, 0, 7), tx(A, 1, 3)]) p2.admit(t, 0);
    expect(names(selectTransactions(l2, p2, to, { maxTxs: 100, maxBytes: 1 << 20 }))).toEqual(['C0', 'A0', 'B0', 'A1']);
  });

  it('evicts the lowest fee together with its sender’s later nonces', () => {
    const { pool } = setup(3);
    expect(pool.admit(tx(A, 0, 2), 0).result).toBe('ok');
    expect(pool.admit(tx(A, 1, 5), 0).result).toBe('ok');
    expect(pool.admit(tx(B, 0, 3), 0).result).toBe('ok');
    expect(pool.admit(tx(C, 0, 2), 0).result).toBe('mempool_full');
    expect(pool.admit(tx(C, 0, 4), 0).result).toBe('ok');
    expect(pool.evicted).toBe(2);
    expect(pool.metrics().evictedByReason).toEqual({ lowest_fee: 1, after_evicted_nonce: 1 });
    expect(pool.has(tx(A, 1, 5).id)).toBe(false);
    expect(pool.size).toBe(2);
  });

  it('expires entries after the TTL and drops included and stale ones after a block', () => {
    const { pool, ledger } = setup(100, 1000);
    pool.admit(tx(A, 0), 0);
    pool.admit(tx(B, 0), 600);
    expect(pool.expire(1000)).toBe(1);
    expect(pool.expire(1500)).toBe(0);
    expect(pool.expired).toBe(1);
    const b1 = tx(B, 1);
    pool.admit(b1, 700);
    // A block includes B0 and another version of B1 (different amount): both pending B txs go.
    const b1other = tx(B, 1, 1, 2);
    for (const t of [tx(B, 0), b1other]) ledger.apply(t, to, new Undo());
    pool.onApplied([tx(B, 0), b1other]);
    expect(pool.size).toBe(0);
    expect(pool.included).toBe(1);
  });

  it('verifies a signature once: a cached id skips the check, a forged copy does not ride on it', () => {
    const { verifier } = setup();
    const t = tx(A, 0);
    expect(verifier.verify(t)).toBeNull();
    expect(verifier.verify(t)).toBeNull();
    expect(verifier.verifications).toBe(1);
    expect(verifier.cacheHits).toBe(1);
    const forged = { ...t, signature: 'ff'.repeat(64), bytes: new Uint8Array([...t.bytes.subarray(0, t.bytes.length - 64), ...new Uint8Array(64).fill(0xff)]) };
    expect(verifier.verify(forged)).toBe('bad_signature');
  });
});
