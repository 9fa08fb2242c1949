/**
 * The HTTP server's defenses on a real socket (request time limit, header deadline, eviction at the
 * connection cap) and the verifier's memory of invalid signatures (verified once per signature).
 */
import * as net from 'node:net';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { decodeTx, deriveKeyPair, fastestEd25519, fromHex, signTransferFast } from '../../src/adapters/devnet/wire/index.js';
import { startHttpServer } from '../../src/node/http-server.js';
import { PipelinedConnection, serializeRequest } from '../../src/adversary/http-pipeline.js';
import { TxVerifier } from '../../src/node/tx-verifier.js';

const connect = (port: number) =>
  new Promise<{ socket: net.Socket; closed: Promise<void> }>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, closed }));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
  });

/**
 * One client (127.0.0.3) keeping `sockets` × 64 pipelined requests in flight for `ms` at a server with this handler
 * and share of a turn, 1 s deadlines and no budget: answers per socket, requests lost before the end, the server's stats.
 */
async function heldFlood(handler: () => { json: number }, clientRequestsPerTurn: number, sockets: number, ms: number) {
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: [{ method: 'GET', path: '/x', handler }], limits: { clientRequestsPerTurn, headerTimeoutMs: 1000, idleTimeoutMs: 1000, requestsPerSec: 0, overloadDelayMs: 0 } });
  const r = serializeRequest('GET', '/x', 'h');
  let stop = false;
  let lost = 0;
  const answered: number[] = [];
  const conns: PipelinedConnection[] = [];
  for (let i = 0; i < sockets; i++) {
    answered.push(0);
    const conn: PipelinedConnection = new PipelinedConnection(server.port, '127.0.0.1', { answer: () => (answered[i]!++, !stop && conn.send([r], performance.now())), lost: (n) => !stop && (lost += n) }, '127.0.0.3');
    conn.send(Array.from({ length: 64 }, () => r), performance.now());
    conns.push(conn);
  }
  try {
    await new Promise((ok) => setTimeout(ok, ms));
  } finally {
    stop = true;
    for (const c of conns) c.destroy();
    await server.close();
  }
  return { answered, lost, stats: server.stats };
}

describe('HTTP server limits', () => {
  it('a handler slower than the request time limit is answered 503; a silent socket is closed at the header deadline', async () => {
    const server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: [{ method: 'GET', path: '/slow', handler: () => new Promise((r) => setTimeout(() => r({ json: 1 }), 2000)) }],
      limits: { requestTimeoutMs: 200, headerTimeoutMs: 300 },
    });
    const pool = new Pool(`http://127.0.0.1:${server.port}`);
    try {
      const res = await pool.request({ method: 'GET', path: '/slow' });
      expect(res.statusCode).toBe(503);
      expect(((await res.body.json()) as { error: string }).error).toMatch(/request time limit of 200 ms/);
      const { closed } = await connect(server.port);
      const t0 = Date.now();
      await closed;
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(server.stats.headerTimeouts).toBeGreaterThanOrEqual(1);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  it('a charge puts the client in debt: owes() says how long, its next request is 429 with that Retry-After; another client is served', async () => {
    const seen: number[] = [];
    const server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: [
        { method: 'POST', path: '/costly', handler: (req) => (req.charge(30), seen.push(req.owes()), { json: 1 }) },
        { method: 'GET', path: '/x', handler: (req) => (seen.push(req.owes()), { json: 1 }) },
      ],
      limits: { requestsPerSec: 10, requestBurst: 20 },
    });
    const debtor = new Pool(`http://127.0.0.1:${server.port}`, { localAddress: '127.0.0.4' });
    const other = new Pool(`http://127.0.0.1:${server.port}`, { localAddress: '127.0.0.5' });
    try {
      const first = await debtor.request({ method: 'GET', path: '/x' });
      await first.body.text();
      expect(first.statusCode).toBe(200);
      const costly = await debtor.request({ method: 'POST', path: '/costly', body: '{}' });
      await costly.body.text();
      // 20 - 2 requests - 30 charged = -12 tokens: 12 / 10 per s → owes 2 s (whole seconds, rounded up).
      expect(seen).toEqual([0, 2]);
      const next = await debtor.request({ method: 'GET', path: '/x' });
      await next.body.text();
      expect(next.statusCode).toBe(429);
      // (1 when this machine took over 0.3 s between the two requests, paying back 3 of the 12)
      expect(['1', '2']).toContain(next.headers['retry-after']);
      const ok = await other.request({ method: 'GET', path: '/x' });
      await ok.body.text();
      expect(ok.statusCode).toBe(200);
      expect(server.stats.overBudget).toBe(1);
    } finally {
      await Promise.all([debtor.close(), other.close()]);
      await server.close();
    }
  });

  it('idle sockets: the node advertises its idle deadline, so a pooling client stops reusing a socket before the node closes it', async () => {
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: [{ method: 'GET', path: '/x', handler: () => ({ json: 1 }) }], limits: { idleTimeoutMs: 5000, requestsPerSec: 0 } });
    // Without the header undici keeps an idle socket for its own keepAliveTimeout (the load workers': 30 s) and,
    // on a busy machine, sent a request into a socket the node was closing ('other side closed').
    const pool = new Pool(`http://127.0.0.1:${server.port}`, { keepAliveTimeout: 30_000 });
    try {
      const res = await pool.request({ method: 'GET', path: '/x' });
      await res.body.dump();
      expect(res.headers['keep-alive']).toBe('timeout=5');
    } finally {
      await pool.close();
      await server.close();
    }
  });

  it('at the connection cap a new client evicts the longest-idle socket and is served', async () => {
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: [{ method: 'GET', path: '/x', handler: () => ({ json: 1 }) }], limits: { maxConnections: 5, headerTimeoutMs: 0, idleTimeoutMs: 0 } });
    const idle = [];
    for (let i = 0; i < 5; i++) idle.push(await connect(server.port));
    const pool = new Pool(`http://127.0.0.1:${server.port}`);
    try {
      const res = await pool.request({ method: 'GET', path: '/x' });
      expect(res.statusCode).toBe(200);
      await res.body.text();
      await idle[0]!.closed; // the first (longest idle) went
      expect(server.stats.evicted).toBe(1);
    } finally {
      for (const s of idle) s.socket.destroy();
      await pool.close();
      await server.close();
    }
  });
});

describe('HTTP server: request bodies held at once', () => {
  it('over the cap a request is answered 503 with Retry-After; under it, served', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: [{ method: 'POST', path: '/b', maxBody: 10_000_000, handler: async (req) => (await gate, { json: req.body.length }) }],
      limits: { maxInflightBodyBytes: 3_000_000 },
    });
    const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 4 });
    try {
      const post = () => pool.request({ method: 'POST', path: '/b', body: Buffer.alloc(2_000_000) });
      const first = post();
      await new Promise((r) => setTimeout(r, 300)); // the first body is held by its (waiting) handler
      const second = await post();
      expect(second.statusCode).toBe(503);
      expect(second.headers['retry-after']).toBe('1');
      expect(((await second.body.json()) as { error: string }).error).toMatch(/at its cap of 3000000/);
      release();
      const one = await first;
      expect(await one.body.json()).toBe(2_000_000);
      const third = await post();
      expect(third.statusCode).toBe(200);
      await third.body.text();
      expect(server.stats.bodiesRefused).toBe(1);
    } finally {
      await pool.close();
      await server.close();
    }
  });
});

describe('TxVerifier', () => {
  it('verifies an invalid signature once and remembers it', () => {
    const w = deriveKeyPair('verifier-test', 'wallet', 0);
    const bytes = signTransferFast(w.key, 0, 1, fromHex(w.publicKey), 1).bytes.slice();
    bytes[bytes.length - 1]! ^= 1;
    const v = new TxVerifier(fastestEd25519(), () => false);
    expect(v.verify(decodeTx(bytes))).toBe('bad_signature');
    expect(v.verify(decodeTx(bytes))).toBe('bad_signature');
    expect(v.verifications).toBe(1);
    expect(v.rejectedHits).toBe(1);
  });

  it('a socket pipelining more requests than the cap is closed; under the cap, or with the cap off, all are answered', async () => {
    // The handler answers later, so that the pipelined requests are all unanswered at once.
    const routes = [{ method: 'GET' as const, path: '/x', handler: () => new Promise<{ json: number }>((r) => setTimeout(() => r({ json: 1 }), 50)) }];
    const flood = async (maxPipelined: number, depth: number) => {
      const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes, limits: { maxPipelined } });
      let answered = 0;
      let lost = -1;
      const done = new Promise<void>((ok) => {
        const conn = new PipelinedConnection(server.port, '127.0.0.1', { answer: () => ++answered === depth && (conn.destroy(), ok()), lost: (n) => ((lost = n), ok()) });
        const r = serializeRequest('GET', '/x', 'h');
        conn.send(Array.from({ length: depth }, () => r), performance.now());
      });
      await done;
      await server.close();
      return { answered, lost, closed: server.stats.pipelineClosed };
    };
    expect(await flood(16, 16)).toEqual({ answered: 16, lost: 0, closed: 0 });
    const over = await flood(16, 200);
    expect(over.closed).toBe(1);
    expect(over.answered + over.lost).toBe(200);
    expect(over.lost).toBeGreaterThanOrEqual(200 - 16);
    expect(await flood(0, 200)).toEqual({ answered: 200, lost: 0, closed: 0 });
  }, 20_000);

  it("a held client's sockets take turns: each is read within the header deadline, none closed with requests in flight", async () => {
    // One client (127.0.0.3) keeps 32 sockets × 64 pipelined full, four times its share of a turn: held every turn,
    // only some of its sockets are read in each. When each release resumed them all, epoll's order decided which were
    // read first, the same ones took the share every turn and the others were never read, until the sweep closed them
    // with their requests unanswered (here 9-16 sockets in 3 s; the flood runs' ~93 sockets × 128, bench/RESULTS.md
    // 2026-12-04 03:55).
    const { answered, lost, stats } = await heldFlood(() => ({ json: 1 }), 512, 32, 3000);
    const { headerTimeouts, idleClosed, clientsHeld } = stats;
    console.log(`held ${clientsHeld} times; answers per socket ${Math.min(...answered)}-${Math.max(...answered)}; closed by the sweep ${headerTimeouts + idleClosed}`);
    expect(clientsHeld).toBeGreaterThan(0);
    expect({ headerTimeouts, idleClosed, lost }).toEqual({ headerTimeouts: 0, idleClosed: 0, lost: 0 });
    expect(Math.min(...answered)).toBeGreaterThan(0);
  }, 20_000);

  it("a held client's socket waiting for its share on a busy server is not closed by the deadlines", async () => {
    // Each request holds the event loop 2 ms and the share is 64 a turn: the client's 16 sockets × 64 pipelined are
    // read one or two a turn, each waiting ~1-2 s for its next turn, longer than the 1 s deadlines. Before, the sweep
    // (and node:http's own keep-alive timer, which also ran while the share held a socket) closed them with their
    // requests in flight: 640 requests lost in 4 s.
    const busy = () => {
      const until = performance.now() + 2;
      while (performance.now() < until);
      return { json: 1 };
    };
    const { lost, stats } = await heldFlood(busy, 64, 16, 3500);
    const { headerTimeouts, idleClosed, clientsHeld } = stats;
    expect(clientsHeld).toBeGreaterThan(0);
    expect({ headerTimeouts, idleClosed, lost }).toEqual({ headerTimeouts: 0, idleClosed: 0, lost: 0 });
  }, 20_000);

  it("a client's share of a turn: another client waits for a share, not for the flooder's whole backlog (off: it waits for all of it)", async () => {
    // Each request costs 0.2 ms of the event loop; the flooder (127.0.0.3) keeps 16 sockets × 64 pipelined full.
    // Judged by how many of the flooder's requests the server handled while a control request waited (sent, not yet
    // handled), which is what the share bounds. The worst wait in ms told the two apart at load 8-9 (327-400 ms
    // against 830-1,670 ms) but not at load 2-3 (62-85 ms against 67-142 ms, 2026-12-04 12:00-12:18, on main too):
    // there the count was 210-212 against 1,024 (the whole backlog), 3 runs of 3.
    let flooded = 0;
    const busy = (req: { client: string }) => {
      if (req.client === '127.0.0.3') flooded++;
      else sentAt.handled = flooded;
      const until = performance.now() + 0.2;
      while (performance.now() < until);
      return { json: 1 };
    };
    const sentAt = { flooded: 0, handled: 0 };
    const control = async (clientRequestsPerTurn: number) => {
      const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: [{ method: 'GET', path: '/x', handler: busy }], limits: { clientRequestsPerTurn, requestsPerSec: 0, overloadDelayMs: 0 } });
      const r = serializeRequest('GET', '/x', 'h');
      let stop = false;
      const conns: PipelinedConnection[] = [];
      for (let i = 0; i < 16; i++) {
        const conn: PipelinedConnection = new PipelinedConnection(server.port, '127.0.0.1', { answer: () => !stop && conn.send([r], performance.now()), lost: () => {} }, '127.0.0.3');
        conn.send(Array.from({ length: 64 }, () => r), performance.now());
        conns.push(conn);
      }
      const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 1, localAddress: '127.0.0.2' });
      const waited: number[] = [];
      try {
        // The first read opens the connection while the flooder's first 1,024 requests are read: not counted.
        for (let i = 0; i < 7; i++) {
          sentAt.flooded = flooded;
          await (await pool.request({ method: 'GET', path: '/x' })).body.dump();
          if (i > 0) waited.push(sentAt.handled - sentAt.flooded);
        }
      } finally {
        stop = true;
        for (const c of conns) c.destroy();
        await pool.close();
        await server.close();
      }
      return { worst: Math.max(...waited), held: server.stats.clientsHeld };
    };
    const on = await control(32);
    const off = await control(0);
    console.log(`flooder requests handled while a control request waited, worst of 6: share 32 per turn ${on.worst} (held ${on.held} times), share off ${off.worst}`);
    expect(on.held).toBeGreaterThan(0);
    expect(off.held).toBe(0);
    expect(on.worst, `with its share the control client waited behind ${on.worst} flooder requests, without ${off.worst}`).toBeLessThan(off.worst / 2);
  }, 30_000);
});
