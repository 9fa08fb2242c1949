/**
 * FAKE NODE (test and bench only): a node:http sink that speaks just enough of the devnet API for the load
 * engine: POST /mempool/add/txs answers 'ok' for every transaction of the batch after an injected latency,
 * GET /ledger/account/:pk answers nonce 0. It counts what arrives and when, so tests judge the engine's
 * pacing from the receiving side. Not a node: no signature checks, no mempool, no blocks.
 */
import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface FakeNodeOptions {
  /** Latency in ms for a request arriving at `relMs` since the sink started (default 0: answer at once). */
  latencyMs?: (relMs: number) => number;
  /** Record per-request arrival times and counts (for pacing checks). Off for benches. */
  recordArrivals?: boolean;
}

export interface FakeNode {
  url: string;
  /** Unix ms (performance clock) at which the sink started; `latencyMs` gets times relative to it. */
  startedAt: number;
  /** Transactions received in total. */
  received(): number;
  /** Arrival times (Unix ms) and transaction counts of every batch, when recordArrivals is on. */
  arrivals(): Array<[number, number]>;
  /** Transactions that arrived within [fromMs, toMs) (Unix ms). */
  receivedBetween(fromMs: number, toMs: number): number;
  close(): Promise<void>;
}

const now = (): number => performance.timeOrigin + performance.now();

export async function startFakeNode(options: FakeNodeOptions = {}): Promise<FakeNode> {
  const startedAt = now();
  let received = 0;
  const arrivals: Array<[number, number]> = [];
  const okCache = new Map<number, string>();
  const answer = (n: number): string => {
    let s = okCache.get(n);
    if (!s) {
      s = JSON.stringify({ results: new Array(n).fill('ok') });
      okCache.set(n, s);
    }
    return s;
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const at = now();
    if (req.method === 'GET' && req.url?.startsWith('/ledger/account/')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":1000000000000,"nonce":0}');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/mempool/add/txs') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const n = body.length >= 4 ? body.readUInt32LE(0) : 0;
      received += n;
      if (options.recordArrivals) arrivals.push([at, n]);
      const delay = options.latencyMs ? Math.max(0, options.latencyMs(at - startedAt) - (now() - at)) : 0;
      const send = () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer(n));
      if (delay < 0.5) send();
      else setTimeout(send, delay);
    });
  };
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    startedAt,
    received: () => received,
    arrivals: () => arrivals,
    receivedBetween: (from, to) => arrivals.reduce((s, [t, n]) => (t >= from && t < to ? s + n : s), 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The same null sink in its own process (load-fake-node-process.mjs): arrival times free of this event loop. */
export interface FakeNodeProcess {
  url: string;
  receivedBetween(fromMs: number, toMs: number): Promise<{ count: number; received: number }>;
  /** When the n-th transaction arrived (Unix ms), or null. */
  timeOf(n: number): Promise<number | null>;
  /** timeOf for each of `ns` (ascending) in one round trip. */
  timesOf(ns: number[]): Promise<Array<number | null>>;
  close(): Promise<void>;
}

export async function startFakeNodeProcess(): Promise<FakeNodeProcess> {
  const child = fork(fileURLToPath(new URL('./load-fake-node-process.mjs', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  return {
    url,
    receivedBetween: (from, to) =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { count: number; received: number }));
        child.send({ type: 'between', from, to });
      }),
    timeOf: (n) =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { at: number | null }).at));
        child.send({ type: 'timeOf', n });
      }),
    timesOf: (ns) =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { ats: Array<number | null> }).ats));
        child.send({ type: 'timesOf', ns });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
