/**
 * The DA workload of the DSL (`da().channelRate(c).blobRate(b)`): opens `channels` channels with
 * transactions from wallets (taken from the end of the wallet list, away from the transaction workload's
 * senders), then publishes blobs (sizes uniform in the spec's range) at blobsPerBlock per mean block
 * interval, on an open-loop schedule. The chain's part is its DA client (ChainClient.da, the 'da'
 * capability; on the devnet: channel_inscribe, POST /disperse-data, channel_blob certificates).
 *
 * A channel always goes to the same executor and its blobs chain by parent id, so a channel's requests are
 * sent one after another (the executor submits certificates in arrival order; two connections could swap
 * them); channels run side by side. Latency is measured from each blob's intended time, so that wait shows.
 * Each blob is tracked to inclusion by its channel_blob transaction id. Figures: `da.interval` events,
 * live 'da', the `da` summary section. Bundles DaInclusion.
 */
import type { ChainClient, DaClient } from '../adapters/seam.js';
import { seededRandom } from '../util/random.js';
import { randomBytes } from 'node:crypto';
import type { Hex } from '../util/bytes.js';
import { sha256Hex } from '../util/hash.js';
import { LoadnetError } from '../errors.js';
import type { Expectation, RunContext, RunMetrics, RunNode, Workload } from '../runtime/contracts.js';
import type { DaWorkloadSpec, ScenarioSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { newHistogram, percentiles, recordMs } from '../load/histogram.js';
import { InclusionTracker } from '../load/inclusion-tracker.js';
import { Schedule, scheduleFromRate } from '../load/schedule.js';
import { settleInclusion, type InclusionOutcome } from '../load/outcome.js';
import { DaInclusion, SHARE_SAMPLE } from './da-inclusion.js';

/** A node's DA client; a clear error on a chain without one (validation refuses such scenarios first). */
export function daOf(client: ChainClient, feature: string): DaClient {
  if (client.da) return client.da;
  throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${feature} needs a chain with data availability; node ${client.name} has none`, { hint: 'remove the da workload from the scenario for this chain' });
}

export interface DaChannelState {
  id: Hex;
  owner: Hex;
  executor: RunNode;
  inscriptionTx?: Hex;
  opened: boolean;
  /** The channel's last published blob (undefined before the first). */
  parent?: Hex;
  busy: boolean;
  /** Blobs due on this channel and not yet sent (their intended times, oldest first). */
  queue: number[];
}

export interface PublishedBlob {
  blobId: Hex;
  txId: Hex;
  channel: Hex;
  size: number;
}

export class DaWorkload implements Workload {
  readonly name = 'da';
  private metrics?: RunMetrics;
  private readonly expectation: DaInclusion;
  private ctx?: RunContext;
  channels: DaChannelState[] = [];
  /** Accepted blobs, for the share check (bounded sample kept: the first 1,000). */
  readonly blobs: PublishedBlob[] = [];
  private tracker?: InclusionTracker;
  private readonly counts = { target: 0, submitted: 0, accepted: 0, errored: 0, bytes: 0, inscriptionsFailed: 0 };
  private readonly errors = new Map<string, number>();
  private readonly corrected = newHistogram(64);
  private readonly uncorrected = newHistogram(64);
  private iv = { submitted: 0, accepted: 0, errored: 0, bytes: 0, corrected: newHistogram(32) };
  private random = Math.random;

  constructor(readonly spec: DaWorkloadSpec) {
    this.expectation = new DaInclusion(this);
  }

  init(metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.metrics = metrics;
    const s = this.spec;
    const bad = (field: string, value: unknown, allowed: string) => new LoadnetError('LN_ERR_SCENARIO_INVALID', `da.${field} is ${JSON.stringify(value)}; allowed: ${allowed}`, { issues: [{ field: `da.${field}`, value, allowed }] });
    if (!Number.isInteger(s.channels) || s.channels < 1 || s.channels > 10_000) throw bad('channels', s.channels, 'an integer from 1 to 10,000');
    if (!(s.blobsPerBlock >= 0) || !Number.isFinite(s.blobsPerBlock)) throw bad('blobsPerBlock', s.blobsPerBlock, 'a non-negative number');
    const { min, max } = s.blobSizeBytes ?? { min: NaN, max: NaN };
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min || max > 4 * 1024 * 1024) throw bad('blobSizeBytes', s.blobSizeBytes, 'integers 1 ≤ min ≤ max ≤ 4 MiB');
    if (scenario.topology.executors < 1) throw bad('channels', s.channels, 'a topology with at least one executor (blobs are dispersed by executors)');
    if (scenario.wallets.count < 1) throw bad('channels', s.channels, 'funded wallets to sign the channel inscriptions');
  }

  expectations(): Expectation[] {
    return [this.expectation];
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    this.ctx = ctx;
    const metrics = this.metrics ?? ctx.metrics;
    const executors = ctx.nodes().filter((n) => n.descriptor.role === 'executor');
    if (executors.length === 0) throw new LoadnetError('LN_ERR_WORKLOAD', 'da: the run has no executor to disperse blobs to', { hint: 'add executors to the topology: .executors(n)' });
    this.random = seededRandom(ctx.scenario.seed); // reproducible blob sizes
    this.tracker = new InclusionTracker(ctx.blockFeed);
    await this.openChannels(ctx, executors, metrics, signal);
    const schedule = new Schedule(scheduleFromRate({ kind: 'perBlock', perBlock: this.spec.blobsPerBlock }, metrics.meanBlockIntervalMs));
    const t0 = nowMs();
    const end = ctx.window.endMs;
    const timer = setInterval(() => this.emitInterval(ctx), 1000);
    try {
      // Open loop: blob i is due at t0 + dueMs(i) and goes to channel i mod channels.
      const open = this.channels.filter((c) => c.opened);
      for (let i = 0; open.length > 0 && !signal.aborted; i++) {
        const due = t0 + schedule.dueMs(i);
        if (due >= end) break;
        if (due > nowMs()) await sleep(due - nowMs(), signal);
        if (signal.aborted) break;
        this.counts.target++;
        const ch = open[i % open.length]!;
        ch.queue.push(due);
        if (!ch.busy) void this.drainChannel(ch, signal);
      }
      while (!signal.aborted && this.channels.some((c) => c.busy)) await sleep(50, signal);
      // Cooldown: keep tracking inclusion until the run aborts the workload.
      while (!signal.aborted && (this.tracker.counts().pending ?? 0) > 0) await sleep(250, signal);
    } finally {
      clearInterval(timer);
      this.emitInterval(ctx);
      await this.publishSummary(false);
    }
  }

  /** Inscribe every channel (retrying with a fresh nonce) and wait until the inscriptions are in blocks. */
  private async openChannels(ctx: RunContext, executors: RunNode[], metrics: RunMetrics, signal: AbortSignal): Promise<void> {
    const wallets = ctx.wallets;
    const nextNonce = new Map<Hex, number>();
    this.channels = Array.from({ length: this.spec.channels }, (_, i) => {
      const w = wallets[wallets.length - 1 - (i % wallets.length)]!;
      return { id: sha256Hex(new TextEncoder().encode(`loadnet/da/channel/${ctx.scenario.seed}/${i}`)), owner: w.address, executor: executors[i % executors.length]!, opened: false, busy: false, queue: [] };
    });
    const deadline = nowMs() + Math.max(30_000, 20 * metrics.meanBlockIntervalMs);
    for (let round = 0; !signal.aborted && nowMs() < deadline; round++) {
      const todo = this.channels.filter((c) => !c.opened);
      if (todo.length === 0) break;
      for (const ch of todo) {
        if (ch.inscriptionTx && round % 10 !== 0) continue; // give a submitted inscription time to land
        const w = wallets.find((x) => x.address === ch.owner)!;
        const da = daOf(ch.executor.client, 'the da workload');
        try {
          const known = nextNonce.get(ch.owner);
          const nonce = known ?? (await ch.executor.client.account(ch.owner)).nonce;
          const txId = await da.openChannel(ch.id, w, nonce);
          if (txId !== undefined) {
            ch.inscriptionTx = txId;
            nextNonce.set(ch.owner, nonce + 1);
          } else {
            this.counts.inscriptionsFailed++;
            nextNonce.delete(ch.owner); // resync from the ledger next round
          }
        } catch {
          this.counts.inscriptionsFailed++;
          nextNonce.delete(ch.owner);
        }
      }
      await sleep(Math.min(1000, metrics.meanBlockIntervalMs / 2), signal);
      for (const ch of this.channels) {
        if (ch.opened) continue;
        if (await daOf(ch.executor.client, 'the da workload').hasChannel(ch.id).catch(() => false)) ch.opened = true;
      }
    }
  }

  /** Send a channel's due blobs one after another (their parents chain). */
  private async drainChannel(ch: DaChannelState, signal: AbortSignal): Promise<void> {
    ch.busy = true;
    try {
      while (ch.queue.length > 0 && !signal.aborted) {
        const intended = ch.queue.shift()!;
        const { min, max } = this.spec.blobSizeBytes;
        const size = min + Math.floor(this.random() * (max - min + 1));
        const data = randomBytes(size);
        const sentAt = nowMs();
        this.counts.submitted++;
        this.iv.submitted++;
        try {
          const r = await daOf(ch.executor.client, 'the da workload').publish(ch.id, ch.parent, ch.owner, data);
          const at = nowMs();
          this.record(intended, sentAt, at);
          ch.parent = r.blobId;
          this.counts.accepted++;
          this.iv.accepted++;
          this.counts.bytes += size;
          this.iv.bytes += size;
          this.tracker!.addAccepted(r.txId, Float64Array.of(intended));
          if (this.blobs.length < 1000) this.blobs.push({ blobId: r.blobId, txId: r.txId, channel: ch.id, size });
        } catch (e) {
          this.record(intended, sentAt, nowMs());
          this.counts.errored++;
          this.iv.errored++;
          const msg = (e as Error).message.replace(/[0-9a-f]{16,}/g, '…').slice(0, 120);
          this.errors.set(msg, (this.errors.get(msg) ?? 0) + 1);
        }
      }
    } finally {
      ch.busy = false;
    }
  }

  private record(intended: number, sentAt: number, at: number): void {
    recordMs(this.corrected, at - intended);
    recordMs(this.uncorrected, at - sentAt);
    recordMs(this.iv.corrected, at - intended);
  }

  private emitInterval(ctx: RunContext): void {
    const iv = this.iv;
    this.iv = { submitted: 0, accepted: 0, errored: 0, bytes: 0, corrected: newHistogram(32) };
    const inc = this.tracker?.takeInterval();
    const figures = {
      workload: this.name,
      intervalMs: 1000,
      // `offered` / `included`: blobs in this 1 s interval (what the report's DA chart reads).
      offered: iv.submitted,
      included: inc?.included ?? 0,
      offeredBlobsPerSec: iv.submitted,
      acceptedBlobsPerSec: iv.accepted,
      erroredBlobsPerSec: iv.errored,
      includedBlobsPerSec: inc?.included ?? 0,
      bytesPerSec: iv.bytes,
      submitCorrected: percentiles(iv.corrected),
      inclusion: percentiles(inc?.inclusion ?? newHistogram(32)),
    };
    ctx.events.emit('da.interval', figures);
    ctx.live.publish('da', { ...figures, channelsOpen: this.channels.filter((c) => c.opened).length });
  }

  /** After the settle phase: the final `da` section, and the outcome da-inclusion judges, into the history. */
  async finish(ctx: RunContext): Promise<void> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    const r = await this.publishSummary(true);
    if (!r) return;
    const s = r.summary as { channels: { planned: number; opened: number }; blobs: { accepted: number; errored: number; included: number; pending: number; dropped: number } };
    ctx.events.emit('da.outcome', {
      workload: this.name,
      channels: { planned: s.channels.planned, opened: s.channels.opened },
      blobs: { accepted: s.blobs.accepted, errored: s.blobs.errored, included: s.blobs.included, pending: s.blobs.pending, dropped: s.blobs.dropped },
      inclusion: r.outcome?.inclusion ?? null,
      summary: r.summary,
      sampleBlobIds: this.blobs.slice(0, SHARE_SAMPLE).map((b) => b.blobId),
    });
  }

  /** Settle pending vs dropped blobs and write the `da` summary section. */
  async publishSummary(final: boolean): Promise<{ outcome?: InclusionOutcome; summary: Record<string, unknown> } | undefined> {
    const ctx = this.ctx;
    if (!ctx) return undefined;
    const outcome = this.tracker ? await settleInclusion(this.tracker, ctx.nodes()) : undefined;
    const summary = {
      channels: { planned: this.spec.channels, opened: this.channels.filter((c) => c.opened).length, inscriptionsFailed: this.counts.inscriptionsFailed },
      blobsPerBlock: this.spec.blobsPerBlock,
      blobs: { target: this.counts.target, submitted: this.counts.submitted, accepted: this.counts.accepted, errored: this.counts.errored, included: outcome?.included ?? 0, pending: outcome?.pending ?? 0, dropped: outcome?.dropped ?? 0 },
      bytesAccepted: this.counts.bytes,
      errors: Object.fromEntries(this.errors),
      submitCorrected: percentiles(this.corrected),
      submitUncorrected: percentiles(this.uncorrected),
      inclusion: outcome?.inclusion,
      finality: outcome?.finality,
    };
    ctx.summary.set('da', summary);
    if (final) this.tracker?.close();
    return { outcome, summary };
  }
}
