/**
 * A load agent: the engine's worker threads on another host. It listens for a coordinator, takes its shards
 * (wallets, schedule, targets), runs them as this process's worker threads (shard-link.ts, as the engine does
 * locally) and relays their messages. The chain's transaction factory is resolved here, from the chain's name
 * in this installation. One coordinator at a time; when it goes away the agent stops its shards and waits for
 * the next (or exits, with `once`).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { chainAdapter } from '../adapters/registry.js';
import { nowMs, sleep } from '../util/clock.js';
import { AGENT_HEARTBEAT_MS, AGENT_PROTOCOL_VERSION, readLines, send, toWire, type FromAgent, type ToAgent } from './agent-protocol.js';
import { loadWorkerPath } from './engine.js';
import { localShards, type ShardHost } from './shard-link.js';
import type { ShardInit } from './protocol.js';

export interface AgentServerOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Exit after the first coordinator's session. */
  once?: boolean;
  log?: (line: string) => void;
}

export interface AgentServer {
  readonly address: { host: string; port: number };
  /** Resolves when the server closed (with `once`, after its session). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function startAgentServer(options: AgentServerOptions = {}): Promise<AgentServer> {
  const log = options.log ?? (() => undefined);
  let busy = false;
  let current: { socket: Socket; shards?: ShardHost } | undefined;
  const server: Server = createServer(async (socket) => {
    socket.setNoDelay(true);
    // A coordinator that reconnects at once (max-rate: one load per hold) may find the last session still stopping its shards.
    for (const until = nowMs() + 2000; busy && nowMs() < until; ) await sleep(20);
    if (busy) {
      send(socket, { type: 'error', message: 'this agent already serves a coordinator' });
      socket.end();
      return;
    }
    busy = true;
    current = { socket };
    const session = current;
    log(`coordinator ${socket.remoteAddress}:${socket.remotePort} connected`);
    const beat = setInterval(() => send(socket, { type: 'beat', agentMs: nowMs() }), AGENT_HEARTBEAT_MS);
    const fail = (message: string) => {
      send(socket, { type: 'error', message });
      socket.end();
    };
    readLines<ToAgent>(socket, (m) => onMessage(session, m, fail, log), fail);
    const ended = async () => {
      clearInterval(beat);
      // A coordinator's check before it deploys (a handshake, no shards) is not the session `once` waits for.
      const ranShards = session.shards !== undefined;
      await session.shards?.destroy();
      session.shards = undefined;
      busy = false;
      current = undefined;
      log('coordinator gone; shards stopped');
      if (options.once && ranShards) server.close();
    };
    socket.on('close', () => void ended());
    socket.on('error', () => undefined);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => res());
  });
  const addr = server.address();
  const address = typeof addr === 'object' && addr ? { host: addr.address, port: addr.port } : { host: options.host ?? '127.0.0.1', port: options.port ?? 0 };
  const closed = new Promise<void>((res) => server.once('close', () => res()));
  return {
    address,
    closed,
    close: async () => {
      current?.socket.destroy();
      await current?.shards?.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

function onMessage(session: { socket: Socket; shards?: ShardHost }, m: ToAgent, fail: (message: string) => void, log: (line: string) => void): void {
  const { socket } = session;
  switch (m.type) {
    case 'hello':
      if (m.version !== AGENT_PROTOCOL_VERSION) return fail(`the coordinator speaks agent protocol ${m.version}, this agent ${AGENT_PROTOCOL_VERSION}: run the same loadnet version on both hosts`);
      send(socket, { type: 'hello', version: AGENT_PROTOCOL_VERSION, host: hostname(), pid: process.pid, cores: availableParallelism() } satisfies FromAgent);
      return;
    case 'probe':
      send(socket, { type: 'probe', id: m.id, agentMs: nowMs() });
      return;
    case 'start': {
      if (session.shards) return fail('shards already started on this connection');
      let inits: ShardInit[];
      try {
        const chain = chainAdapter(m.chain.type);
        const { type: _type, ...chainOptions } = m.chain;
        inits = m.shards.map((s) => ({ ...s, txFactory: chain.txFactory(s.params, chainOptions) }));
      } catch (e) {
        return fail(`cannot load chain ${m.chain.type} here: ${(e as Error).message}`);
      }
      log(`starting ${inits.length} shard(s): ${inits.reduce((n, s) => n + s.wallets.length, 0)} wallets, targets ${inits[0]?.targets.join(', ')}`);
      const shards = localShards(loadWorkerPath(), inits);
      session.shards = shards;
      for (const link of shards.links) {
        link.onMessage((message) => send(socket, { type: 'shard', workerIndex: link.workerIndex, message: toWire(message) }));
        link.done.then(
          (r) => send(socket, { type: 'result', workerIndex: link.workerIndex, sent: r.sent }),
          (e: Error) => send(socket, { type: 'result', workerIndex: link.workerIndex, error: e.message }),
        );
      }
      return;
    }
    case 'shard': {
      const link = session.shards?.links.find((l) => l.workerIndex === m.workerIndex);
      if (!link) return fail(`no shard ${m.workerIndex} on this agent`);
      link.post(m.message);
      return;
    }
    case 'end':
      socket.end();
      return;
  }
}
