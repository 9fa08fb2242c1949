/**
 * Removal of what loadnet created in the Docker engine, found by label: one run's containers and networks
 * (teardown, the reaper), or the leftovers of every earlier run (`loadnet clean`). A run whose coordinator
 * still lives on this host is not a leftover unless `all` is asked for, so cleaning never breaks a run that
 * is going on beside it.
 */
import type Docker from 'dockerode';
import { hostname } from 'node:os';
import { connectEngine, dockerError, isNotFound, Labels, pingEngine, type EngineOptions } from './engine.js';

export interface RemovedObjects {
  containers: string[];
  networks: string[];
  volumes: string[];
  images: string[];
}

/** Run ids whose deployment lives in this process (registered by the deployer, removed at teardown). */
export const activeRuns = new Set<string>();

const empty = (): RemovedObjects => ({ containers: [], networks: [], volumes: [], images: [] });

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes containers (forced, with anonymous volumes), then networks (unless `networks` is false: a swarm
 * worker lists the swarm's overlay networks but only the manager removes them), then volumes of the runs selected.
 */
async function removeLabelled(docker: Docker, labelFilter: string[], keep: (labels: Record<string, string>) => boolean, networks = true): Promise<RemovedObjects> {
  const removed = empty();
  const filters = JSON.stringify({ label: labelFilter });
  const containers = await docker.listContainers({ all: true, filters }).catch((e) => {
    throw dockerError('listing containers', e);
  });
  await Promise.all(
    containers
      .filter((c) => !keep(c.Labels))
      .map(async (c) => {
        try {
          await docker.getContainer(c.Id).remove({ force: true, v: true });
          removed.containers.push(c.Names[0]?.replace(/^\//, '') ?? c.Id);
        } catch (e) {
          if (!isNotFound(e) && !/already in progress/.test(String((e as Error).message))) throw dockerError(`removing container ${c.Names[0] ?? c.Id}`, e);
        }
      }),
  );
  const labelled = networks
    ? await docker.listNetworks({ filters }).catch((e) => {
        throw dockerError('listing networks', e);
      })
    : [];
  // A swarm worker lists the swarm's overlay networks, but only a manager removes them (the manager's clean does).
  const manager = labelled.some((n) => n.Scope === 'swarm') && ((await docker.info().catch(() => ({}))) as { Swarm?: { ControlAvailable?: boolean } }).Swarm?.ControlAvailable === true;
  for (const n of labelled.filter((n) => !keep(n.Labels ?? {}) && (n.Scope !== 'swarm' || manager))) {
    try {
      await docker.getNetwork(n.Id).remove();
      removed.networks.push(n.Name);
    } catch (e) {
      if (!isNotFound(e)) throw dockerError(`removing network ${n.Name}`, e);
    }
  }
  const { Volumes } = await docker.listVolumes({ filters }).catch((e) => {
    throw dockerError('listing volumes', e);
  });
  for (const v of (Volumes ?? []).filter((v) => !keep(v.Labels ?? {}))) {
    try {
      await docker.getVolume(v.Name).remove();
      removed.volumes.push(v.Name);
    } catch (e) {
      if (!isNotFound(e)) throw dockerError(`removing volume ${v.Name}`, e);
    }
  }
  return removed;
}

/** Everything of one run: used by teardown and by the reaper (`networks: false` on a swarm worker). */
export function removeRun(docker: Docker, runId: string, options: { networks?: boolean } = {}): Promise<RemovedObjects> {
  return removeLabelled(docker, [`${Labels.run}=${runId}`], () => false, options.networks ?? true);
}

/**
 * Whether the run owning an object with these labels is still going on (its coordinator alive on this
 * host, or on another host, which cannot be checked from here); with `all`, nothing counts as live.
 */
export function ownerLive(labels: Record<string, string>, all = false): boolean {
  if (all) return false;
  const pid = Number(labels[Labels.ownerPid]);
  // A run owned by another host cannot be checked from here: only `all` removes it.
  if (labels[Labels.ownerHost] !== undefined && labels[Labels.ownerHost] !== hostname()) return true;
  // This process's own stacks are live while their deployment is (preserved ones are not).
  if (pid === process.pid) return activeRuns.has(labels[Labels.run] ?? '');
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid);
}

export interface CleanOptions extends EngineOptions {
  /** Also remove stacks whose coordinator is still running (default: only leftovers of dead coordinators). */
  all?: boolean;
  /** Also remove loadnet's built node images that no container uses. */
  images?: boolean;
}

/**
 * `loadnet clean` for the Docker engine: removes every container, network and volume labelled by loadnet
 * whose coordinator is gone (killed, crashed, or finished with preserve), or all of them with `all`.
 */
export async function cleanComposeLeftovers(options: CleanOptions = {}): Promise<RemovedObjects> {
  const docker = connectEngine(options);
  await pingEngine(docker);
  const removed = await removeLabelled(docker, [Labels.run], (labels) => ownerLive(labels, options.all));
  if (options.images) {
    const images = await docker.listImages({ filters: JSON.stringify({ label: [Labels.image] }) });
    for (const img of images) {
      try {
        await docker.getImage(img.Id).remove();
        removed.images.push(img.RepoTags?.[0] ?? img.Id);
      } catch (e) {
        // 409: a container (of a live run) still uses it; keep it.
        if ((e as { statusCode?: number }).statusCode !== 409 && !isNotFound(e)) throw dockerError(`removing image ${img.RepoTags?.[0] ?? img.Id}`, e);
      }
    }
  }
  return removed;
}
