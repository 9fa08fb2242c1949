/**
 * The block feed's safety signals, which a correct node never produces: a node reverting a block that was
 * final (revertedFinal), and two nodes finalising different blocks at one height (a conflict). A scripted
 * node API on loopback stands in for such a faulty node (named as the fake it is); the real-node paths are
 * covered by test/integration/runtime-block-feed.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { DevnetChainClient } from '../../src/adapters/devnet/client.js';
import { PollingBlockFeed } from '../../src/runtime/block-feed.js';
import type { ReorgEvent, RunNode } from '../../src/runtime/contracts.js';

interface FakeChain {
  /** Canonical ids by height (index 0 = genesis). */
  ids: string[];
  lib: number;
}

const id = (s: string) => s.padEnd(64, '0');

function block(chain: FakeChain, h: number) {
  return { id: chain.ids[h]!, header: { parent: chain.ids[h - 1]!, slot: h, height: h, proposer: id('p'), tx_root: id('r'), leader_proof: '', timestamp: 0 }, signature: '', transactions: [] };
}

/** FAKE node API: serves a scripted chain that the test mutates. */
function fakeNode(chain: FakeChain): Promise<{ server: Server; url: string }> {
  const all = new Map<string, { c: FakeChain; h: number }>();
  const server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const height = chain.ids.length - 1;
    chain.ids.forEach((bid, h) => h > 0 && all.set(bid, { c: { ...chain, ids: [...chain.ids] }, h }));
    let body: unknown = null;
    if (u.pathname === '/cryptarchia/info') body = { tip: chain.ids[height], height, lib: chain.ids[chain.lib], lib_height: chain.lib, slot: height, mode: 'Online' };
    else if (u.pathname === '/cryptarchia/headers') body = chain.ids.slice(chain.lib, height + 1).reverse();
    else if (u.pathname === '/cryptarchia/blocks') {
      const from = Number(u.searchParams.get('from'));
      const to = Math.min(Number(u.searchParams.get('to')), height);
      body = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => block(chain, from + i));
    } else if (u.pathname === '/storage/block') {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const known = all.get(JSON.parse(raw));
        res.end(JSON.stringify(known ? block(known.c, known.h) : null));
      });
      return;
    }
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

const servers: Server[] = [];
const feeds: PollingBlockFeed[] = [];
afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function follow(chains: FakeChain[]) {
  const nodes: RunNode[] = [];
  for (const [i, c] of chains.entries()) {
    const { server, url } = await fakeNode(c);
    servers.push(server);
    nodes.push({ descriptor: { name: `fake-${i}`, role: 'validator', apiUrl: url, peerId: id(String(i)) }, client: new DevnetChainClient({ name: `fake-${i}`, apiUrl: url }) });
  }
  const feed = new PollingBlockFeed({ nodes: () => nodes, slotDurationMs: 1000, securityParam: 2, pollMs: 20 });
  feeds.push(feed);
  feed.start();
  return feed;
}

describe('PollingBlockFeed safety signals (scripted FAKE node)', () => {
  it('flags a reorg that reverts a final block', async () => {
    const chain: FakeChain = { ids: ['g', 'a1', 'a2', 'a3', 'a4', 'a5'].map(id), lib: 3 };
    const feed = await follow([chain]);
    const reorgs: ReorgEvent[] = [];
    feed.subscribe({ onReorg: (r) => reorgs.push(r) });
    await feed.refresh();
    expect(feed.finalAt(3)).toBe(id('a3'));
    expect(feed.block(id('a3'))!.finalAt).toBeDefined();
    // The faulty node switches to a branch forking below its own LIB.
    chain.ids = ['g', 'a1', 'b2', 'b3', 'b4', 'b5', 'b6'].map(id);
    chain.lib = 4;
    await feed.refresh();
    await feed.refresh();
    expect(reorgs).toHaveLength(1);
    expect(reorgs[0]).toMatchObject({ node: 'fake-0', depth: 4, revertedFinal: true, reverted: ['a5', 'a4', 'a3', 'a2'].map(id) });
    expect(feed.stats).toMatchObject({ reorgs: 1, revertedFinal: 1, orphanedBlocks: 4 });
    // The new branch's blocks are emitted once each.
    for (const b of ['b2', 'b3', 'b4', 'b5', 'b6']) expect(feed.block(id(b))).toBeDefined();
  });

  it('counts two nodes finalising different blocks at one height as a conflict', async () => {
    const a: FakeChain = { ids: ['g', 'x1', 'a2', 'a3'].map(id), lib: 2 };
    const b: FakeChain = { ids: ['g', 'x1', 'b2', 'b3'].map(id), lib: 2 };
    const feed = await follow([a, b]);
    await feed.refresh();
    await feed.refresh();
    expect(feed.stats.finalConflicts).toBe(1);
    expect([id('a2'), id('b2')]).toContain(feed.finalAt(2));
    expect(feed.finalAt(1)).toBe(id('x1'));
  });
});
