/**
 * The scenario DSL: the seed's builder in camelCase, a typed skin over the plain JSON ScenarioSpec.
 *
 *   ScenarioBuilder.topology().networkStar().validators(3).executors(2).apply()
 *     .wallets(50)
 *     .transactions().rate(5).users(20).apply()
 *     .enableNodeControl()
 *     .chaos().restart().minDelay('10s').maxDelay('20s').targetCooldown('15s').apply()
 *     .expectConsensusLiveness()
 *     .withRunDuration('60s')
 *     .build();
 *
 * Every method returns a new builder (copy-on-write), so a partly built scenario can be forked. Nothing is
 * checked until `build()` (or `buildSpec()`), which reports every problem at once. The one exception is
 * `chaos()` without `enableNodeControl()`: a type error in TypeScript, and an immediate error in JavaScript.
 */
import { LoadnetError, type ValidationIssue } from '../errors.js';
import type { Expectation, Scenario, Workload } from '../runtime/contracts.js';
import type { DurationInput } from '../util/duration.js';
import { buildScenario, resolveAndValidate } from './build.js';
import { ChaosBuilder, type ChaosDraft } from './chaos-builder.js';
import { DaBuilder, type DaDraft } from './da-builder.js';
import { isJsonValue, isPlainObject } from './fields.js';
import type { ChainSpec, FloodMessageKind, FuzzCaseName, LivenessOptions, ScenarioSpec } from './spec.js';
import type { FloodRequestKind } from '../adversary/api-flood.js';
import { TopologyBuilder, type TopologyDraft } from './topology-builder.js';
import { TransactionsBuilder, stageInput, type RateStageInput, type TransactionsDraft } from './transactions-builder.js';

/** One fee tier of `.feePressure()`: its name, fee, how many wallets of its own, its weight in the rate (default 1). */
export interface FeeTierInput {
  name: string;
  fee: number;
  users: number;
  firstWallet?: number;
  share?: number;
}

interface Draft {
  readonly input: Readonly<Record<string, unknown>> & { topology: TopologyDraft; consensus: Record<string, unknown>; workloads: readonly unknown[]; expectations: readonly unknown[] };
  /** Objects passed to withWorkload/withExpectation, by index in the input arrays. */
  readonly liveWorkloads: ReadonlyArray<Workload | undefined>;
  readonly liveExpectations: ReadonlyArray<Expectation | undefined>;
  readonly issues: readonly ValidationIssue[];
}

const EMPTY: Draft = { input: { topology: {}, consensus: {}, workloads: [], expectations: [] }, liveWorkloads: [], liveExpectations: [], issues: [] };
const BUILTIN_WORKLOAD_TYPES = ['transactions', 'da', 'chaos', 'tx-fuzz', 'api-flood', 'fee-pressure', 'flooding-peer', 'propagation-race', 'mempool-divergence', 'partition', 'latency-tiers', 'link-fault', 'block-peer', 'clock-skew', 'churn'];

/** When and how a race sends (raceTransactions, divergeMempools). */
export interface RaceTimingOptions {
  /** 'all' (default) or node names. */
  nodes?: 'all' | string[];
  at?: DurationInput;
  jitter?: DurationInput;
  chunk?: number;
  spacing?: DurationInput;
  fee?: number;
}

function raceTiming(o: RaceTimingOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.nodes !== undefined) out.nodes = o.nodes;
  if (o.at !== undefined) out.atMs = o.at;
  if (o.jitter !== undefined) out.jitterMs = o.jitter;
  if (o.chunk !== undefined) out.chunk = o.chunk;
  if (o.spacing !== undefined) out.spacingMs = o.spacing;
  if (o.fee !== undefined) out.fee = o.fee;
  return out;
}

/** Phantom brand for the node-control capability; exists only in types (no value at run time). */
declare const nodeControlBrand: unique symbol;

/**
 * @typeParam NodeControl - `true` after `enableNodeControl()`; only then is `chaos()` callable.
 */
export class ScenarioBuilder<NodeControl extends boolean = false> {
  /**
   * The capability as a type. Public on purpose: declaration emit drops the type of a private member, which
   * would make ScenarioBuilder<false> and ScenarioBuilder<true> one type for everyone importing the package.
   * The symbol is not exported, so no one outside can name or set it.
   */
  declare readonly [nodeControlBrand]: NodeControl;

  private constructor(private readonly draft: Draft) {}

  /** An empty scenario builder. */
  static create(): ScenarioBuilder<false> {
    return new ScenarioBuilder<false>(EMPTY);
  }

  /** The seed's entry point: start with the topology. */
  static topology(): TopologyBuilder<ScenarioBuilder<false>> {
    return ScenarioBuilder.create().topology();
  }

  /** A builder holding an existing spec (e.g. to fork a scenario loaded from JSON). */
  static fromSpec(spec: ScenarioSpec): ScenarioBuilder<boolean> {
    const copy = structuredClone(spec) as unknown as Record<string, unknown>;
    const input = { ...copy, topology: { ...spec.topology }, consensus: { ...spec.consensus }, workloads: [...spec.workloads], expectations: [...spec.expectations] };
    return new ScenarioBuilder<boolean>({ ...EMPTY, input });
  }

  private next<N extends boolean = NodeControl>(patch: Partial<Draft['input']>, extra: Partial<Omit<Draft, 'input'>> = {}): ScenarioBuilder<N> {
    return new ScenarioBuilder<N>({ ...this.draft, ...extra, input: { ...this.draft.input, ...patch } });
  }

  private addWorkload(spec: unknown, live?: Workload): ScenarioBuilder<NodeControl> {
    return this.next({ workloads: [...this.draft.input.workloads, spec] }, { liveWorkloads: [...padded(this.draft.liveWorkloads, this.draft.input.workloads.length), live] });
  }

  private addExpectation(spec: unknown, live?: Expectation): ScenarioBuilder<NodeControl> {
    return this.next({ expectations: [...this.draft.input.expectations, spec] }, { liveExpectations: [...padded(this.draft.liveExpectations, this.draft.input.expectations.length), live] });
  }

  // ── topology, consensus, wallets ─────────────────────────────────────────────

  /** Configure the node set; `.apply()` returns here. */
  topology(): TopologyBuilder<ScenarioBuilder<NodeControl>> {
    return new TopologyBuilder(this.draft.input.topology, (topology) => this.next({ topology }));
  }

  /** Slot length. Default 1 s. */
  slotDuration(duration: DurationInput): ScenarioBuilder<NodeControl> {
    return this.next({ consensus: { ...this.draft.input.consensus, slotDurationMs: duration } });
  }

  /** f: the probability that a slot has a leader; blocks come every slotDuration / f on average. Default 0.5. */
  activeSlotCoeff(f: number): ScenarioBuilder<NodeControl> {
    return this.next({ consensus: { ...this.draft.input.consensus, activeSlotCoeff: f } });
  }

  /** k: a block is final once k blocks are built on it. Default 10. */
  securityParam(k: number): ScenarioBuilder<NodeControl> {
    return this.next({ consensus: { ...this.draft.input.consensus, securityParam: k } });
  }

  /** `count` funded wallets in genesis, each with `fundsPerWallet` (default 1e9). */
  wallets(count: number, fundsPerWallet?: number): ScenarioBuilder<NodeControl> {
    return this.next({ wallets: fundsPerWallet === undefined ? { count } : { count, fundsPerWallet } });
  }

  /** `users` wallets sharing `totalFunds`: totalFunds / users each, the remainder +1 to the first wallets (as the seed). */
  initializeWallet(totalFunds: number, users: number): ScenarioBuilder<NodeControl> {
    return this.next({ wallets: { count: users, totalFunds } });
  }

  // ── workloads ────────────────────────────────────────────────────────────────

  /** Add a transaction workload; `.apply()` returns here. See TransactionsBuilder for the rate semantics. */
  transactions(): TransactionsBuilder<ScenarioBuilder<NodeControl>> {
    return new TransactionsBuilder<ScenarioBuilder<NodeControl>>({ type: 'transactions' } as TransactionsDraft, (d) => this.addWorkload(d));
  }

  /** Add a data-availability workload; `.apply()` returns here. */
  da(): DaBuilder<ScenarioBuilder<NodeControl>> {
    return new DaBuilder<ScenarioBuilder<NodeControl>>({ type: 'da' } as DaDraft, (d) => this.addWorkload(d));
  }

  /**
   * Add the invalid-transaction fuzzer (devnet): `rate` crafted transactions per second (default 20) over the
   * `cases` (default: all: every reject reason, wrong_chain, mutation), to the nodes in turn or one `target`.
   * Its expectation: every case rejected with its reason (at most `maxRejectedOtherwise` otherwise), none in a
   * block, every node up and the chain grown by ≥ `minBlocks`. Sends from the last two funded wallets.
   */
  fuzzTransactions(options: { rate?: number; cases?: FuzzCaseName[]; target?: string; minBlocks?: number; maxRejectedOtherwise?: number } = {}): ScenarioBuilder<NodeControl> {
    const { target, ...rest } = options;
    return this.addWorkload({ type: 'tx-fuzz', ...rest, ...(target === undefined ? {} : { targets: { node: target } }) });
  }

  /**
   * Add an API flood (devnet): `rate` requests per second (default 10,000) at one node's API (`target`, default
   * validator-0), `invalidShare` of them invalid (default 0.5), steady or in bursts, from 127.0.0.3, with a
   * control client on 127.0.0.2. Its expectation: the rate reached, the control client's p99 ≤ `controlP99`
   * (default 500 ms), none of its requests failed, the flooded node's chain grown by ≥ `minBlocks`. With
   * `controlBatch`, the control client also submits that many transfers every 500 ms from a funded wallet of its own;
   * `forgedBatch` sets the transactions per bad-signatures request (default 64).
   */
  floodApi(options: { rate?: number; invalidShare?: number; requests?: FloodRequestKind[]; bursts?: { on: DurationInput; off: DurationInput }; target?: string; connections?: number; pipelining?: number; timeout?: DurationInput; startAfter?: DurationInput; duration?: DurationInput; controlP99?: DurationInput; minBlocks?: number; minRateFraction?: number; controlBatch?: number; forgedBatch?: number } = {}): ScenarioBuilder<NodeControl> {
    const { bursts, timeout, startAfter, duration, controlP99, ...rest } = options;
    const d: Record<string, unknown> = { type: 'api-flood', ...rest };
    if (bursts !== undefined) d.pattern = { kind: 'burst', onMs: bursts.on, offMs: bursts.off };
    if (timeout !== undefined) d.timeoutMs = timeout;
    if (startAfter !== undefined) d.startAfterMs = startAfter;
    if (duration !== undefined) d.durationMs = duration;
    if (controlP99 !== undefined) d.controlP99Ms = controlP99;
    return this.addWorkload(d);
  }

  /**
   * Add fee pressure (devnet): one transaction stream per fee tier, each from its own wallets, sharing one
   * offered rate (`ratePerSecond`, or `stages` to ramp past what blocks hold). Its expectation (fee-priority):
   * ≥ `minEvictions` evictions (default 1), inclusion p50/p99 ordered by fee (each tier's p50 ≤
   * `maxTierLatencyRatio`, default 0.5, × the next lower tier's), median block fill over the
   * window's second half ≥ `minBlockFill` (default 0.9), included tx/s over the last third ≥
   * `minThroughputFraction` (default 0.7) of the middle third's. Per-tier curves in the `feePressure` summary section.
   */
  feePressure(options: { tiers: FeeTierInput[]; ratePerSecond?: number; stages?: RateStageInput[]; amount?: number; target?: string; batch?: number | 'auto'; maxTierLatencyRatio?: number; minEvictions?: number; minBlockFill?: number; minThroughputFraction?: number }): ScenarioBuilder<NodeControl> {
    const { ratePerSecond, stages, target, ...rest } = options;
    const d: Record<string, unknown> = { type: 'fee-pressure', ...rest };
    if (ratePerSecond !== undefined) d.rate = { kind: 'perSecond', perSecond: ratePerSecond };
    if (stages !== undefined) d.rate = { kind: 'stages', stages: stages.map(stageInput) };
    if (target !== undefined) d.targets = { node: target };
    return this.addWorkload(d);
  }

  /**
   * Add a flooding peer (devnet): a Byzantine peer joins `target` (default validator-0) through the P2P
   * handshake and publishes `rate` messages/s (default 200) of stale and duplicate blocks, duplicate and
   * invalid transactions, unsolicited DA shares (`messages`, default all). Its expectation: the victim bans it
   * within `banWithin` (default 20 s) and refuses it again, its score seen falling, its fullest outbound queue
   * ≤ `maxQueueBytes` (16 MiB), the victim's chain growing
   * and blocks reaching it with p99 ≤ `propagationP99` (default 3 s).
   */
  floodPeer(options: { target?: string; rate?: number; messages?: FloodMessageKind[]; startAfter?: DurationInput; duration?: DurationInput; banWithin?: DurationInput; maxQueueBytes?: number; propagationP99?: DurationInput; minBlocks?: number } = {}): ScenarioBuilder<NodeControl> {
    const { startAfter, duration, banWithin, propagationP99, ...rest } = options;
    const d: Record<string, unknown> = { type: 'flooding-peer', ...rest };
    if (startAfter !== undefined) d.startAfterMs = startAfter;
    if (duration !== undefined) d.durationMs = duration;
    if (banWithin !== undefined) d.banWithinMs = banWithin;
    if (propagationP99 !== undefined) d.propagationP99Ms = propagationP99;
    return this.addWorkload(d);
  }

  /**
   * Add a propagation and inclusion race (devnet): one batch of `batch` independent transfers (default 100, one
   * wallet each, from the end of the funded wallets) sent to every node (or `nodes`), each node getting the whole
   * batch in its own seeded order from its own offset after `at` (default 1s) below `jitter` (default 200ms), in
   * requests of `chunk` (default 10) spaced `spacing` (default 0). Its expectation `race-included-once`: every
   * transaction in exactly one block on every node, the state roots and the touched accounts equal across nodes,
   * the inclusion p99 within `maxInclusion` when given.
   */
  raceTransactions(options: RaceTimingOptions & { batch?: number; maxInclusion?: DurationInput } = {}): ScenarioBuilder<NodeControl> {
    const { maxInclusion, ...rest } = options;
    const d: Record<string, unknown> = { type: 'propagation-race', ...raceTiming(rest) };
    if (rest.batch !== undefined) d.batch = rest.batch;
    if (maxInclusion !== undefined) d.maxInclusionMs = maxInclusion;
    return this.addWorkload(d);
  }

  /**
   * Add a mempool divergence (devnet): each node (or each of `nodes`) gets its own batch of `perNode`
   * independent transfers (default 25, one wallet each) from its own offset after `at`; combine it with a
   * partition to make the mempools truly diverge. Its expectation `mempool-converged`: within `window` (default
   * 5s) of the divergence's end (the last submission or a later heal) every transaction is in a block or pending
   * on every live node (`blocksOnly`: in a block), none dropped; reports pairwise mempool differences over time
   * (read every `sampleEvery`, default 100ms) and the time to convergence.
   */
  divergeMempools(options: RaceTimingOptions & { perNode?: number; window?: DurationInput; blocksOnly?: boolean; sampleEvery?: DurationInput } = {}): ScenarioBuilder<NodeControl> {
    const { window, sampleEvery, perNode, blocksOnly } = options;
    const d: Record<string, unknown> = { type: 'mempool-divergence', ...raceTiming(options) };
    if (perNode !== undefined) d.perNode = perNode;
    if (blocksOnly !== undefined) d.blocksOnly = blocksOnly;
    if (window !== undefined) d.windowMs = window;
    if (sampleEvery !== undefined) d.sampleEveryMs = sampleEvery;
    return this.addWorkload(d);
  }

  /** Let workloads restart, kill, pause nodes (and more) through the deployer's node control. */
  enableNodeControl(): ScenarioBuilder<true> {
    return this.next<true>({ nodeControl: true });
  }

  /** Add a chaos workload; only after `enableNodeControl()`. `.apply()` returns here. */
  chaos(this: ScenarioBuilder<true>): ChaosBuilder<ScenarioBuilder<true>> {
    if (this.draft.input.nodeControl !== true) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', 'chaos() needs node control; allowed: call .enableNodeControl() before .chaos()', {
        issues: [{ field: 'nodeControl', value: false, allowed: 'true: call .enableNodeControl() before .chaos()' }],
      });
    }
    return new ChaosBuilder<ScenarioBuilder<true>>({ type: 'chaos' } as ChaosDraft, (d) => this.addWorkload(d) as ScenarioBuilder<true>);
  }

  /**
   * Add a workload: a live object (recorded in the spec as `{ type: 'custom', name: w.name, options: w.options }`
   * when its `options` are JSON), or the name of a factory registered with `registerWorkload` plus its options.
   */
  withWorkload(workload: Workload | string, options?: unknown): ScenarioBuilder<NodeControl> {
    if (typeof workload === 'string') return this.addWorkload(namedSpec(workload, options));
    const own = (workload as { spec?: unknown }).spec;
    if (isPlainObject(own) && BUILTIN_WORKLOAD_TYPES.includes(own.type as string)) return this.addWorkload(structuredClone(own), workload);
    return this.addWorkload(customSpec(workload?.name, options ?? (workload as { options?: unknown })?.options), workload);
  }

  /** Add an expectation: a live object, or the name of a factory registered with `registerExpectation`. */
  withExpectation(expectation: Expectation | string, options?: unknown): ScenarioBuilder<NodeControl> {
    if (typeof expectation === 'string') return this.addExpectation(namedSpec(expectation, options));
    return this.addExpectation(customSpec(expectation?.name, options ?? (expectation as { options?: unknown })?.options), expectation);
  }

  // ── expectations ─────────────────────────────────────────────────────────────

  /** Blocks in the window ≥ minFraction × expected (default 0.5); every node within maxLag (5) of the best; LIB advanced. */
  expectConsensusLiveness(options: Partial<LivenessOptions> = {}): ScenarioBuilder<NodeControl> {
    return this.addExpectation({ type: 'consensus-liveness', options: { ...options } });
  }

  /** Total supply constant (fees as the protocol defines) and each wallet's balance and nonce as its history implies. */
  expectSupplyConserved(): ScenarioBuilder<NodeControl> {
    return this.addExpectation({ type: 'supply-conserved', options: {} });
  }

  /** Mean block interval within `tolerance` (default 0.5) of slotDuration / activeSlotCoeff; no gap over maxGap. */
  expectBlockTiming(options: { tolerance?: number; maxGap?: DurationInput } = {}): ScenarioBuilder<NodeControl> {
    const o: Record<string, unknown> = {};
    if (options.tolerance !== undefined) o.tolerance = options.tolerance;
    if (options.maxGap !== undefined) o.maxGapMs = options.maxGap;
    return this.addExpectation({ type: 'block-timing', options: o });
  }

  /** No final block is ever reverted, and all nodes agree at every final height. */
  expectSafety(): ScenarioBuilder<NodeControl> {
    return this.addExpectation({ type: 'safety', options: {} });
  }

  /** Pending transactions per node ≤ maxPending (default 10000), trend flat or falling over the last part of the run. */
  expectMempoolBounded(options: { maxPending?: number; trendWindowFraction?: number; maxTrendRise?: number; sampleInterval?: DurationInput } = {}): ScenarioBuilder<NodeControl> {
    const { sampleInterval, ...rest } = options;
    return this.addExpectation({ type: 'mempool-bounded', options: sampleInterval === undefined ? { ...rest } : { ...rest, sampleIntervalMs: sampleInterval } });
  }

  /**
   * Clock skew handled by the chain's clock rules (docs/devnet-node.md): at most `maxRefused` (default 0) blocks
   * refused as from beyond the future horizon; held, late and missed-slot counts reported.
   */
  expectClockRules(options: { maxRefused?: number } = {}): ScenarioBuilder<NodeControl> {
    return this.addExpectation({ type: 'clock-rules', options: { maxRefused: options.maxRefused ?? 0 } });
  }

  /**
   * Reorgs and orphans per produced block within bounds (defaults 0.2 and 0.1), and no reorg deeper than maxDepth (3).
   * `maxHeightBattlesPerBlock` bounds only the orphans a network fault can cause (a leader building beside a block it
   * had not received), apart from the slot battles the leader lottery makes (two leaders of one slot).
   */
  expectForkRate(options: { maxReorgsPerBlock?: number; maxOrphansPerBlock?: number; maxDepth?: number; maxHeightBattlesPerBlock?: number } = {}): ScenarioBuilder<NodeControl> {
    return this.addExpectation({ type: 'fork-rate', options: { ...options } });
  }

  /**
   * Block propagation lag (origin → each other node) p50/p99 per latency tier within bounds; overall bounds and
   * per-tier ones (`tiers: { C: { maxP99: '800ms' } }`).
   */
  expectPropagation(options: { maxP50?: DurationInput; maxP99?: DurationInput; tiers?: Record<string, { maxP50?: DurationInput; maxP99?: DurationInput }> } = {}): ScenarioBuilder<NodeControl> {
    const bounds = (b: { maxP50?: DurationInput; maxP99?: DurationInput }) => ({ ...(b.maxP50 !== undefined ? { maxP50Ms: b.maxP50 } : {}), ...(b.maxP99 !== undefined ? { maxP99Ms: b.maxP99 } : {}) });
    const o: Record<string, unknown> = bounds(options);
    if (options.tiers) o.tiers = Object.fromEntries(Object.entries(options.tiers).map(([t, b]) => [t, bounds(b)]));
    return this.addExpectation({ type: 'propagation', options: o });
  }

  /**
   * No node exited unless loadnet stopped it, each node's RSS peak ≤ `maxRssMiB` (default 1024) and its growth over
   * the run's second half ≤ `maxRssSlopeMiBPerMin` (default 60, Theil–Sen), no invalid transaction a workload sent
   * in any block. Added with the defaults to every scenario with an adversary workload; call this to change them.
   */
  expectNodeHealth(options: { maxRssMiB?: number; maxRssSlopeMiBPerMin?: number } = {}): ScenarioBuilder<NodeControl> {
    return this.addExpectation({ type: 'node-health', options: { ...options } });
  }

  /** Opt out of the node-health expectation an adversary workload adds by default (recorded as `enabled: false`). */
  withoutNodeHealth(): ScenarioBuilder<NodeControl> {
    return this.addExpectation({ type: 'node-health', options: { enabled: false } });
  }

  // ── run parameters ───────────────────────────────────────────────────────────

  /** The run window: workloads run this long even if one finishes early. Default 60 s; at least two slots. */
  withRunDuration(duration: DurationInput): ScenarioBuilder<NodeControl> {
    return this.next({ durationMs: duration });
  }

  /**
   * After the window, workloads keep running this long so the last transactions can be included and become final.
   * Default max((k + 3) × meanBlockInterval, 10 s), at least 30 s with node control.
   */
  withCooldown(duration: DurationInput): ScenarioBuilder<NodeControl> {
    return this.next({ cooldownMs: duration });
  }

  /** Seed for every key and random choice (default 1): one seed, one run. */
  withSeed(seed: number): ScenarioBuilder<NodeControl> {
    return this.next({ seed });
  }

  /**
   * The chain under test: `{ type: 'evm', mining: 'auto' }`, `{ type: 'devnet' }` (the default), or a chain
   * registered with registerChain(adapter); its other fields are that chain's options (docs/adapters.md).
   */
  onChain(chain: ChainSpec): ScenarioBuilder<NodeControl> {
    return this.next({ chain });
  }

  /**
   * Load agents (`loadnet agent --listen host:port` on other hosts) that run the transaction load: the load's
   * shards go to them round-robin. `onLoss` says what a lost agent does: 'fail' (default) stops the load,
   * 'continue' goes on with the others and resolves the lost one's transactions from the chain (docs/agents.md).
   */
  withAgents(addresses: string[], options: { onLoss?: 'fail' | 'continue' } = {}): ScenarioBuilder<NodeControl> {
    return this.next({ agents: { addresses, ...options } });
  }

  /** The scenario's name (names the run directory). Default 'scenario'. */
  named(name: string): ScenarioBuilder<NodeControl> {
    return this.next({ name });
  }

  // ── results ──────────────────────────────────────────────────────────────────

  /** The resolved, validated spec (plain JSON data, defaults filled in, deeply frozen). Throws LN_ERR_SCENARIO_INVALID. */
  buildSpec(): ScenarioSpec {
    return resolveAndValidate(this.draft.input, this.draft.issues);
  }

  /** The runnable scenario: spec, run metrics and live workloads/expectations, each `init`ed. Throws LN_ERR_SCENARIO_INVALID. */
  build(): Scenario {
    return buildScenario(this.draft.input, { workloads: this.draft.liveWorkloads, expectations: this.draft.liveExpectations }, this.draft.issues);
  }
}

/** By name: options are recorded as given, and resolve() rejects them if they are not JSON. */
function namedSpec(name: string, options: unknown): Record<string, unknown> {
  return options === undefined ? { type: 'custom', name } : { type: 'custom', name, options };
}

/** From a live object: its options are recorded only when they are JSON (the live object is used in this process). */
function customSpec(name: unknown, options: unknown): Record<string, unknown> {
  const spec: Record<string, unknown> = { type: 'custom', name };
  if (options !== undefined && isJsonValue(options)) spec.options = structuredClone(options);
  return spec;
}

function padded<T>(list: ReadonlyArray<T | undefined>, length: number): Array<T | undefined> {
  const out = [...list];
  while (out.length < length) out.push(undefined);
  return out;
}
