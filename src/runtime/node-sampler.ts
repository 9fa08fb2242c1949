/**
 * `node.sample` events about every second per node: up, height, libHeight (from the block feed's latest
 * tip), mempool pending (asked of the node, short timeout) and RSS: the deployer's figure (a local process's
 * VmRSS, a container's cgroup), else the node's own Prometheus `process_resident_memory_bytes` (an attached
 * network), read at most every RSS_SCRAPE_MS. The one place a node's memory is measured: the soak monitor and
 * compare read these samples.
 * One request in flight per node: a paused node delays only its own samples. Also publishes the live
 * board's `chain` section (best and final height, blocks, reorgs, nodes up).
 */
import type { ChainAdapter, ChainClient } from '../adapters/seam.js';
import type { EventLog, LiveBoard, RunNode } from './contracts.js';
import type { PollingBlockFeed } from './block-feed.js';
import type { Deployment } from './deployment.js';
import type { LoggedEvent } from './run-events.js';

/** One node's mempool pending count at one time (`at`: Unix ms, the event's `t`). */
export interface PendingSample {
  node: string;
  at: number;
  pending: number;
}

/** The pending count a `node.sample` event carries; undefined for other events and for samples without one (no answer, no mempool view). */
export function pendingSampleOf(e: LoggedEvent): PendingSample | undefined {
  return e.kind === 'node.sample' && e.pending !== null ? { node: e.node, at: e.t, pending: e.pending } : undefined;
}

/** `process_resident_memory_bytes` (prom-client default metrics) from a Prometheus text exposition. */
export function rssFromPrometheus(text: string): number | undefined {
  const m = /^process_resident_memory_bytes(?:\{[^}]*\})?\s+([0-9.eE+]+)/m.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : undefined;
}

/** A node's Prometheus scrape is heavier than its mempool count: the RSS fallback asks at most this often. */
const RSS_SCRAPE_MS = 5000;

/** Every pending count the sampler records from now on, as it is recorded (the readers that judge as the run goes); returns the unsubscribe. */
export function onPendingSample(events: EventLog, listener: (s: PendingSample) => void): () => void {
  return events.on((e) => {
    const s = pendingSampleOf(e);
    if (s) listener(s);
  });
}

export class NodeSampler {
  private readonly timer: NodeJS.Timeout;
  private readonly clients = new Map<string, { url: string; client: ChainClient; busy: boolean; rssScrapedAt: number }>();

  constructor(
    private readonly deployment: Deployment,
    private readonly feed: PollingBlockFeed,
    private readonly events: EventLog,
    private readonly chain: ChainAdapter,
    private readonly live?: LiveBoard,
    intervalMs = 1000,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private clientFor(node: RunNode) {
    const name = node.descriptor.name;
    let c = this.clients.get(name);
    if (!c || c.url !== node.descriptor.apiUrl) {
      void c?.client.close();
      c = { url: node.descriptor.apiUrl, client: this.chain.client({ name, apiUrl: node.descriptor.apiUrl }, { timeoutMs: 900, connections: 1 }), busy: false, rssScrapedAt: 0 };
      this.clients.set(name, c);
    }
    return c;
  }

  private sample(): void {
    const tips = new Map(this.feed.tips().map((t) => [t.node, t]));
    // The chain section of the live board: what the terminal progress and custom workloads can read.
    const { best, final } = this.feed.heights();
    this.live?.publish('chain', { height: best, libHeight: final, ...this.feed.stats, nodesUp: [...tips.values()].filter((t) => t.up).length, nodes: tips.size });
    for (const node of this.deployment.nodes()) {
      const c = this.clientFor(node);
      if (c.busy) continue;
      c.busy = true;
      const name = node.descriptor.name;
      // Chains without a mempool view are sampled through their head (up or not).
      const pendingNow = c.client.mempoolSize ? c.client.mempoolSize() : c.client.head().then(() => null);
      const known = this.deployment.nodeStats?.(name)?.rssBytes;
      const scrape = known === undefined && c.client.metricsText !== undefined && Date.now() - c.rssScrapedAt >= RSS_SCRAPE_MS;
      if (scrape) c.rssScrapedAt = Date.now();
      const rssNow = scrape ? c.client.metricsText!().then(rssFromPrometheus, () => undefined) : Promise.resolve(known);
      void Promise.all([pendingNow.then((p) => p, () => undefined), rssNow])
        .then(([pending, rss]) => {
          const tip = tips.get(name);
          this.events.emit('node.sample', {
            node: name,
            up: pending !== undefined && (tip?.up ?? true),
            height: tip?.height ?? null,
            libHeight: tip?.libHeight ?? null,
            pending: pending ?? null,
            ...(rss === undefined ? {} : { rssBytes: rss }),
          });
        })
        .finally(() => (c.busy = false));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.clients.values()].map((c) => c.client.close()));
    this.clients.clear();
  }
}
