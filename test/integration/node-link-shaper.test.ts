/**
 * The link shaper with real devnet node processes (the nodes know nothing of it: their configs list the
 * shaper's proxy ports as their peers' addresses). 3 nodes, full mesh:
 *  - a 400 ms delay on the links into node-2 delays a gossiped transaction there by ≥ 400 ms, not elsewhere;
 *  - a 'drop' blackhole between node-2 and the others partitions it: tips diverge, then converge after heal;
 *  - close() leaves no proxy port listening.
 */
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTx, txToJson } from '../../src/adapters/devnet/wire/index.js';
import { LinkShaper } from '../../src/shaper/link-shaper.js';
import { stopProcess, waitFor } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const shaper = new LinkShaper({ seed: 5 });
const proxies: number[] = [];
// Registered first, so it runs after the cluster's own afterAll has stopped the nodes.
afterAll(() => shaper.close());

const cluster = clusterForFile(
  { nodes: 3, wallets: 2, slotDurationMs: 500, securityParam: 5 },
  {
    // Each node's configured peers become proxies of the directed link node → peer.
    prepare: async (p) => {
      const p2pOf = new Map(p.configs.map((c) => [c.name, c.p2p.port]));
      for (const c of p.configs) {
        c.peers = await Promise.all(c.peers.map(async (peer) => {
          const addr = await shaper.addLink(c.name, peer.name!, { host: '127.0.0.1', port: p2pOf.get(peer.name!)! });
          proxies.push(addr.port);
          return { name: peer.name, ...addr };
        }));
      }
    },
  },
);
const nodes = cluster.nodes;

beforeAll(async () => {
  await waitFor('full mesh through the shaper', async () => (await Promise.all(nodes.map((n) => n.client.networkInfo()))).every((i) => i.n_peers === 2), 15_000);
});

/** When (ms after `t0`) each node first lists `id` in its mempool or has included it. */
async function seenAt(id: string, t0: number, timeoutMs = 5000): Promise<number[]> {
  const at: Array<number | undefined> = nodes.map(() => undefined);
  const deadline = t0 + timeoutMs;
  while (at.some((x) => x === undefined) && performance.now() < deadline) {
    await Promise.all(nodes.map(async (n, i) => {
      if (at[i] !== undefined) return;
      if ((await n.client.mempoolTxs()).includes(id)) at[i] = performance.now() - t0;
    }));
    await new Promise((r) => setTimeout(r, 10));
  }
  return at.map((x) => x ?? Infinity);
}

describe('link shaper between real devnet nodes', () => {
  it('delays gossip into node-2 by the configured 400 ms and no other link', async () => {
    shaper.set('node-0', 'node-2', { delayMs: 400 });
    shaper.set('node-1', 'node-2', { delayMs: 400 });
    const [from, to] = cluster.plan.wallets;
    const tx = signTx({ from: from!.publicKey, nonce: 0, fee: 2, ops: [{ kind: 'transfer', to: to!.publicKey, amount: 5 }] }, from!.key);
    const t0 = performance.now();
    expect((await nodes[0]!.client.submitTx(txToJson(tx))).result).toBe('ok');
    const seen = await seenAt(tx.id, t0);
    expect(seen[1], JSON.stringify(seen)).toBeLessThan(300);
    expect(seen[2], JSON.stringify(seen)).toBeGreaterThanOrEqual(400);
    expect(seen[2], JSON.stringify(seen)).toBeLessThan(1500);
    shaper.clearAll();
    expect(shaper.state()).toEqual([]);
  });

  it("a 'drop' blackhole around node-2 makes tips diverge; after heal every node is on one chain", async () => {
    for (const other of ['node-0', 'node-1']) {
      shaper.set(other, 'node-2', { blackhole: 'drop' });
      shaper.set('node-2', other, { blackhole: 'drop' });
    }
    await waitFor('node-2 isolated', async () => (await nodes[2]!.client.networkInfo()).n_peers === 0, 10_000);
    const start = await Promise.all(nodes.map((n) => n.client.info()));
    await waitFor('both sides produce', async () => {
      const now = await Promise.all(nodes.map((n) => n.client.info()));
      return now[0]!.height > start[0]!.height + 1 && now[2]!.height > start[2]!.height + 1;
    }, 20_000);
    const [a, c] = await Promise.all([nodes[0]!.client.info(), nodes[2]!.client.info()]);
    expect(a.tip).not.toBe(c.tip);
    shaper.clearAll();
    await waitFor('one tip after heal', async () => {
      const infos = await Promise.all(nodes.map((n) => n.client.info()));
      return infos.every((i) => i.tip === infos[0]!.tip);
    }, 20_000, 100);
  });

  it('leaves no proxy listening after close()', async () => {
    await Promise.all(nodes.map((n) => stopProcess(n)));
    nodes.length = 0;
    await shaper.close();
    for (const port of proxies) {
      await expect(new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s.destroy()));
        s.once('error', reject);
      })).rejects.toThrow(/ECONNREFUSED/);
    }
  });
});
