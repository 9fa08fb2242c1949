/**
 * The mempool backlog of one max-rate step on every node (its trend over the hold window) and draining it
 * between holds. The pending counts are the run's node sampler's (`node.sample` events, runtime/node-sampler.ts),
 * at the interval the job asks of it (backlogSampleIntervalMs). Inclusion of the hold's transactions is the
 * engine's InclusionTracker (load/inclusion-tracker.ts).
 */
import type { EventLog } from '../runtime/contracts.js';
import { onPendingSample } from '../runtime/node-sampler.js';
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

/** The node sampler's interval a max-rate run asks for: half a slot, between 100 and 500 ms (a few samples per trough window). */
export function backlogSampleIntervalMs(slotDurationMs: number): number {
  return Math.max(100, Math.min(500, slotDurationMs / 2));
}

/** Collects every node's pending counts from the run's `node.sample` events between start() and stop(). */
export class BacklogSampler {
  private readonly series = new Map<string, TrendPoint[]>();
  private unsubscribe?: () => void;

  constructor(private readonly events: EventLog) {}

  start(): void {
    this.unsubscribe ??= onPendingSample(this.events, (s) => {
      const list = this.series.get(s.node) ?? [];
      list.push({ t: s.at, value: s.pending });
      this.series.set(s.node, list);
    });
  }

  stop(): void {
    this.unsubscribe?.();
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
 * Wait until every node's mempool holds at most `threshold` pending transactions, bounded by `timeoutMs`, as the
 * node sampler reports it: only samples taken after the wait began count (a node with none yet, or whose last
 * did not answer, is not drained). A chain without a mempool view has nothing to drain (its answering nodes count 0).
 * Returns the largest pending count at the end (≤ threshold when drained).
 */
export async function drainMempools(events: EventLog, nodes: () => readonly string[], threshold: number, timeoutMs: number, signal?: AbortSignal, pollMs = 100): Promise<{ drained: boolean; pending: number; waitedMs: number }> {
  const started = nowMs();
  const latest = new Map<string, number>();
  const unsubscribe = events.on((e) => {
    if (e.kind === 'node.sample') latest.set(e.node, e.pending ?? (e.up ? 0 : Infinity));
  });
  let worst = Infinity;
  try {
    while (!signal?.aborted) {
      const counts = nodes().map((name) => latest.get(name) ?? Infinity);
      worst = counts.length ? Math.max(...counts) : 0;
      if (worst <= threshold) return { drained: true, pending: worst, waitedMs: nowMs() - started };
      if (nowMs() - started >= timeoutMs) break;
      await sleep(pollMs, signal);
    }
  } finally {
    unsubscribe();
  }
  return { drained: false, pending: worst, waitedMs: nowMs() - started };
}
