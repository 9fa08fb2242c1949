import { describe, expect, it } from 'vitest';
import {
  decodeTx,
  decodeTxBatch,
  deriveKeyPair,
  ed25519Backend,
  encodeTxBatch,
  fromHex,
  sha256,
  sha256Reference,
  signTransferFast,
  signTx,
  toHex,
  txFromJson,
  txToJson,
  verifyTx,
  type Transaction,
} from '../../src/adapters/devnet/wire/index.js';
import { MAX_TX_BYTES } from '../../src/adapters/devnet/wire/tx.js';
import { isLoadnetError } from '../../src/errors.js';

// Golden vector: a transfer signed by wallet 0 of seed 7 (computed once with the pure-JS noble backend;
// any change to the canonical encoding, the domain or key derivation breaks it on purpose).
const GOLDEN = {
  seed: '9aaca6a2ece94d87684ff3d12d065051a33468623b2c81ab74049c3d2eef7944',
  pk: '7ec4e81b6800ad013d0a9a366264d1c55ee783a256e34a3a629eee3afccbb9e8',
  to: '6fa427ef366cf0f0c01d6e2ebe546188355fa1b0f7296b3b86abdca2d7938e9d',
  id: '48688daee3dc5625c638ba9ef80b446b7c14ac03139c1ecee22fae0c57a58e46',
  sig: '587110a8d1a8c22340eb2347c37de3046e577b30792766f8167bfb2b24cf31964ffed6bb2dcbc79b71d6b992d1a93e047789fe57375b984051ff76813a0ac10b',
  bytes:
    '017ec4e81b6800ad013d0a9a366264d1c55ee783a256e34a3a629eee3afccbb9e8030000000000000002000000000000000100016fa427ef366cf0f0c01d6e2ebe546188355fa1b0f7296b3b86abdca2d7938e9de803000000000000587110a8d1a8c22340eb2347c37de3046e577b30792766f8167bfb2b24cf31964ffed6bb2dcbc79b71d6b992d1a93e047789fe57375b984051ff76813a0ac10b',
};

const backends = ['sodium', 'node', 'noble'] as const;

describe('chain codec', () => {
  it('derives the golden key and signs the golden transfer identically on every backend', () => {
    for (const b of backends) {
      const k = deriveKeyPair(7, 'wallet', 0, b);
      expect(k.seed).toBe(GOLDEN.seed);
      expect(k.publicKey).toBe(GOLDEN.pk);
      const tx = signTx({ from: k.publicKey, nonce: 3, fee: 2, ops: [{ kind: 'transfer', to: GOLDEN.to, amount: 1000 }] }, k.key);
      expect(tx.id, b).toBe(GOLDEN.id);
      expect(tx.signature, b).toBe(GOLDEN.sig);
      expect(toHex(tx.bytes), b).toBe(GOLDEN.bytes);
    }
  });

  it('the fast transfer path produces the same bytes and id as the generic encoder', () => {
    const k = deriveKeyPair(7, 'wallet', 0, 'sodium');
    const fast = signTransferFast(k.key, 3, 2, fromHex(GOLDEN.to), 1000);
    expect(toHex(fast.bytes)).toBe(GOLDEN.bytes);
    expect(fast.id).toBe(GOLDEN.id);
    const big = signTransferFast(k.key, 2 ** 40 + 5, 2 ** 33, fromHex(GOLDEN.to), Number.MAX_SAFE_INTEGER);
    const d = decodeTx(big.bytes);
    expect(d.nonce).toBe(2 ** 40 + 5);
    expect(d.fee).toBe(2 ** 33);
    expect(d.ops[0]).toEqual({ kind: 'transfer', to: GOLDEN.to, amount: Number.MAX_SAFE_INTEGER });
  });

  it('decodes, verifies and round-trips every operation kind through binary and JSON', () => {
    const k = deriveKeyPair(1, 'wallet', 2);
    const v = deriveKeyPair(1, 'validator', 0);
    const tx: Transaction = {
      from: k.publicKey,
      nonce: 0,
      fee: 10,
      ops: [
        { kind: 'transfer', to: v.publicKey, amount: 5 },
        { kind: 'channel_inscribe', channel: 'ab'.repeat(32), data: 'cafe' },
        { kind: 'channel_blob', blobId: 'cd'.repeat(32), size: 4096, channel: 'ab'.repeat(32), parent: '00'.repeat(32), attestations: [{ validator: v.publicKey, signature: 'ef'.repeat(64) }] },
      ],
    };
    const signed = signTx(tx, k.key);
    const decoded = decodeTx(signed.bytes);
    expect(decoded.id).toBe(signed.id);
    expect(decoded.ops).toEqual(tx.ops);
    for (const b of backends) expect(verifyTx(decoded, ed25519Backend(b)), b).toBe(true);
    const viaJson = txFromJson(JSON.parse(JSON.stringify(txToJson(decoded))));
    expect(viaJson.id).toBe(signed.id);
    expect(toHex(viaJson.bytes)).toBe(toHex(signed.bytes));
  });

  it('rejects a tampered signature and a tampered body on every backend', () => {
    const k = deriveKeyPair(1, 'wallet', 0);
    const signed = signTx({ from: k.publicKey, nonce: 1, fee: 1, ops: [{ kind: 'transfer', to: k.publicKey, amount: 1 }] }, k.key);
    const badSig = signed.bytes.slice();
    badSig[badSig.length - 1]! ^= 1;
    const badBody = signed.bytes.slice();
    badBody[33]! ^= 1; // the nonce's lowest byte
    for (const b of backends) {
      expect(verifyTx(decodeTx(badSig), ed25519Backend(b)), b).toBe(false);
      expect(verifyTx(decodeTx(badBody), ed25519Backend(b)), b).toBe(false);
    }
  });

  it('never reads out of range: every truncation and bad tag is an LN_ERR_CODEC', () => {
    const k = deriveKeyPair(1, 'wallet', 0);
    const signed = signTx({ from: k.publicKey, nonce: 1, fee: 1, ops: [{ kind: 'channel_inscribe', channel: '11'.repeat(32), data: 'aa'.repeat(20) }] }, k.key);
    for (let len = 0; len < signed.bytes.length; len++) {
      try {
        const d = decodeTx(signed.bytes.subarray(0, len));
        // A truncation may still parse if it happens to be well-formed: then it must not verify.
        expect(verifyTx(d, ed25519Backend('node'))).toBe(false);
      } catch (e) {
        expect(isLoadnetError(e) && e.code === 'LN_ERR_CODEC', String(e)).toBe(true);
      }
    }
    const badTag = signed.bytes.slice();
    badTag[1 + 32 + 8 + 8 + 2] = 9;
    expect(() => decodeTx(badTag)).toThrow(/unknown op tag 9/);
    const badVersion = signed.bytes.slice();
    badVersion[0] = 2;
    expect(() => decodeTx(badVersion)).toThrow(/version 2/);
  });

  it('frames batches and refuses bad frames', () => {
    const k = deriveKeyPair(3, 'wallet', 0);
    const txs = [0, 1, 2].map((n) => signTransferFast(k.key, n, 1, k.key.publicKey, 1).bytes);
    const batch = encodeTxBatch(txs);
    const parts = decodeTxBatch(batch);
    expect(parts.map(toHex)).toEqual(txs.map(toHex));
    expect(() => decodeTxBatch(batch.subarray(0, batch.length - 1))).toThrow(/truncated/);
    expect(() => decodeTxBatch(new Uint8Array([...batch, 0]))).toThrow(/trailing/);
    expect(() => decodeTxBatch(batch, 2)).toThrow(/at most 2/);
    // an item over the size limit is still framed: admission answers it too_large on its own
    const big = new Uint8Array(MAX_TX_BYTES + 10).fill(7);
    expect(decodeTxBatch(encodeTxBatch([txs[0]!, big])).map((p) => p.length)).toEqual([txs[0]!.length, MAX_TX_BYTES + 10]);
  });

  it('hashes agree with the pure-JS reference', () => {
    for (const n of [0, 1, 55, 64, 1000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31) & 0xff);
      expect(toHex(sha256(data))).toBe(toHex(sha256Reference(data)));
    }
  });

  it('names the field in JSON errors', () => {
    expect(() => txFromJson({ from: 'zz', nonce: 1, fee: 1, ops: [], signature: '' })).toThrow(/from: expected lowercase hex/);
    expect(() => txFromJson({ from: GOLDEN.pk, nonce: -1, fee: 1, ops: [], signature: '' })).toThrow(/nonce must be a non-negative integer/);
    expect(() => txFromJson({ from: GOLDEN.pk, nonce: 1, fee: 1, ops: [], signature: GOLDEN.sig })).toThrow(/1 to 64 operations/);
  });
});
