/**
 * The Docker engine connection and the labels loadnet puts on everything it creates.
 * Labels, not names, are how teardown, the reaper and `loadnet clean` find a run's objects.
 */
import Docker from 'dockerode';
import { hostname } from 'node:os';
import { LoadnetError } from '../../errors.js';

export const Labels = {
  /** Run id: present on every container and network loadnet creates. */
  run: 'loadnet.run',
  node: 'loadnet.node',
  role: 'loadnet.role',
  /** Pid and host of the coordinator that owns the run, so `clean` can tell live runs from leftovers. */
  ownerPid: 'loadnet.owner-pid',
  ownerHost: 'loadnet.owner-host',
  /** On images loadnet built; value: content hash. */
  image: 'loadnet.image',
} as const;

export interface EngineOptions {
  /** Engine socket; default DOCKER_HOST or /var/run/docker.sock (dockerode's own resolution). */
  socketPath?: string;
}

export function connectEngine(options: EngineOptions = {}): Docker {
  return options.socketPath ? new Docker({ socketPath: options.socketPath }) : new Docker();
}

/** Fails with LN_ERR_DOCKER naming what to do when no engine answers. */
export async function pingEngine(docker: Docker, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (cause) {
    // docker-modem may hold socketPath as a function that finds the socket; only a string names a place.
    const modem = docker.modem as { socketPath?: unknown; host?: string; port?: number };
    const where = typeof modem.socketPath === 'string' ? modem.socketPath : (modem.host ? `${modem.host}:${modem.port ?? ''}` : (process.env.DOCKER_HOST ?? '/var/run/docker.sock'));
    throw new LoadnetError('LN_ERR_DOCKER', `the Docker engine at ${where} does not answer (${(cause as Error).message ?? cause})`, {
      hint: 'start one (`dockerd &`, or `node scripts/test-env.mjs` which installs docker.io and starts it), or use the local deployer',
      cause,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Labels shared by every object of one run. */
export function runLabels(runId: string): Record<string, string> {
  return { [Labels.run]: runId, [Labels.ownerPid]: String(process.pid), [Labels.ownerHost]: hostname() };
}

/** Wraps an engine failure into LN_ERR_DOCKER with what loadnet was doing. */
export function dockerError(doing: string, cause: unknown): LoadnetError {
  const msg = (cause as { json?: { message?: string } })?.json?.message ?? (cause as Error)?.message ?? String(cause);
  return new LoadnetError('LN_ERR_DOCKER', `Docker engine failed while ${doing}: ${msg}`, { cause });
}

/** True when the engine answered 404 (object already gone): teardown treats it as done. */
export function isNotFound(e: unknown): boolean {
  return (e as { statusCode?: number })?.statusCode === 404;
}

/** True when the engine answered 304 (already in the requested state, e.g. start of a running container). */
export function isNotModified(e: unknown): boolean {
  return (e as { statusCode?: number })?.statusCode === 304;
}
