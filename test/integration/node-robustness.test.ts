/**
 * A real node process under a flood of bad input: garbage JSON and binary bodies, oversized bodies,
 * bad query parameters, unknown paths and methods, malformed HTTP, junk on the P2P port. Every bad
 * request gets a 4xx with a JSON {error}; the process stays up and keeps producing blocks.
 */
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type RunningProcess } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const cluster = clusterForFile({ nodes: 1, wallets: 1, slotDurationMs: 500 });
let node: RunningProcess;
let pool: Pool;

beforeAll(() => {
  node = cluster.nodes[0]!;
  pool = new Pool(`http://127.0.0.1:${node.apiPort}`, { connections: 16 });
});

// Registered after the cluster's afterAll, so it runs before the node is stopped.
afterAll(async () => {
  await pool?.close();
});

async function send(method: 'GET' | 'POST', path: string, body?: Uint8Array | string, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await pool.request({ method, path, body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.body.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = { notJson: text.slice(0, 100) };
  }
  return { status: res.statusCode, json };
}

const rawHttp = (port: number, payload: string | Buffer): Promise<string> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('connect', () => s.end(payload));
    setTimeout(() => (s.destroy(), resolve(out)), 3000);
  });

describe('devnet node: robustness against bad requests', () => {
  it('answers every kind of bad request with a 4xx JSON error', async () => {
    const cases: Array<[string, () => Promise<{ status: number; json: unknown }>, number]> = [
      ['bad JSON tx', () => send('POST', '/mempool/add/tx', '{"from":'), 400],
      ['JSON tx of wrong shape', () => send('POST', '/mempool/add/tx', '{"from":"zz","nonce":-1}'), 400],
      ['random batch bytes', () => send('POST', '/mempool/add/txs', randomBytes(300), { 'content-type': 'application/octet-stream' }), 400],
      ['batch claiming more than it holds', () => send('POST', '/mempool/add/txs', Buffer.from([5, 0, 0, 0, 200, 0, 0, 0, 1, 2]), { 'content-type': 'application/octet-stream' }), 400],
      ['oversized JSON body', () => send('POST', '/mempool/add/tx', 'x'.repeat(2 * 1024 * 1024)), 413],
      ['unknown path', () => send('GET', '/nope'), 404],
      ['wrong method', () => send('GET', '/mempool/add/tx'), 405],
      ['bad account key', () => send('GET', '/ledger/account/xyz'), 400],
      ['bad height query', () => send('GET', '/cryptarchia/blocks?from=abc'), 400],
      ['missing height query', () => send('GET', '/cryptarchia/blocks'), 400],
      ['bad header id', () => send('GET', '/cryptarchia/headers?from=123'), 400],
      ['storage/block with junk', () => send('POST', '/storage/block', '"not-an-id"'), 400],
      ['storage/block with empty body', () => send('POST', '/storage/block', ''), 400],
    ];
    for (const [what, run, status] of cases) {
      const r = await run();
      expect(r.status, what).toBe(status);
      expect(typeof (r.json as { error?: unknown })?.error, what).toBe('string');
    }
    // A batch of undecodable transactions is a 200 with one 'malformed' per entry.
    const frame = Buffer.alloc(4 + 2 * (4 + 10));
    frame.writeUInt32LE(2, 0);
    frame.writeUInt32LE(10, 4);
    frame.writeUInt32LE(10, 18);
    const r = await send('POST', '/mempool/add/txs', frame, { 'content-type': 'application/octet-stream' });
    expect(r).toEqual({ status: 200, json: { results: ['malformed', 'malformed'] } });
    // Malformed HTTP on the socket gets a 400, not a hang or a crash.
    expect(await rawHttp(node.apiPort, 'THIS IS NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
  });

  it('keeps serving and producing blocks through a flood of concurrent bad requests', async () => {
    const before = await node.client.info();
    const bodies = ['{', '[]', 'null', '{"from":"00"}', '"x"', randomBytes(64).toString('latin1')];
    const flood: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      const k = i % 5;
      if (k === 0) flood.push(send('POST', '/mempool/add/tx', bodies[i % bodies.length]));
      else if (k === 1) flood.push(send('POST', '/mempool/add/txs', randomBytes(64 + (i % 200)), { 'content-type': 'application/octet-stream' }));
      else if (k === 2) flood.push(send('GET', `/ledger/account/${randomBytes(8).toString('hex')}`));
      else if (k === 3) flood.push(send('POST', '/storage/block', randomBytes(40)));
      else flood.push(send('GET', `/cryptarchia/blocks?from=${i}&to=${-i}`));
    }
    for (let i = 0; i < 20; i++) flood.push(rawHttp(node.apiPort, randomBytes(200)));
    for (let i = 0; i < 20; i++) flood.push(rawHttp(node.config.p2p.port, randomBytes(500)));
    const results = await Promise.allSettled(flood);
    const statuses = results.filter((r) => r.status === 'fulfilled').map((r) => (r.value as { status?: number }).status).filter((s) => s !== undefined) as number[];
    expect(statuses.length).toBeGreaterThanOrEqual(2000);
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    expect(node.child.exitCode).toBeNull();
    expect((await node.client.health()).ok).toBe(true);
    await waitFor('blocks keep coming', async () => (await node.client.info()).height > before.height + 1, 20_000);
    const m = await node.client.mempoolMetrics();
    expect(m.rejected.malformed).toBeGreaterThan(0);
  });

  it('testing API: the clock offset moves the slot clock; link faults are stored; bad values are 400', async () => {
    const before = (await node.client.info()).slot;
    await node.client.setClockOffset(5000);
    const after = (await node.client.info()).slot;
    expect(after - before).toBeGreaterThanOrEqual(9);
    expect(after - before).toBeLessThanOrEqual(12);
    await expect(node.client.setClockOffset(Number.NaN)).rejects.toThrow(/400/);
    await node.client.setClockOffset(0);
    const peer = 'ab'.repeat(32);
    await node.client.setLinkFault({ peer_id: peer, delay_ms: 50, jitter_ms: 5, loss: 0.1 });
    expect((await node.client.networkState()).faults[peer]).toMatchObject({ delay_ms: 50, loss: 0.1 });
    await expect(node.client.setLinkFault({ peer_id: peer, delay_ms: 0, jitter_ms: 0, loss: 2 })).rejects.toThrow(/400.*loss/);
    await expect(node.client.blockPeer('not-a-peer')).rejects.toThrow(/400.*peer_id/);
  });
});
