import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo } from 'node:net';
import { PipelinedConnection, serializeRequest } from '../../src/adversary/http-pipeline.js';

const servers: Array<Server | TcpServer> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(() => r(undefined)));
});

function listen<S extends Server | TcpServer>(s: S): Promise<number> {
  servers.push(s);
  return new Promise((ok) => s.listen(0, '127.0.0.1', () => ok((s.address() as AddressInfo).port)));
}

function collect(port: number) {
  const statuses: number[] = [];
  const lost: Array<{ n: number; error: string | null }> = [];
  let settle: () => void = () => undefined;
  const conn = new PipelinedConnection(port, '127.0.0.1', { answer: (s) => (statuses.push(s), settle()), lost: (n, e) => (lost.push({ n, error: e ? e.message : null }), settle()) });
  const until = (pred: () => boolean) => new Promise<void>((ok) => { settle = () => pred() && ok(); settle(); });
  return { conn, statuses, lost, until };
}

describe('PipelinedConnection', () => {
  it('counts pipelined answers in order through Content-Length, chunked bodies and answers split across reads', async () => {
    // Each path answers with its own status and framing: /len/<status> a sized body, /chunked/<status> chunks.
    const port = await listen(createServer((req, res) => {
      const [, kind, status] = req.url!.split('/');
      req.resume();
      if (kind === 'chunked') {
        res.writeHead(Number(status), { 'Content-Type': 'text/plain' });
        res.write('a'.repeat(5000));
        setImmediate(() => res.end('tail'));
      } else {
        res.writeHead(Number(status), { 'Content-Length': 3 });
        res.end('abc');
      }
    }));
    const { conn, statuses, until } = collect(port);
    const paths = ['/len/200', '/chunked/404', '/len/429', '/chunked/503', '/len/204'];
    const reqs = paths.map((p) => serializeRequest('GET', p, `127.0.0.1:${port}`));
    const post = serializeRequest('POST', '/len/201', `127.0.0.1:${port}`, new Uint8Array(70_000), 'application/octet-stream');
    conn.send([...reqs, post, ...reqs], performance.now());
    expect(conn.inflight).toBe(11);
    await until(() => statuses.length === 11);
    expect(statuses).toEqual([200, 404, 429, 503, 204, 201, 200, 404, 429, 503, 204]);
    expect(conn.inflight).toBe(0);
    conn.destroy();
  }, 20_000);

  it('a server closing after an answer: the answer counts, the requests behind it are reported lost', async () => {
    const port = await listen(createTcpServer((sock) => {
      sock.once('data', () => sock.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n{"error":"malformed"}'));
    }));
    const { conn, statuses, lost, until } = collect(port);
    const r = serializeRequest('GET', '/x', 'h');
    conn.send([r, r, r], performance.now());
    await until(() => lost.length === 1);
    expect(statuses).toEqual([400]);
    expect(lost).toEqual([{ n: 2, error: null }]);
    expect(conn.alive).toBe(false);
  }, 20_000);

  it('nothing listening: every request sent is reported lost with the connection error', async () => {
    const port = await listen(createTcpServer());
    await new Promise((r) => servers.pop()!.close(() => r(undefined)));
    const { conn, lost, until } = collect(port);
    const r = serializeRequest('GET', '/x', 'h');
    conn.send([r, r], performance.now());
    await until(() => lost.length === 1);
    expect(lost[0]!.n).toBe(2);
    expect(lost[0]!.error).toMatch(/ECONNREFUSED/);
  }, 20_000);
});
