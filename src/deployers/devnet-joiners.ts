/**
 * Nodes joining a devnet run at runtime on the compose deployer (the local deployer takes its joiners from
 * the devnet's process plan): a fresh identity and name, launched as a container by the deployment.
 */
import type { NodeDescriptor } from '../runtime/contracts.js';
import type { NodePrimitives } from '../faults/primitives.js';
import { defaultJoinPeers, devnetRole, plannedJoiner, type DeploymentPlan, type PlannedNode } from '../adapters/devnet/plan.js';
import type { NodeRole } from '../node/config.js';
import { joinerSpawn } from './joiner-spawn.js';

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
  const rules = { role: (r: string | undefined) => devnetRole(r ?? 'validator'), defaultPeers: (live: readonly string[]) => defaultJoinPeers(deployment.plan.scenario.topology.shape, live) };
  return joinerSpawn(() => rules, {
    get: (name) => deployment.get(name),
    nextJoiner: (role, name) => deployment.nextJoiner(devnetRole(role), name),
    launchJoiner: async (j, peers) => (await deployment.addJoiner(devnetRole(j.role), j, [...peers], (i, role, n) => plannedJoiner(deployment.plan, i, role, n))).run.descriptor,
  }, liveNames);
}
