/**
 * Mempool admission through the real HTTP API of an in-process node (startNode): each rejection reason
 * is produced by a crafted bad transaction and counted in /mempool/metrics. The node's key is not a
 * genesis validator, so it never produces a block and the mempool stays as the test fills it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeClient, deriveKeyPair, encodeTxBatch, signTx, toHex, txToJson, type RejectReason, type SignedTransaction, type Transaction } from '../../src/adapters/devnet/wire/index.js';
import { startNode, type DevnetNode } from '../../src/node/node.js';
import type { NodeConfig } from '../../src/node/config.js';
import { freePort } from './node-harness.js';

const seed = `admission-${process.pid}`;
const rich = deriveKeyPair(seed, 'wallet', 0);
const other = deriveKeyPair(seed, 'wallet', 1);
const poor = deriveKeyPair(seed, 'wallet', 2);
const third = deriveKeyPair(seed, 'wallet', 3);
const absentValidator = deriveKeyPair(seed, 'validator', 0);
let dir: string;
let node: DevnetNode;
let client: NodeClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadnet-node-admission-'));
  const config: NodeConfig = {
    name: 'admission',
    role: 'validator',
    identitySeed: deriveKeyPair(seed, 'node', 0).seed,
    dataDir: path.join(dir, 'data'),
    api: { host: '127.0.0.1', port: 0 },
    testing: null,
    p2p: { host: '127.0.0.1', port: await freePort() },
    peers: [],
    genesis: {
      chainId: `admission-${seed}`,
      timeMs: Date.now(),
      epochNonce: '00'.repeat(32),
      accounts: [
        { publicKey: rich.publicKey, balance: 1_000_000 },
        { publicKey: other.publicKey, balance: 1_000_000 },
        { publicKey: poor.publicKey, balance: 100 },
        { publicKey: third.publicKey, balance: 1_000_000 },
      ],
      validators: [{ publicKey: absentValidator.publicKey, stake: 1 }],
    },
    consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 10, clockToleranceMs: 500 },
    mempool: { maxCount: 3, maxBytes: 1024 * 1024, maxNonceGap: 2, ttlMs: 60_000, minFee: 1 },
    block: { maxTxs: 5000, maxBytes: 8 * 1024 },
    fees: 'burn',
    da: { subnetworks: 2 },
    parentPid: null,
    clockOffsetMs: 0,
    logLevel: 'error',
  };
  node = await startNode(config);
  client = new NodeClient(node.apiUrl, { name: 'admission' });
});

afterAll(async () => {
  await client?.close();
  await node?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const transfer = (key: typeof rich, nonce: number, fee: number, amount: number, to = other.publicKey): SignedTransaction =>
  signTx({ from: key.publicKey, nonce, fee, ops: [{ kind: 'transfer', to, amount }] }, key.key);

async function submitOne(bytes: Uint8Array): Promise<string> {
  const res = await client.submitBatch(encodeTxBatch([bytes]));
  expect(res.results).toHaveLength(1);
  return res.results[0]!;
}

describe('devnet node: admission and rejection reasons', () => {
  it('malformed: undecodable bytes in a batch, and an invalid JSON transaction (400)', async () => {
    expect(await submitOne(new Uint8Array([1, 2, 3]))).toBe('malformed');
    const tx = transfer(rich, 0, 1, 1);
    const truncated = tx.bytes.subarray(0, tx.bytes.length - 1);
    expect(await submitOne(truncated)).toBe('malformed');
    await expect(client.submitTx({ ...txToJson(tx), from: 'zz' })).rejects.toThrow(/400/);
  });

  it('too_large: a transaction over the block size limit', async () => {
    const ops: Transaction['ops'] = Array.from({ length: 9 }, (_, i) => ({ kind: 'channel_inscribe', channel: toHex(new Uint8Array(32).fill(i + 1)), data: 'ab'.repeat(1000) }));
    const big = signTx({ from: rich.publicKey, nonce: 0, fee: 1, ops }, rich.key);
    expect(big.bytes.length).toBeGreaterThan(8 * 1024);
    expect(await submitOne(big.bytes)).toBe('too_large');
  });

  it('bad_signature: a flipped signature byte, and a DA attestation from a non-validator', async () => {
    const tx = transfer(rich, 0, 1, 1);
    const forged = tx.bytes.slice();
    forged[forged.length - 1]! ^= 1;
    expect(await submitOne(forged)).toBe('bad_signature');
    const blob = signTx(
      { from: rich.publicKey, nonce: 0, fee: 1, ops: [{ kind: 'channel_blob', blobId: '11'.repeat(32), size: 10, channel: '22'.repeat(32), parent: '00'.repeat(32), attestations: [{ validator: other.publicKey, signature: toHex(other.key.sign(new Uint8Array(32))) }] }] },
      rich.key,
    );
    expect(await submitOne(blob.bytes)).toBe('bad_signature');
  });

  it('fee_too_low, insufficient_funds and nonce_gap', async () => {
    expect(await submitOne(transfer(rich, 0, 0, 1).bytes)).toBe('fee_too_low');
    expect(await submitOne(transfer(poor, 0, 1, 100).bytes)).toBe('insufficient_funds');
    expect(await submitOne(transfer(rich, 3, 1, 1).bytes)).toBe('nonce_gap');
  });

  it('ok then duplicate; pending transactions count towards the funds check', async () => {
    const tx = transfer(poor, 0, 1, 60);
    expect(await submitOne(tx.bytes)).toBe('ok');
    expect(await submitOne(tx.bytes)).toBe('duplicate');
    // 100 − 61 pending leaves 39: a second spend of 60 must not pass.
    expect(await submitOne(transfer(poor, 1, 1, 60).bytes)).toBe('insufficient_funds');
  });

  it('mempool_full: a full pool rejects a lower fee and evicts the lowest fee for a higher one', async () => {
    expect(await submitOne(transfer(rich, 0, 5, 1).bytes)).toBe('ok');
    expect(await submitOne(transfer(rich, 1, 5, 1).bytes)).toBe('ok');
    expect((await client.mempoolMetrics()).pending).toBe(3);
    expect(await submitOne(transfer(third, 0, 1, 1).bytes)).toBe('mempool_full');
    expect(await submitOne(transfer(third, 0, 9, 1).bytes)).toBe('ok');
    const m = await client.mempoolMetrics();
    expect(m.pending).toBe(3);
    expect(m.evicted).toBe(1);
    // The lowest fee (poor's fee-1 tx) was evicted: its id is gone from the pending list.
    const pending = await client.mempoolTxs();
    expect(pending).not.toContain(transfer(poor, 0, 1, 60).id);
  });

  it('counts every rejection reason in /mempool/metrics and the Prometheus text', async () => {
    const m = await client.mempoolMetrics();
    const expected: RejectReason[] = ['malformed', 'bad_signature', 'nonce_gap', 'insufficient_funds', 'fee_too_low', 'mempool_full', 'duplicate', 'too_large'];
    for (const r of expected) expect(m.rejected[r], r).toBeGreaterThanOrEqual(1);
    expect(m.rejected.malformed).toBe(3);
    expect(m.added).toBe(4);
    const text = await client.metricsText();
    expect(text).toMatch(/mempool_transactions_rejected_total\{reason="too_large"[^}]*\} 1/);
    expect(text).toMatch(/mempool_transactions_evicted_total\{[^}]*\} 1/);
  });
});
