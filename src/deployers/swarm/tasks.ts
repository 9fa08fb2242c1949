/**
 * Waiting for a Swarm service's task: the manager lists its tasks, and the one Swarm wants running is
 * followed until its container runs (a container other than the one it replaces), or fails with Swarm's reason.
 */
import type Docker from 'dockerode';
import { LoadnetError } from '../../errors.js';

interface TaskInfo {
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
  DesiredState?: string;
}

/**
 * The container id of the service's running task that is not `previous`. `what` names the service's purpose
 * in errors ("the task of validator-0 (service …) on lnsw-h2").
 */
export async function runningTask(manager: Docker, service: string, what: string, options: { previous?: string; timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  let last = 'no task yet';
  for (;;) {
    const tasks = (await manager.listTasks({ filters: JSON.stringify({ service: [service] }) }).catch(() => [])) as TaskInfo[];
    for (const t of tasks) {
      const id = t.Status?.ContainerStatus?.ContainerID;
      const state = t.Status?.State ?? '?';
      if (t.DesiredState !== 'running') continue;
      if (state === 'running' && id && id !== options.previous) return id;
      last = `task ${state}${t.Status?.Err ? `: ${t.Status.Err}` : ''}`;
      if (['failed', 'rejected'].includes(state)) {
        throw new LoadnetError('LN_ERR_DEPLOY', `${what} ${last}`, { hint: 'a missing image on that host: load it there (`docker save | docker load`) or give its engine in SwarmDeployer `engines`' });
      }
    }
    if (Date.now() - started > timeoutMs) throw new LoadnetError('LN_ERR_DEPLOY', `${what} did not run within ${timeoutMs / 1000} s (${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
