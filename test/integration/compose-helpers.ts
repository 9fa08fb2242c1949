/**
 * Shared by the compose tests: whether a Docker engine answers (the tests skip, saying why, only when
 * none can be reached; `node scripts/test-env.mjs` starts one), and probes of what loadnet left in it.
 */
import { connectEngine, Labels, pingEngine } from '../../src/deployers/compose/engine.js';

export const docker = connectEngine();

export async function engineAvailable(): Promise<boolean> {
  try {
    await pingEngine(docker, 5000);
    return true;
  } catch (e) {
    console.warn(`[compose tests] SKIPPED: ${(e as Error).message}. Start an engine with \`node scripts/test-env.mjs\` (installs docker.io and starts dockerd).`);
    return false;
  }
}

/** Containers, networks and volumes labelled with this run id (all states). */
export async function leftovers(runId: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = JSON.stringify({ label: [`${Labels.run}=${runId}`] });
  const [containers, networks, volumes] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters }), docker.listVolumes({ filters })]);
  return { containers: containers.map((c) => c.Names[0] ?? c.Id), networks: networks.map((n) => n.Name), volumes: (volumes.Volumes ?? []).map((v) => v.Name) };
}

/** The run id of a run directory (from a node's chain id, which the plan derives from it). */
export function runIdOf(chainId: string): string {
  return chainId.replace(/^loadnet-/, '');
}

export async function containerOf(runId: string, node: string) {
  const filters = JSON.stringify({ label: [`${Labels.run}=${runId}`, `${Labels.node}=${node}`] });
  const [c] = await docker.listContainers({ all: true, filters });
  if (!c) throw new Error(`no container for ${node} in run ${runId}`);
  return docker.getContainer(c.Id).inspect();
}
