/**
 * Readiness, shared by every deployer, in three steps each with its own deadline and a message naming the
 * nodes that are late and what they last answered:
 *   1. HTTP up: every node answers /health;
 *   2. peers: every node has at least as many peers as the topology gives it;
 *   3. producing: the height advances on every node (each node's height passes the best height seen
 *      when the step began, so a node that is stuck or not syncing is named).
 * Upstream had no "chain is producing" step; workloads could start against a chain that never moved.
 */
import type { ChainClient } from '../adapters/seam.js';
import { LoadnetError } from '../errors.js';
import { nowMs, sleep } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';

export interface ReadinessTarget {
  name: string;
  client: ChainClient;
  /** Peers the node must have (0 skips the check for it). */
  expectedPeers: number;
}

export type ReadinessStep = 'http' | 'peers' | 'producing';

export interface ReadinessOptions {
  httpTimeoutMs?: number;
  peersTimeoutMs?: number;
  producingTimeoutMs?: number;
  pollMs?: number;
  /** Called between polls; throw to fail fast (e.g. a node process exited). */
  check?: () => void;
  signal?: AbortSignal;
  /** False for a chain that makes no block without transactions (auto-mining): the producing step is skipped. */
  producing?: boolean;
  /** Told when each step completes, with how long it took. */
  onStep?: (step: ReadinessStep, elapsedMs: number) => void;
}

interface Probe {
  ok: boolean;
  detail: string;
}

async function waitAll(step: ReadinessStep, targets: readonly ReadinessTarget[], timeoutMs: number, opts: ReadinessOptions, probe: (t: ReadinessTarget) => Promise<Probe>, what: string, hint: string): Promise<void> {
  const started = nowMs();
  const pending = new Map(targets.map((t) => [t.name, t]));
  const last = new Map<string, string>();
  const pollMs = opts.pollMs ?? 100;
  for (;;) {
    opts.check?.();
    if (opts.signal?.aborted) throw new LoadnetError('LN_ERR_INTERRUPTED', `readiness (${step}) interrupted`);
    await Promise.all(
      [...pending.values()].map(async (t) => {
        try {
          const r = await probe(t);
          last.set(t.name, r.detail);
          if (r.ok) pending.delete(t.name);
        } catch (e) {
          last.set(t.name, (e as Error).message.replace(/^[^:]*: /, ''));
        }
      }),
    );
    if (pending.size === 0) {
      opts.onStep?.(step, nowMs() - started);
      return;
    }
    if (nowMs() - started > timeoutMs) {
      const late = [...pending.keys()].map((n) => `${n} (${last.get(n) ?? 'no answer'})`).join(', ');
      throw new LoadnetError('LN_ERR_READINESS', `readiness: ${what} within ${formatDuration(timeoutMs)}; late: ${late}`, { hint });
    }
    await sleep(pollMs, opts.signal);
  }
}

/** Wait until every target is up, connected as the topology says, and producing. */
export async function waitForReadiness(targets: readonly ReadinessTarget[], slotDurationMs: number, opts: ReadinessOptions = {}): Promise<void> {
  const httpTimeoutMs = opts.httpTimeoutMs ?? 30_000;
  const peersTimeoutMs = opts.peersTimeoutMs ?? 30_000;
  // A block needs a leader; with a small active slot coefficient that can take several slots.
  const producingTimeoutMs = opts.producingTimeoutMs ?? Math.max(30_000, 30 * slotDurationMs);

  await waitAll('http', targets, httpTimeoutMs, opts, async (t) => {
    const h = await t.client.health();
    return { ok: h.ok !== false, detail: `health ok=${h.ok}` };
  }, 'not every node answered HTTP', 'see nodes/<name>/node.log in the run directory for why a node did not start');

  await waitAll('peers', targets.filter((t) => t.expectedPeers > 0), peersTimeoutMs, opts, async (t) => {
    const info = await t.client.peers();
    return { ok: info.count >= t.expectedPeers, detail: `${info.count}/${t.expectedPeers} peers` };
  }, 'not every node connected to its peers', 'a node that cannot reach its peers logs the dial errors in its node.log');

  if (opts.producing === false) return;
  // Baseline: the best height any node has now; every node must go past it (the chain moves everywhere).
  const heights = await Promise.all(targets.map((t) => t.client.head().then((i) => i.height, () => 0)));
  const baseline = Math.max(0, ...heights);
  await waitAll('producing', targets, producingTimeoutMs, opts, async (t) => {
    const info = await t.client.head();
    return { ok: info.height > baseline, detail: `height ${info.height}, needs > ${baseline}` };
  }, 'the chain did not advance on every node', 'check that genesis validators have stake and that the clocks agree; node logs show produced and imported blocks');
}
