/**
 * DA across a star of real node processes (4 validators + 1 executor, hub = node-0): the executor is a
 * leaf, so it reaches the validators of each subnetwork by on-demand P2P connections learned from the
 * hub's address book. Blobs dispersed back to back (parents chained) are certified and included; every
 * share is served by the validators holding it and joins back into the blob. A holder that is down while
 * the blobs are dispersed repairs its shares from its subnetwork's other holder after it restarts and
 * catches up; a validator killed with SIGKILL serves its shares again from disk after a restart.
 */
import { describe, expect, it } from 'vitest';
import { signTx, txToJson, toHex, sha256Hex } from '../../src/adapters/devnet/wire/index.js';
import { assignSubnetworks } from '../../src/node/da/shares.js';
import { spawnNode, stopProcess, waitFor } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const SUBNETS = 4;
// A fixed key seed makes the subnetwork assignment known: subnetwork 0 is held by two plain validators.
const cluster = clusterForFile(
  { nodes: 5, executors: 1, wallets: 1, slotDurationMs: 500, topology: 'star', fundNodes: 1_000_000, seed: 'p2p-da-star-1' },
  { prepare: (p) => p.configs.forEach((c) => (c.da.subnetworks = SUBNETS)) },
);
const nodes = cluster.nodes;

describe('DA over a star topology', () => {
  it('disperses through on-demand connections; certificates included; shares served, also after a validator restart', async () => {
    const executor = nodes[4]!;
    const hub = nodes[0]!;
    await waitFor('star connected', async () => (await hub.client.networkInfo()).n_peers === 4, 15_000);
    const before = await executor.client.networkInfo();
    expect(before.peers).toEqual([cluster.plan.validators[0]!.publicKey]);

    const channel = 'da'.repeat(32);
    const w = cluster.plan.wallets[0]!;
    const inscribe = signTx({ from: w.publicKey, nonce: 0, fee: 1, ops: [{ kind: 'channel_inscribe', channel, data: '' }] }, w.key);
    expect((await hub.client.submitTx(txToJson(inscribe))).result).toBe('ok');
    await waitFor('channel on the executor', async () => executor.client.daChannel(channel), 20_000);

    // A holder of subnetwork 0 (which has a second holder) is down while the blobs are dispersed.
    const holders = assignSubnetworks(cluster.plan.validators.map((v) => v.publicKey), SUBNETS);
    const byKey = new Map(nodes.map((n, i) => [cluster.plan.validators[i]!.publicKey, n]));
    const absentKey = holders[0]!.find((h) => byKey.get(h) !== executor && byKey.get(h) !== hub)!;
    expect(absentKey, 'the seed gives subnetwork 0 a plain validator holder').toBeDefined();
    expect(holders[0]!.length).toBe(2);
    const ai = nodes.indexOf(byKey.get(absentKey)!);
    await stopProcess(nodes[ai]!, 'SIGKILL');

    // Five blobs back to back, each the parent of the next, without waiting for inclusion in between.
    const blobs = Array.from({ length: 5 }, (_, k) => new Uint8Array(1000 + 997 * k).map((_, i) => (i * (k + 3)) % 256));
    let parent = '00'.repeat(32);
    const pending = blobs.map((b) => {
      const req = { channel_id: channel, parent_msg_id: parent, signer: w.publicKey, data: toHex(b) };
      parent = sha256Hex(b);
      return executor.client.disperse(req);
    });
    const results = await Promise.all(pending);
    expect(results.map((r) => r.blob_id)).toEqual(blobs.map((b) => sha256Hex(b)));

    // The executor now talks to every live validator directly.
    const after = await executor.client.networkInfo();
    expect(after.n_peers).toBe(3);

    // The absent holder comes back, catches up, and fetches the shares it missed.
    nodes[ai] = await spawnNode(cluster.plan.configs[ai]!);
    for (const r of results) await waitFor(`${nodes[ai]!.config.name} repairs share 0 of ${r.blob_id.slice(0, 8)}`, async () => (await nodes[ai]!.client.daBlob(r.blob_id)).shares.includes(0), 30_000);

    for (const n of nodes) {
      await waitFor(`${n.config.name} sees the blob chain`, async () => {
        const c = await n.client.daChannel(channel);
        return c?.blobs === blobs.length && c.last_msg === parent;
      }, 30_000);
    }
    for (const r of results) expect((await executor.client.daBlob(r.blob_id)).included_height).toBeGreaterThan(0);

    // Each share is held by every holder of its subnetwork (the repaired one too) and joins back into the blob.
    byKey.set(absentKey, nodes[ai]!);
    for (const [k, r] of results.entries()) {
      const parts: Buffer[] = [];
      for (let s = 0; s < SUBNETS; s++) {
        for (const h of holders[s]!) {
          const share = await byKey.get(h)!.client.daShare(r.blob_id, s);
          expect(share, `share ${s} of blob ${k} on ${byKey.get(h)!.config.name}`).not.toBeNull();
          if (h === holders[s]![0]) parts.push(Buffer.from(share!.data, 'hex'));
        }
      }
      expect(Buffer.concat(parts).equals(Buffer.from(blobs[k]!))).toBe(true);
    }

    // A validator (neither the hub nor the executor) dies hard and comes back: its shares are still served, from disk.
    const victimKey = cluster.plan.validators.map((v) => v.publicKey).find((k) => byKey.get(k) !== executor && byKey.get(k) !== hub && k !== absentKey)!;
    const sub = holders.findIndex((h) => h.includes(victimKey));
    const vi = nodes.indexOf(byKey.get(victimKey)!);
    await stopProcess(nodes[vi]!, 'SIGKILL');
    nodes[vi] = await spawnNode(cluster.plan.configs[vi]!);
    const chunk = Math.ceil(blobs[0]!.length / SUBNETS);
    const again = await nodes[vi]!.client.daShare(results[0]!.blob_id, sub);
    expect(again?.data).toBe(toHex(blobs[0]!.subarray(sub * chunk, (sub + 1) * chunk)));
    expect((await nodes[vi]!.client.daBlob(results[0]!.blob_id)).shares).toContain(sub);
  });
});
