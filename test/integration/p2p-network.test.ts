/**
 * The P2P network over real loopback TCP sockets, several networks in one process: handshake and its
 * refusals, gossip and dedup, requests, rate limiting and bans, testing hooks, reconnects.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveKeyPair } from '../../src/adapters/devnet/wire/keys.js';
import { FrameDecoder, MsgType, encodeFrame, encodeListFrame } from '../../src/adapters/devnet/wire/p2p-frames.js';
import { P2P_VERSION, decodeHello, encodeHello, newChallenge, newSession, signAuth } from '../../src/adapters/devnet/wire/p2p-handshake.js';
import { CHAIN, connectedIds, fakeTxs, makeNode, sleep, waitFor, type TestNode } from './p2p-helpers.js';

const started: TestNode[] = [];
const sockets: net.Socket[] = [];

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A hand-driven peer on a raw socket that completes a genuine handshake, then sends whatever a test wants. */
async function rawPeer(target: TestNode, index: number): Promise<{ socket: net.Socket; closed: Promise<void>; received: Array<{ type: number; payload: Buffer }> }> {
  const key = deriveKeyPair('p2p-test', 'node', index).key;
  const socket = net.connect({ host: '127.0.0.1', port: target.net.port });
  sockets.push(socket);
  const decoder = new FrameDecoder(1 << 24);
  const received: Array<{ type: number; payload: Buffer }> = [];
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => {
    for (const f of decoder.push(d)) {
      received.push(f);
      if (f.type === MsgType.hello) socket.write(encodeFrame(MsgType.auth, signAuth(key, CHAIN, decodeHello(f.payload))));
    }
  });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(encodeFrame(MsgType.hello, encodeHello({ version: P2P_VERSION, chainId: CHAIN, peerId: key.publicKey, challenge: newChallenge(), session: newSession(), listenPort: 1, name: 'raw' })));
  await waitFor(() => connectedIds(target).length === 1, 5_000, 'raw peer handshake');
  return { socket, closed, received };
}

async function start(...nodes: TestNode[]): Promise<void> {
  for (const n of nodes) {
    started.push(n);
    await n.net.start();
  }
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(started.splice(0).map((n) => n.net.stop()));
});

describe('p2p handshake', () => {
  it('connects two nodes with authenticated peer ids', async () => {
    const a = makeNode(0, []);
    await start(a);
    const b = makeNode(1, [a.addr()]);
    await start(b);
    await waitFor(() => connectedIds(a).length === 1 && connectedIds(b).length === 1, 5_000, 'connection');
    expect(connectedIds(a)).toEqual([b.id]);
    expect(connectedIds(b)).toEqual([a.id]);
    expect(a.net.info()).toMatchObject({ peer_id: a.id, n_peers: 1, n_connections: 1, peers: [b.id], listen_addresses: [`/ip4/127.0.0.1/tcp/${a.net.port}`] });
    expect(a.net.peers()[0]).toMatchObject({ name: 'n1', score: 0, connected: true });
  });

  it('refuses a peer on another chain, and both sides say why', async () => {
    const a = makeNode(0, []);
    await start(a);
    const b = makeNode(1, [a.addr()], { chainId: 'other-chain' });
    await start(b);
    await waitFor(() => b.logs.some((l) => JSON.stringify(l.data ?? '').includes('wrong chain id')), 5_000, 'refusal logged');
    await sleep(300);
    expect(connectedIds(a)).toEqual([]);
    expect(connectedIds(b)).toEqual([]);
  });

  it('refuses a spoofed peer id (HELLO with a key the sender does not hold)', async () => {
    const a = makeNode(0, []);
    await start(a);
    const victim = deriveKeyPair('p2p-test', 'node', 7).key;
    const s = net.connect({ host: '127.0.0.1', port: a.net.port });
    sockets.push(s);
    const received: Buffer[] = [];
    s.on('data', (d: Buffer) => received.push(d));
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write(encodeFrame(MsgType.hello, encodeHello({ version: P2P_VERSION, chainId: CHAIN, peerId: victim.publicKey, challenge: newChallenge(), session: newSession(), listenPort: 1, name: 'liar' })));
    s.write(encodeFrame(MsgType.auth, new Uint8Array(64).fill(7)));
    await closed;
    expect(Buffer.concat(received).toString('latin1')).toContain('does not match the claimed peer id');
    expect(connectedIds(a)).toEqual([]);
  });

  it('closes an unauthenticated connection that announces a large frame', async () => {
    const a = makeNode(0, []);
    await start(a);
    const s = net.connect({ host: '127.0.0.1', port: a.net.port });
    sockets.push(s);
    s.on('error', () => {});
    const received: Buffer[] = [];
    s.on('data', (d: Buffer) => received.push(d));
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    await new Promise<void>((r) => s.once('connect', () => r()));
    const head = Buffer.alloc(5);
    head.writeUInt32LE(1_000_000, 0);
    head[4] = MsgType.hello;
    s.write(head);
    await closed;
    expect(Buffer.concat(received).toString('latin1')).toContain('frame of 1000000 bytes, at most 4096');
    expect(connectedIds(a)).toEqual([]);
  });

  it('keeps exactly one connection when both sides dial each other', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const x = makeNode(0, [{ host: '127.0.0.1', port: pb }], { port: pa });
    const y = makeNode(1, [{ host: '127.0.0.1', port: pa }], { port: pb });
    await Promise.all([start(x), start(y)]);
    await waitFor(() => connectedIds(x).length === 1 && connectedIds(y).length === 1, 5_000, 'connection');
    await sleep(1_500);
    expect(x.net.info().n_connections).toBe(1);
    expect(y.net.info().n_connections).toBe(1);
    // No churn: the surviving connection stays up.
    const connectsX = x.logs.filter((l) => l.msg === 'peer connected').length;
    await sleep(2_500);
    expect(x.logs.filter((l) => l.msg === 'peer connected').length).toBe(connectsX);
    expect(connectedIds(x)).toEqual([y.id]);
  });
});

describe('p2p gossip', () => {
  it('relays transactions and blocks across a line of three nodes, each once', async () => {
    const a = makeNode(0, [], { relay: true });
    await start(a);
    const b = makeNode(1, [a.addr()], { relay: true });
    await start(b);
    const c = makeNode(2, [b.addr()], { relay: true });
    await start(c);
    await waitFor(() => connectedIds(b).length === 2, 5_000, 'line connected');
    const txs = fakeTxs(5_000, 1);
    for (const t of txs) a.net.broadcastTx(t);
    a.net.broadcastBlock(new Uint8Array(2_000).fill(9));
    await waitFor(() => c.txs.length === txs.length && c.blocks.length === 1, 10_000, 'gossip reaches the far end');
    expect(b.txs.length).toBe(txs.length);
    expect(c.txs.every((t) => t.from === b.id)).toBe(true);
    expect(Buffer.from(c.txs[123]!.bytes).equals(Buffer.from(txs[123]!))).toBe(true);
    // Nothing echoes back to the origin.
    await sleep(200);
    expect(a.txs.length).toBe(0);
    expect(a.blocks.length).toBe(0);
  });

  it('delivers each message once in a full mesh; relays skip the sender\'s neighbours', async () => {
    const a = makeNode(0, [], { relay: true });
    await start(a);
    const b = makeNode(1, [a.addr()], { relay: true });
    await start(b);
    const c = makeNode(2, [a.addr(), b.addr()], { relay: true });
    await start(c);
    await waitFor(() => [a, b, c].every((n) => connectedIds(n).length === 2), 5_000, 'mesh connected');
    // Wait until every node knows each peer's neighbours (PEERS messages), which relay suppression uses.
    const neighboursKnown = (n: TestNode): boolean => [...(n.net as unknown as { records: Map<string, { neighbours: Set<string> | null }> }).records.values()].every((r) => r.neighbours?.size === 1);
    await waitFor(() => [a, b, c].every(neighboursKnown), 5_000, 'neighbour sets');
    const txs = fakeTxs(3_000, 2);
    for (const t of txs) a.net.broadcastTx(t);
    await waitFor(() => b.txs.length === txs.length && c.txs.length === txs.length, 10_000, 'all delivered');
    await sleep(300);
    expect(b.txs.length).toBe(txs.length);
    expect(c.txs.length).toBe(txs.length);
    expect(a.txs.length).toBe(0);
    // a sent every tx to both; b and c relay nothing to each other: each is a's neighbour, so a sent it there.
    expect(a.net.metrics.gossipOut).toBe(2 * txs.length);
    expect(b.net.metrics.gossipOut + c.net.metrics.gossipOut).toBe(0);
    // Blocks are flooded regardless: redundancy for what matters most.
    a.net.broadcastBlock(new Uint8Array(500).fill(4));
    await waitFor(() => b.blocks.length === 1 && c.blocks.length === 1, 2_000, 'block delivered');
    await waitFor(() => b.net.metrics.gossipOut + c.net.metrics.gossipOut === 2, 2_000, 'blocks relayed to the other peer');
    // Honest duplicates (copies crossing on the wire) are dropped without penalty.
    for (const n of [a, b, c]) for (const p of n.net.peers()) expect(p.score).toBe(0);
  });
});

describe('p2p requests', () => {
  it('answers block requests and DA share requests', async () => {
    const chain = Array.from({ length: 50 }, (_, h) => new Uint8Array(100 + h).fill(h));
    const a = makeNode(0, [], {
      handlers: {
        onBlockRequest: (req) => chain.slice(req.fromHeight ?? 0, (req.toHeight ?? chain.length - 1) + 1),
        onDaShare: (bytes) => (bytes[0] === 1 ? new Uint8Array([42, ...bytes]) : null),
      },
    });
    await start(a);
    const b = makeNode(1, [a.addr()]);
    await start(b);
    await waitFor(() => connectedIds(b).length === 1, 5_000, 'connection');
    const got = await b.net.requestBlocks(a.id, { fromHeight: 10, toHeight: 19, max: 100 });
    expect(got.map((x) => x.length)).toEqual(chain.slice(10, 20).map((x) => x.length));
    expect(Buffer.from(got[0]!).equals(Buffer.from(chain[10]!))).toBe(true);
    // The response honours max.
    expect((await b.net.requestBlocks(a.id, { fromHeight: 0, max: 5 })).length).toBe(5);
    // Concurrent requests are matched by id.
    const many = await Promise.all([0, 1, 2, 3].map((i) => b.net.requestBlocks(a.id, { fromHeight: i, toHeight: i, max: 1 })));
    expect(many.map((r) => r[0]![0])).toEqual([0, 1, 2, 3]);
    expect(Array.from((await b.net.sendDaShare(a.id, new Uint8Array([1, 2, 3])))!)).toEqual([42, 1, 2, 3]);
    expect(await b.net.sendDaShare(a.id, new Uint8Array([0]))).toBeNull();
    await expect(b.net.requestBlocks('ab'.repeat(32), { max: 1 })).rejects.toMatchObject({ code: 'LN_ERR_NODE_API' });
  });
});

describe('p2p address book', () => {
  it('sendDaShare reaches a non-neighbour by connecting on demand through addresses neighbours share', async () => {
    const hub = makeNode(0, []);
    await start(hub);
    const b = makeNode(1, [hub.addr()]);
    const c = makeNode(2, [hub.addr()], { handlers: { onDaShare: (bytes) => new Uint8Array([7, ...bytes]) } });
    await start(b, c);
    await waitFor(() => connectedIds(hub).length === 2, 5_000, 'star connected');
    expect(connectedIds(b)).toEqual([hub.id]);
    // The hub tells b about c as soon as c connects.
    await waitFor(() => (b.net as unknown as { book: Map<string, unknown> }).book.has(c.id), 2_000, 'address learned');
    expect(Array.from((await b.net.sendDaShare(c.id, new Uint8Array([1])))!)).toEqual([7, 1]);
    expect(connectedIds(b).sort()).toEqual([hub.id, c.id].sort());
    await expect(b.net.sendDaShare('ef'.repeat(32), new Uint8Array([1]))).rejects.toMatchObject({ code: 'LN_ERR_NODE_API' });
  });
});

describe('p2p scoring', () => {
  it('throttles a burst without banning it; disconnects and bans a sustained flood', async () => {
    const a = makeNode(0, [], { extra: { limits: { ratePerSec: 2_000, burst: 2_000, banMs: 3_000, maxThrottledPenaltyPerSec: 40 } } });
    await start(a);
    const b = makeNode(1, [a.addr()]);
    await start(b);
    await waitFor(() => connectedIds(a).length === 1, 5_000, 'connection');
    // One burst of 40,000 messages, far over 2,000/s: dropped and counted, but a backlog is not a ban.
    for (const t of fakeTxs(40_000, 3, 60)) b.net.broadcastTx(t);
    await waitFor(() => a.net.metrics.throttled > 30_000, 5_000, 'burst throttled');
    await sleep(300);
    expect(a.net.metrics.disconnected).toBe(0);
    expect(connectedIds(a)).toEqual([b.id]);
    expect(a.net.peers()[0]!.score).toBeGreaterThanOrEqual(-40);
    // A sustained flood: 5,000 new messages every 50 ms until a cuts b off.
    let tag = 100;
    const flood = setInterval(() => {
      for (const t of fakeTxs(5_000, tag++, 60)) b.net.broadcastTx(t);
    }, 50);
    try {
      await waitFor(() => a.net.metrics.disconnected === 1, 10_000, 'flooder disconnected');
    } finally {
      clearInterval(flood);
    }
    expect(a.txs.length).toBeLessThan(40_000);
    await waitFor(() => b.logs.some((l) => JSON.stringify(l.data ?? '').includes('banned for')), 3_000, 'the flooder told why');
    // Banned: b's redials are refused while the ban lasts...
    await sleep(1_500);
    expect(connectedIds(a)).toEqual([]);
    // ...and it comes back after the ban.
    await waitFor(() => connectedIds(a).length === 1, 8_000, 'reconnect after the ban');
  });

  it('penalizes a peer that repeats the same message and disconnects it after a flood of repeats', async () => {
    const a = makeNode(0, []);
    await start(a);
    const raw = await rawPeer(a, 9);
    const tx = new Uint8Array(100).fill(1);
    raw.socket.write(encodeListFrame(MsgType.txs, [tx, tx, tx]));
    await waitFor(() => a.txs.length === 1 && a.net.peers()[0]!.score < -0.9, 2_000, 'one delivery, two repeats penalized');
    expect(a.net.metrics.duplicates).toBe(2);
    expect(connectedIds(a).length).toBe(1);
    raw.socket.write(encodeListFrame(MsgType.txs, Array.from({ length: 300 }, () => tx)));
    await raw.closed;
    expect(a.net.metrics.disconnected).toBe(1);
    expect(a.txs.length).toBe(1);
  });

  it('penalizes undecodable messages and unknown message types', async () => {
    const a = makeNode(0, []);
    await start(a);
    const raw = await rawPeer(a, 9);
    raw.socket.write(encodeFrame(MsgType.txs, new Uint8Array([9, 9])));
    raw.socket.write(encodeFrame(99, new Uint8Array(3)));
    await waitFor(() => a.net.peers()[0]!.score <= -49, 2_000, 'two malformed-message penalties');
    expect(connectedIds(a).length).toBe(1);
    for (let i = 0; i < 3; i++) raw.socket.write(encodeFrame(99, new Uint8Array(3)));
    await raw.closed;
    expect(a.net.metrics.disconnected).toBe(1);
  });

  it('disconnects on penalize() from the core below the threshold', async () => {
    const a = makeNode(0, []);
    await start(a);
    const b = makeNode(1, [a.addr()]);
    await start(b);
    await waitFor(() => connectedIds(a).length === 1, 5_000, 'connection');
    a.net.penalize(b.id, 60, 'bad signatures');
    expect(a.net.peers()[0]!.score).toBeLessThan(-50);
    expect(connectedIds(a)).toEqual([b.id]);
    a.net.penalize(b.id, 60, 'bad signatures');
    await waitFor(() => connectedIds(a).length === 0, 2_000, 'disconnect');
    expect(a.net.metrics.disconnected).toBe(1);
  });

  it('drops a connection sending an oversized frame', async () => {
    const a = makeNode(0, [], { extra: { maxFrameBytes: 10_000 } });
    await start(a);
    const b = makeNode(1, [a.addr()]);
    await start(b);
    await waitFor(() => connectedIds(a).length === 1, 5_000, 'connection');
    b.net.broadcastBlock(new Uint8Array(20_000));
    await waitFor(() => a.logs.some((l) => l.msg === 'peer disconnected' && JSON.stringify(l.data).includes('at most 10000')), 5_000, 'disconnect');
    expect(a.blocks.length).toBe(0);
  });
});

describe('p2p testing hooks', () => {
  it('blockPeer cuts the link both ways until unblockPeer', async () => {
    const a = makeNode(0, [], { relay: true });
    await start(a);
    const b = makeNode(1, [a.addr()], { relay: true });
    await start(b);
    await waitFor(() => connectedIds(a).length === 1, 5_000, 'connection');
    a.net.blockPeer(b.id);
    await waitFor(() => connectedIds(b).length === 0, 2_000, 'cut');
    expect(a.net.state().blocked).toEqual([b.id]);
    for (const t of fakeTxs(10, 4)) b.net.broadcastTx(t);
    a.net.broadcastTx(new Uint8Array(50).fill(5));
    await sleep(2_500); // b keeps redialing: refused each time
    expect(connectedIds(a)).toEqual([]);
    expect(a.txs.length + b.txs.length).toBe(0);
    a.net.unblockPeer(b.id);
    await waitFor(() => connectedIds(a).length === 1, 5_000, 'healed');
    a.net.broadcastTx(new Uint8Array(50).fill(6));
    await waitFor(() => b.txs.length === 1, 2_000, 'gossip after healing');
  });

  it('setLinkFault delays messages by delay ± jitter and drops with the given loss', async () => {
    const a = makeNode(0, [], { handlers: { onBlockRequest: () => [new Uint8Array(10)] } });
    await start(a);
    const b = makeNode(1, [a.addr()]);
    await start(b);
    await waitFor(() => connectedIds(b).length === 1, 5_000, 'connection');
    const rtt = async (): Promise<number> => {
      const t0 = performance.now();
      await b.net.requestBlocks(a.id, { max: 1 });
      return performance.now() - t0;
    };
    await rtt();
    const base = await rtt();
    b.net.setLinkFault({ peer_id: a.id, delay_ms: 150, jitter_ms: 20, loss: 0 });
    const faulted: number[] = [];
    for (let i = 0; i < 5; i++) faulted.push(await rtt());
    // Request and response both cross the faulted link at b: 2 × (150 ± 20) ms.
    for (const f of faulted) {
      expect(f).toBeGreaterThanOrEqual(255);
      expect(f).toBeLessThan(600);
    }
    expect(base).toBeLessThan(100);
    expect(b.net.state().faults[a.id]).toMatchObject({ delay_ms: 150 });
    // Total loss: gossip does not arrive, yet the link (keep-alive) stays up.
    b.net.setLinkFault({ peer_id: a.id, delay_ms: 0, jitter_ms: 0, loss: 1 });
    for (const t of fakeTxs(100, 5)) b.net.broadcastTx(t);
    await sleep(500);
    expect(a.txs.length).toBe(0);
    expect(connectedIds(b)).toEqual([a.id]);
    b.net.setLinkFault({ peer_id: a.id, delay_ms: 0, jitter_ms: 0, loss: 0 });
    expect(b.net.state().faults).toEqual({});
    expect(await rtt()).toBeLessThan(100);
    expect(() => b.net.setLinkFault({ peer_id: 'zz', delay_ms: 0, jitter_ms: 0, loss: 2 })).toThrow(/peer_id must be/);
  });
});

describe('p2p reconnects', () => {
  it('re-dials a peer that restarts on the same port, and accepts a restarted dialer', async () => {
    const a = makeNode(0, [], { relay: true });
    await start(a);
    const port = a.net.port;
    const b = makeNode(1, [a.addr()], { relay: true });
    await start(b);
    await waitFor(() => connectedIds(b).length === 1, 5_000, 'connection');
    await a.net.stop();
    await waitFor(() => connectedIds(b).length === 0, 5_000, 'b sees a gone');
    await sleep(500);
    const a2 = makeNode(0, [], { relay: true, port });
    await start(a2);
    await waitFor(() => connectedIds(b).length === 1 && connectedIds(a2).length === 1, 8_000, 'b re-dials the restarted a');
    // The dialer restarts: a new session replaces the old connection.
    await b.net.stop();
    const b2 = makeNode(1, [a2.addr()], { relay: true });
    await start(b2);
    await waitFor(() => connectedIds(b2).length === 1 && connectedIds(a2).length === 1, 8_000, 'restarted dialer connects');
    b2.net.broadcastTx(new Uint8Array(80).fill(1));
    await waitFor(() => a2.txs.length === 1, 2_000, 'gossip on the new connection');
  });
});
