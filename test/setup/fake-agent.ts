/**
 * A fake load agent for tests of the coordinator's side (a fake: it runs no shards): it answers the handshake in
 * this protocol version and the clock probes from `clock`, and calls `onStart` when handed its shards.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { AGENT_PROTOCOL_VERSION } from '../../src/load/agent-protocol.js';
import { nowMs } from '../../src/util/clock.js';

export async function fakeAgent(options: { clock?: () => number; onStart?: (socket: Socket) => void; onConnect?: (socket: Socket) => void } = {}): Promise<{ address: string; server: Server }> {
  const clock = options.clock ?? nowMs;
  const server = createServer((sock) => {
    options.onConnect?.(sock);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const m = JSON.parse(buf.slice(0, nl)) as { type: string; id?: number };
        buf = buf.slice(nl + 1);
        if (m.type === 'hello') sock.write(`${JSON.stringify({ type: 'hello', version: AGENT_PROTOCOL_VERSION, host: 'fake', pid: 1, cores: 1 })}\n`);
        else if (m.type === 'probe') sock.write(`${JSON.stringify({ type: 'probe', id: m.id, agentMs: clock() })}\n`);
        else if (m.type === 'start') options.onStart?.(sock);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { address: `127.0.0.1:${(server.address() as { port: number }).port}`, server };
}
