/**
 * ScenarioSpec: a scenario as plain, JSON-serialisable data. The builder (DSL) is a typed skin over it;
 * `loadnet run scenario.json` and `loadnet run examples/x.ts` run the same thing. Units are in the names.
 * Types only: no runtime imports here.
 */

export type TopologyShape = 'star' | 'full' | 'ring';

export interface TopologySpec {
  /** star: node 0 (validator-0) is the hub; full: every pair connected; ring: each node to its two neighbours. */
  shape: TopologyShape;
  validators: number;
  executors: number;
}

export interface ConsensusSpec {
  slotDurationMs: number;
  /** f in phi(stake) = 1 - (1 - f)^(stake/total): the probability that some leader exists in a slot. */
  activeSlotCoeff: number;
  /** k: a block is final (LIB) once k blocks are built on it. */
  securityParam: number;
}

export interface WalletsSpec {
  /** Number of funded wallets in genesis. */
  count: number;
  /** Funds per wallet; with `totalFunds` set, totalFunds / count each and the remainder +1 to the first wallets. */
  fundsPerWallet: number;
  totalFunds?: number;
}

/** Rate of a load: a constant, or stages (ramps/steps) over elapsed time. */
export type RateSpec =
  | { kind: 'perBlock'; perBlock: number }
  | { kind: 'perSecond'; perSecond: number }
  | { kind: 'stages'; stages: RateStage[] };

/** From the previous stage's target, move (linearly when `ramp`, else step) to `perSecond` over `durationMs`. */
export interface RateStage {
  durationMs: number;
  perSecond: number;
  ramp: boolean;
}

export type TargetPolicy = 'round-robin' | 'random' | { node: string };

export interface TransactionsWorkloadSpec {
  type: 'transactions';
  rate: RateSpec;
  /** How many of the funded wallets send. */
  users: number;
  /**
   * Index of the first funded wallet this workload sends from (it uses `users` wallets from there). Wallet
   * ranges of transaction-sending workloads never overlap (validated); when absent, resolving places the
   * workload after the ranges of those before it.
   */
  firstWallet?: number;
  fee: number;
  amount: number;
  targets: TargetPolicy;
  /** Transactions per POST to /mempool/add/txs; 'auto' batches when the rate is high. */
  batch: number | 'auto';
  /** Fraction (0..1) of accepted transactions that must be included by the end of the cooldown. */
  inclusionThreshold: number;
}

export interface DaWorkloadSpec {
  type: 'da';
  /** Number of DA channels opened with inscriptions. */
  channels: number;
  /** Blobs per block across all channels. */
  blobsPerBlock: number;
  blobSizeBytes: { min: number; max: number };
}

export interface ChaosSpec {
  type: 'chaos';
  action: 'restart' | 'kill' | 'pause';
  minDelayMs: number;
  maxDelayMs: number;
  /** Per target: a node is not hit again until this long after it recovered. */
  targetCooldownMs: number;
  /** Never more than this many block producers down at once (default: a minority). */
  maxDown: number;
  /** Which nodes may be hit: roles and/or names. Empty = every node. */
  targets: { roles: Array<'validator' | 'executor'>; names: string[] };
  /** Bound on waiting for a node to be healthy and syncing again. */
  recoveryTimeoutMs: number;
  /** How long a pause or stop lasts before resume/start. */
  downtimeMs: number;
}

/**
 * What the invalid-transaction fuzzer crafts: one case per reject reason, wrong_chain and mutations. Each chain
 * expresses some (devnet: the first eleven but the EVM-only ones; evm: all but mempool_full), the rest are refused.
 */
export type FuzzCaseName = 'malformed' | 'bad_signature' | 'nonce_too_low' | 'nonce_gap' | 'insufficient_funds' | 'fee_too_low' | 'mempool_full' | 'duplicate' | 'too_large' | 'wrong_chain' | 'mutation'
  | 'gas_too_low' | 'gas_above_limit' | 'tip_above_fee_cap' | 'unknown_type' | 'high_s' | 'trailing_bytes';

/** The invalid-transaction fuzzer (src/adversary/tx-fuzz.ts): devnet and evm (ChainAdapter.txFuzzer). */
export interface TxFuzzWorkloadSpec {
  type: 'tx-fuzz';
  /** Crafted transactions per second (beside one valid transfer per second of its own). */
  rate: number;
  /** Cases to send; empty = every case. */
  cases: FuzzCaseName[];
  /** Nodes in turn, or one node. */
  targets: 'round-robin' | { node: string };
  /** The chain must grow by this many blocks while fuzzed; absent = half the blocks expected in the window. */
  minBlocks?: number;
  /** Crafted transactions allowed to be rejected with another reason than their case's (default 0). */
  maxRejectedOtherwise: number;
}

/** Timing of a race's submissions (src/adversary/batch-plan.ts PlanTiming, without the seed). */
export interface RaceTimingSpec {
  /** Nodes sent to: every node, or these. */
  nodes: 'all' | string[];
  /** When the first node gets its first request, from the start of the run window. */
  atMs: number;
  /** Each node starts at atMs plus its own seeded offset below this. */
  jitterMs: number;
  /** Transactions per request, and the pause between one node's requests. */
  chunk: number;
  spacingMs: number;
  fee: number;
}

/** The propagation and inclusion race (src/adversary/propagation-race.ts); devnet only. */
export interface PropagationRaceWorkloadSpec extends RaceTimingSpec {
  type: 'propagation-race';
  /** Independent transfers (one per wallet), the same batch to every node in its own order. */
  batch: number;
  /** Bound on the p99 time from a transaction's first submission to its block (absent: none). */
  maxInclusionMs?: number;
}

/** Mempool divergence and convergence (src/adversary/mempool-divergence.ts); devnet only. */
export interface MempoolDivergenceWorkloadSpec extends RaceTimingSpec {
  type: 'mempool-divergence';
  /** Independent transfers per node (one per wallet), no two nodes sharing one. */
  perNode: number;
  /** After the divergence ends (the last submission, or the last fault healed after it), within this every transaction must be in a block or in every live node's mempool. */
  windowMs: number;
  /** Only a block counts (not being pending everywhere). */
  blocksOnly: boolean;
  /** Mempools are read this often. */
  sampleEveryMs: number;
}

/** The API flood (src/adversary/api-flood-workload.ts); devnet only. */
export interface ApiFloodWorkloadSpec {
  type: 'api-flood';
  /** Requests per second while the flood is on. */
  rate: number;
  /** Fraction (0..1) of invalid requests. */
  invalidShare: number;
  /** Request kinds to draw from (src/adversary/api-flood.ts FLOOD_REQUESTS); empty = all. */
  requests: string[];
  pattern: { kind: 'steady' } | { kind: 'burst'; onMs: number; offMs: number };
  /** The flooded node. */
  target: string;
  connections: number;
  pipelining: number;
  /** A request unanswered this long is a timeout (flood and control client). */
  timeoutMs: number;
  /** The flood starts this long into the run window and lasts durationMs (absent: to the window's end). */
  startAfterMs: number;
  durationMs?: number;
  /** Bound on the control client's p99 latency during the flood. */
  controlP99Ms: number;
  /** The flooded node's chain must grow by this many blocks; absent = half the blocks expected while flooding. */
  minBlocks?: number;
  /** The flood must send at least this fraction of its rate (else the generator, not the node, was the limit). */
  minRateFraction: number;
  /**
   * Transfers per batch the control client submits every 500 ms beside its info reads (from a funded wallet of its
   * own, at the end of the funded wallets like the fuzzer's and races'); absent or 0: it only reads the chain's info.
   */
  controlBatch?: number;
  /** Transactions per bad-signatures request (absent: 64). */
  forgedBatch?: number;
}

/** One fee tier of the fee-pressure workload: its own wallets, its fee, its share of the offered rate. */
export interface FeeTierSpec {
  name: string;
  fee: number;
  users: number;
  /** First wallet of the tier's range (resolving places tiers one after the other when absent). */
  firstWallet?: number;
  /** Weight of the tier in the offered rate (the rate is split in proportion to the weights). */
  share: number;
}

/** Fee pressure (src/workloads/fee-pressure.ts): several fee tiers ramped past capacity; devnet only. */
export interface FeePressureWorkloadSpec {
  type: 'fee-pressure';
  /** At least two tiers with distinct fees. */
  tiers: FeeTierSpec[];
  /** The offered rate over all tiers (split by share). */
  rate: RateSpec;
  amount: number;
  targets: TargetPolicy;
  batch: number | 'auto';
  /** A tier's inclusion p50 at most this fraction of the next lower tier's ("sooner" by a margin, not by noise). */
  maxTierLatencyRatio: number;
  /** Evictions (lowest_fee, summed over the nodes) the run must cause at capacity. */
  minEvictions: number;
  /** Median block fill (transactions / the block's capacity) over the saturated blocks must reach this. */
  minBlockFill: number;
  /** Included transactions per second over the last third of the window ≥ this fraction of the middle third's. */
  minThroughputFraction: number;
}

/** What the flooding peer publishes (src/adversary/flooding-peer.ts). */
export type FloodMessageKind = 'stale-block' | 'duplicate-block' | 'duplicate-tx' | 'invalid-tx' | 'da-share';

/** A Byzantine peer on the devnet's P2P protocol (src/adversary/flooding-peer.ts); devnet only. */
export interface FloodingPeerWorkloadSpec {
  type: 'flooding-peer';
  /** The victim node. */
  target: string;
  /** Messages per second while flooding. */
  rate: number;
  /** Kinds to send in turn; empty = all. */
  messages: FloodMessageKind[];
  /** The flood starts this long into the run window and lasts durationMs (absent: to the window's end). */
  startAfterMs: number;
  durationMs?: number;
  /** The victim must disconnect and ban the flooder within this long of its first message. */
  banWithinMs: number;
  /** The victim's fullest outbound P2P queue (p2p_outbound_queue_bytes_max, sampled) must stay within this. */
  maxQueueBytes: number;
  /** Block propagation p99 to every node during the flood (from the block feed) within this bound. */
  propagationP99Ms: number;
  /** The victim's chain must grow by this many blocks while flooded; absent = half the blocks expected. */
  minBlocks?: number;
}

/**
 * When a fault is injected and healed, relative to the start of the run window: first at `atMs`, held for
 * `durationMs` (absent: until the window ends), again every `everyMs` (absent: once).
 */
export interface FaultScheduleSpec {
  atMs: number;
  durationMs?: number;
  everyMs?: number;
  /**
   * After the last heal, every live node must be on one chain (one tip, one LIB) within this bound; the time
   * it took is reported (the bundled `convergence` expectation).
   */
  convergeWithinMs: number;
}

/** Jepsen's partition shapes over the topology's nodes (in topology order), or explicit groups. */
export type PartitionShape = 'halves' | 'majority' | 'isolate' | 'ring' | 'bridge' | 'groups';

export interface PartitionFaultSpec extends FaultScheduleSpec {
  type: 'partition';
  shape: PartitionShape;
  /** isolate: the node cut off (default the last node); bridge: the node that sees both sides (default the middle one). */
  node?: string;
  /** groups: the two sides. */
  groups?: [string[], string[]];
}

export interface LatencyTierSpec {
  delayMs: number;
  nodes: string[];
}

export interface LatencyTiersSpec extends FaultScheduleSpec {
  type: 'latency-tiers';
  /** Tier name → its one-way delay and its nodes (a node in no tier has no delay). */
  tiers: Record<string, LatencyTierSpec>;
  /** A link's delay: the larger of its two ends' tier delays ('max'), or `matrix[fromTier][toTier]`. */
  rule: 'max' | 'matrix';
  matrix?: Record<string, Record<string, number>>;
  /** ± uniformly around each link's delay. */
  jitterMs: number;
}

export interface LinkFaultSpec extends FaultScheduleSpec {
  type: 'link-fault';
  /** Directed links from every node in `from` to every node in `to` (and back, when `bothWays`). */
  from: string[];
  to: string[];
  bothWays: boolean;
  delayMs: number;
  jitterMs: number;
  loss: number;
  rateBytesPerSec: number;
}

export interface BlockPeerSpec extends FaultScheduleSpec {
  type: 'block-peer';
  node: string;
  peer: string;
}

export interface ClockSkewEntrySpec {
  offsetMs: number;
  jitterMs: number;
  driftPpm: number;
}

export interface ClockSkewSpec extends FaultScheduleSpec {
  type: 'clock-skew';
  /** Node name → its skew. */
  nodes: Record<string, ClockSkewEntrySpec>;
}

/**
 * Churn: fresh nodes join (new identities and addresses, staked on chain where the chain has staking, so they
 * lead slots) and topology nodes leave for good (deregistered first); membership changes are never healed.
 */
export interface ChurnSpec extends FaultScheduleSpec {
  type: 'churn';
  /** Fresh nodes that join at each injection. */
  join: number;
  /** The joiners' role (a chain role: the devnet's validator or executor). */
  role: string;
  /** Stake each joiner declares once up (0: it follows the chain without leading). */
  stake: number;
  /** Topology nodes that leave for good: all at once when the churn happens once, one per injection with `everyMs`. */
  leave: string[];
}

export type NetworkFaultSpec = PartitionFaultSpec | LatencyTiersSpec | LinkFaultSpec | BlockPeerSpec | ClockSkewSpec | ChurnSpec;

/** A workload or expectation registered by name (user code); its options must be JSON. */
export interface CustomSpec {
  type: 'custom';
  name: string;
  options?: unknown;
}

export type WorkloadSpec = TransactionsWorkloadSpec | DaWorkloadSpec | ChaosSpec | TxFuzzWorkloadSpec | ApiFloodWorkloadSpec | FeePressureWorkloadSpec | FloodingPeerWorkloadSpec | PropagationRaceWorkloadSpec | MempoolDivergenceWorkloadSpec | NetworkFaultSpec | CustomSpec;

export interface LivenessOptions {
  /** Blocks in the window ≥ minFraction × expected. */
  minFraction: number;
  /** Every node within this many blocks of the best at the end. */
  maxLag: number;
  requireLibAdvance: boolean;
}

export type ExpectationSpec =
  | { type: 'consensus-liveness'; options: LivenessOptions }
  | { type: 'supply-conserved'; options: Record<string, never> }
  | { type: 'block-timing'; options: { tolerance: number; maxGapMs?: number } }
  | { type: 'safety'; options: Record<string, never> }
  | { type: 'mempool-bounded'; options: { maxPending: number; trendWindowFraction: number; maxTrendRise?: number; sampleIntervalMs?: number } }
  /** Clock skew handled by the chain's clock rules: blocks refused from beyond the future horizon ≤ maxRefused. */
  | { type: 'clock-rules'; options: { maxRefused: number } }
  | { type: 'fork-rate'; options: { maxReorgsPerBlock: number; maxOrphansPerBlock: number; maxDepth: number; maxHeightBattlesPerBlock?: number } }
  | { type: 'propagation'; options: { maxP50Ms?: number; maxP99Ms?: number; tiers?: Record<string, { maxP50Ms?: number; maxP99Ms?: number }> } }
  /**
   * No node crashed, RSS peak and slope within bounds, no invalid transaction in a block. Added by default to a
   * scenario with an adversary workload (ADVERSARY_WORKLOADS); `enabled: false` records the opt-out.
   */
  | { type: 'node-health'; options: NodeHealthSpecOptions }
  | CustomSpec;

export interface NodeHealthSpecOptions {
  /** false: not judged (the opt-out from the default). */
  enabled: boolean;
  /** Each node's peak RSS bound, MiB. */
  maxRssMiB: number;
  /** Each node's RSS slope bound over the run's second half, MiB per minute. */
  maxRssSlopeMiBPerMin: number;
}

/**
 * The chain under test: `type` names a chain adapter ('devnet', the default, or one registered with
 * registerChain); the other fields are that chain's options (checked by its adapter).
 */
export interface ChainSpec {
  type: string;
  [option: string]: unknown;
}

/**
 * Load agents (`loadnet agent` on other hosts) that run the transaction load instead of this process's worker
 * threads: the engine's shards go to them round-robin, their figures merge into the same summary (docs/agents.md).
 */
export interface AgentsSpec {
  /** Each agent's host:port. */
  addresses: string[];
  /**
   * An agent lost mid-run (connection gone, or silent for 3 s): 'fail' stops the load and fails the run;
   * 'continue' goes on with the other agents, and what the lost one had in flight is resolved from the chain.
   */
  onLoss: 'fail' | 'continue';
}

export interface ScenarioSpec {
  version: 1;
  name: string;
  /** The chain under test; absent = the devnet. */
  chain?: ChainSpec;
  /** Seed for every key and random choice. */
  seed: number;
  topology: TopologySpec;
  consensus: ConsensusSpec;
  wallets: WalletsSpec;
  nodeControl: boolean;
  /** The run window: workloads run this long even when one finishes early. */
  durationMs: number;
  /** After the window, workloads keep running this long; then expectations settle and evaluate. */
  cooldownMs: number;
  workloads: WorkloadSpec[];
  expectations: ExpectationSpec[];
  /**
   * Modules that register the custom workloads and expectations this scenario names (paths relative to the
   * scenario file, or package names). `loadnet run/max-rate/soak` import them before the scenario is built;
   * library code imports its plug-ins itself. Absent when there are none.
   */
  plugins?: string[];
  /** Load agents for the transaction load (absent: this process's worker threads). */
  agents?: AgentsSpec;
}

/** Mean block interval in ms: slotDuration / activeSlotCoeff. */
export function meanBlockIntervalMs(c: ConsensusSpec): number {
  return c.slotDurationMs / c.activeSlotCoeff;
}
