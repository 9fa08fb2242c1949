/**
 * One shard of the load engine as the coordinator drives it: it takes CoordinatorMessages, answers with
 * WorkerMessages and settles with the worker's result. The engine does not know where the shard runs: a
 * worker thread of this process (LocalShards, piscina) or a thread of a load agent on another host
 * (agent-client.ts), whose link translates clocks and carries the messages over a socket.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CoordinatorMessage, ShardInit, WorkerMessage, WorkerResult } from './protocol.js';

export interface ShardLink {
  readonly workerIndex: number;
  /** Where it runs, for messages and reports: 'local' or the agent's address. */
  readonly host: string;
  onMessage(handler: (m: WorkerMessage) => void): void;
  post(message: CoordinatorMessage): void;
  /** The worker's result; rejects when the worker (or its agent) failed. */
  readonly done: Promise<WorkerResult>;
  close(): void;
}

/** A group of shards that starts and stops together (a piscina pool, an agent connection). */
export interface ShardHost {
  readonly links: readonly ShardLink[];
  destroy(): Promise<void>;
}

/** Worker threads of this process, one long piscina task per shard. */
export function localShards(workerFile: string, inits: readonly ShardInit[]): ShardHost {
  const pool = new Piscina({ filename: workerFile, minThreads: inits.length, maxThreads: inits.length, idleTimeout: 1000, atomics: 'disabled' });
  const links = inits.map((init): ShardLink => {
    const { port1, port2 } = new MessageChannel();
    const done = pool.run({ init, port: port2 }, { transferList: [port2] }) as Promise<WorkerResult>;
    done.catch(() => undefined);
    return portLink(init.workerIndex, port1, done);
  });
  return { links, destroy: () => pool.destroy().catch(() => undefined) };
}

function portLink(workerIndex: number, port: MessagePort, done: Promise<WorkerResult>): ShardLink {
  return {
    workerIndex,
    host: 'local',
    onMessage: (handler) => port.on('message', handler),
    post: (m) => port.postMessage(m),
    done,
    close: () => port.close(),
  };
}
