/**
 * The mempool backlog of one max-rate step on every node (its trend over the hold window) and draining it
 * between holds. Inclusion of the hold's transactions is the engine's InclusionTracker (load/inclusion-tracker.ts).
 */
import type { ChainClient } from '../adapters/seam.js';
import { nowMs, sleep } from '../util/clock.js';
import { theilSen, type TrendPoint } from '../util/trend.js';

export interface BacklogFigures {
  /** Worst node's Theil–Sen slope of pending troughs over the span, tx/s; null when no node had enough windows. */
  slopeTps: number | null;
  /** Largest latest pending count across nodes. */
  pendingAtEnd: number;
  perNode: Record<string, { slopeTps: number | null; samples: number; last: number | null }>;
}

/** Fewer windows than this give no trend worth judging. */
const MIN_TROUGHS = 4;

/** Samples /mempool/metrics on every node at a fixed interval until stopped. */
export class BacklogSampler {
  private readonly series = new Map<string, TrendPoint[]>();
  private readonly stopper = new AbortController();
  private loop?: Promise<void>;

  constructor(private readonly nodes: () => ReadonlyArray<{ name: string; client: ChainClient }>, private readonly intervalMs = 500) {}

  start(signal?: AbortSignal): void {
    const stop = signal ? AbortSignal.any([signal, this.stopper.signal]) : this.stopper.signal;
    this.loop = (async () => {
      while (!stop.aborted) {
        const started = nowMs();
        await Promise.all(
          this.nodes().map(async (n) => {
            try {
              const m = { pending: await pendingOf(n.client) };
              const list = this.series.get(n.name) ?? [];
              list.push({ t: nowMs(), value: m.pending });
              this.series.set(n.name, list);
            } catch {
              // a node that does not answer has no backlog to read this time
            }
          }),
        );
        await sleep(Math.max(0, this.intervalMs - (nowMs() - started)), stop);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  /**
   * Figures over [fromMs, toMs]. The trend is fitted to troughs (the minimum pending in each window of
   * `troughWindowMs`, about two block intervals), not to raw samples: pending is a sawtooth that fills
   * between blocks and empties at each, with random gaps, so raw slopes are mostly noise. Troughs stay
   * near zero while the chain keeps up and climb when each block leaves more behind.
   */
  figures(fromMs: number, toMs: number, troughWindowMs: number): BacklogFigures {
    const perNode: BacklogFigures['perNode'] = {};
    let slopeTps: number | null = null;
    let pendingAtEnd = 0;
    for (const [name, list] of this.series) {
      const pts = list.filter((p) => p.t >= fromMs && p.t <= toMs);
      const troughs = troughSeries(pts, fromMs, troughWindowMs);
      const fit = troughs.length >= MIN_TROUGHS ? theilSen(troughs) : undefined;
      const last = pts.at(-1)?.value ?? null;
      perNode[name] = { slopeTps: fit ? fit.slopePerS : null, samples: pts.length, last };
      if (fit) slopeTps = Math.max(slopeTps ?? -Infinity, fit.slopePerS);
      if (last !== null) pendingAtEnd = Math.max(pendingAtEnd, last);
    }
    return { slopeTps, pendingAtEnd, perNode };
  }
}

/** The minimum of each consecutive window (at the window's centre); windows without samples are skipped. */
export function troughSeries(points: readonly TrendPoint[], fromMs: number, windowMs: number): TrendPoint[] {
  const byWindow = new Map<number, number>();
  for (const p of points) {
    const w = Math.floor((p.t - fromMs) / windowMs);
    const cur = byWindow.get(w);
    if (cur === undefined || p.value < cur) byWindow.set(w, p.value);
  }
  return [...byWindow.entries()].sort((a, b) => a[0] - b[0]).map(([w, value]) => ({ t: fromMs + (w + 0.5) * windowMs, value }));
}

/**
 * Wait until every node's mempool holds at most `threshold` pending transactions, bounded by `timeoutMs`.
 * Returns the largest pending count at the end (≤ threshold when drained).
 */
export async function drainMempools(nodes: ReadonlyArray<{ name: string; client: ChainClient }>, threshold: number, timeoutMs: number, signal?: AbortSignal, pollMs = 250): Promise<{ drained: boolean; pending: number; waitedMs: number }> {
  const started = nowMs();
  let worst = Infinity;
  while (!signal?.aborted) {
    const counts = await Promise.all(nodes.map((n) => pendingOf(n.client).then((p) => p, () => Infinity)));
    worst = counts.length ? Math.max(...counts) : 0;
    if (worst <= threshold) return { drained: true, pending: worst, waitedMs: nowMs() - started };
    if (nowMs() - started >= timeoutMs) break;
    await sleep(pollMs, signal);
  }
  return { drained: false, pending: worst, waitedMs: nowMs() - started };
}

/** A node's mempool size; 0 for a chain without a mempool view (nothing to drain or sample there). */
function pendingOf(client: ChainClient): Promise<number> {
  return client.mempoolSize ? client.mempoolSize() : Promise.resolve(0);
}
