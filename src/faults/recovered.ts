/**
 * "The node is back": it answers HTTP, has a peer (when it should), and has caught up to the height the
 * other reachable nodes had when it came up (minus a block of slack: the chain moves while we look).
 * Node control actions wait for this with a timeout, whatever the deployer.
 */
import type { ChainClient } from '../adapters/seam.js';
import { LoadnetError } from '../errors.js';
import { nowMs, sleep } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';

export interface RecoveryOptions {
  timeoutMs: number;
  /** Require at least one connected peer. */
  needsPeer: boolean;
  pollMs?: number;
  signal?: AbortSignal;
  /** Throws when waiting is pointless (the process exited). */
  check?: () => void;
}

async function bestHeight(others: readonly ChainClient[]): Promise<number> {
  const hs = await Promise.all(others.map((c) => c.head().then((i) => i.height, () => -1)));
  return Math.max(0, ...hs);
}

export async function waitRecovered(name: string, client: ChainClient, others: readonly ChainClient[], opts: RecoveryOptions): Promise<{ height: number; target: number; elapsedMs: number }> {
  const started = nowMs();
  const pollMs = opts.pollMs ?? 100;
  let stage = 'HTTP';
  let last = 'no answer';
  let target: number | undefined;
  while (nowMs() - started <= opts.timeoutMs) {
    opts.check?.();
    if (opts.signal?.aborted) throw new LoadnetError('LN_ERR_INTERRUPTED', `${name}: waiting for recovery interrupted`);
    try {
      if (stage === 'HTTP') {
        await client.health();
        stage = opts.needsPeer ? 'peers' : 'sync';
        target = await bestHeight(others);
      }
      if (stage === 'peers') {
        const n = await client.peers();
        last = `${n.count} peers`;
        if (n.count >= 1) stage = 'sync';
      }
      if (stage === 'sync') {
        const info = await client.head();
        last = `height ${info.height}, target ${target}`;
        if (info.height >= (target ?? 0) - 1) return { height: info.height, target: target ?? 0, elapsedMs: nowMs() - started };
      }
    } catch (e) {
      last = (e as Error).message.replace(/^[^:]*: /, '');
    }
    await sleep(pollMs, opts.signal);
  }
  throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} did not recover within ${formatDuration(opts.timeoutMs)}: stuck at ${stage} (${last})`, { hint: `see nodes/${name}/node.log in the run directory` });
}
