/**
 * The devnet's deployment plan: a scenario spec turned into everything a deployer needs to bring devnet
 * nodes up (local, compose, attach). Keys derive from the scenario seed (wallet i, validator i,
 * executor i), so two runs with one seed fund the same wallets. The plan decides names, roles, genesis,
 * peers and consensus; a deployer supplies addresses (ports, hosts, data dirs) through `nodeConfig()`.
 *
 * Pure except for key derivation: no processes, no files, no sockets (local ports come from `local/ports.ts`).
 */
import { deriveKeyPair } from './wire/keys.js';
import { sha256Hex } from '../../util/hash.js';
import type { Hex } from '../../util/bytes.js';
import type { GenesisAccount, GenesisConfig, GenesisValidator, NodeConfig, NodeRole, PeerAddress } from '../../node/config.js';
import type { ScenarioSpec, TopologyShape } from '../../scenario/spec.js';
import type { WalletAccount } from '../../runtime/contracts.js';
import { LoadnetError } from '../../errors.js';
import { devnetApiOptions, devnetBlockOptions, devnetDefensesOffByName, devnetLimitsOff, devnetMempoolOptions } from './options.js';

/** Every node identity is funded so executors can pay DA fees and validators can send too. */
export const NODE_ACCOUNT_FUNDS = 1_000_000_000;
/** Equal stakes: every block producer (validators and executors) has the same lottery chance. */
export const PRODUCER_STAKE = 1_000;

export interface PlannedNode {
  name: string;
  role: NodeRole;
  /** Index within its role (validator-<index>, executor-<index>). */
  index: number;
  /** Position in the topology (validators first, then executors): node 0 is the star's hub. */
  position: number;
  identitySeed: Hex;
  peerId: Hex;
  /** Names of the nodes this one dials at start. */
  dials: string[];
  /** Peers this node has once the topology is connected (undirected edges): what readiness waits for. */
  expectedPeers: number;
}

export interface DeploymentPlan {
  runId: string;
  scenario: ScenarioSpec;
  genesis: GenesisConfig;
  nodes: PlannedNode[];
  wallets: WalletAccount[];
  consensus: NodeConfig['consensus'];
}

export interface PlanOptions {
  /** Unique id of this run; part of the chain id, so nodes of two runs never accept each other's handshake. */
  runId: string;
  /** Unix ms of slot 0. Default: now + genesisLeadMs. */
  genesisTimeMs?: number;
  /** Lead before slot 0 so every node is up when the chain starts. Default 1000 ms. */
  genesisLeadMs?: number;
}

/** Addresses a deployer assigns to one node. */
export interface NodeAddresses {
  /** Where the node binds (e.g. 127.0.0.1, or 0.0.0.0 in a container). */
  bindHost: string;
  apiPort: number;
  /** null = testing API off. */
  testingPort: number | null;
  p2pPort: number;
  dataDir: string;
}

/** Node settings not given by the scenario. Deployers may override any of them. */
export interface NodeTuning {
  clockToleranceMs: number;
  mempool: NodeConfig['mempool'];
  block: NodeConfig['block'];
  fees: NodeConfig['fees'];
  da: NodeConfig['da'];
  logLevel: NodeConfig['logLevel'];
}

export function defaultTuning(spec: ScenarioSpec): NodeTuning {
  const producers = spec.topology.validators + spec.topology.executors;
  return {
    // Half a slot: enough for loopback and container clocks, small enough that clock-skew faults show.
    clockToleranceMs: Math.max(100, Math.floor(spec.consensus.slotDurationMs / 2)),
    mempool: { maxCount: 200_000, maxBytes: 256 * 1024 * 1024, maxNonceGap: 10_000, ttlMs: 10 * 60_000, minFee: 0, ...devnetMempoolOptions(spec) },
    block: { maxTxs: 20_000, maxBytes: 8 * 1024 * 1024, ...devnetBlockOptions(spec) },
    fees: 'burn',
    da: { subnetworks: Math.max(1, Math.min(16, spec.topology.validators || producers)) },
    logLevel: 'info',
  };
}

/** Genesis balances of the scenario's wallets, exactly as the spec says. */
export function walletBalances(spec: ScenarioSpec): number[] {
  const { count, fundsPerWallet, totalFunds } = spec.wallets;
  if (!Number.isInteger(count) || count < 0) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `wallets.count: ${JSON.stringify(count)} is not allowed; allowed: an integer ≥ 0`, { issues: [{ field: 'wallets.count', value: count, allowed: 'an integer ≥ 0' }] });
  }
  if (totalFunds !== undefined) {
    if (!Number.isSafeInteger(totalFunds) || totalFunds < count) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `wallets.totalFunds: ${JSON.stringify(totalFunds)} is not allowed; allowed: an integer ≥ wallets.count (${count})`, { issues: [{ field: 'wallets.totalFunds', value: totalFunds, allowed: `an integer ≥ wallets.count (${count})` }] });
    }
    const each = Math.floor(totalFunds / count);
    const remainder = totalFunds - each * count;
    // The remainder goes +1 to the first wallets, as upstream's WalletConfig::uniform does.
    return Array.from({ length: count }, (_, i) => each + (i < remainder ? 1 : 0));
  }
  return Array.from({ length: count }, () => fundsPerWallet);
}

/** Who dials whom for a topology of `n` nodes (positions 0..n-1). */
export function topologyDials(shape: TopologyShape, n: number): number[][] {
  const dials: number[][] = Array.from({ length: n }, () => []);
  if (n <= 1) return dials;
  switch (shape) {
    case 'star':
      for (let i = 1; i < n; i++) dials[i]!.push(0);
      break;
    case 'full':
      for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) dials[i]!.push(j);
      break;
    case 'ring':
      // Each node dials its successor; with n = 2 that is a single edge.
      for (let i = 0; i < n; i++) {
        const next = (i + 1) % n;
        if (n === 2 && i === 1) break;
        dials[i]!.push(next);
      }
      break;
    default:
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `topology.shape: ${JSON.stringify(shape)} is not a topology; allowed: 'star', 'full', 'ring'`, { issues: [{ field: 'topology.shape', value: shape, allowed: "'star', 'full', 'ring'" }] });
  }
  return dials;
}

/** Peers each node has once connected: the undirected degree of the dial graph. */
export function expectedPeerCounts(dials: number[][]): number[] {
  const neighbours = dials.map(() => new Set<number>());
  dials.forEach((targets, i) => {
    for (const j of targets) {
      neighbours[i]!.add(j);
      neighbours[j]!.add(i);
    }
  });
  return neighbours.map((s) => s.size);
}

/** A role asked for at runtime (startNode), checked against the devnet's. */
export function devnetRole(role: string): NodeRole {
  if (role === 'validator' || role === 'executor') return role;
  throw new LoadnetError('LN_ERR_NODE_CONTROL', `startNode: role ${JSON.stringify(role)} is not a devnet role; allowed: validator, executor`);
}

export function nodeName(role: NodeRole, index: number): string {
  return `${role}-${index}`;
}

export function buildDeploymentPlan(spec: ScenarioSpec, options: PlanOptions): DeploymentPlan {
  const { validators, executors, shape } = spec.topology;
  if (!Number.isInteger(validators) || validators < 1) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `topology.validators: ${JSON.stringify(validators)} is not allowed; allowed: an integer ≥ 1`, { issues: [{ field: 'topology.validators', value: validators, allowed: 'an integer ≥ 1' }] });
  }
  if (!Number.isInteger(executors) || executors < 0) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `topology.executors: ${JSON.stringify(executors)} is not allowed; allowed: an integer ≥ 0`, { issues: [{ field: 'topology.executors', value: executors, allowed: 'an integer ≥ 0' }] });
  }
  const roles: Array<{ role: NodeRole; index: number }> = [
    ...Array.from({ length: validators }, (_, index) => ({ role: 'validator' as const, index })),
    ...Array.from({ length: executors }, (_, index) => ({ role: 'executor' as const, index })),
  ];
  const dials = topologyDials(shape, roles.length);
  const expected = expectedPeerCounts(dials);
  const nodes: PlannedNode[] = roles.map(({ role, index }, position) => {
    const kp = deriveKeyPair(spec.seed, role, index);
    return { name: nodeName(role, index), role, index, position, identitySeed: kp.seed, peerId: kp.publicKey, dials: [], expectedPeers: expected[position]! };
  });
  nodes.forEach((n, i) => (n.dials = dials[i]!.map((j) => nodes[j]!.name)));

  const wallets: WalletAccount[] = walletBalances(spec).map((balance, index) => {
    const kp = deriveKeyPair(spec.seed, 'wallet', index);
    return { index, address: kp.publicKey, secret: kp.seed, initialBalance: balance };
  });
  const accounts: GenesisAccount[] = [
    ...wallets.map((w) => ({ publicKey: w.address, balance: w.initialBalance })),
    ...nodes.map((n) => ({ publicKey: n.peerId, balance: NODE_ACCOUNT_FUNDS })),
  ];
  const stakes: GenesisValidator[] = nodes.map((n) => ({ name: n.name, publicKey: n.peerId, stake: PRODUCER_STAKE }));
  const genesis: GenesisConfig = {
    chainId: `loadnet-${options.runId}`,
    timeMs: options.genesisTimeMs ?? Math.ceil(Date.now() + (options.genesisLeadMs ?? 1000)),
    epochNonce: sha256Hex(new TextEncoder().encode(`loadnet/epoch-nonce/v1/${spec.seed}`)),
    accounts,
    validators: stakes,
  };
  const consensus: NodeConfig['consensus'] = {
    slotDurationMs: spec.consensus.slotDurationMs,
    activeSlotCoeff: spec.consensus.activeSlotCoeff,
    securityParam: spec.consensus.securityParam,
    clockToleranceMs: defaultTuning(spec).clockToleranceMs,
  };
  return { runId: options.runId, scenario: spec, genesis, nodes, wallets, consensus };
}

export interface NodeConfigInput {
  node: Pick<PlannedNode, 'name' | 'role' | 'identitySeed'>;
  addresses: NodeAddresses;
  /** Where the node reaches each peer it dials. */
  peers: PeerAddress[];
  /** Coordinator pid for the watchdog; null in containers. */
  parentPid: number | null;
  /** The run's testing-API token (deployers/run-secrets.ts), when the testing API is on. */
  testingToken?: string;
  tuning?: Partial<NodeTuning>;
}

/** The API limits of src/node/http-server.ts all switched off (0), and the node's batch rules (abandon, signature price, verification queue bound) with them. */
const API_LIMITS_OFF: NonNullable<NodeConfig['api']['limits']> = { headerTimeoutMs: 0, idleTimeoutMs: 0, maxConnections: 0, requestsPerSec: 0, requestBurst: 0, requestTimeoutMs: 0, maxInflightBodyBytes: 0, maxPipelined: 0, clientRequestsPerTurn: 0, overloadDelayMs: 0, batchAbandonAfter: 0, invalidSignatureCost: 0, verifyPendingPerClient: 0, verifyPendingMax: 0 };
/** The P2P defenses of src/node/p2p/network.ts switched off (its NO_DEFENSES; the intervals only pace budgets that are off). */
const P2P_DEFENSES_OFF: NonNullable<NodeConfig['p2p']['defenses']> = {
  maxPendingHandshakes: 0, maxUnknownPeers: 0, newUnknownPerInterval: 0, unknownIntervalMs: 10_000, maxQueuedBytes: 0, blockRequestsPerInterval: 0,
  blockBytesPerInterval: 0, blockBudgetIntervalMs: 10_000, peersPerSec: 0, pingsPerSec: 0, maxAddressBook: 0, maxPeerRecords: 0,
};

/** A node's API limits as the scenario's devnet options say: off for a node in defensesOff, else the budget set. */
function apiLimits(spec: ScenarioSpec, node: string): Pick<NodeConfig['api'], 'limits'> {
  if (devnetLimitsOff(spec, node)) return { limits: API_LIMITS_OFF };
  const budget = devnetApiOptions(spec);
  return Object.keys(budget).length > 0 ? { limits: budget } : {};
}

/** The config file of one node of the plan. */
export function nodeConfig(plan: DeploymentPlan, input: NodeConfigInput): NodeConfig {
  const tuning = { ...defaultTuning(plan.scenario), ...input.tuning };
  const { addresses: a } = input;
  const defensesOff = devnetDefensesOffByName(plan.scenario, input.node.name);
  return {
    name: input.node.name,
    role: input.node.role,
    identitySeed: input.node.identitySeed,
    dataDir: a.dataDir,
    api: { host: a.bindHost, port: a.apiPort, ...apiLimits(plan.scenario, input.node.name) },
    testing: a.testingPort === null ? null : { host: a.bindHost, port: a.testingPort, ...(input.testingToken === undefined ? {} : { token: input.testingToken }) },
    p2p: { host: a.bindHost, port: a.p2pPort, ...(devnetLimitsOff(plan.scenario, input.node.name) ? { defenses: P2P_DEFENSES_OFF } : {}) },
    peers: input.peers,
    genesis: plan.genesis,
    consensus: { ...plan.consensus, clockToleranceMs: tuning.clockToleranceMs },
    mempool: tuning.mempool,
    block: tuning.block,
    fees: tuning.fees,
    da: tuning.da,
    parentPid: input.parentPid,
    clockOffsetMs: 0,
    logLevel: tuning.logLevel,
    ...(defensesOff.length > 0 ? { defensesOff } : {}),
  };
}

/**
 * A node that joins at runtime: a fresh identity (derived from the seed and a join counter, never staked
 * in genesis, so it follows the chain without producing) that dials the chosen peers.
 */
export function plannedJoiner(plan: DeploymentPlan, joinIndex: number, role: NodeRole, name: string): PlannedNode {
  const kp = deriveKeyPair(plan.scenario.seed, `joiner-${role}`, joinIndex);
  return { name, role, index: joinIndex, position: -1, identitySeed: kp.seed, peerId: kp.publicKey, dials: [], expectedPeers: 0 };
}

/** Default peers of a runtime-joined node: the hub (star), everyone (full), or the first and last node (ring). */
export function defaultJoinPeers(shape: TopologyShape, liveNames: readonly string[]): string[] {
  if (liveNames.length === 0) return [];
  switch (shape) {
    case 'star':
      return [liveNames[0]!];
    case 'full':
      return [...liveNames];
    case 'ring':
      return liveNames.length === 1 ? [liveNames[0]!] : [liveNames[0]!, liveNames[liveNames.length - 1]!];
    default:
      return [liveNames[0]!];
  }
}
