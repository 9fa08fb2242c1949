/**
 * Fault-tools containers: one per node container, on the node's own engine, in the node container's network
 * namespace (`--network container:<node>`, NET_ADMIN and NET_RAW only), running `sleep` from the fault-tools
 * image (deployers/swarm/fault-tools-image.ts). The engine appliers (engine-iptables.ts for the filter table,
 * engine-tc.ts for the qdiscs) change the node's namespace through them with `docker exec`, so the
 * coordinator needs neither the container's pid nor root on that host. Both appliers share one pool: one
 * tools container per node, one change at a time per node.
 *
 * Why a long-lived tools container per node container rather than one per change: a change then costs a few
 * execs instead of a container start, and a coordinator killed mid-fault leaves containers labelled with its
 * run, which the reaper and `loadnet clean --docker` remove on every engine, as they remove the nodes. It is
 * made at the node's first network fault and removed when the node's container changes (a restart is a new
 * container: a new namespace, re-applied by the node control) or at teardown.
 */
import type Docker from 'dockerode';
import { LoadnetError } from '../../errors.js';

/** A running node container, reached through the engine that runs it. */
export interface EngineFaultTarget {
  name: string;
  /** Its address on the run's network. */
  ip: string;
  containerId: string;
  engine: Docker;
  /** The host of that engine, for the record. */
  hostname: string;
}

/** On a tools container: the id of the node container whose namespace it shares. */
export const FAULT_TOOLS_LABEL = 'loadnet.fault-tools';

/** The fault-tools image (deployers/swarm/fault-tools-image.ts) and where its tools are inside it. */
export interface FaultToolsRef {
  ref: string;
  tools: { restore: string; iptables: string; sleep: string; tc: string; ip: string };
}

export interface FaultToolsOptions {
  /** Names its tools containers (`loadnet-faults-<run>-<node>-<container>`). */
  runId: string;
  /** Labels of a node's tools container: the run's (what teardown, the reaper and `loadnet clean` look for) and the node's. */
  labels: (node: string) => Record<string, string>;
  image: FaultToolsRef;
}

export interface ToolsContainer {
  id: string;
  engine: Docker;
  /** The node container it serves. */
  node: string;
}

export function engineError(doing: string, e: unknown): LoadnetError {
  return new LoadnetError('LN_ERR_NODE_CONTROL', `${doing}: ${(e as { json?: { message?: string } }).json?.message ?? (e as Error).message}`, { cause: e });
}

/** A one-file tar archive (ustar), for the engine's archive upload. */
export function tarOf(name: string, body: string): Buffer {
  const data = Buffer.from(body);
  const header = Buffer.alloc(512);
  const field = (at: number, len: number, value: string) => header.write(value, at, len, 'ascii');
  const octal = (at: number, len: number, n: number) => field(at, len, n.toString(8).padStart(len - 1, '0') + '\0');
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, data.length);
  octal(136, 12, Math.floor(Date.now() / 1000));
  field(148, 8, ' '.repeat(8));
  field(156, 1, '0');
  field(257, 8, 'ustar\u000000');
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad, Buffer.alloc(1024)]);
}

/** Runs `cmd` in a container and waits for it: its stdout, or an error with its stderr and exit code. */
export async function execIn(engine: Docker, container: string, cmd: string[]): Promise<string> {
  const exec = await engine.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ Detach: false, Tty: false })) as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  // The stream is multiplexed: 8-byte frame headers (1 stdout, 2 stderr, then a big-endian length).
  const all = Buffer.concat(chunks);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (let i = 0; i + 8 <= all.length; ) {
    const len = all.readUInt32BE(i + 4);
    (all[i] === 2 ? err : out).push(all.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  let info = await exec.inspect();
  for (let i = 0; info.Running && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    info = await exec.inspect();
  }
  if (info.ExitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${info.ExitCode}: ${Buffer.concat(err).toString().trim()}`);
  return Buffer.concat(out).toString();
}

export class FaultToolsContainers {
  private readonly tools = new Map<string, ToolsContainer>();
  /** One change at a time per node (a restart's re-apply can overlap a fault's, iptables' change a tc one). */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(readonly options: FaultToolsOptions) {}

  get image(): FaultToolsRef {
    return this.options.image;
  }

  /** Runs `fn` after every earlier change of `node` (failed or not). */
  serial<T>(node: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.busy.get(node) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.busy.set(node, run);
    return run;
  }

  private async retire(node: string): Promise<void> {
    const t = this.tools.get(node);
    if (!t) return;
    this.tools.delete(node);
    await t.engine.getContainer(t.id).remove({ force: true }).catch((e) => {
      if ((e as { statusCode?: number }).statusCode !== 404) throw engineError(`removing the fault-tools container of ${node}`, e);
    });
  }

  /** A node no longer running took its namespace (rules and qdiscs) with it: its tools container goes too. */
  async retireGone(running: ReadonlySet<string>): Promise<void> {
    await Promise.all([...this.tools.keys()].filter((n) => !running.has(n)).map((n) => this.serial(n, () => this.retire(n))));
  }

  /** The tools container in `t`'s namespace: the one it has, or a new one when its container changed. Call inside serial(). */
  async toolsFor(t: EngineFaultTarget): Promise<ToolsContainer> {
    const have = this.tools.get(t.name);
    if (have?.node === t.containerId) return have;
    await this.retire(t.name);
    const { image, runId, labels } = this.options;
    try {
      const c = await t.engine.createContainer({
        name: `loadnet-faults-${runId.toLowerCase()}-${t.name}-${t.containerId.slice(0, 12)}`,
        Image: image.ref,
        Entrypoint: [image.tools.sleep],
        Cmd: ['infinity'],
        StopSignal: 'SIGKILL',
        Labels: { ...labels(t.name), [FAULT_TOOLS_LABEL]: t.containerId },
        HostConfig: { NetworkMode: `container:${t.containerId}`, CapAdd: ['NET_ADMIN', 'NET_RAW'], CapDrop: ['ALL'] },
      });
      const made = { id: c.id, engine: t.engine, node: t.containerId };
      this.tools.set(t.name, made);
      await c.start();
      return made;
    } catch (e) {
      throw engineError(`starting a fault-tools container (${image.ref}) in the namespace of ${t.name} on ${t.hostname}`, e);
    }
  }

  /** Does `t`'s current container have a tools container (so something may have been installed through it)? */
  has(t: EngineFaultTarget): boolean {
    return this.tools.get(t.name)?.node === t.containerId;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.tools.keys()].map((n) => this.serial(n, () => this.retire(n))));
  }
}
