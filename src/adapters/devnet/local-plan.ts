/**
 * The devnet's nodes as processes (ChainAdapter.planLocal): `node dist/src/node/bin.js --config <file>` per
 * node, its config written into the node's directory (genesis anchored now, so the lead before slot 0 is
 * real), peers wired through the deployer's `dial` (the link shaper's proxies, when it runs one), and runtime
 * joiners planned the same way. The node watches the coordinator's pid itself: no watchdog around it.
 */
import { join } from 'node:path';
import type { PeerAddress } from '../../node/config.js';
import type { ScenarioSpec } from '../../scenario/spec.js';
import type { LocalPlan, LocalPlanContext, NodeLaunch } from '../seam.js';
import { writePrivateFile } from '../../util/private-file.js';
import { buildDeploymentPlan, defaultJoinPeers, devnetRole, nodeConfig, plannedJoiner, type NodeTuning, type PlannedNode } from './plan.js';
import { nodeBinary } from './node-binary.js';
import { devnetStaking } from './staking.js';
import { LoadnetError } from '../../errors.js';

/** What a deployer may hand the devnet's nodes (LocalPlanContext.nodeSettings). */
export interface DevnetNodeSettings {
  /** The node's entry point; default the bundled one (dist/src/node/bin.js). */
  bin?: string;
  /** Node settings the scenario does not set (mempool, block limits, fees, log level). */
  tuning?: Partial<NodeTuning>;
}

export async function planDevnetLocal(spec: ScenarioSpec, ctx: LocalPlanContext): Promise<LocalPlan> {
  const settings = (ctx.nodeSettings ?? {}) as DevnetNodeSettings;
  const bin = nodeBinary(settings.bin);
  const plan = buildDeploymentPlan(spec, { runId: ctx.runId, genesisLeadMs: ctx.genesisLeadMs });
  const testing = ctx.testingToken !== undefined;
  const perNode = testing ? 3 : 2;
  /** Every node's P2P port, joiners included: what a dialer connects to. */
  const p2pPorts = new Map<string, number>();
  /** Every node's identity seed, joiners included: what staking signs with. */
  const seeds = new Map<string, string>();

  const launch = async (planned: PlannedNode, ports: number[], dials: readonly string[], expectedPeers: number): Promise<NodeLaunch> => {
    const dir = ctx.nodeDir(planned.name);
    const testingPort = testing ? ports[1]! : null;
    const p2pPort = ports[ports.length - 1]!;
    p2pPorts.set(planned.name, p2pPort);
    seeds.set(planned.name, planned.identitySeed);
    const peers: PeerAddress[] = await Promise.all(dials.map(async (to) => ({ name: to, ...(await ctx.dial(planned.name, to, { host: ctx.host, port: p2pPorts.get(to)! })) })));
    const config = nodeConfig(plan, {
      node: planned,
      addresses: { bindHost: ctx.host, apiPort: ports[0]!, testingPort, p2pPort, dataDir: ctx.nodePath(planned.name, 'data') },
      peers,
      parentPid: ctx.coordinatorPid,
      testingToken: ctx.testingToken,
      tuning: settings.tuning,
    });
    writePrivateFile(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    return {
      name: planned.name,
      role: planned.role,
      command: process.execPath,
      args: [bin, '--config', ctx.nodePath(planned.name, 'config.json')],
      apiUrl: ctx.url(planned.name, ports[0]!),
      ...(testingPort === null ? {} : { testingUrl: ctx.url(planned.name, testingPort) }),
      peerId: planned.peerId,
      expectedPeers,
      exitsWithCoordinator: true,
    };
  };

  const ports = await ctx.reservePorts(plan.nodes.length * perNode);
  plan.nodes.forEach((n, i) => p2pPorts.set(n.name, ports[(i + 1) * perNode - 1]!));
  // Genesis time is fixed in the plan; re-anchor it now that ports are reserved so the lead is real.
  plan.genesis.timeMs = Math.ceil(Date.now() + (ctx.genesisLeadMs ?? 1000));
  const nodes: NodeLaunch[] = [];
  for (const [i, planned] of plan.nodes.entries()) nodes.push(await launch(planned, ports.slice(i * perNode, (i + 1) * perNode), planned.dials, planned.expectedPeers));
  return {
    nodes,
    wallets: plan.wallets,
    joiners: {
      role: (requested) => devnetRole(requested ?? 'validator'),
      defaultPeers: (live) => defaultJoinPeers(spec.topology.shape, live),
      plan: async ({ name, role, joinIndex, peers }) => launch(plannedJoiner(plan, joinIndex, devnetRole(role), name), await ctx.reservePorts(perNode), peers, Math.min(1, peers.length)),
    },
    staking: (host) =>
      devnetStaking(plan, {
        ...host,
        identitySeed: (name) => {
          const seed = seeds.get(name);
          if (seed === undefined) throw new LoadnetError('LN_ERR_NODE_CONTROL', `staking: no node ${name} in this run`);
          return seed;
        },
      }),
  };
}
