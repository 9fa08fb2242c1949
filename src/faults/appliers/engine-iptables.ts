/**
 * Cuts and loss as iptables rules inside each node container's network namespace, set through the engine
 * that runs the container, so the coordinator needs neither the container's pid nor root on that host:
 * the node's own engine runs a fault-tools container (fault-tools-image.ts) in the node's network
 * namespace (`--network container:<node>`, NET_ADMIN), and each change goes in as the same whole filter
 * table the nsenter applier installs (renderFilterTable: one rendering for both), copied into the tools
 * container and loaded with `iptables-restore` by `docker exec`; `iptables -S` reads it back, and a table
 * that differs from the rendered one fails the fault.
 *
 * Why a long-lived tools container per node container rather than one per change: a change then costs two
 * execs instead of a container start, and a coordinator killed mid-fault leaves containers labelled with
 * its run, which the reaper and `loadnet clean --docker` remove on every engine, as they remove the nodes.
 * It is made at the node's first network fault and removed when the node's container changes (a restart is
 * a new container: a new namespace, re-applied by the node control) or at teardown.
 */
import type Docker from 'dockerode';
import { LoadnetError } from '../../errors.js';
import type { EventLog } from '../../runtime/contracts.js';
import type { NetworkFaultApplier } from '../applier.js';
import type { LinkProperty, NetworkFaultState } from '../network-state.js';
import { renderFilterTable, type ProxyOf } from './iptables.js';

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

export const ENGINE_IPTABLES_LINKS = {
  name: 'engine-iptables',
  renders: {
    cut: "iptables DROP in the node container's network namespace, set by a fault-tools container on the node's own engine",
    loss: "iptables statistic match in the node container's network namespace (random drop of packets sent on the link), set through the node's own engine",
  },
} as const;

/** The fault-tools image (deployers/swarm/fault-tools-image.ts) and where its tools are inside it. */
export interface FaultToolsRef {
  ref: string;
  tools: { restore: string; iptables: string; sleep: string };
}

export interface EngineIptablesOptions {
  /** Names its tools containers (`loadnet-faults-<run>-<node>-<container>`). */
  runId: string;
  /** Labels of a node's tools container: the run's (what teardown, the reaper and `loadnet clean` look for) and the node's. */
  labels: (node: string) => Record<string, string>;
  image: FaultToolsRef;
  /** The running node containers. */
  targets: () => Promise<EngineFaultTarget[]>;
  /** Where each apply is recorded (`network.applied`: which node, on which host, how many rules). */
  events?: EventLog;
  proxyOf?: ProxyOf;
}

interface ToolsContainer {
  id: string;
  engine: Docker;
  /** The node container it serves. */
  node: string;
}

function engineError(doing: string, e: unknown): LoadnetError {
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
async function execIn(engine: Docker, container: string, cmd: string[]): Promise<string> {
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

export class EngineIptablesApplier implements NetworkFaultApplier {
  readonly name = ENGINE_IPTABLES_LINKS.name;
  readonly renders = ENGINE_IPTABLES_LINKS.renders;
  private readonly tools = new Map<string, ToolsContainer>();
  /** One change at a time per node (a restart's re-apply can overlap a fault's). */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly options: EngineIptablesOptions) {}

  private serial<T>(node: string, fn: () => Promise<T>): Promise<T> {
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

  /** The tools container in `t`'s namespace: the one it has, or a new one when its container changed. */
  private async toolsFor(t: EngineFaultTarget): Promise<ToolsContainer> {
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

  private async install(t: EngineFaultTarget, table: string): Promise<{ node: string; hostname: string; container: string; tools: string; rules: number }> {
    const tools = await this.toolsFor(t);
    const { restore, iptables } = this.options.image.tools;
    const doing = `setting the filter table of ${t.name} on ${t.hostname}`;
    let installed: number;
    try {
      await t.engine.getContainer(tools.id).putArchive(tarOf('rules', table), { path: '/' });
      await execIn(t.engine, tools.id, [restore, '/rules']);
      installed = (await execIn(t.engine, tools.id, [iptables, '-S'])).split('\n').filter((l) => l.startsWith('-A ')).length;
    } catch (e) {
      throw engineError(doing, e);
    }
    const rendered = table.split('\n').filter((l) => l.startsWith('-A ')).length;
    if (installed !== rendered) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${doing}: ${rendered} rules rendered, ${installed} installed`);
    return { node: t.name, hostname: t.hostname, container: t.containerId.slice(0, 12), tools: tools.id.slice(0, 12), rules: installed };
  }

  async apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void> {
    const started = performance.now();
    const targets = (await this.options.targets()).filter((t) => nodes.includes(t.name));
    const ips = new Map(targets.map((t) => [t.name, t.ip]));
    const running = new Set(targets.map((t) => t.name));
    // A node no longer running took its namespace (and rules) with it: its tools container goes too.
    await Promise.all([...this.tools.keys()].filter((n) => !running.has(n)).map((n) => this.serial(n, () => this.retire(n))));
    const applied = await Promise.all(targets.map((t) => this.serial(t.name, () => this.install(t, renderFilterTable(state, t.name, nodes, (n) => ips.get(n), props, this.options.proxyOf)))));
    this.options.events?.emit('network.applied', { applier: this.name, ms: Math.round(performance.now() - started), nodes: applied });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.tools.keys()].map((n) => this.serial(n, () => this.retire(n))));
  }
}
