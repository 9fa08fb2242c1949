/**
 * The soak monitor rides along a run as one more workload (sampling) and one more expectation (judging):
 *  - every `sampleIntervalMs`: coordinator heap data after GC (code spaces excluded) and RSS, and per node its RSS and
 *    mempool pending (the run's node sampler's latest `node.sample` since the last row: the monitor does not ask
 *    the nodes itself) and data-dir size; rows are appended to
 *    `soak/samples.jsonl` and kept in memory only as bounded series (flat memory for any length);
 *  - every `checkpointIntervalMs`: the `soak` summary section (trends so far), which the runtime's
 *    summary.partial.json checkpoint carries (soak() sets the runtime's interval to this one);
 *  - at evaluation: a Theil–Sen slope per series over the window after the warm-up, against per-metric
 *    limits. A rising slope above its limit is a leak and fails the run.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Expectation, ExpectationResult, RunContext, Workload } from '../runtime/contracts.js';
import { pendingSampleOf, type PendingSample } from '../runtime/node-sampler.js';
import { nowMs, sleep } from '../util/clock.js';
import { BoundedSeries } from './bounded-series.js';
import { dirSizeBytes, heapDataAfterGc, processRss } from './resource-probes.js';
import { checkTrend, type TrendVerdict } from '../util/trend.js';

export interface SoakLimits {
  /** Coordinator heap data after GC (JIT code excluded), bytes per hour (default 16 MiB/h). */
  coordinatorHeapBytesPerHour: number;
  /** Coordinator + worker threads RSS, bytes per hour (default 64 MiB/h). */
  coordinatorRssBytesPerHour: number;
  /** Each node's RSS, bytes per hour (default 64 MiB/h). */
  nodeRssBytesPerHour: number;
  /** Each node's mempool pending count, transactions per hour (default 3600/h: 1 tx/s of drift). */
  mempoolPendingPerHour: number;
  /** Each node's data dir, bytes per hour (default 1 GiB/h: blocks are stored, so some growth is normal). */
  diskBytesPerHour: number;
}

export interface SoakMonitorOptions {
  /** Default 30 s. Each sample forces one full GC in the coordinator. The node sampler must sample at least twice as often (soakNodeSampleIntervalMs). */
  sampleIntervalMs: number;
  /** Default 5 min. */
  checkpointIntervalMs: number;
  /** Samples before window start + warmup are not judged (JIT, caches, pools filling). Default min(5 min, 10 % of the window). */
  warmupMs?: number;
  limits: SoakLimits;
  /** Points kept per series (memory bound). Default 512. */
  seriesCapacity: number;
}

const MiB = 1024 * 1024;
export const SOAK_DEFAULTS: SoakMonitorOptions = {
  sampleIntervalMs: 30_000,
  checkpointIntervalMs: 300_000,
  limits: { coordinatorHeapBytesPerHour: 16 * MiB, coordinatorRssBytesPerHour: 64 * MiB, nodeRssBytesPerHour: 64 * MiB, mempoolPendingPerHour: 3600, diskBytesPerHour: 1024 * MiB },
  seriesCapacity: 512,
};

type LimitKey = keyof SoakLimits;

/** The node sampler's interval a soak asks for: at least two samples per monitor row, at most the sampler's default second. */
export function soakNodeSampleIntervalMs(sampleIntervalMs: number): number {
  return Math.min(1000, sampleIntervalMs / 2);
}

export interface SoakFigures {
  samples: number;
  checkpoints: number;
  judgedFromMs: number | null;
  trends: TrendVerdict[];
  /** Last sampled value per series. */
  last: Record<string, number>;
}

export class SoakMonitor {
  readonly options: SoakMonitorOptions;
  private readonly series = new Map<string, { limit: LimitKey; data: BoundedSeries }>();
  private samples = 0;
  private checkpoints = 0;
  private ctx?: RunContext;
  /** Each node's latest `node.sample` pending count and RSS not yet in a row. */
  private readonly freshPending = new Map<string, PendingSample>();
  private readonly freshRss = new Map<string, { at: number; bytes: number }>();

  constructor(options: Partial<Omit<SoakMonitorOptions, 'limits'>> & { limits?: Partial<SoakLimits> } = {}) {
    this.options = { ...SOAK_DEFAULTS, ...stripUndefined(options), limits: { ...SOAK_DEFAULTS.limits, ...stripUndefined(options.limits ?? {}) } };
  }

  /** The sampling half: add to the scenario's workloads. */
  workload(): Workload {
    return { name: 'soak-monitor', start: (ctx, signal) => this.loop(ctx, signal) };
  }

  /** The judging half: add to the scenario's expectations. */
  expectation(): Expectation {
    return { name: 'soak-trends', evaluate: (ctx) => this.evaluate(ctx) };
  }

  private record(name: string, limit: LimitKey, t: number, value: number | undefined): void {
    if (value === undefined) return;
    let s = this.series.get(name);
    if (!s) this.series.set(name, (s = { limit, data: new BoundedSeries(this.options.seriesCapacity) }));
    s.data.add(t, value);
  }

  private async loop(ctx: RunContext, signal: AbortSignal): Promise<void> {
    this.ctx = ctx;
    const dir = join(ctx.runDir, 'soak');
    await mkdir(dir, { recursive: true });
    const samplesFile = join(dir, 'samples.jsonl');
    let nextCheckpoint = nowMs() + this.options.checkpointIntervalMs;
    const unsubscribe = ctx.events.on((e) => {
      if (e.kind !== 'node.sample') return;
      const pending = pendingSampleOf(e);
      if (pending) this.freshPending.set(e.node, pending);
      if (e.rssBytes !== undefined) this.freshRss.set(e.node, { at: e.t, bytes: e.rssBytes });
    });
    try {
      while (!signal.aborted) {
        const started = nowMs();
        const row = await this.sample(ctx);
        await appendFile(samplesFile, JSON.stringify(row) + '\n');
        if (nowMs() >= nextCheckpoint) {
          nextCheckpoint += this.options.checkpointIntervalMs;
          this.checkpoint(ctx);
        }
        await sleep(Math.max(0, this.options.sampleIntervalMs - (nowMs() - started)), signal);
      }
    } finally {
      unsubscribe();
    }
    this.checkpoint(ctx);
  }

  private async sample(ctx: RunContext): Promise<Record<string, unknown>> {
    const t = nowMs();
    const heap = heapDataAfterGc();
    const rss = processRss();
    this.record('coordinator.heapData', 'coordinatorHeapBytesPerHour', t, heap);
    this.record('coordinator.rss', 'coordinatorRssBytesPerHour', t, rss);
    const nodes: Record<string, Record<string, number | undefined>> = {};
    await Promise.all(
      ctx.nodes().map(async (n) => {
        const name = n.descriptor.name;
        // A node with no sample since the last row (down, not answering) has no pending count or RSS this time.
        const fresh = this.freshPending.get(name);
        const rss = this.freshRss.get(name);
        this.freshPending.delete(name);
        this.freshRss.delete(name);
        const disk = await dirSizeBytes(join(ctx.runDir, 'nodes', name, 'data')).catch(() => undefined);
        nodes[name] = { pending: fresh?.pending, rss: rss?.bytes, disk };
        this.record(`${name}.rss`, 'nodeRssBytesPerHour', rss?.at ?? t, rss?.bytes);
        this.record(`${name}.mempoolPending`, 'mempoolPendingPerHour', fresh?.at ?? t, fresh?.pending);
        this.record(`${name}.dataDir`, 'diskBytesPerHour', t, disk);
      }),
    );
    this.samples++;
    return { t: Math.round(t), wall: new Date().toISOString(), coordinator: { heapData: heap, rss }, nodes };
  }

  private judgedFrom(ctx: RunContext): number {
    const windowMs = ctx.window.endMs - ctx.window.startMs;
    return ctx.window.startMs + (this.options.warmupMs ?? Math.min(300_000, 0.1 * windowMs));
  }

  /** Trends over [window start + warm-up, window end]: the cooldown (load off, mempool draining) is not judged. */
  trends(ctx: RunContext): TrendVerdict[] {
    const from = this.judgedFrom(ctx);
    const to = ctx.window.endMs;
    const minPoints = 5;
    return [...this.series.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, s]) => {
        const pts = s.data.values().filter((p) => p.t >= from && p.t <= to);
        return checkTrend(name, pts, { maxSlopePerHour: this.options.limits[s.limit], minPoints, minSpanMs: 3 * this.options.sampleIntervalMs });
      });
  }

  figures(ctx: RunContext): SoakFigures {
    const last: Record<string, number> = {};
    for (const [name, s] of this.series) {
      const p = s.data.last();
      if (p) last[name] = p.value;
    }
    return { samples: this.samples, checkpoints: this.checkpoints, judgedFromMs: Math.round(this.judgedFrom(ctx) - ctx.window.startMs), trends: this.trends(ctx), last };
  }

  /**
   * Publish the soak figures so far as the `soak` summary section. The runtime writes summary.partial.json
   * (with every section) at its checkpoint interval, which soak() sets to ours: a crash loses at most one.
   */
  checkpoint(ctx: RunContext = this.ctx!): void {
    this.checkpoints++;
    ctx.summary.set('soak', { ...this.figures(ctx), checkpointAt: new Date().toISOString(), elapsedMs: Math.round(nowMs() - ctx.window.startMs) });
  }

  private async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    const figures = this.figures(ctx);
    ctx.summary.set('soak', figures);
    const failed = figures.trends.filter((t) => t.status === 'fail');
    const judged = figures.trends.filter((t) => t.status !== 'unknown');
    if (failed.length) return { status: 'fail', message: `leak suspected: ${failed.map((t) => t.message).join('; ')}`, figures: figures as unknown as Record<string, unknown> };
    if (judged.length === 0) return { status: 'unknown', message: `no trend could be judged (${figures.samples} samples; window after warm-up too short)`, figures: figures as unknown as Record<string, unknown> };
    const heap = figures.trends.find((t) => t.metric === 'coordinator.heapData');
    return { status: 'pass', message: `${judged.length} trends flat within limits${heap?.slopePerHour != null ? `; coordinator heap ${(heap.slopePerHour / MiB).toFixed(2)} MiB/h` : ''}`, figures: figures as unknown as Record<string, unknown> };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
