/**
 * The load engine's coordinator: shards wallets across piscina worker threads (one long task per thread,
 * see workers/load-worker.ts), starts them on one shared schedule, merges their interval reports (HDR
 * histograms) into per-interval figures and run totals, and feeds accepted ids to inclusion tracking.
 * Usable without a deployment: `createLoadEngine({ targets, wallets, rate })` for benches and max-rate search.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadnetError } from '../errors.js';
import type { ChainAdapter, Hex, LoadWallet, TxFactoryRef } from '../adapters/seam.js';
import { chainAdapter } from '../adapters/registry.js';
import type { RateSpec } from '../scenario/spec.js';
import type { BlockFeed } from '../runtime/contracts.js';
import { nowMs } from '../util/clock.js';
import { Schedule, scheduleFromRate } from './schedule.js';
import { FigureAccumulator, type LoadInterval, type LoadTotals } from './figures.js';
import { InclusionTracker } from './inclusion-tracker.js';
import type { CoordinatorMessage, LostShard, ShardInit, TargetChoice, WorkerMessage, WorkerReport, WorkerResult } from './protocol.js';
import { localShards, type ShardHost, type ShardLink } from './shard-link.js';
import { AgentLostError, agentShards, type AgentClockSample, type AgentInfo } from './agent-client.js';

export interface EngineWallet {
  index?: number;
  /** What the chain's transaction factory signs with (the devnet: a 32-byte seed). */
  secret: Hex;
  /** Derived from the secret by the chain's adapter when absent. */
  address?: string;
}

export interface LoadEngineOptions {
  /** Name in events and summaries. */
  name?: string;
  /** The chain whose transactions are sent (default: the devnet). */
  chain?: ChainAdapter;
  /** The chain's options (`chain.*` of the scenario, without `type`). */
  chainOptions?: Readonly<Record<string, unknown>>;
  /** Node API base URLs. */
  targets: string[];
  targetChoice?: TargetChoice;
  wallets: readonly EngineWallet[];
  rate: RateSpec | number;
  /** Needed for a perBlock rate. */
  meanBlockIntervalMs?: number;
  /** Generation stops after this long (ms); default: until stop(). */
  durationMs?: number;
  /** Worker threads; default 1 below 5,000 tx/s, else one per core (never more than wallets). */
  threads?: number;
  /** Most transactions per submission request; 'auto' = 100 (due transactions are coalesced, never held back). */
  batch?: number | 'auto';
  /** Connections per target per worker (default 8) and requests pipelined on each (default 1). */
  connections?: number;
  pipelining?: number;
  fee?: number;
  amount?: number;
  /** A signing backend the chain knows by name (the devnet: sodium, node, noble); default: the chain's fastest. */
  backend?: string;
  /** Cap on signatures per second across all workers (to prove a starved generator is detected). */
  signCapPerSec?: number;
  lookaheadMs?: number;
  /** Bound on every request of the workers, time spent waiting for a connection included (up to 50 ms more: requests started together share a timer); default 10 s. */
  requestTimeoutMs?: number;
  lateThresholdMs?: number;
  intervalMs?: number;
  /** Per-transaction records (CSV, rotated) go here when set. */
  recordsDir?: string;
  recordsPerFile?: number;
  recordsMaxFiles?: number;
  /** Block feed for inclusion and finality tracking. */
  feed?: BlockFeed;
  onInterval?: (interval: LoadInterval) => void;
  seed?: number;
  /**
   * Unix ms at which the schedule starts (a replay's recorded offset into its window); default, and for a time
   * already past when the workers are ready: at once (20 ms after).
   */
  startAtMs?: number;
  /**
   * A wallet whose account nonce does not move past a transaction that may be in a mempool for this long
   * has those transactions re-submitted (same bytes, same ids) to another node. Default with a `feed`
   * (inclusion matters): 4 mean block intervals, at least 3 s; without one: 0 = off (nothing is kept,
   * a node that never confirms, like a sink, is not re-sent to).
   */
  stallMs?: number;
  /** After generation, keep re-submitting for stalled wallets for up to this long, until stop(); default 0. */
  settleMs?: number;
  /**
   * Load agents (`loadnet agent`, host:port) that run the shards instead of this process's threads: shard i
   * on agent i mod n. `threads` is then the number of shards in all (default: one per agent).
   */
  agents?: readonly string[];
  /** A lost agent fails the load ('fail', the default) or the others go on ('continue'), its shards listed as lost. */
  agentLoss?: 'fail' | 'continue';
  /** Each agent's identity and clock offset, once connected (before load starts). */
  onAgent?: (info: AgentInfo) => void;
  /** An agent lost mid-run: its shards and what they had in flight at their last report. */
  onShardLost?: (lost: LostShard) => void;
  /** Each agent's clock, measured again through the run (the offset in use follows it). */
  onAgentClock?: (sample: AgentClockSample) => void;
  /** With agentLoss 'continue': an agent unreachable when the load starts, left out (its share goes to the others). */
  onAgentUnreachable?: (address: string, reason: string) => void;
}


/** dist/workers/load-worker.js next to this module's dist tree (works from dist/ and an installed package). */
export function loadWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const root = resolve(dirname(here), '../..');
  // Running from TypeScript sources (tsx, vitest): use the built worker, since threads run plain JS.
  const file = here.endsWith('.ts') ? resolve(root, 'dist/workers/load-worker.js') : resolve(root, 'workers/load-worker.js');
  if (!existsSync(file)) throw new LoadnetError('LN_ERR_WORKLOAD', `load worker not found at ${file}`, { hint: 'build loadnet first: npm run build' });
  return file;
}

function invalid(field: string, value: unknown, allowed: string): LoadnetError {
  return new LoadnetError('LN_ERR_SCENARIO_INVALID', `load: ${field} is ${JSON.stringify(value)}; allowed: ${allowed}`, { issues: [{ field, value, allowed }] });
}

function positiveInt(field: string, v: number | undefined, dflt: number, max = 1_000_000): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) throw invalid(field, v, `an integer from 1 to ${max}`);
  return v;
}

export class LoadEngine {
  readonly name: string;
  readonly schedule: Schedule;
  readonly tracker?: InclusionTracker;
  private readonly figures = new FigureAccumulator();
  private readonly durationMs: number;
  private readonly intervalMs: number;
  private readonly inits: ShardInit[];
  private host?: ShardHost;
  private links: ShardLink[] = [];
  private readonly lastReports = new Map<number, { atMs: number; sent: number; accepted: number; answered: number }>();
  private readonly lost: LostShard[] = [];
  /** With agents and agentLoss 'continue': each agent shard's accepted ids, and every wallet's nonce at start (to resolve a lost shard from the chain). */
  private readonly acceptedByShard = new Map<number, Set<string>>();
  private startNonces?: Map<string, number>;
  private tasks: Promise<WorkerResult>[] = [];
  private t0 = 0;
  private stoppedAt?: number;
  private timer?: NodeJS.Timeout;
  private lastIntervalRel = 0;
  private intervals = 0;
  private shortIntervals = 0;
  private finalReports = 0;
  private finishedPromise?: Promise<LoadTotals>;
  private fatal?: string;
  private stopRequested = false;
  /** Every shard ready (prepare() done), waiting for go(). */
  private prepared = false;
  private readonly chain: ChainAdapter;
  private readonly wallets: LoadWallet[];
  /** What the chain settled before the load (fees, a contract...; see ChainAdapter.prepareLoad), once started. */
  chainNotes?: Readonly<Record<string, unknown>>;

  constructor(private readonly options: LoadEngineOptions) {
    this.name = options.name ?? 'transactions';
    if (!Array.isArray(options.targets) || options.targets.length === 0) throw invalid('targets', options.targets, 'one or more node API URLs');
    if (!Array.isArray(options.wallets) || options.wallets.length === 0) throw invalid('wallets', options.wallets?.length, 'one or more wallets with a secret');
    this.schedule = new Schedule(scheduleFromRate(options.rate, options.meanBlockIntervalMs));
    this.durationMs = options.durationMs ?? Infinity;
    if (!(this.durationMs > 0)) throw invalid('durationMs', options.durationMs, 'a positive number of ms');
    this.intervalMs = positiveInt('intervalMs', options.intervalMs, 1000, 60_000);
    if (options.signCapPerSec !== undefined && !(options.signCapPerSec > 0)) throw invalid('signCapPerSec', options.signCapPerSec, 'a positive number of signatures per second');
    const peak = Math.max(...this.schedule.data.segments.map((s) => Math.max(s.r0, s.r1)));
    const agents = options.agents ?? [];
    const defaultThreads = agents.length > 0 ? agents.length : peak < 5000 ? 1 : availableParallelism();
    const threads = Math.min(options.wallets.length, positiveInt('threads', options.threads, defaultThreads, 64 * Math.max(1, agents.length)));
    const chain = options.chain ?? chainAdapter();
    const wallets = options.wallets.map((w, i) => {
      if (typeof w?.secret !== 'string') throw invalid(`wallets[${i}].secret`, w?.secret, `the wallet's secret as hex (what chain ${chain.name} signs with)`);
      return { index: w.index ?? i, secret: w.secret, address: w.address ?? chain.addressOf(w.secret) };
    });
    const recipients = wallets.map((w) => w.address);
    const params = { fee: options.fee ?? 1, amount: options.amount ?? 1, ...(options.backend ? { backend: options.backend } : {}) };
    const txFactory = chain.txFactory(params, options.chainOptions ?? {});
    this.chain = chain;
    this.wallets = wallets;
    const maxBatch = options.batch === undefined || options.batch === 'auto' ? 100 : positiveInt('batch', options.batch, 100, 10_000);
    this.inits = Array.from({ length: threads }, (_, w) => ({
      workerIndex: w,
      workerCount: threads,
      schedule: this.schedule.data,
      durationMs: this.durationMs,
      wallets: wallets.filter((_, i) => i % threads === w).map((x) => ({ index: x.index, secret: x.secret })),
      recipients,
      txFactory,
      params,
      targets: options.targets.map((t) => t.replace(/\/$/, '')),
      targetChoice: options.targetChoice ?? 'round-robin',
      maxBatch,
      connections: positiveInt('connections', options.connections, 8, 1024),
      pipelining: positiveInt('pipelining', options.pipelining, 1, 100),
      lookaheadMs: options.lookaheadMs ?? 250,
      signCapPerSec: options.signCapPerSec === undefined ? undefined : options.signCapPerSec / threads,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      lateThresholdMs: options.lateThresholdMs ?? 10,
      reportIntervalMs: this.intervalMs,
      recordsDir: options.recordsDir,
      recordsPerFile: options.recordsPerFile ?? 250_000,
      recordsMaxFiles: options.recordsMaxFiles ?? 8,
      trackAccepted: options.feed !== undefined,
      seed: options.seed ?? 1,
      stallMs: options.stallMs ?? (options.feed ? Math.max(3000, 4 * (options.meanBlockIntervalMs ?? 1000)) : 0),
      settleMs: options.settleMs ?? 0,
    }));
    if (options.feed) this.tracker = new InclusionTracker(options.feed);
  }

  get threads(): number {
    return this.inits.length;
  }

  /** Spawn the workers, let them sync nonces and pre-sign, then start the schedule. Resolves once running. */
  async start(): Promise<void> {
    await this.prepare();
    await this.go();
  }

  /**
   * Everything before the schedule: the chain's preparation, the workers spawned (or the agents connected), their
   * nonces synced and the first transactions pre-signed. Resolves once every shard is ready; `go` then starts the
   * schedule. Spawning and loading the worker threads takes a second on an idle machine and several on a loaded
   * one, so a run prepares before its window (Workload.prepare) and starts the schedule on the window's start.
   */
  async prepare(): Promise<void> {
    if (this.host) throw new LoadnetError('LN_ERR_WORKLOAD', `load engine ${this.name} already started`);
    if (this.chain.prepareLoad) {
      const prepared = await this.chain.prepareLoad(this.inits[0]!.txFactory, this.inits[0]!.targets, this.wallets);
      for (const init of this.inits) init.txFactory = prepared.ref;
      this.chainNotes = prepared.notes;
    }
    const agents = this.options.agents ?? [];
    if (agents.length > 0 && this.options.agentLoss === 'continue') this.startNonces = await this.readNonces();
    if (agents.length > 0) {
      const continueOnLoss = this.options.agentLoss === 'continue';
      this.host = await agentShards(agents, { type: this.chain.name, ...(this.options.chainOptions ?? {}) }, this.inits, { onConnected: this.options.onAgent, onUnreachable: continueOnLoss ? this.options.onAgentUnreachable : undefined, onClock: this.options.onAgentClock });
    } else this.host = localShards(loadWorkerPath(), this.inits);
    // Shards ready, or lost before the start with agentLoss 'continue' (they sent nothing: the others start without them).
    const settled = new Set<number>();
    let onReady!: () => void;
    let onFatal!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => ((onReady = res), (onFatal = rej)));
    const settle = (workerIndex: number) => {
      settled.add(workerIndex);
      if (settled.size !== this.inits.length) return;
      if (this.lost.length === this.inits.length) onFatal(new LoadnetError('LN_ERR_WORKLOAD', `load engine ${this.name}: every load agent was lost before the load started (${[...new Set(this.lost.map((l) => `${l.agent}: ${l.reason}`))].join('; ')})`));
      else onReady();
    };
    for (const link of this.host.links) {
      this.links.push(link);
      link.onMessage((m: WorkerMessage) => {
        if (m.type === 'ready') settle(link.workerIndex);
        else if (m.type === 'report') this.onReport(m);
        else if (m.type === 'fatal') {
          this.fatal = m.message;
          onFatal(new LoadnetError('LN_ERR_WORKLOAD', `load worker ${link.workerIndex} (${link.host}) failed: ${m.message}`));
        }
      });
      const task = link.done.catch((e: Error) => {
        if (e instanceof AgentLostError && this.t0 > 0) return this.onShardLost(link, e);
        if (e instanceof AgentLostError && this.options.agentLoss === 'continue' && !this.lost.some((l) => l.workerIndex === link.workerIndex)) {
          const result = this.onShardLost(link, e);
          settle(link.workerIndex);
          return result;
        }
        onFatal(new LoadnetError('LN_ERR_WORKLOAD', `load worker ${link.workerIndex} (${link.host}) failed: ${e.message}`, { cause: e }));
        throw e;
      });
      // Settled by allSettled once running; before that a failure goes through onFatal.
      task.catch(() => undefined);
      this.tasks.push(task);
    }
    try {
      await ready;
    } catch (e) {
      await this.shutdown();
      if (this.stopRequested) return this.stoppedBeforeStart();
      throw e;
    }
    if (this.stopRequested) {
      await this.shutdown();
      return this.stoppedBeforeStart();
    }
    this.prepared = true;
  }

  /** Start the schedule (after `prepare`) at `atMs`, default the `startAtMs` option, at the soonest 20 ms from now. */
  async go(atMs?: number): Promise<void> {
    if (this.finishedPromise) return; // stopped before the start: nothing to go
    if (!this.prepared) throw new LoadnetError('LN_ERR_WORKLOAD', `load engine ${this.name}: go() before prepare()`);
    if (this.stopRequested) {
      await this.shutdown();
      return this.stoppedBeforeStart();
    }
    this.t0 = Math.max(nowMs() + 20, atMs ?? this.options.startAtMs ?? 0);
    for (const l of this.links) l.post({ type: 'go', t0: this.t0 } satisfies CoordinatorMessage);
    this.scheduleTick(1);
    this.finishedPromise = Promise.allSettled(this.tasks).then(async (results) => {
      const failed = results.find((r) => r.status === 'rejected');
      this.stoppedAt ??= Math.min(nowMs(), this.t0 + this.durationMs);
      // A worker's final report travels on its own port, not with the task result: wait for every one.
      for (let waited = 0; this.finalReports < this.inits.length && waited < 3000 && !failed; waited += 10) await new Promise((r) => setTimeout(r, 10));
      if (this.timer) clearTimeout(this.timer);
      this.emitInterval(this.stoppedAt);
      await this.shutdown();
      if (failed) throw new LoadnetError('LN_ERR_WORKLOAD', `load engine ${this.name}: ${this.fatal ?? (failed as PromiseRejectedResult).reason}`);
      return this.totals();
    });
  }

  private stoppedBeforeStart(): void {
    this.finishedPromise = Promise.resolve(this.totals());
  }

  /** Unix ms at which the schedule started (0 before start). */
  get startedAt(): number {
    return this.t0;
  }

  private scheduleTick(k: number): void {
    // Close interval k a little after workers closed theirs, so their reports are in.
    const at = this.t0 + k * this.intervalMs + 150;
    this.timer = setTimeout(() => {
      this.emitInterval(this.t0 + k * this.intervalMs);
      this.scheduleTick(k + 1);
    }, Math.max(0, at - nowMs()));
    this.timer.unref?.();
  }

  /** A shard whose agent is gone: listed with what it last reported; the others go on unless agentLoss is 'fail'. */
  private onShardLost(link: ShardLink, e: AgentLostError): WorkerResult {
    const last = this.lastReports.get(link.workerIndex);
    const lost: LostShard = {
      agent: e.agent,
      workerIndex: link.workerIndex,
      wallets: this.inits.find((i) => i.workerIndex === link.workerIndex)?.wallets.length ?? 0,
      reason: e.reason,
      lostAtMs: nowMs(),
      lastReportAtMs: last?.atMs ?? 0,
      inFlightAtLastReport: last ? last.sent - last.answered : 0,
      sent: last?.sent ?? 0,
      accepted: last?.accepted ?? 0,
    };
    this.lost.push(lost);
    this.finalReports++;
    this.options.onShardLost?.(lost);
    if ((this.options.agentLoss ?? 'fail') === 'fail') {
      this.fatal ??= e.message;
      void this.stop().catch(() => undefined);
      throw e;
    }
    return { workerIndex: link.workerIndex, sent: lost.sent };
  }

  private onReport(r: WorkerReport): void {
    this.figures.add(r);
    if (this.startNonces && r.acceptedIntended.length > 0) {
      const ids = this.acceptedByShard.get(r.workerIndex) ?? new Set<string>();
      this.acceptedByShard.set(r.workerIndex, ids);
      const len = r.acceptedIds.length / r.acceptedIntended.length;
      for (let i = 0; i < r.acceptedIds.length; i += len) ids.add(r.acceptedIds.slice(i, i + len));
    }
    const prev = this.lastReports.get(r.workerIndex);
    // Answered = accepted + rejected + errored; sent − answered is what is in flight (transactions, not requests).
    const answered = r.accepted + Object.values(r.rejected).reduce((a, b) => a + b, 0) + r.errored;
    this.lastReports.set(r.workerIndex, { atMs: r.atMs, sent: (prev?.sent ?? 0) + r.sent, accepted: (prev?.accepted ?? 0) + r.accepted, answered: (prev?.answered ?? 0) + answered });
    if (r.acceptedIntended.length > 0) this.tracker?.addAccepted(r.acceptedIds, r.acceptedIntended);
    if (r.final) this.finalReports++;
  }

  private emitInterval(untilAbs: number): void {
    const untilRel = Math.min(untilAbs - this.t0, this.durationMs);
    if (untilRel <= this.lastIntervalRel) return;
    const target = this.schedule.countAt(untilRel) - this.schedule.countAt(this.lastIntervalRel);
    const inc = this.tracker?.takeInterval();
    const iv = this.figures.takeInterval(this.name, untilRel - this.lastIntervalRel, target, inc?.included ?? 0, inc?.inclusion, inc?.finality);
    this.lastIntervalRel = untilRel;
    this.intervals++;
    if (iv.short) this.shortIntervals++;
    this.options.onInterval?.(iv);
  }

  /** Every wallet's confirmed nonce on the first target now (before the load, for resolving a lost agent). */
  private async readNonces(): Promise<Map<string, number>> {
    const client = this.chain.client({ name: 'load-engine', apiUrl: this.inits[0]!.targets[0]! });
    try {
      const nonces = new Map<string, number>();
      for (let i = 0; i < this.wallets.length; i += 32) {
        const part = this.wallets.slice(i, i + 32);
        const states = await Promise.all(part.map((w) => client.account(w.address)));
        part.forEach((w, j) => nonces.set(w.address, states[j]!.nonce));
      }
      return nonces;
    } finally {
      await client.close();
    }
  }

  /**
   * What resolving lost shards from the chain needs (agent-loss.ts): each lost shard's wallets with their nonces
   * at start, the ids it reported accepted, and how its transactions were signed (same wallet and nonce, same id).
   * Empty unless agentLoss is 'continue'.
   */
  lostShardDetails(): LostShardDetail[] {
    if (!this.startNonces) return [];
    const nonces = this.startNonces;
    return this.lost.map((lost) => {
      const init = this.inits.find((i) => i.workerIndex === lost.workerIndex)!;
      const byIndex = new Map(this.wallets.map((w) => [w.index, w]));
      return {
        lost,
        wallets: init.wallets.map((w) => ({ index: w.index, secret: w.secret, address: byIndex.get(w.index)!.address, startNonce: nonces.get(byIndex.get(w.index)!.address) ?? 0 })),
        reportedAccepted: this.acceptedByShard.get(lost.workerIndex) ?? new Set(),
        txFactory: init.txFactory,
        recipients: init.recipients,
        params: init.params,
        schedule: this.schedule,
        workerCount: init.workerCount,
        t0: this.t0,
      };
    });
  }

  /** Current totals (live while running, final after stop). */
  totals(): LoadTotals {
    const end = this.stoppedAt ?? Math.min(nowMs(), this.t0 + this.durationMs);
    const genMs = this.t0 === 0 ? 0 : Math.max(0, Math.min(end - this.t0, this.durationMs));
    const totals = this.figures.totals(this.name, genMs, this.schedule.countAt(genMs), this.shortIntervals, this.intervals);
    if (this.lost.length === 0) return totals;
    // What a lost agent would have sent is missing from the offered load: that, not this host, bound the generator.
    const agents = [...new Set(this.lost.map((l) => l.agent))].join(', ');
    return { ...totals, lostShards: [...this.lost], ...(totals.generatorBound ? { generatorBoundReason: `load agent lost (${agents}): its share of the schedule was not sent` } : {}) };
  }

  /** Resolves when generation has ended (duration reached or stop()) and every answer is in. */
  finished(): Promise<LoadTotals> {
    if (!this.finishedPromise) throw new LoadnetError('LN_ERR_WORKLOAD', `load engine ${this.name} was not started`);
    return this.finishedPromise;
  }

  /** Stop generating now; in-flight requests are awaited (bounded by the request timeout). */
  async stop(): Promise<LoadTotals> {
    if (!this.finishedPromise) {
      // Not running yet: still preparing (prepare() notices and returns without load), or prepared and waiting
      // for go(): its workers are let go now, the run that prepared it may never start it.
      this.stopRequested = true;
      if (this.prepared) {
        await this.shutdown();
        this.stoppedBeforeStart();
      }
      return this.totals();
    }
    this.stoppedAt ??= Math.min(nowMs(), this.t0 + this.durationMs);
    for (const l of this.links) l.post({ type: 'stop' } satisfies CoordinatorMessage);
    return this.finishedPromise;
  }

  /** Point the workers at a new set of node URLs (nodes added or removed). */
  setTargets(targets: string[]): void {
    for (const l of this.links) l.post({ type: 'targets', targets: targets.map((t) => t.replace(/\/$/, '')) } satisfies CoordinatorMessage);
  }

  private async shutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    for (const l of this.links) l.close();
    this.links = [];
    await this.host?.destroy();
  }
}

export interface LostShardDetail {
  lost: LostShard;
  wallets: Array<LoadWallet & { startNonce: number }>;
  reportedAccepted: ReadonlySet<string>;
  txFactory: TxFactoryRef;
  recipients: readonly string[];
  params: ShardInit['params'];
  schedule: Schedule;
  workerCount: number;
  /** Unix ms at which the schedule started. */
  t0: number;
}

export function createLoadEngine(options: LoadEngineOptions): LoadEngine {
  return new LoadEngine(options);
}
