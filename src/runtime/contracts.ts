/**
 * The run contracts: what deployers, workloads and expectations implement, and the RunContext they see.
 * User-written workloads and expectations plug in through exactly these types.
 */
import type { CustomEventKind, RunEventFields, RunEventKind } from './run-events.js';
import type { LoggedEvent } from './run-events.js';
import type { ChainClient, ChainWallet, Hex } from '../adapters/seam.js';
import type { ScenarioSpec } from '../scenario/spec.js';

/** Derived figures of a run, computed at build time. */
export interface RunMetrics {
  durationMs: number;
  cooldownMs: number;
  slotDurationMs: number;
  activeSlotCoeff: number;
  securityParam: number;
  /** slotDuration / activeSlotCoeff. */
  meanBlockIntervalMs: number;
  /** durationMs / meanBlockIntervalMs. */
  expectedBlocks: number;
}

export interface NodeDescriptor {
  name: string;
  /** One of the chain's roles (the devnet: validator, executor). */
  role: string;
  apiUrl: string;
  testingUrl?: string;
  /** The node's peer id (the devnet: its identity public key), where the chain has one. */
  peerId: Hex;
  /**
   * Where this machine reaches the node's P2P listener, when the deployer publishes it elsewhere than the
   * node's own config says (compose: a host port mapped to the container's). Absent: the config's port on
   * the API's host (the local deployer).
   */
  p2pAddress?: { host: string; port: number };
  /**
   * A way to the node's API that the node sees as another client than apiUrl's (its per-client budget tells
   * them apart): the URL and this machine's address to connect from. Absent: connections to apiUrl from
   * distinct loopback addresses are distinct clients (the local deployer). Compose sets it, since every
   * connection through a published port reaches a container from the network's gateway.
   */
  separateClient?: { apiUrl: string; localAddress: string };
}

export interface RunNode {
  readonly descriptor: NodeDescriptor;
  readonly client: ChainClient;
}

/** A funded wallet: its address on the chain and the secret the chain's transaction factory signs with. */
export type WalletAccount = ChainWallet;

/** A block as the feed saw it: emitted once per id. Times are Unix ms from the monotonic clock (util/clock). */
export interface FeedBlock {
  id: Hex;
  parent: Hex;
  height: number;
  /** Where the chain has them (the devnet does). */
  slot?: number;
  proposer?: Hex;
  /** Proposer's timestamp (Unix ms). */
  timestamp: number;
  txIds: Hex[];
  /** When loadnet first saw the block on any node, and on which. */
  firstSeenAt: number;
  firstSeenOn: string;
  /** When it became final (k deep on the canonical chain of some node); undefined until then. */
  finalAt?: number;
}

export interface NodeTip {
  node: string;
  at: number;
  height: number;
  tip: Hex;
  libHeight: number;
  lib: Hex;
  /** false when the node did not answer at this poll. */
  up: boolean;
}

export interface ReorgEvent {
  node: string;
  at: number;
  /** Blocks removed from this node's canonical chain, newest first. */
  reverted: Hex[];
  /**
   * Blocks that took their place on this node's canonical chain, oldest first (the feed knows them all by
   * the time it reports the reorg). A node flipping back to a branch it had left names no new block, so
   * without these a consumer would only learn at finality that the branch's transactions are in again.
   */
  adopted?: Hex[];
  /** Depth of the reorg (number of reverted blocks). */
  depth: number;
  /** True when a reverted block had been final: a safety violation. */
  revertedFinal: boolean;
}

export interface BlockFeedListener {
  onBlock?(block: FeedBlock): void;
  onFinal?(block: FeedBlock): void;
  onReorg?(event: ReorgEvent): void;
  onTip?(tip: NodeTip): void;
}

/** Follows every node; the single source for expectations and inclusion tracking. */
export interface BlockFeed {
  /** Returns an unsubscribe function. */
  subscribe(listener: BlockFeedListener): () => void;
  /** Every block seen so far, by id. */
  block(id: Hex): FeedBlock | undefined;
  /** Latest tip report of every followed node. */
  tips(): NodeTip[];
  /** Canonical block ids by height as agreed by final blocks. */
  finalAt(height: number): Hex | undefined;
  /** Poll every node once now (used at settle time). */
  refresh(): Promise<void>;
  /**
   * Followed nodes that answered their last poll and hold this block on their canonical chain. A reorg on
   * one node does not take a block out of the others' chains; feeds that cannot tell may omit this.
   */
  canonicalOn?(id: Hex): string[];
}

export type FaultKind = 'restart' | 'stop' | 'start' | 'kill' | 'pause' | 'resume' | 'start-node' | 'remove-node' | 'partition' | 'block-peer' | 'link-fault' | 'latency-tiers' | 'clock-skew';

export interface LinkFaultOptions {
  delayMs?: number;
  /** ± uniformly around delayMs. */
  jitterMs?: number;
  /** 0..1 */
  loss?: number;
  /** Bandwidth limit in bytes per second (0 or absent: none). */
  rateBytesPerSec?: number;
}

/** One directed link and what it suffers (`NodeControl.shapeLinks`). */
export interface LinkShapeEntry extends LinkFaultOptions {
  from: string;
  to: string;
}

/** Per-node clock fault: offset from true time, jitter around it, drift in ppm (µs per s). */
export interface ClockSkewOptions {
  offsetMs: number;
  jitterMs?: number;
  driftPpm?: number;
}

/** What a deployment's node control can do, for checks that name the deployer and the chain. */
export interface FaultCapabilities {
  deployer: string;
  chain: string;
  /** Link properties some applier renders, each with the applier's name and how. */
  network: Partial<Record<'cut' | 'delay' | 'jitter' | 'loss' | 'bandwidth', string>>;
  /** Clock skew: which parts (offset, jitter, drift) the clock applier renders, or absent. */
  clock?: { offset: string; jitter?: string; drift?: string };
  /** New nodes at runtime. */
  joiners: boolean;
  /** Joiners can stake and leavers deregister on chain (they lead slots). */
  staking: boolean;
}

export interface StartNodeOptions {
  name?: string;
  role?: string;
  /** Names of nodes to peer with; default: as the topology shape says. */
  peers?: string[];
  /** Stake to declare on chain once the node is up (funded by the deployment): it leads slots k slots later. */
  stake?: number;
}

export interface RemoveNodeOptions {
  /** Withdraw the node's stake on chain first (it leaves the validator set), where the chain has staking. */
  deregister?: boolean;
}

/** Control over the nodes of a run. Every action waits for the outcome it promises, bounded by a timeout. */
export interface NodeControl {
  restart(node: string): Promise<void>;
  stop(node: string): Promise<void>;
  start(node: string): Promise<void>;
  kill(node: string): Promise<void>;
  pause(node: string): Promise<void>;
  resume(node: string): Promise<void>;
  startNode(options?: StartNodeOptions): Promise<NodeDescriptor>;
  removeNode(node: string, options?: RemoveNodeOptions): Promise<void>;
  /** Cut every link between the two groups (both directions); resolves when the cut is in place. */
  partition(groupA: string[], groupB: string[]): Promise<void>;
  /** Remove every partition and link fault. */
  heal(): Promise<void>;
  blockPeer(node: string, peer: string): Promise<void>;
  unblockPeer(node: string, peer: string): Promise<void>;
  setLinkFault(node: string, peer: string, fault: LinkFaultOptions): Promise<void>;
  /**
   * Set many directed links at once, recorded as one fault interval of `kind` (e.g. latency tiers) that
   * `clearLinks(label)` or `heal()` ends. Absent on node controls without the generic fault layer.
   */
  shapeLinks?(label: string, kind: FaultKind, links: readonly LinkShapeEntry[], detail?: Record<string, unknown>): Promise<void>;
  clearLinks?(label: string): Promise<void>;
  /** Cut these pairs (both directions) as one partition fault under `label` (ring, bridge); `uncut(label)` lifts it. */
  cut?(label: string, pairs: ReadonlyArray<readonly [string, string]>, detail?: Record<string, unknown>): Promise<void>;
  uncut?(label: string): Promise<void>;
  /** Lift the partitions only (blocked peers and link shapes stay). */
  unpartition?(): Promise<void>;
  /** Skew a node's clock (undefined clears it); it survives the node's restarts. */
  setClockSkew?(node: string, skew: ClockSkewOptions | undefined): Promise<void>;
  /** Nodes taken down now (stopped, killed, paused) and not yet back: shared by every fault's max-down guard. */
  down?(): string[];
  capabilities?(): FaultCapabilities;
}

/**
 * Append-only event log (events.jsonl): one JSON line per event with monotonic and wall-clock timestamps.
 * Every kind loadnet writes is in the RunEvent union (run-events.ts), fields typed; a user's own code
 * writes under `custom.`.
 */
export interface EventLog {
  emit<K extends RunEventKind>(kind: K, data: RunEventFields[K]): void;
  emit(kind: CustomEventKind, data?: Record<string, unknown>): void;
  /** Every event as it is written (a checker collects the kinds it judges); returns the unsubscribe. */
  on(listener: (event: LoggedEvent) => void): () => void;
}

/** Sections other parts add to summary.json (e.g. the load engine's `load`). */
export interface SummarySink {
  set(section: string, value: unknown): void;
}

/** Latest live figures by section (e.g. 'load', 'da', 'chaos'), read by the terminal progress. */
export interface LiveBoard {
  publish(section: string, value: Record<string, unknown>): void;
  snapshot(): Record<string, Record<string, unknown>>;
}

export interface RunContext {
  readonly scenario: ScenarioSpec;
  readonly metrics: RunMetrics;
  /** Live node set: includes nodes started at runtime, excludes removed ones. */
  nodes(): readonly RunNode[];
  node(name: string): RunNode;
  readonly blockFeed: BlockFeed;
  readonly wallets: readonly WalletAccount[];
  /** Present when the scenario enabled node control and the deployer supports it. */
  readonly nodeControl?: NodeControl;
  readonly runDir: string;
  readonly events: EventLog;
  readonly summary: SummarySink;
  readonly live: LiveBoard;
  /** Unix ms when the run window started (after capture) and when it ends (planned). */
  readonly window: { startMs: number; endMs: number };
  /** Aborted when the run is interrupted (SIGINT/SIGTERM) or torn down. */
  readonly signal: AbortSignal;
}

export type Verdict = 'pass' | 'fail' | 'unknown';

export interface ExpectationResult {
  status: Verdict;
  /** One line naming the numbers. */
  message: string;
  figures?: Record<string, unknown>;
}

export interface Expectation {
  readonly name: string;
  /** At build time. */
  init?(metrics: RunMetrics, scenario: ScenarioSpec): void;
  /** Before workloads start: capture the baseline, subscribe to the feed. */
  startCapture?(ctx: RunContext): Promise<void>;
  /** After cooldown and settle. Throwing counts as 'unknown' (a crashed checker is never a pass). */
  evaluate(ctx: RunContext): Promise<ExpectationResult>;
}

export interface Workload {
  readonly name: string;
  /** At build time. */
  init?(metrics: RunMetrics, scenario: ScenarioSpec): void;
  /**
   * Before the window, after the expectations' capture: get ready what takes time, so that the load starts on
   * the window's start (a load engine's worker threads spawned, nonces synced, transactions pre-signed).
   * `ctx.window` is not set yet; `signal` aborts when the run is interrupted. A failure is the workload's error,
   * and it is not started.
   */
  prepare?(ctx: RunContext, signal: AbortSignal): Promise<void>;
  /** Runs for the window and the cooldown; must return soon after `signal` aborts. */
  start(ctx: RunContext, signal: AbortSignal): Promise<void>;
  /** Expectations bundled with this workload (e.g. inclusion with the transaction workload). */
  expectations?(): Expectation[];
  /**
   * After the settle phase, before any expectation is evaluated: record the workload's final outcome in the
   * history (its bundled expectations judge that record, never the live workload).
   */
  finish?(ctx: RunContext): Promise<void>;
}

/** A built scenario: the plain spec plus the live workload and expectation objects it stands for. */
export interface Scenario {
  readonly spec: ScenarioSpec;
  readonly metrics: RunMetrics;
  readonly workloads: readonly Workload[];
  readonly expectations: readonly Expectation[];
  /**
   * The node sampler's interval at most, ms (default 1000; a mempool-bounded expectation asking for a shorter one
   * wins). Jobs that read its `node.sample` events set it: max-rate's backlog trend needs ~500 ms.
   */
  readonly nodeSampleIntervalMs?: number;
}

export interface ExpectationOutcome extends ExpectationResult {
  name: string;
  durationMs: number;
}

export interface RunSummary {
  scenario: string;
  runDir: string;
  verdict: Verdict;
  interrupted: boolean;
  startedAt: string;
  endedAt: string;
  expectations: ExpectationOutcome[];
  chain: Record<string, unknown>;
  load?: Record<string, unknown>;
  [section: string]: unknown;
}

export interface RunHandle extends AsyncDisposable {
  readonly summary: RunSummary;
  readonly passed: boolean;
  readonly runDir: string;
  readonly context: RunContext;
  /** Tear the deployment down (idempotent). */
  dispose(): Promise<void>;
}

export interface RunOptions {
  /**
   * Default true: when the verdict is not 'pass', tear the deployment down and reject with an
   * ExpectationsFailedError (code LN_ERR_EXPECTATIONS_FAILED). false: resolve with the handle whatever the
   * verdict (read `handle.passed`), the deployment alive until it is disposed.
   */
  rejectOnFailure?: boolean;
}

export interface Runner extends AsyncDisposable {
  readonly context: RunContext;
  /** Resolves with the handle when every expectation passed; see RunOptions for a verdict that is not 'pass'. */
  run(scenario: Scenario, options?: RunOptions): Promise<RunHandle>;
  dispose(): Promise<void>;
}

export interface Deployer {
  readonly name: string;
  deploy(scenario: Scenario): Promise<Runner>;
}
