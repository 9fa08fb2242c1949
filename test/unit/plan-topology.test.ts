/** The deployment plan: genesis funds exactly as the spec says, keys, stakes, peers per shape, configs. */
import { describe, expect, it } from 'vitest';
import { buildDeploymentPlan, defaultJoinPeers, expectedPeerCounts, nodeConfig, NODE_ACCOUNT_FUNDS, PRODUCER_STAKE, topologyDials, walletBalances } from '../../src/adapters/devnet/plan.js';
import { deriveKeyPair } from '../../src/adapters/devnet/wire/keys.js';
import type { ScenarioSpec } from '../../src/scenario/spec.js';

function spec(over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return {
    version: 1,
    name: 'plan',
    seed: 42,
    topology: { shape: 'star', validators: 3, executors: 2 },
    consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 5 },
    wallets: { count: 4, fundsPerWallet: 100 },
    nodeControl: false,
    durationMs: 10_000,
    cooldownMs: 0,
    workloads: [],
    expectations: [],
    ...over,
  };
}

describe('walletBalances', () => {
  it('gives fundsPerWallet to each wallet', () => {
    expect(walletBalances(spec())).toEqual([100, 100, 100, 100]);
  });
  it('splits totalFunds with the remainder +1 to the first wallets', () => {
    expect(walletBalances(spec({ wallets: { count: 4, fundsPerWallet: 0, totalFunds: 1003 } }))).toEqual([251, 251, 251, 250]);
    expect(walletBalances(spec({ wallets: { count: 3, fundsPerWallet: 0, totalFunds: 9 } }))).toEqual([3, 3, 3]);
  });
  it('rejects totalFunds below the wallet count with the field named', () => {
    expect(() => walletBalances(spec({ wallets: { count: 5, fundsPerWallet: 0, totalFunds: 4 } }))).toThrow(expect.objectContaining({ code: 'LN_ERR_SCENARIO_INVALID', message: expect.stringContaining('wallets.totalFunds') }));
  });
});

describe('topology', () => {
  it('star: everyone dials node 0; hub has n-1 peers, others 1', () => {
    expect(topologyDials('star', 4)).toEqual([[], [0], [0], [0]]);
    expect(expectedPeerCounts(topologyDials('star', 4))).toEqual([3, 1, 1, 1]);
  });
  it('full: node i dials every j < i; everyone has n-1 peers', () => {
    expect(topologyDials('full', 3)).toEqual([[], [0], [0, 1]]);
    expect(expectedPeerCounts(topologyDials('full', 5))).toEqual([4, 4, 4, 4, 4]);
  });
  it('ring: each node dials its successor; two peers each (one edge for n = 2)', () => {
    expect(topologyDials('ring', 4)).toEqual([[1], [2], [3], [0]]);
    expect(expectedPeerCounts(topologyDials('ring', 4))).toEqual([2, 2, 2, 2]);
    expect(expectedPeerCounts(topologyDials('ring', 2))).toEqual([1, 1]);
  });
  it('a single node has no peers in any shape', () => {
    for (const shape of ['star', 'full', 'ring'] as const) expect(expectedPeerCounts(topologyDials(shape, 1))).toEqual([0]);
  });
  it('rejects an unknown shape naming the allowed ones', () => {
    expect(() => topologyDials('mesh' as never, 3)).toThrow(/'star', 'full', 'ring'/);
  });
  it('joiners dial the hub (star), everyone (full), the ends (ring)', () => {
    expect(defaultJoinPeers('star', ['a', 'b', 'c'])).toEqual(['a']);
    expect(defaultJoinPeers('full', ['a', 'b'])).toEqual(['a', 'b']);
    expect(defaultJoinPeers('ring', ['a', 'b', 'c'])).toEqual(['a', 'c']);
  });
});

describe('buildDeploymentPlan', () => {
  const plan = buildDeploymentPlan(spec(), { runId: 'r1', genesisTimeMs: 1_000_000 });

  it('names nodes validators first, then executors, with keys from the seed', () => {
    expect(plan.nodes.map((n) => n.name)).toEqual(['validator-0', 'validator-1', 'validator-2', 'executor-0', 'executor-1']);
    expect(plan.nodes[1]!.peerId).toBe(deriveKeyPair(42, 'validator', 1).publicKey);
    expect(plan.nodes[3]!.peerId).toBe(deriveKeyPair(42, 'executor', 0).publicKey);
    expect(plan.wallets[2]!.address).toBe(deriveKeyPair(42, 'wallet', 2).publicKey);
    expect(plan.nodes.map((n) => n.dials)).toEqual([[], ['validator-0'], ['validator-0'], ['validator-0'], ['validator-0']]);
  });

  it('funds wallets as the spec says and every node identity; every producer is staked equally', () => {
    const byKey = new Map(plan.genesis.accounts.map((a) => [a.publicKey, a.balance]));
    for (const w of plan.wallets) expect(byKey.get(w.address)).toBe(100);
    for (const n of plan.nodes) expect(byKey.get(n.peerId)).toBe(NODE_ACCOUNT_FUNDS);
    expect(plan.genesis.accounts).toHaveLength(4 + 5);
    expect(plan.genesis.validators.map((v) => [v.name, v.stake])).toEqual(plan.nodes.map((n) => [n.name, PRODUCER_STAKE]));
  });

  it('is deterministic for a seed, and differs across seeds and runs', () => {
    const again = buildDeploymentPlan(spec(), { runId: 'r1', genesisTimeMs: 1_000_000 });
    expect(again).toEqual(plan);
    const other = buildDeploymentPlan(spec({ seed: 43 }), { runId: 'r2', genesisTimeMs: 1_000_000 });
    expect(other.nodes[0]!.peerId).not.toBe(plan.nodes[0]!.peerId);
    expect(other.genesis.chainId).not.toBe(plan.genesis.chainId);
  });

  it('takes consensus parameters from the spec and sets the genesis time', () => {
    expect(plan.consensus).toMatchObject({ slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 5 });
    expect(plan.genesis.timeMs).toBe(1_000_000);
    const lead = buildDeploymentPlan(spec(), { runId: 'x', genesisLeadMs: 5000 });
    expect(lead.genesis.timeMs).toBeGreaterThan(Date.now() + 4000);
  });

  it('writes a node config with the deployer-supplied addresses', () => {
    const cfg = nodeConfig(plan, {
      node: plan.nodes[1]!,
      addresses: { bindHost: '127.0.0.1', apiPort: 1001, testingPort: null, p2pPort: 1002, dataDir: '/d' },
      peers: [{ name: 'validator-0', host: '127.0.0.1', port: 2002 }],
      parentPid: 77,
    });
    expect(cfg).toMatchObject({ name: 'validator-1', role: 'validator', api: { port: 1001 }, testing: null, p2p: { port: 1002 }, dataDir: '/d', parentPid: 77, genesis: plan.genesis });
    expect(cfg.identitySeed).toBe(plan.nodes[1]!.identitySeed);
    expect(cfg.defensesOff).toBeUndefined();
  });

  it("writes the scenario's defensesOff into the configs: named defenses on the nodes named (default all), node names as limits off", () => {
    const configFor = (defensesOff: unknown, node: number) => {
      const p = buildDeploymentPlan(spec({ chain: { type: 'devnet', defensesOff } }), { runId: 'd' });
      return nodeConfig(p, { node: p.nodes[node]!, addresses: { bindHost: '127.0.0.1', apiPort: 1, testingPort: null, p2pPort: 2, dataDir: '/d' }, peers: [], parentPid: null });
    };
    expect(configFor({ defenses: ['fee-ordering'] }, 0).defensesOff).toEqual(['fee-ordering']);
    expect(configFor({ defenses: ['fee-ordering'] }, 4).defensesOff).toEqual(['fee-ordering']);
    expect(configFor({ defenses: ['peer-ban', 'ping-rate'], nodes: ['validator-1'] }, 1).defensesOff).toEqual(['peer-ban', 'ping-rate']);
    expect(configFor({ defenses: ['peer-ban'], nodes: ['validator-1'] }, 0).defensesOff).toBeUndefined();
    // node names: that node's API limits and P2P budgets at 0, no names
    const limitsOff = configFor(['validator-1'], 1);
    expect(limitsOff.defensesOff).toBeUndefined();
    expect(limitsOff.api.limits?.requestsPerSec).toBe(0);
    expect(configFor(['validator-1'], 0).api.limits).toBeUndefined();
  });

  it('rejects a topology without validators', () => {
    expect(() => buildDeploymentPlan(spec({ topology: { shape: 'star', validators: 0, executors: 1 } }), { runId: 'x' })).toThrow(expect.objectContaining({ code: 'LN_ERR_SCENARIO_INVALID', message: expect.stringContaining('topology.validators') }));
  });
});
