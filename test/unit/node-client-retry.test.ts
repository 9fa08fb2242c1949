/**
 * The devnet client against a server that closes a socket as a request arrives on it (a kept-alive socket the
 * server is closing): a GET is sent once more and answered; a POST, which may have been acted on, is not.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { NodeClient } from '../../src/adapters/devnet/wire/node-client.js';

/** Closes the first `drop` sockets on their first request bytes; answers `{"ok":true}` on the others. */
async function closingServer(drop: number) {
  let seen = 0;
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    const closeIt = seen++ < drop;
    socket.on('error', () => {});
    socket.once('data', (chunk) => {
      requests.push(chunk.toString('latin1').split('\r\n')[0]!);
      if (closeIt) return socket.destroy();
      const body = '{"ok":true}';
      socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

describe('NodeClient on a socket closed under a request', () => {
  it('a GET is sent again on a fresh socket and answered', async () => {
    const server = await closingServer(1);
    const client = new NodeClient(server.url, { name: 'node-0' });
    try {
      await expect(client.health()).resolves.toEqual({ ok: true });
      expect(server.requests).toEqual(['GET /health HTTP/1.1', 'GET /health HTTP/1.1']);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a GET closed twice fails naming the node and the path; a POST is not sent again', async () => {
    const server = await closingServer(3);
    const client = new NodeClient(server.url, { name: 'node-0' });
    try {
      await expect(client.health()).rejects.toThrow(/^node-0: GET \/health failed: other side closed/);
      expect(server.requests.length).toBe(2);
      await expect(client.submitBatch(new Uint8Array(8))).rejects.toThrow(/^node-0: POST \/.* failed: other side closed/);
      expect(server.requests.length).toBe(3);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
