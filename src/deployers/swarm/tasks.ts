/**
 * Waiting for a Swarm service's task: the manager lists its tasks, and the one Swarm wants running is
 * followed until its container runs (a container other than the one it replaces), or fails with Swarm's reason.
 *
 * The manager's task state is what the host's agent last reported. A task sits in `starting` from the container
 * start until the engine has also bound the service's DNS names, and the report of `running` can lag behind the
 * container itself on a loaded machine. So when the task's host engine is known, a task `starting` for a while is
 * checked on that engine: a running container there is taken as started (the node's own readiness checks follow).
 */
import type Docker from 'dockerode';
import { LoadnetError } from '../../errors.js';

interface TaskInfo {
  Status?: { State?: string; Message?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string } };
  DesiredState?: string;
}

export interface RunningTaskOptions {
  /** The container the task replaces (a restart): it does not count as the task's. */
  previous?: string;
  /** How long the whole wait may take (ms); 120 s by default. */
  timeoutMs?: number;
  /** The engine of the host the task is placed on, when known: where a slow `starting` is checked. */
  engine?: Docker;
  /** How long a task may be `starting` before its container is checked on `engine` (ms); 5 s by default. */
  checkStartingAfterMs?: number;
}

export interface RunningTask {
  container: string;
  /** Set when the manager still said `starting` and the engine said the container runs. */
  runningBeforeReport?: { startingMs: number };
}

/** The container's state on its engine, or undefined when it cannot be read. */
async function containerState(engine: Docker, id: string): Promise<{ running: boolean; status: string } | undefined> {
  try {
    const info = (await engine.getContainer(id).inspect()) as { State?: { Running?: boolean; Status?: string } };
    return { running: info.State?.Running === true, status: info.State?.Status ?? '?' };
  } catch {
    return undefined;
  }
}

/**
 * The container id of the service's running task that is not `previous`. `what` names the service's purpose
 * in errors ("the task of validator-0 (service …) on lnsw-h2").
 */
export async function runningTask(manager: Docker, service: string, what: string, options: RunningTaskOptions = {}): Promise<RunningTask> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const checkAfterMs = options.checkStartingAfterMs ?? 5_000;
  const started = Date.now();
  let last = 'no task yet';
  let lastState: string | undefined;
  let stateSince = started;
  let engineSays: string | undefined;
  for (;;) {
    const tasks = (await manager.listTasks({ filters: JSON.stringify({ service: [service] }) }).catch(() => [])) as TaskInfo[];
    for (const t of tasks) {
      const id = t.Status?.ContainerStatus?.ContainerID;
      const state = t.Status?.State ?? '?';
      if (t.DesiredState !== 'running') continue;
      if (id && id === options.previous) continue;
      if (state !== lastState) {
        lastState = state;
        stateSince = Date.now();
        engineSays = undefined;
      }
      if (state === 'running' && id) return { container: id };
      last = `task ${state}${t.Status?.Message && t.Status.Message !== state ? ` (${t.Status.Message})` : ''}${t.Status?.Err ? `: ${t.Status.Err}` : ''}`;
      if (['failed', 'rejected'].includes(state)) {
        throw new LoadnetError('LN_ERR_DEPLOY', `${what} ${last}`, { hint: 'a missing image on that host: load it there (`docker save | docker load`) or give its engine in SwarmDeployer `engines`' });
      }
      if (state === 'starting' && id && options.engine && Date.now() - stateSince >= checkAfterMs) {
        const c = await containerState(options.engine, id);
        engineSays = c ? `its container ${id.slice(0, 12)} is ${c.status} on its engine` : `its container ${id.slice(0, 12)} could not be inspected on its engine`;
        if (c?.running) return { container: id, runningBeforeReport: { startingMs: Date.now() - stateSince } };
      }
    }
    if (Date.now() - started > timeoutMs) {
      const since = lastState ? `, ${lastState} for ${Math.round((Date.now() - stateSince) / 1000)} s` : '';
      throw new LoadnetError('LN_ERR_DEPLOY', `${what} did not run within ${timeoutMs / 1000} s (${last}${since}${engineSays ? `; ${engineSays}` : ''})`, {
        hint: 'the engine was slow to start the container: see that engine\'s log (`journalctl -u docker` or the dockerd log) for the container or its network',
      });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
