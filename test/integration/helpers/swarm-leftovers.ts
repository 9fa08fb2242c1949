/**
 * What a swarm run left: everything labelled with its run id, as services, secrets and networks on the
 * manager, and containers (nodes, agents, fault-tools) and volumes on every engine of the test swarm.
 */
import type Docker from 'dockerode';
import { Labels } from '../../../src/deployers/compose/engine.js';
import type { TestSwarm } from './test-swarm.js';

export async function swarmLeftovers(swarm: TestSwarm, runId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${Labels.run}=${runId}`] });
  const engines: Array<[string, Docker]> = [['manager', swarm.manager], ...swarm.engines.map((e): [string, Docker] => [e.hostname, e.docker])];
  const services = (await swarm.manager.listServices({ filters })) as Array<{ Spec?: { Name?: string } }>;
  const secrets = (await swarm.manager.listSecrets({ filters })) as Array<{ Spec?: { Name?: string } }>;
  const networks = await swarm.manager.listNetworks({ filters });
  const found = [...services.map((s) => `service ${s.Spec?.Name}`), ...secrets.map((s) => `secret ${s.Spec?.Name}`), ...networks.map((n) => `network ${n.Name}`)];
  for (const [name, d] of engines) {
    const containers = await d.listContainers({ all: true, filters });
    const volumes = (await d.listVolumes({ filters })).Volumes ?? [];
    found.push(...containers.map((c) => `${name}: container ${c.Names[0]}`), ...volumes.map((v) => `${name}: volume ${v.Name}`));
  }
  return found;
}

/** Polls until nothing of the run is left or `withinMs` passed; returns what is left then. */
export async function swarmLeftoversAfter(swarm: TestSwarm, runId: string, withinMs: number): Promise<string[]> {
  const until = Date.now() + withinMs;
  let left = await swarmLeftovers(swarm, runId);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    left = await swarmLeftovers(swarm, runId);
  }
  return left;
}
