/**
 * DA through real node processes: 3 validators + 1 executor. A channel is inscribed, the executor
 * disperses blobs (shares to validators by subnetwork, attestations collected), its channel_blob
 * certificates are included and every node's ledger shows the channel's blob chain.
 */
import { describe, expect, it } from 'vitest';
import { signTx, txToJson, toHex } from '../../src/adapters/devnet/wire/index.js';
import { waitFor } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const cluster = clusterForFile({ nodes: 4, executors: 1, wallets: 1, slotDurationMs: 500, fundNodes: 1_000_000 }, { prepare: (p) => p.configs.forEach((c) => (c.da.subnetworks = 3)) });
const nodes = cluster.nodes;

describe('devnet node: DA on an executor', () => {
  it('disperses blobs whose certificates chain on the channel on every node', async () => {
    const executor = nodes[3]!;
    expect((await executor.client.health()).role).toBe('executor');
    await waitFor('full mesh', async () => (await Promise.all(nodes.map((n) => n.client.networkInfo()))).every((i) => i.n_peers === 3), 15_000);
    const channel = 'c1'.repeat(32);
    const w = cluster.plan.wallets[0]!;
    const inscribe = signTx({ from: w.publicKey, nonce: 0, fee: 1, ops: [{ kind: 'channel_inscribe', channel, data: toHex(new TextEncoder().encode('test channel')) }] }, w.key);
    expect((await nodes[0]!.client.submitTx(txToJson(inscribe))).result).toBe('ok');
    await waitFor('channel on the executor', async () => executor.client.daChannel(channel), 20_000);

    const data1 = toHex(new Uint8Array(3000).map((_, i) => i % 251));
    const r1 = await executor.client.disperse({ channel_id: channel, parent_msg_id: '00'.repeat(32), signer: cluster.plan.validators[3]!.publicKey, data: data1 });
    expect(r1.blob_id).toMatch(/^[0-9a-f]{64}$/);
    const r2 = await executor.client.disperse({ channel_id: channel, parent_msg_id: r1.blob_id, signer: cluster.plan.validators[3]!.publicKey, data: 'abcdef' });
    for (const n of nodes) {
      const ch = await waitFor(`${n.config.name} sees both blobs`, async () => {
        const c = await n.client.daChannel(channel);
        return c && c.blobs === 2 ? c : null;
      }, 30_000);
      expect(ch).toEqual({ channel_id: channel, owner: w.publicKey, last_msg: r2.blob_id, blobs: 2 });
    }
    const status = await executor.client.daBlob(r1.blob_id);
    expect(status.included_height).toBeGreaterThan(0);
    // Every one of the 3 shares is held by some node and served back.
    const held = new Set<number>();
    for (const n of nodes) for (const i of (await n.client.daBlob(r1.blob_id)).shares) held.add(i);
    expect([...held].sort()).toEqual([0, 1, 2]);
    // A validator refuses to disperse.
    await expect(nodes[0]!.client.disperse({ channel_id: channel, parent_msg_id: r2.blob_id, signer: cluster.plan.validators[0]!.publicKey, data: 'ab' })).rejects.toThrow(/403/);
  });
});
