/**
 * Removal of what a swarm run created, found by the run label: its services, secrets and overlay network
 * through the manager, its containers and data volumes on every engine loadnet can reach (teardown, the
 * reaper); and, for `loadnet clean --docker`, the services and secrets of runs whose coordinator is gone.
 */
import type Docker from 'dockerode';
import { dockerError, isNotFound, Labels } from '../compose/engine.js';
import { ownerLive, removeRun, type RemovedObjects } from '../compose/cleanup.js';

export interface RemovedSwarmObjects extends RemovedObjects {
  services: string[];
  secrets: string[];
}

interface Labelled {
  ID: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

/** True when the engine is a swarm manager (only a manager lists services and secrets). */
export async function isSwarmManager(docker: Docker): Promise<boolean> {
  const info = (await docker.info().catch(() => ({}))) as { Swarm?: { ControlAvailable?: boolean } };
  return info.Swarm?.ControlAvailable === true;
}

type Keep = (labels: Record<string, string>) => boolean;

async function removeServices(manager: Docker, labelFilter: string[], keep: Keep): Promise<string[]> {
  const filters = JSON.stringify({ label: labelFilter });
  const out: string[] = [];
  const services = (await manager.listServices({ filters }).catch((e) => {
    throw dockerError('listing services', e);
  })) as Labelled[];
  for (const s of services.filter((s) => !keep(s.Spec?.Labels ?? {}))) {
    try {
      await manager.getService(s.ID).remove();
      out.push(s.Spec?.Name ?? s.ID);
    } catch (e) {
      if (!isNotFound(e)) throw dockerError(`removing service ${s.Spec?.Name ?? s.ID}`, e);
    }
  }
  return out;
}

async function removeSecrets(manager: Docker, labelFilter: string[], keep: Keep): Promise<string[]> {
  const filters = JSON.stringify({ label: labelFilter });
  const out: string[] = [];
  const secrets = (await manager.listSecrets({ filters }).catch((e) => {
    throw dockerError('listing secrets', e);
  })) as Labelled[];
  for (const s of secrets.filter((s) => !keep(s.Spec?.Labels ?? {}))) {
    // A secret stays in use until the engines have removed the tasks of its service: retry a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await manager.getSecret(s.ID).remove();
        out.push(s.Spec?.Name ?? s.ID);
        break;
      } catch (e) {
        if (isNotFound(e)) break;
        if (attempt >= 20) throw dockerError(`removing secret ${s.Spec?.Name ?? s.ID}`, e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
  return out;
}

/** Everything of one swarm run: services and secrets (manager), containers and volumes (every engine), the network. */
export async function removeSwarmRun(manager: Docker, workers: readonly Docker[], runId: string): Promise<RemovedSwarmObjects> {
  const removed: RemovedSwarmObjects = { services: [], secrets: [], containers: [], networks: [], volumes: [], images: [] };
  const label = [`${Labels.run}=${runId}`];
  // Services first: their tasks are not restarted when their containers go.
  removed.services.push(...(await removeServices(manager, label, () => false)));
  const perEngine = await Promise.all([removeRun(manager, runId), ...workers.map((w) => removeRun(w, runId, { networks: false }))]);
  for (const r of perEngine) {
    removed.containers.push(...r.containers);
    removed.networks.push(...r.networks);
    removed.volumes.push(...r.volumes);
  }
  removed.secrets.push(...(await removeSecrets(manager, label, () => false)));
  return removed;
}

/** `loadnet clean --docker` on a swarm manager: services and secrets of runs whose coordinator is gone. */
export async function cleanSwarmLeftovers(manager: Docker, all = false): Promise<{ services: string[]; secrets: string[] }> {
  if (!(await isSwarmManager(manager))) return { services: [], secrets: [] };
  const keep: Keep = (labels) => ownerLive(labels, all);
  const services = await removeServices(manager, [Labels.run], keep);
  return { services, secrets: await removeSecrets(manager, [Labels.run], keep) };
}
