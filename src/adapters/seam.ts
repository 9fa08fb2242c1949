/**
 * The seam between the framework and a chain. The framework (scenario, runtime, load engine, expectations,
 * report, jobs) speaks only these types; a chain plugs in with a ChainAdapter (main thread) and a worker-side
 * transaction factory module (load worker threads). Types only: workers import this file too.
 */
import type { ScenarioSpec } from '../scenario/spec.js';

/** Lowercase hex as the chain writes it (the devnet without 0x, EVM chains with it). */
export type Hex = string;

/** Tip and finality of one node. `final` is the newest block the chain treats as irreversible. */
export interface ChainHead {
  height: number;
  tip: Hex;
  finalHeight: number;
  final: Hex;
  /** Slot (or the chain's clock tick) of the tip, where the chain has one. */
  slot?: number;
}

/** A block with what the framework needs of it: linkage, time and the ids of its transactions. */
export interface ChainBlock {
  id: Hex;
  parent: Hex;
  height: number;
  /** Producer's timestamp, Unix ms. */
  timestamp: number;
  txIds: Hex[];
  slot?: number;
  proposer?: Hex;
}

export interface ChainHealth {
  ok: boolean;
  height?: number;
  role?: string;
}

export interface PeerInfo {
  /** Connected peers now. */
  count: number;
  /** Their ids, where the node lists them. */
  ids?: Hex[];
}

export interface AccountState {
  /** Next nonce the chain expects from this account (transactions confirmed so far). */
  nonce: number;
  /** In the chain's smallest unit. */
  balance: bigint;
}

export interface SupplyState {
  total: number;
  genesis: number;
  burned: number;
  /** Value bonded as stake out of balances, where the chain has on-chain staking (absent: 0). */
  staked?: number;
}

/** Where a chain puts fees: burned, or credited to the block's producer. */
export type FeeRule = 'burn' | 'leader';

/** One transaction as the supply audit replays it: what it moves between accounts. */
export interface LedgerTx {
  id: Hex;
  from: string;
  fee: number;
  /** Value the sender pays to others besides the fee. */
  transfers: Array<{ to: string; amount: number }>;
  /** Value the sender bonds as stake (negative: withdraws back into its balance); absent: 0. */
  staked?: number;
}

/** A canonical block with its transactions' balance effects (the 'supply' capability). */
export interface LedgerBlock {
  id: Hex;
  parent: Hex;
  height: number;
  /** The producer, who receives the fees under the 'leader' rule. */
  proposer: string;
  txs: LedgerTx[];
}

/** The ledger a deployment's nodes started from: funded accounts and the fee rule. */
export interface LedgerGenesis {
  accounts: Array<{ address: string; balance: number }>;
  fees: FeeRule;
}

/**
 * Data availability through a node (the 'da' capability): blobs published on channels, each blob certified
 * by a transaction that is tracked to inclusion, its shares spread over the nodes.
 */
export interface DaClient {
  /** Submit the transaction opening `channel` for `owner` at `nonce`: its id when the node took it, undefined when refused. */
  openChannel(channel: Hex, owner: { address: string; secret: Hex }, nonce: number): Promise<Hex | undefined>;
  /** True once the chain knows the channel (its opening is in a block). */
  hasChannel(channel: Hex): Promise<boolean>;
  /** Disperse a blob on a channel after `parent` (the channel's previous blob; undefined for its first). */
  publish(channel: Hex, parent: Hex | undefined, signer: string, data: Uint8Array): Promise<{ blobId: Hex; txId: Hex }>;
  /** Indices of the blob's shares this node holds. */
  heldShares(blobId: Hex): Promise<number[]>;
  /** True when this node serves share `index` of the blob (with data). */
  hasShare(blobId: Hex, index: number): Promise<boolean>;
}

/** A link fault as the testing API takes it (zeros clear it). */
export interface LinkFaultSetting {
  delayMs: number;
  jitterMs: number;
  /** 0..1 */
  loss: number;
}

/** Network faults a node applies to itself (a testing API): only chains with the 'testing-faults' capability. */
export interface NodeNetworkControl {
  blockPeer(peerId: Hex): Promise<unknown>;
  unblockPeer(peerId: Hex): Promise<unknown>;
  setLinkFault(peerId: Hex, fault: LinkFaultSetting): Promise<unknown>;
  state(): Promise<{ blocked: Hex[]; faults: Record<Hex, unknown> }>;
  setClockOffset(offsetMs: number): Promise<unknown>;
}

/**
 * One node as the coordinator reads it. Every call has a timeout; a failed or refused call rejects with a
 * LoadnetError naming the node. Optional members are absent where the chain does not expose them.
 */
/** A live subscription to a node's new heads (see ChainClient.subscribeHeads). */
export interface HeadSubscription {
  /** Settles when the subscription ends (the node closed it, or close()): the feed goes back to polling. */
  readonly ended: Promise<void>;
  close(): void;
}

export interface ChainClient {
  readonly name: string;
  readonly url: string;
  /**
   * Where the chain can push new heads (an EVM node's eth_subscribe newHeads over WebSocket): call `onHead`
   * for each, and reject when the node refuses (the block feed then polls). Optional.
   */
  subscribeHeads?(onHead: () => void): Promise<HeadSubscription>;
  health(): Promise<ChainHealth>;
  head(): Promise<ChainHead>;
  peers(): Promise<PeerInfo>;
  /** Canonical blocks by height, inclusive, oldest first; may return fewer than asked (a page). */
  blocksByHeight(from: number, to: number): Promise<ChainBlock[]>;
  block(id: Hex): Promise<ChainBlock | null>;
  /**
   * Ids from `from` back to the final block (`until` 'final', the default) or towards genesis ('genesis'),
   * newest first, `from` included; may stop at a page. A cheap way to follow a chain; optional.
   */
  ancestors?(from: Hex, until?: 'final' | 'genesis'): Promise<Hex[]>;
  /** Pending transactions in this node's mempool. */
  mempoolSize?(): Promise<number>;
  mempoolIds?(limit?: number): Promise<Hex[]>;
  /** 'fee-market': transactions evicted from this node's full mempool so far, by the chain's reason. */
  mempoolEvictions?(): Promise<Record<string, number>>;
  account(address: string): Promise<AccountState>;
  supply?(): Promise<SupplyState>;
  /** Canonical blocks by height, inclusive, oldest first, with their balance effects ('supply'); may return a page. */
  ledgerBlocks?(from: number, to: number): Promise<LedgerBlock[]>;
  /** Data availability ('da'). */
  readonly da?: DaClient;
  /** Prometheus text, where the node serves it. */
  metricsText?(): Promise<string>;
  readonly network?: NodeNetworkControl;
  close(): Promise<void>;
}

/** What a chain supports; validation refuses a scenario asking for more, naming the chain and the feature. */
export type ChainCapability =
  /** Data availability (blobs, channels, the `da` workload). */
  | 'da'
  /** Network faults through the nodes' testing API (partition, block-peer, link-fault, clock-skew). */
  | 'testing-faults'
  /** Nodes joining at runtime (startNode). */
  | 'joiners'
  /** Joiners stake on chain and lead slots; leavers deregister (ChainStaking). */
  | 'staking'
  /** Several block producers (multi-node safety, partitions). */
  | 'multi-node'
  /** Mempool size and pending ids. */
  | 'mempool'
  /** A total supply and a ledger that can be replayed (`supply-conserved`). */
  | 'supply'
  /** Restart, stop, kill, pause of a node (node control). */
  | 'node-control'
  /** A P2P protocol loadnet speaks (the devnet's framed TCP: src/adversary/devnet-peer.ts), for the flooding peer. */
  | 'p2p-client'
  /** Blocks built by fee and a full mempool that evicts the lowest fee, counted (fee pressure). */
  | 'fee-market';

/** A wallet the scenario funds (or, on attach, finds funded). */
export interface ChainWallet {
  index: number;
  /** The account as the chain names it (what `account()` takes and transfers go to). */
  address: string;
  /** What the worker-side factory signs with (never logged). */
  secret: Hex;
  /** In the chain's display unit (devnet: units; EVM: ether). */
  initialBalance: number;
}

/** Transaction parameters the framework passes through to the worker-side factory. */
export interface TxParams {
  fee: number;
  amount: number;
  /** A signing backend the chain knows by name (e.g. 'sodium' for the devnet); default: the chain's fastest. */
  backend?: string;
}

/** The worker-side transaction factory of a chain: a module the load workers import by path. */
export interface TxFactoryRef {
  /** Absolute path (or file URL) of an ES module exporting `createTxFactory(init: TxFactoryInit)`. */
  module: string;
  /** Structured-clone data the factory interprets (chain id, fees, backend...). */
  options: unknown;
}

/** A load wallet as the main thread knows it. */
export interface LoadWallet {
  index: number;
  secret: Hex;
  address: string;
}

/** What a chain settled before a load (see ChainAdapter.prepareLoad). */
export interface PreparedLoad {
  ref: TxFactoryRef;
  notes: Readonly<Record<string, unknown>>;
}

// ---- worker side ----

/**
 * Generic outcome classes of one submitted transaction. The engine's nonce lanes decide by class only:
 * accepted and duplicate may be in a mempool (kept until the chain passes the nonce); stale_nonce means the
 * chain is past it; nonce_gap means that node misses a lower nonce; rejected never entered a mempool.
 */
export type TxOutcomeClass = 'accepted' | 'duplicate' | 'stale_nonce' | 'nonce_gap' | 'rejected';

/** One answer: its class and the chain's own label (counted by label in reports, e.g. 'mempool_full'). */
export interface TxAnswer {
  outcome: TxOutcomeClass;
  reason: string;
}

export interface SignedTx {
  bytes: Uint8Array;
  id: Hex;
}

/** An HTTP request a worker sends over its own undici pools. */
export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
}

export interface TxFactoryInit {
  /** The shard's wallets: index in the engine's list, and the secret to sign with. */
  wallets: ReadonlyArray<{ index: number; secret: Hex }>;
  /** Every engine wallet's address (transfers go to wallet (i + 1) mod n). */
  recipients: readonly string[];
  params: TxParams;
  options: unknown;
}

/** What a chain's worker-side module builds; `sign` is the hot path (called once per transaction). */
export interface WorkerTxFactory {
  /** The address of each shard wallet, in the order of `TxFactoryInit.wallets`. */
  readonly addresses: readonly string[];
  /** Sign the transfer of shard wallet `slot` at `nonce`: same (slot, nonce), same bytes and id. */
  sign(slot: number, nonce: number): SignedTx;
  /**
   * Optional allocation-free signing, the hot path where a chain has it: write the bytes sign(slot, nonce)
   * gives into `out` at `offset` and return their length (at most `maxTxBytes`). Workers then sign into one
   * reused buffer and take an id (idOf) only where a record, inclusion tracking or stall recovery needs it: a
   * buffer and a string per transaction cost the workers more than their own bookkeeping (bench/RESULTS.md, #15).
   */
  signInto?(slot: number, nonce: number, out: Uint8Array, offset: number): number;
  /** With signInto: the most bytes one signed transaction takes. */
  readonly maxTxBytes?: number;
  /** With signInto: the id of a signed transaction's bytes, the one sign() gives. */
  idOf?(tx: Uint8Array): Hex;
  /** The request submitting these transactions (one round trip). */
  submitCall(txs: readonly Uint8Array[]): HttpCall;
  /**
   * Optional: the same request from transactions packed as workers hold them, so no view per transaction is
   * made: from `body[packedHeaderBytes]` on, `count` times a transaction's length (u32, little-endian) then its
   * bytes. Fill in the first `packedHeaderBytes` bytes and send `body` itself (the devnet's batch frame is this
   * with its count in front).
   */
  submitPacked?(body: Uint8Array, count: number): HttpCall;
  /** With submitPacked: bytes a packed body has before its first transaction. */
  readonly packedHeaderBytes?: number;
  /**
   * One answer per transaction from the node's reply, in input order; undefined when the reply as a whole
   * failed (status, undecodable body): every transaction then counts as a transport error.
   */
  submitAnswers(status: number, body: string, count: number): readonly (TxAnswer | undefined)[] | undefined;
  /** The request asking a node for an account's confirmed nonce, and its answer (throws when unusable). */
  nonceCall(address: string): HttpCall;
  nonceAnswer(status: number, body: string): number;
}

/** Shape of a tx factory module. */
export interface TxFactoryModule {
  createTxFactory(init: TxFactoryInit): WorkerTxFactory | Promise<WorkerTxFactory>;
}

// ---- main thread ----

/** Where a node answers. */
export interface ChainEndpoint {
  name: string;
  apiUrl: string;
  /** Testing API base URL, when the node has one enabled, and the run's token for it. */
  testingUrl?: string;
  testingToken?: string;
}

export interface ClientOptions {
  timeoutMs?: number;
  connections?: number;
}

/** A problem with a scenario's chain options: the field (under `chain.`), the value and what is allowed. */
export interface ChainOptionIssue {
  field: string;
  value: unknown;
  allowed: string;
}

/**
 * A chain loadnet can test. Data first (name, roles, capabilities) so validation can answer before anything
 * deploys; then the factories the framework calls: clients on the main thread, the worker-side transaction
 * factory by module path (workers are separate threads: they import it themselves).
 */
export interface ChainAdapter {
  /** The scenario's `chain.type`. */
  readonly name: string;
  /** Node roles, e.g. ['validator', 'executor'] for the devnet, ['node'] for an EVM dev chain. */
  readonly roles: readonly string[];
  readonly capabilities: ReadonlySet<ChainCapability>;
  /**
   * How the block feed follows a node: 'poll' its head, or 'subscribe' (new heads pushed by the node through
   * ChainClient.subscribeHeads, each followed by one read; polling where the node refuses subscriptions).
   */
  readonly follow: 'poll' | 'subscribe';
  /** This adapter bound to one scenario (its chain options, consensus): what `chainOf(spec)` hands out. */
  configure?(spec: ScenarioSpec): ChainAdapter;
  /** Check `chain.*` options (everything but `type`); return the problems, empty when fine. */
  checkOptions?(options: Readonly<Record<string, unknown>>): ChainOptionIssue[];
  client(endpoint: ChainEndpoint, options?: ClientOptions): ChainClient;
  /** The worker-side transaction factory for this load. */
  txFactory(params: TxParams, chainOptions: Readonly<Record<string, unknown>>): TxFactoryRef;
  /** A wallet's address from its secret (wallets given by secret only, e.g. to createLoadEngine). */
  addressOf(secret: Hex): string;
  /**
   * Plan this scenario's nodes as processes: what the local deployer runs (and the compose deployer, one
   * container per node, for chains other than the devnet). Absent: only attach can reach this chain.
   */
  planLocal?(spec: ScenarioSpec, ctx: LocalPlanContext): Promise<LocalPlan>;
  /**
   * Nodes at these URLs and the scenario's wallets on them (attach: every chain goes through it); checks what
   * it can (chain id...). `given`: what else the user passed (testing API, wallet keys), for chains that use it.
   */
  planAttach?(spec: ScenarioSpec, urls: readonly string[], given?: AttachGiven): Promise<AttachPlan>;
  /** Checked once every node answers, before the run: throw a LoadnetError saying what is wrong (wrong chain id, unfunded wallets). */
  checkDeployment?(spec: ScenarioSpec, clients: readonly ChainClient[], wallets: readonly ChainWallet[]): Promise<void>;
  /** 'supply': the genesis the run's nodes started from, as the deployer wrote it into the run directory; undefined when it wrote none (attach). */
  ledgerGenesis?(runDir: string): Promise<LedgerGenesis | undefined>;
  /** 'da': shares per blob the run's nodes were configured with (from the run directory); undefined when unknown. */
  daSharesPerBlob?(runDir: string, nodes: readonly string[]): number | undefined;
  /** 'fee-market': a block's capacity as the run's nodes were configured (from the run directory); undefined when unknown. */
  blockCapacity?(runDir: string, nodes: readonly string[]): { maxTxs: number; maxBytes: number } | undefined;
  /**
   * Before a load starts, with its nodes answering: settle what its transactions need from the chain (an EVM
   * chain's fee defaults from eth_feeHistory, a contract to call) and say what was chosen (`notes`, written
   * to the run as a `load.chain` event). Absent: the factory reference is used as built.
   */
  prepareLoad?(ref: TxFactoryRef, targets: readonly string[], wallets: readonly LoadWallet[]): Promise<PreparedLoad>;
  /** False when the chain makes no blocks without transactions (an EVM dev node's auto-mining): readiness then skips "producing". */
  producesWhenIdle?(spec: ScenarioSpec): boolean;
  /** The invalid-transaction fuzzer's cases on this chain (the `tx-fuzz` workload); absent: the chain cannot be fuzzed. */
  readonly txFuzzer?: ChainTxFuzzer;
}

// ---- invalid-transaction fuzzing (the tx-fuzz workload) ----

/** One case a chain can craft and the answers (the chain's reason labels) it owes. */
export interface FuzzCaseDef {
  name: string;
  expected: readonly string[];
  /**
   * The node may take it and hold it without ever including it (an EVM node queues a future nonce): an 'ok'
   * answer then counts as held, not accepted; it must still never be in a block.
   */
  mayBeHeld?: boolean;
}

/** A transaction the fuzzer sends, crafted or valid. */
export interface CraftedFuzzTx {
  /** Its case, or 'valid' (the fuzzer's own valid transfers, which keep the sender's nonce moving). */
  case: string;
  bytes: Uint8Array;
  /** What a block would list for these bytes; none when they cannot be in a block (do not decode). */
  id?: Hex;
  /** This transaction's expected answers, when narrower than its case's (one variant of it). */
  expected?: readonly string[];
  /** The variant (a mutation kind, a signature tampering), for the record. */
  variant?: string;
  /**
   * The fuzzer's own check against the chain's rules (before sending) found it a valid transaction: a mutation
   * that still holds. Taking it, and including it, is right; it is counted apart from accepted invalid ones.
   */
  valid?: boolean;
}

/** The node's answer to one sent transaction: 'ok' or the chain's reason label; none when the request failed. */
export interface FuzzAnswer {
  tx: CraftedFuzzTx;
  result?: string;
  error?: unknown;
  /**
   * The id the node gave the transaction when it took it, where that differs from `tx.id` (a node that
   * accepts a non-canonical encoding lists the canonical one in its blocks): watched for in blocks too.
   */
  nodeId?: Hex;
}

/** One fuzzing run on one chain: crafts cases from the run's state and submits them. */
export interface TxFuzzSession {
  /** Cases that cannot be crafted on this deployment, and why (reported, not sent). */
  readonly notCrafted: ReadonlyMap<string, string>;
  /** Read what crafting needs from node `node` (account nonces, fees); called before each tick. */
  refresh(node: number, nowMs: number): Promise<void>;
  /** One tick's transactions for these due cases (some may yield none yet), plus the fuzzer's own valid ones. */
  craft(cases: readonly string[], node: number, nowMs: number): Promise<CraftedFuzzTx[]>;
  /** Submit to node `node`: one answer per transaction sent (a case may be relabelled, e.g. a duplicate whose original was refused). */
  send(node: number, txs: readonly CraftedFuzzTx[]): Promise<FuzzAnswer[]>;
  /** What the chain's fuzzer wants in the summary besides the case table (counts of its own). */
  notes?(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface TxFuzzInit {
  scenario: ScenarioSpec;
  clients: readonly ChainClient[];
  /** The fuzzer's two funded wallets: its sender, and a second (the devnet's mempool filler, the EVM's mutation signer). */
  sender: ChainWallet;
  second: ChainWallet;
  /** Seeded random source, and a salt for the keys it derives (unfunded strangers). */
  random: () => number;
  salt: string;
  meanBlockIntervalMs: number;
}

/** A chain's invalid-transaction fuzzer: its cases, and sessions against running nodes. */
export interface ChainTxFuzzer {
  readonly cases: readonly FuzzCaseDef[];
  start(init: TxFuzzInit): Promise<TxFuzzSession>;
}

// ---- deployment ----

/** What a deployer offers a chain's plan of node processes (local processes, or one container per node). */
export interface LocalPlanContext {
  /** This run's id (part of a chain id, where the chain has one per run). */
  runId: string;
  /** This run's directory for a node (created), on this machine: write config files here. */
  nodeDir(name: string): string;
  /** The path the node's process sees for `file` in its node directory (a container mounts it elsewhere). */
  nodePath(name: string, file: string): string;
  /** Free ports, reserved for this run. */
  reservePorts(count: number): Promise<number[]>;
  /** Where a node binds (127.0.0.1 locally; 0.0.0.0 in a container). */
  host: string;
  /** Where the coordinator reaches a node's port (its API, testing API): http://host:port. */
  url(name: string, port: number): string;
  /**
   * Where node `from` reaches node `to` at `address` (`to`'s own host and port): that address, or a proxy the
   * deployer runs for this directed link (the local deployer's link shaper). Peer wiring goes through it.
   */
  dial(from: string, to: string, address: { host: string; port: number }): Promise<{ host: string; port: number }>;
  /** Set when the nodes' testing API is to be on (network faults, clock offset): the run's token for it. */
  testingToken?: string;
  /** The coordinator's pid, for programs that watch it themselves (NodeLaunch.exitsWithCoordinator); null in a container. */
  coordinatorPid: number | null;
  /** Lead before the chain's first slot so every node is up when it starts (chains with a genesis time). */
  genesisLeadMs?: number;
  /** What the deployer was given for this chain's nodes, passed through as is (the devnet: { bin, tuning }). */
  nodeSettings?: Readonly<Record<string, unknown>>;
}

/** One node as a process: what to run, where it answers, and how to run it again keeping its chain. */
export interface NodeLaunch {
  name: string;
  role: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  apiUrl: string;
  /** Its testing API, when on (ChainEndpoint.testingUrl). */
  testingUrl?: string;
  /** Its identity as its peers know it, where the chain has one (the devnet's peer id). */
  peerId?: Hex;
  /** Peers it must see before it counts as ready. Default 0 (not checked). */
  expectedPeers?: number;
  /** Arguments for a restart (default: `args`), e.g. loading the state the node dumped at stop. */
  restartArgs?: string[];
  /** SIGTERM → SIGKILL grace this node needs to write its state (default: the deployer's). */
  stopGraceMs?: number;
  /** The program exits by itself when the coordinator (ctx.coordinatorPid) dies: no watchdog process around it. */
  exitsWithCoordinator?: boolean;
}

/** Nodes joining at runtime (the 'joiners' capability), planned like the first ones. */
export interface LocalJoiners {
  /** The chain's role for a requested one (undefined: its default); throws a LoadnetError naming the allowed roles. */
  role(requested: string | undefined): string;
  /** Peers a joiner dials when none are given, from the live nodes in plan order. */
  defaultPeers(liveNames: readonly string[]): string[];
  /** A node with a fresh identity (its `joinIndex`-th joiner), dialing `peers` (nodes of this run) through ctx.dial. */
  plan(joiner: { name: string; role: string; joinIndex: number; peers: readonly string[] }): Promise<NodeLaunch>;
}

export interface LocalPlan {
  nodes: NodeLaunch[];
  wallets: ChainWallet[];
  /** Present when nodes can join at runtime. */
  joiners?: LocalJoiners;
  /** Present when the chain stakes on chain ('staking'): made once the nodes run. */
  staking?(host: { client(name: string): ChainClient; liveNames(): readonly string[] }): ChainStaking;
}

/** On-chain staking from the coordinator ('staking'); each resolves once its transactions are in a block. */
export interface ChainStaking {
  /** Fund the node's key and declare `amount` of stake; the record says where and from which slot it counts. */
  declare(name: string, amount: number): Promise<Record<string, unknown>>;
  /** Withdraw all of the node's stake: it leaves the validator set (deregistered); its bonded stake goes back to its balance. */
  withdraw(name: string): Promise<Record<string, unknown>>;
}

/** What attach was given besides the node URLs (the CLI's --keys, --wallet-seed; the deployer's options). */
export interface AttachGiven {
  /** Testing-API URLs, in the order of the node URLs, and the token the nodes were started with. */
  testingUrls?: readonly string[];
  testingToken?: string;
  /** A file of wallet keys, in the chain's format. */
  keyFile?: string;
  /** Derive the wallets from this seed instead of the scenario's. */
  walletSeed?: number | string;
}

/** Nodes loadnet did not start, and the wallets to send from (taken as given: funded or not). */
export interface AttachPlan {
  nodes: Array<{ name: string; role: string; apiUrl: string; testingUrl?: string; peerId?: Hex }>;
  wallets: ChainWallet[];
  /** Peers each node must have at readiness (default 0: not checked). */
  expectedPeers?: number;
}
