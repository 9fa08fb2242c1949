/**
 * Nodes joining a devnet run at runtime, for every deployer that launches the devnet itself (local, compose):
 * reserve a fresh identity and name (peers checked, the topology's default peers otherwise), then launch it
 * through the deployment. The deployments differ only in how a node runs (a process, a container).
 */
import type { NodeDescriptor, StartNodeOptions } from '../runtime/contracts.js';
import type { NodePrimitives } from '../faults/primitives.js';
import { defaultJoinPeers, devnetRole, plannedJoiner, type DeploymentPlan, type PlannedNode } from '../adapters/devnet/plan.js';
import type { NodeRole } from '../node/config.js';

/** What a devnet deployment offers for joiners. */
export interface JoinerDeployment {
  readonly plan: DeploymentPlan;
  /** Throws naming the node when there is none by that name. */
  get(name: string): unknown;
  nextJoiner(role: NodeRole, name: string | undefined): { joinIndex: number; name: string };
  addJoiner(role: NodeRole, joiner: { joinIndex: number; name: string }, peerNames: string[], makePlanned: (joinIndex: number, role: NodeRole, name: string) => PlannedNode): Promise<{ run: { descriptor: NodeDescriptor } }>;
}

/** The spawn primitive of a devnet deployment; `liveNames` lists the nodes a joiner may dial by default. */
export function devnetSpawn(deployment: JoinerDeployment, liveNames: () => string[]): NonNullable<NodePrimitives['spawn']> {
  const reserved = new Map<string, { joinIndex: number; name: string }>();
  return {
    reserve: (options: StartNodeOptions) => {
      const peers = options.peers ?? defaultJoinPeers(deployment.plan.scenario.topology.shape, liveNames());
      for (const p of peers) deployment.get(p);
      const role = devnetRole(options.role ?? 'validator');
      const joiner = deployment.nextJoiner(role, options.name);
      reserved.set(joiner.name, joiner);
      return { name: joiner.name, role, peers };
    },
    launch: async (r) => {
      const node = await deployment.addJoiner(devnetRole(r.role), reserved.get(r.name)!, r.peers, (i, role, n) => plannedJoiner(deployment.plan, i, role, n));
      return node.run.descriptor;
    },
  };
}
