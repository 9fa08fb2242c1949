/**
 * What the engine says about a run's containers as it happens ('start', 'die' with the exit code), read
 * from its event stream filtered by the run label; and a container's resident memory from its memory
 * cgroup. The deployment uses the first to fail fast when a node crashes, the second for node samples.
 */
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { dockerError, Labels } from './engine.js';

export interface ContainerEvent {
  action: 'start' | 'die';
  /** The node name from the container's label. */
  node: string;
  exitCode?: number;
}

/** Follows start/die events of the run's containers until `close()`. */
export async function watchContainerEvents(docker: Docker, runId: string, onEvent: (e: ContainerEvent) => void): Promise<{ close(): void }> {
  const filters = JSON.stringify({ type: ['container'], label: [`${Labels.run}=${runId}`], event: ['die', 'start'] });
  let stream: Readable;
  try {
    stream = (await docker.getEvents({ filters })) as unknown as Readable;
  } catch (e) {
    throw dockerError('subscribing to container events', e);
  }
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).trim();
      partial = partial.slice(nl + 1);
      const e = line ? parseEvent(line) : undefined;
      if (e) onEvent(e);
    }
  });
  stream.on('error', () => undefined);
  return { close: () => stream.destroy() };
}

function parseEvent(line: string): ContainerEvent | undefined {
  let ev: { status?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } };
  try {
    ev = JSON.parse(line);
  } catch {
    return undefined;
  }
  const node = ev.Actor?.Attributes?.[Labels.node];
  const action = ev.Action ?? ev.status;
  if (!node || (action !== 'start' && action !== 'die')) return undefined;
  return action === 'die' ? { action, node, exitCode: Number(ev.Actor?.Attributes?.exitCode ?? -1) } : { action, node };
}

const CGROUP_MEMORY_STAT = [
  (id: string) => ({ file: `/sys/fs/cgroup/memory/docker/${id}/memory.stat`, key: 'total_rss' }), // v1, cgroupfs
  (id: string) => ({ file: `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.stat`, key: 'anon' }), // v2, systemd
  (id: string) => ({ file: `/sys/fs/cgroup/docker/${id}/memory.stat`, key: 'anon' }), // v2, cgroupfs
];

/** Resident (anonymous) memory of a container in bytes; undefined where no cgroup file is readable. */
export function containerRss(id: string): number | undefined {
  for (const where of CGROUP_MEMORY_STAT) {
    const { file, key } = where(id);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
    if (m) return Number(m[1]);
  }
  return undefined;
}
