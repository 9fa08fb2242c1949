/**
 * The mempool exchange (src/node/p2p/network.ts offerPending): a node cut off from its peers (block-peer on
 * both ends) catches up on their pending transactions when the connections come back, and they on its own.
 * Genesis lies 10 minutes ahead, so no block is produced: every transaction stays pending and the mempools
 * can only converge through the exchange. The same cluster with the exchange switched off
 * (defensesOff: ['mempool-exchange']) stays diverged after reconnecting. Also the state-root endpoint: equal
 * on every node, a clear 404 naming the heights served outside LIB..tip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTxBatch, fromHex, signTransferFast } from '../../src/adapters/devnet/wire/index.js';
import type { NodeConfig } from '../../src/node/config.js';
import { planCluster, removeDir, spawnNode, stopProcess, waitFor, type ClusterPlan, type RunningProcess } from './node-harness.js';

interface Cluster {
  plan: ClusterPlan;
  nodes: RunningProcess[];
}

const clusters: Cluster[] = [];

async function cluster(defensesOff: string[]): Promise<Cluster> {
  const plan = await planCluster({ nodes: 3, wallets: 40, genesisDelayMs: 600_000 });
  const c: Cluster = { plan, nodes: [] };
  clusters.push(c);
  c.nodes = await Promise.all(plan.configs.map((cfg) => spawnNode({ ...cfg, defensesOff } as NodeConfig)));
  return c;
}

afterAll(async () => {
  await Promise.allSettled(clusters.flatMap((c) => c.nodes.map((n) => stopProcess(n))));
  for (const c of clusters) removeDir(c.plan.dir);
});

let on: Cluster;
let off: Cluster;
beforeAll(async () => {
  [on, off] = await Promise.all([cluster([]), cluster(['mempool-exchange'])]);
}, 60_000);

const meshed = (c: Cluster) => waitFor('full mesh', async () => (await Promise.all(c.nodes.map((n) => n.client.networkInfo()))).every((i) => i.n_peers === 2), 20_000);

/** Cut node 2 off, give it and node 0 twenty transfers each from their own wallets, heal. */
async function diverge(c: Cluster): Promise<{ isolated: string[]; majority: string[] }> {
  await meshed(c);
  const pk = (i: number) => c.plan.validators[i]!.publicKey;
  const [a, b, x] = c.nodes as [RunningProcess, RunningProcess, RunningProcess];
  for (const n of [a, b]) {
    await n.client.blockPeer(pk(2));
    await x.client.blockPeer(pk(c.nodes.indexOf(n)));
  }
  await waitFor('node 2 alone', async () => (await x.client.networkInfo()).n_peers === 0, 10_000);
  const to = fromHex(c.plan.wallets[39]!.publicKey);
  const batch = (from: number) => Array.from({ length: 20 }, (_, i) => signTransferFast(c.plan.wallets[from + i]!.key, 0, 1, to, 5 + i));
  const isolated = batch(0);
  const majority = batch(20);
  expect((await x.client.submitBatch(encodeTxBatch(isolated.map((t) => t.bytes)))).results.every((r) => r === 'ok')).toBe(true);
  expect((await a.client.submitBatch(encodeTxBatch(majority.map((t) => t.bytes)))).results.every((r) => r === 'ok')).toBe(true);
  await waitFor('node 1 has node 0\'s batch by gossip', async () => (await b.client.mempoolTxs()).length === 20, 10_000);
  expect((await x.client.mempoolTxs()).length).toBe(20);
  for (const n of [a, b]) {
    await n.client.unblockPeer(pk(2));
    await x.client.unblockPeer(pk(c.nodes.indexOf(n)));
  }
  await meshed(c);
  return { isolated: isolated.map((t) => t.id), majority: majority.map((t) => t.id) };
}

describe('devnet node: mempool exchange on reconnection', () => {
  it('a node cut off and reconnected catches up on the mempool, and its peers on its own; off, they stay diverged', async () => {
    const [withExchange, without] = await Promise.all([diverge(on), diverge(off)]);
    const all = [...withExchange.isolated, ...withExchange.majority].sort();
    const converged = await waitFor('every mempool holds all 40', async () => {
      const pools = await Promise.all(on.nodes.map((n) => n.client.mempoolTxs()));
      return pools.every((p) => p.length === 40) ? pools : null;
    }, 10_000, 100);
    for (const p of converged) expect([...p].sort()).toEqual(all);
    const exchanged = await Promise.all(on.nodes.map(async (n) => Number(/p2p_mempool_exchanged_total(?:\{[^}]*\})? (\d+)/.exec(await n.client.metricsText())?.[1] ?? -1)));
    // Node 2 offered its 20 on each connection established (at least one per peer; a crossing dial can establish a
    // second one before the tie is settled), never more than its pool.
    expect(exchanged[2]! % 20, `node 2 sent ${exchanged[2]}`).toBe(0);
    expect(exchanged[2]).toBeGreaterThanOrEqual(40);

    // Off: reconnected for 3 s, still only gossip of new transactions: nothing crosses.
    await new Promise((r) => setTimeout(r, 3_000));
    const pools = await Promise.all(off.nodes.map((n) => n.client.mempoolTxs()));
    expect(pools.map((p) => p.length)).toEqual([20, 20, 20]);
    expect([...pools[2]!].sort()).toEqual([...without.isolated].sort());
    expect([...pools[0]!].sort()).toEqual([...without.majority].sort());
  }, 60_000);

  it('serves a state root equal on every node and refuses heights outside LIB..tip', async () => {
    const roots = await Promise.all(on.nodes.map((n) => n.client.stateRoot()));
    expect(roots.map((r) => r.height)).toEqual([0, 0, 0]);
    expect(new Set(roots.map((r) => r.root)).size).toBe(1);
    expect(roots[0]!.accounts).toBe(40);
    await expect(on.nodes[0]!.client.stateRoot(5)).rejects.toThrow(/answered 404.*no state at height 5: this node serves heights 0 \(its LIB\) to 0 \(its tip\)/);
  });
});
