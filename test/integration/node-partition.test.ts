/**
 * A network partition made through the testing API (block-peer) between two halves of a 4-node
 * network: the tips diverge while it lasts; after healing every node converges on one chain, and no
 * node's LIB from before the heal is reverted.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const cluster = clusterForFile({ nodes: 4, wallets: 2, slotDurationMs: 500, securityParam: 12 });
const nodes = cluster.nodes;

const groupA = [0, 1];
const groupB = [2, 3];
const pk = (i: number) => cluster.plan.validators[i]!.publicKey;

async function eachCut(action: 'blockPeer' | 'unblockPeer'): Promise<void> {
  for (const a of groupA) {
    for (const b of groupB) {
      await nodes[a]!.client[action](pk(b));
      await nodes[b]!.client[action](pk(a));
    }
  }
}

describe('devnet node: partition and heal', () => {
  it('tips diverge during a partition and converge after it without reverting below any LIB', async () => {
    await waitFor('full mesh and a few blocks', async () => {
      const [net, infos] = await Promise.all([Promise.all(nodes.map((n) => n.client.networkInfo())), Promise.all(nodes.map((n) => n.client.info()))]);
      return net.every((i) => i.n_peers === 3) && infos.every((i) => i.height >= 2);
    }, 30_000);
    const start = await Promise.all(nodes.map((n) => n.client.info()));
    const startHeight = Math.max(...start.map((i) => i.height));

    await eachCut('blockPeer');
    const state = await nodes[0]!.client.networkState();
    expect(state.blocked.sort()).toEqual(groupB.map(pk).sort());
    const diverged = await waitFor('both halves extend their own branch', async () => {
      const infos = await Promise.all(nodes.map((n) => n.client.info()));
      const [a0, a1, b0, b1] = infos;
      const grewA = a0!.height > startHeight && a1!.height > startHeight;
      const grewB = b0!.height > startHeight && b1!.height > startHeight;
      return grewA && grewB && a0!.tip !== b0!.tip ? infos : null;
    }, 20_000, 200);
    // The halves really hold different blocks at some height above the partition point.
    const h = Math.min(diverged[0]!.height, diverged[2]!.height);
    const [ba] = await nodes[0]!.client.blocksByHeight(h, h);
    const [bb] = await nodes[2]!.client.blocksByHeight(h, h);
    expect(ba!.id).not.toBe(bb!.id);
    const libsBeforeHeal = await Promise.all(nodes.map((n) => n.client.info()));

    await eachCut('unblockPeer');
    const converged = await waitFor('one chain again', async () => {
      const infos = await Promise.all(nodes.map((n) => n.client.info()));
      const low = Math.min(...infos.map((i) => i.height)) - 1;
      if (low <= h) return null;
      const ids = await Promise.all(nodes.map(async (n) => (await n.client.blocksByHeight(low, low))[0]?.id));
      return ids.every((id) => id && id === ids[0]) ? { low, infos } : null;
    }, 60_000, 500);

    // Every LIB held before the heal is still on the converged chain.
    for (const before of libsBeforeHeal) {
      if (before.lib_height === 0) continue;
      const [b] = await nodes[0]!.client.blocksByHeight(before.lib_height, before.lib_height);
      expect(b?.id).toBe(before.lib);
    }
    // Everything up to the agreed height is identical on all nodes.
    const chains = await Promise.all(nodes.map((n) => n.client.blocksByHeight(1, converged.low)));
    for (const c of chains) expect(c.map((b) => b.id)).toEqual(chains[0]!.map((b) => b.id));
    // The losing half switched branches: its nodes counted a reorg.
    const reorgs = await Promise.all(nodes.map(async (n) => Number(/consensus_reorgs_total\{[^}]*\} (\d+)/.exec(await n.client.metricsText())?.[1] ?? 0)));
    expect(reorgs.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
