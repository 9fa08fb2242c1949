/**
 * The wire between the coordinator and a load agent: one TCP connection per agent, one JSON object per line.
 * It carries the engine's own worker protocol (protocol.ts: plain data) per shard, plus a handshake with the
 * protocol version, clock probes and heartbeats. Times on the wire are each side's own Unix ms; the
 * coordinator converts (agent-client.ts), so an agent never needs a synchronised clock.
 */
import type { Socket } from 'node:net';
import type { ChainSpec } from '../scenario/spec.js';
import { HOST_PORT_ALLOWED, parseHostPort } from '../util/host-port.js';
import type { CoordinatorMessage, ShardInit, WorkerMessage, WorkerReport } from './protocol.js';

/**
 * Bumped on any incompatible change; both sides refuse another version with a message naming both. 2: hello names
 * host and pid. 3: reports carry latency bucket counts instead of encoded histograms.
 */
export const AGENT_PROTOCOL_VERSION = 3;
/** An agent sends a heartbeat this often; the coordinator declares it lost after AGENT_SILENCE_MS without a line. */
export const AGENT_HEARTBEAT_MS = 500;
export const AGENT_SILENCE_MS = 3000;

/** A shard as sent to an agent: the chain by name (the agent resolves its own transaction factory module). */
export type AgentShardInit = Omit<ShardInit, 'txFactory' | 'recordsDir'>;

/** A worker report with its typed array as a plain array (JSON). */
export type WireWorkerMessage = Exclude<WorkerMessage, WorkerReport> | (Omit<WorkerReport, 'acceptedIntended'> & { acceptedIntended: number[] });

export type ToAgent =
  | { type: 'hello'; version: number }
  | { type: 'probe'; id: number }
  | { type: 'start'; chain: ChainSpec; shards: AgentShardInit[] }
  | { type: 'shard'; workerIndex: number; message: CoordinatorMessage }
  | { type: 'end' };

export type FromAgent =
  | { type: 'hello'; version: number; host: string; pid: number; cores: number }
  | { type: 'probe'; id: number; agentMs: number }
  | { type: 'beat'; agentMs: number }
  | { type: 'shard'; workerIndex: number; message: WireWorkerMessage }
  | { type: 'result'; workerIndex: number; sent?: number; error?: string }
  | { type: 'error'; message: string };

export function toWire(m: WorkerMessage): WireWorkerMessage {
  return m.type === 'report' ? { ...m, acceptedIntended: Array.from(m.acceptedIntended) } : m;
}

export function fromWire(m: WireWorkerMessage): WorkerMessage {
  return m.type === 'report' ? { ...m, acceptedIntended: Float64Array.from(m.acceptedIntended) } : m;
}

// JSON has no Infinity (a schedule's open end, an engine without a duration): carried as a marker string.
const INFINITY = '∞';
const replacer = (_key: string, v: unknown) => (v === Infinity ? INFINITY : v);
const reviver = (_key: string, v: unknown) => (v === INFINITY ? Infinity : v);

/** Writes one message as a line. Returns false when the socket's buffer is full (the caller may wait for 'drain'). */
export function send(socket: Socket, message: ToAgent | FromAgent): boolean {
  if (socket.destroyed) return false;
  return socket.write(`${JSON.stringify(message, replacer)}\n`);
}

/** Calls `handler` with each complete line's message; a line that is not JSON ends the connection with a reason. */
export function readLines<T>(socket: Socket, handler: (message: T) => void, onBad: (reason: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.length === 0) continue;
      let message: T;
      try {
        message = JSON.parse(line, reviver) as T;
      } catch {
        onBad(`a line that is not JSON (${line.slice(0, 60)}…)`);
        return;
      }
      handler(message);
    }
  });
}

/** host:port (or a bare port, meaning 127.0.0.1) → parts; throws a message saying what is allowed. */
export function parseAgentAddress(value: string): { host: string; port: number } {
  const parsed = parseHostPort(value);
  if (!parsed) throw new Error(`${JSON.stringify(value)} is not an agent address; allowed: ${HOST_PORT_ALLOWED}`);
  return parsed;
}
