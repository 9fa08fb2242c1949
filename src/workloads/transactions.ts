/**
 * The transaction workload of the DSL (`transactions().rate(r).users(u)`): transfers from `users` funded
 * wallets (from `firstWallet`, its own range) at the spec's rate, open loop, through the load engine, during the run window; through the
 * cooldown it keeps tracking inclusion. Emits `load.interval` every second, live figures under 'load', and
 * the `load` summary section, and its traffic record (`load.traffic`, load/traffic.ts) once the schedule has
 * started. Given a recorded traffic (`loadnet replay`), it sends that instead: the recorded stages, offset into
 * the window, length, seed, shards and target order. Its load engine is prepared before the window (`prepare`:
 * worker threads spawned, nonces synced, first transactions signed) and its schedule starts on the window's start
 * (a replay: where the recorded one did). Bundles the TxInclusion expectation.
 */
import { join } from 'node:path';
import { LoadnetError } from '../errors.js';
import { chainOf, chainOptionsOf } from '../adapters/registry.js';
import type { Expectation, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import type { ScenarioSpec, TransactionsWorkloadSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { createLoadEngine, type LoadEngine } from '../load/engine.js';
import type { LoadInterval, LoadTotals } from '../load/figures.js';
import type { Histogram } from '../load/histogram.js';
import type { TargetChoice } from '../load/protocol.js';
import { scheduleFromRate } from '../load/schedule.js';
import { stagesOf, type TrafficRecord } from '../load/traffic.js';
import { droppedPath, loadSummary, settleInclusion, type InclusionOutcome } from '../load/outcome.js';
import { TxInclusion } from './tx-inclusion.js';
import { agentEngineOptions, resolveAgentLosses } from '../load/agent-run.js';
import type { LostShardResolution } from '../load/agent-loss.js';

/** How a composing workload (fee-pressure's tiers) runs one: its own name, no `load` section, its intervals. */
export interface TransactionWorkloadRole {
  name: string;
  /** Write the `load` summary section (the DSL's transactions workload does; a tier does not). */
  summary: boolean;
  onInterval?: (iv: LoadInterval) => void;
}

export class TransactionWorkload implements Workload {
  readonly name: string;
  private metrics?: RunMetrics;
  private readonly inclusionExpectation: TxInclusion;
  private engine?: LoadEngine;
  /** Its engine was prepared before the window (prepare()); the window length and targets it was made for. */
  private prepared = false;
  private engineDurationMs = 0;
  private engineTargets?: { names: string[]; urls: string[]; choice: TargetChoice };
  private totals?: LoadTotals;
  private ctx?: RunContext;
  /** The last settled figures (after finish: the final ones). */
  result?: { totals: LoadTotals; outcome?: InclusionOutcome };
  /** Unix ms at which its load engine's schedule started (absent before; the window's start once prepared, later when started unprepared). */
  get startedAt(): number | undefined {
    return this.engine?.startedAt || undefined;
  }
  /** Inclusion latencies of its included transactions so far (absent before its engine ran or without a tracker). */
  get inclusionHistogram(): Histogram | undefined {
    return this.engine?.tracker?.inclusion;
  }
  private lostResolved?: LostShardResolution[];

  /** `replay`: send this recorded traffic (already scaled) rather than the spec's rate from the window start. */
  constructor(
    readonly spec: TransactionsWorkloadSpec,
    private readonly role: TransactionWorkloadRole = { name: 'transactions', summary: true },
    private readonly replay?: TrafficRecord,
  ) {
    this.name = role.name;
    this.inclusionExpectation = new TxInclusion(this, spec.inclusionThreshold ?? 1);
  }

  init(metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.metrics = metrics;
    const { users } = this.spec;
    const first = this.spec.firstWallet ?? 0;
    if (!Number.isInteger(users) || users < 1 || first + users > scenario.wallets.count) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${this.name}.users is ${users} from wallet ${first}; allowed: 1 to the funded wallets left from there (${Math.max(0, scenario.wallets.count - first)})`, {
        issues: [{ field: `${this.name}.users`, value: users, allowed: `an integer from 1 to ${Math.max(0, scenario.wallets.count - first)} (wallets ${first}.. of ${scenario.wallets.count})` }],
      });
    }
    scheduleFromRate(this.spec.rate, metrics.meanBlockIntervalMs); // a bad rate fails the build, not the run
    const b = this.spec.batch;
    if (b !== undefined && b !== 'auto' && !(Number.isInteger(b) && b >= 1 && b <= 10_000)) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `transactions.batch is ${JSON.stringify(b)}; allowed: 'auto' or an integer from 1 to 10,000`, { issues: [{ field: 'transactions.batch', value: b, allowed: "'auto' or 1 to 10,000" }] });
    }
    const t = this.spec.targets;
    if (typeof t === 'object' && t !== null && !('node' in t)) throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `transactions.targets: ${JSON.stringify(t)}; allowed: 'round-robin', 'random' or { node: name }`);
  }

  expectations(): Expectation[] {
    return [this.inclusionExpectation];
  }

  private targets(ctx: RunContext): { names: string[]; urls: string[]; choice: TargetChoice } {
    const r = this.replay;
    const nodes = ctx.nodes();
    // A replay sends to the recorded nodes in their order; where the names differ (an attached network), to its nodes in order.
    if (r && r.targets.every((name) => nodes.some((n) => n.descriptor.name === name))) {
      return { names: r.targets, urls: r.targets.map((name) => ctx.node(name).descriptor.apiUrl), choice: r.targetChoice };
    }
    if (r) return { names: nodes.map((n) => n.descriptor.name), urls: nodes.map((n) => n.descriptor.apiUrl), choice: typeof r.targetChoice === 'object' ? { index: 0 } : r.targetChoice };
    const t = this.spec.targets;
    if (typeof t === 'object' && t !== null) return { names: [t.node], urls: [ctx.node(t.node).descriptor.apiUrl], choice: { index: 0 } };
    return { names: nodes.map((n) => n.descriptor.name), urls: nodes.map((n) => n.descriptor.apiUrl), choice: t === 'random' ? 'random' : 'round-robin' };
  }

  /** The rate the engine runs: the spec's, or a replay's recorded stages in tx/s. */
  private rate() {
    return this.replay ? { kind: 'stages' as const, stages: this.replay.stages } : this.spec.rate;
  }

  /**
   * Before the window (the runner's Workload.prepare; a composing workload's own `prepare` for its parts, e.g. fee
   * pressure's tiers, which the runner does not see): its load engine made for the whole window and prepared
   * (workers spawned or agents connected, nonces synced, first transactions signed), so that `start` only starts
   * the schedule, on the window's start. Started in the window instead, a loaded machine took seconds to spawn the
   * workers (three fee tiers on containers: 8.5 s of a 15 s window). Called twice, the second call does nothing.
   */
  async prepare(ctx: RunContext, signal: AbortSignal): Promise<void> {
    if (this.engine || signal.aborted) return;
    const engine = this.newEngine(ctx, this.replay ? this.replay.durationMs : (this.metrics?.durationMs ?? ctx.scenario.durationMs));
    // The run interrupted before (or after) the window: the prepared workers are let go (stop() after the load is a no-op).
    signal.addEventListener('abort', () => void engine.stop().catch(() => undefined), { once: true });
    await engine.prepare();
    this.prepared = true;
  }

  private newEngine(ctx: RunContext, durationMs: number): LoadEngine {
    const metrics = this.metrics ?? ctx.metrics;
    const first = this.spec.firstWallet ?? 0;
    const wallets = ctx.wallets.slice(first, first + this.spec.users);
    if (wallets.length === 0) throw new LoadnetError('LN_ERR_WORKLOAD', 'transactions: the run has no funded wallets', { hint: 'declare wallets with .wallets(n)' });
    const targets = this.targets(ctx);
    const { urls, choice } = targets;
    this.engine = createLoadEngine({
      name: this.name,
      targets: urls,
      targetChoice: choice,
      chain: chainOf(ctx.scenario),
      chainOptions: chainOptionsOf(ctx.scenario),
      wallets: wallets.map((w) => ({ index: w.index, secret: w.secret, address: w.address })),
      rate: this.rate(),
      meanBlockIntervalMs: metrics.meanBlockIntervalMs,
      durationMs,
      threads: this.replay?.threads,
      batch: this.spec.batch,
      fee: this.spec.fee,
      amount: this.spec.amount,
      feed: ctx.blockFeed,
      recordsDir: join(ctx.runDir, 'tx'),
      seed: this.replay?.seed ?? ctx.scenario.seed,
      // Through the cooldown, re-submit what a restarted or killed node took with it (the run's abort stops it).
      settleMs: 10 * 60_000,
      onInterval: (iv) => this.onInterval(ctx, iv),
      // Load agents serve one engine at a time: the DSL's transactions workload gets them, a composing workload's parts run here.
      ...(this.role.summary ? agentEngineOptions(ctx, this.name) : {}),
    });
    this.engineDurationMs = durationMs;
    this.engineTargets = targets;
    return this.engine;
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    this.ctx = ctx;
    if (signal.aborted) return;
    if (!this.engine) {
      const durationMs = this.replay ? this.replay.durationMs : Math.max(0, ctx.window.endMs - nowMs());
      if (durationMs === 0) return;
      this.newEngine(ctx, durationMs);
    }
    const engine = this.engine!;
    const durationMs = this.engineDurationMs;
    // The targets it was made with (before the window when prepared): a node changed since is caught by `follow`.
    const { names, urls, choice } = this.engineTargets!;
    const onAbort = () => void engine.stop().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    // Nodes started or removed at runtime join or leave the targets (unless one node was chosen).
    let current = urls.join(' ');
    const follow = setInterval(() => {
      if (typeof this.spec.targets === 'object') return;
      const now = ctx.nodes().map((n) => n.descriptor.apiUrl);
      if (now.length > 0 && now.join(' ') !== current) {
        current = now.join(' ');
        engine.setTargets(now);
      }
    }, 2000);
    follow.unref();
    try {
      if (!this.prepared) await engine.prepare();
      // A replay starts where the recorded traffic did; the rest on the window's start (at once when prepared).
      await engine.go(this.replay ? ctx.window.startMs + this.replay.offsetMs : ctx.window.startMs);
      if (engine.startedAt > 0) {
        const traffic: TrafficRecord = {
          workload: this.name,
          spec: this.spec,
          stages: stagesOf(engine.schedule.data, durationMs),
          offsetMs: Math.round((engine.startedAt - ctx.window.startMs) * 1000) / 1000,
          durationMs,
          seed: this.replay?.seed ?? ctx.scenario.seed,
          threads: engine.threads,
          targets: names,
          targetChoice: choice,
        };
        ctx.events.emit('load.traffic', { ...traffic });
      }
      if (engine.chainNotes) ctx.events.emit('load.chain', { workload: this.name, chain: chainOf(ctx.scenario).name, ...engine.chainNotes });
      this.totals = await engine.finished();
      if (this.totals.generatorBound) {
        const t = this.totals;
        const line = `loadnet: ${this.name}: GENERATOR-BOUND: offered ${t.offeredTps} tx/s of ${t.targetTps} tx/s target; cause: ${t.generatorBoundReason}`;
        process.stderr.write(line + '\n');
        ctx.events.emit('load.generatorBound', { workload: this.name, offeredTps: t.offeredTps, targetTps: t.targetTps, reason: t.generatorBoundReason });
      }
      // Cooldown: keep tracking until everything accepted is in a block or the run aborts the workload.
      while (!signal.aborted && (engine.tracker?.counts().pending ?? 0) > 0) await sleep(250, signal);
      await this.publishSummary(false);
    } finally {
      clearInterval(follow);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private onInterval(ctx: RunContext, iv: LoadInterval): void {
    ctx.events.emit('load.interval', { ...iv });
    this.role.onInterval?.(iv);
    if (!this.role.summary) return;
    ctx.live.publish('load', {
      targetTps: iv.targetTps,
      offeredTps: iv.offeredTps,
      acceptedTps: iv.acceptedTps,
      rejectedTps: iv.rejectedTps,
      erroredTps: iv.erroredTps,
      includedTps: iv.includedTps,
      inFlight: iv.inFlight,
      submitP99Ms: iv.submitCorrected.p99,
      inclusionP99Ms: iv.inclusion.p99,
      scheduleLagP99Ms: iv.scheduleLagP99Ms,
      short: iv.short,
    });
  }

  /** After the settle phase: the final `load` section, and the outcome tx-inclusion judges, into the history. */
  async finish(ctx: RunContext): Promise<void> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    if (this.engine) this.lostResolved = await resolveAgentLosses(this.engine, ctx, this.name);
    const r = await this.publishSummary(true);
    if (!r) return; // never ran: tx-inclusion finds no outcome and says so
    const { totals: t, outcome: o } = r;
    ctx.events.emit('load.outcome', {
      workload: this.name,
      submitted: t.submitted,
      accepted: t.accepted,
      rejected: t.rejected,
      rejectedTotal: t.rejectedTotal,
      errored: t.errored,
      generatorBound: t.generatorBound,
      outcome: o ? { included: o.included, final: o.final, pending: o.pending, dropped: o.dropped, inclusion: o.inclusion, finality: o.finality } : null,
    });
  }

  /** Settle pending vs dropped and write the `load` section (again by finish, with the final chain). */
  async publishSummary(final: boolean): Promise<{ totals: LoadTotals; outcome?: InclusionOutcome } | undefined> {
    const engine = this.engine;
    const ctx = this.ctx;
    if (!engine || !ctx) return undefined;
    const totals = this.totals ?? engine.totals();
    const outcome = engine.tracker ? await settleInclusion(engine.tracker, ctx.nodes(), droppedPath(ctx.runDir)) : undefined;
    if (this.role.summary) {
      const summary = loadSummary(totals, outcome, { rate: this.rate(), users: this.spec.users, threads: engine.threads });
      ctx.summary.set('load', this.lostResolved?.length ? { ...summary, lostShardsResolved: this.lostResolved } : summary);
    }
    if (final) engine.tracker?.close();
    this.result = { totals, outcome };
    return this.result;
  }
}
