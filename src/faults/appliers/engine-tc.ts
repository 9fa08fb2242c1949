/**
 * Bandwidth limits as kernel qdiscs inside each node container's network namespace, set through the engine
 * that runs the container (a fault-tools container in the node's namespace, engine-fault-tools.ts), for the
 * swarm, whose nodes run on hosts the coordinator does not enter. Per node: an `htb` root qdisc on the
 * interface holding the node's address on the run network, one class per rate-limited peer (rate = ceil =
 * the link's limit) with a byte-bounded fifo under it, chosen by a u32 filter on the peer's address. Traffic
 * no filter picks takes htb's direct queue (no default class): unshaped. So `node → peer` (what node sends
 * to peer) is limited in node's egress, as the desired state (network-state.ts) means it.
 *
 * Only what this kernel's qdiscs can do without netem: htb, u32 and bfifo answer here; netem, prio, fq and
 * etf are "Specified qdisc kind is unknown", so nothing here can hold a packet for a delay (docs/swarm.md):
 * delay and jitter stay with the devnet's testing API, loss with iptables (engine-iptables.ts).
 */
import { LoadnetError } from '../../errors.js';
import type { EventLog } from '../../runtime/contracts.js';
import type { LinkApplierChoice, NetworkFaultApplier } from '../applier.js';
import type { LinkProperty, NetworkFaultState } from '../network-state.js';
import { engineError, execIn, tarOf, type EngineFaultTarget, type FaultToolsContainers } from './engine-fault-tools.js';
import { deviceOf, netemLinksOf } from './netem.js';

export const ENGINE_TC_LINKS = {
  name: 'engine-tc',
  renders: {
    bandwidth: "kernel tc in the node container's network namespace (an htb class per limited peer, u32 match on the peer's address, on the node's egress), set by a fault-tools container on the node's own engine",
  },
} as const;

/**
 * Why bandwidth goes through kernel tc on the swarm, and delay and jitter through the testing API: recorded with
 * each link fault either renders (the swarm's testing-API applier carries the same reason, swarm-node-control.ts).
 */
export const SWARM_LINKS_REASON =
  "the swarm deployer sets link faults through each node's own engine: bandwidth as an htb class in the node container's namespace; it has no netem applier (netem is missing on this kernel, and nothing else here holds packets), so delay and jitter go through the devnet's testing API";
export const ENGINE_TC_CHOICE: LinkApplierChoice = { applier: 'engine-tc', reason: SWARM_LINKS_REASON };

/** Bytes a limited link may borrow at once: 16 KiB (as the link shaper), more at high rates so htb's timer can keep up. */
export const htbBurstBytes = (rateBytesPerSec: number) => Math.max(16_384, Math.ceil(rateBytesPerSec / 250));
/**
 * The queue under a limited link: 100 ms at its rate, at least 128 KiB. Smaller queues starve TCP below the
 * limit: at 64 KiB/s a 32 KiB queue dropped 66 of 146 packets of a slow start and the transfer got 15 KB/s
 * (RTO stalls); 128 KiB gave 70 KB/s over 10 s (two veth-joined namespaces, this kernel).
 */
export const htbQueueBytes = (rateBytesPerSec: number) => Math.max(131_072, Math.ceil(rateBytesPerSec / 10));

/** One rate-limited directed link from a node: the peer, its address, the limit. */
export interface TcLimit {
  peer: string;
  ip: string;
  rateBytesPerSec: number;
}

/**
 * The `tc -batch` lines (without the leading `tc`) that give `dev` these limits, after its root qdisc was
 * deleted. No limits: no lines (the device keeps its default qdisc). Class and handle ids are hexadecimal in
 * tc; they start at 0x10 so none is the root's `1:`.
 */
export function renderHtbBatch(dev: string, limits: readonly TcLimit[]): string[] {
  const sorted = limits.filter((l) => l.rateBytesPerSec > 0).sort((a, b) => a.peer.localeCompare(b.peer));
  if (sorted.length === 0) return [];
  const lines = [`qdisc add dev ${dev} root handle 1: htb`];
  sorted.forEach((l, i) => {
    const id = (0x10 + i).toString(16);
    const bits = Math.max(8, Math.round(l.rateBytesPerSec * 8));
    const burst = htbBurstBytes(l.rateBytesPerSec);
    lines.push(`class add dev ${dev} parent 1: classid 1:${id} htb rate ${bits}bit ceil ${bits}bit burst ${burst} cburst ${burst}`);
    lines.push(`qdisc add dev ${dev} parent 1:${id} handle ${id}: bfifo limit ${htbQueueBytes(l.rateBytesPerSec)}`);
    lines.push(`filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip dst ${l.ip}/32 flowid 1:${id}`);
  });
  return lines;
}

/** The limits `node` has towards the running `targets` (none on a cut link: iptables drops it all). */
export function tcLimitsOf(state: NetworkFaultState, node: string, targets: ReadonlyArray<Pick<EngineFaultTarget, 'name' | 'ip'>>): TcLimit[] {
  return netemLinksOf(state, node, targets, new Set<LinkProperty>(['bandwidth'])).map((l) => ({ peer: l.peer, ip: l.ip, rateBytesPerSec: l.shape.rateBytesPerSec! }));
}

/** `tc qdisc del … root` on a device with its default qdisc answers one of these: nothing to delete. */
const NOTHING_TO_DELETE = /handle of zero|No such file|Invalid handle/i;

export interface EngineTcOptions {
  /** The tools containers (shared with the engine-iptables applier). */
  tools: FaultToolsContainers;
  targets: () => Promise<EngineFaultTarget[]>;
  /** Where each apply that touched a node is recorded (`network.applied`: which node, host, device, classes read back). */
  events?: EventLog;
}

export class EngineTcApplier implements NetworkFaultApplier {
  readonly name = ENGINE_TC_LINKS.name;
  readonly renders = ENGINE_TC_LINKS.renders;
  readonly choice = ENGINE_TC_CHOICE;
  /** Node → the container whose namespace has our qdiscs now (a new container starts without them). */
  private readonly limited = new Map<string, string>();
  /** Node container → the device holding its run-network address. */
  private readonly devices = new Map<string, string>();

  constructor(private readonly options: EngineTcOptions) {}

  private async install(t: EngineFaultTarget, limits: TcLimit[]): Promise<{ node: string; hostname: string; dev: string; container: string; tools: string; classes: number }> {
    const tools = await this.options.tools.toolsFor(t);
    const { tc, ip } = this.options.tools.image.tools;
    const doing = `setting the qdiscs of ${t.name} on ${t.hostname}`;
    let dev = this.devices.get(t.containerId);
    let classes: number;
    try {
      if (!dev) {
        dev = deviceOf(await execIn(t.engine, tools.id, [ip, '-o', '-4', 'addr', 'show']), t.ip);
        if (!dev) throw new Error(`no interface holds ${t.ip} in its network namespace`);
        this.devices.set(t.containerId, dev);
      }
      // The whole tree is rebuilt, like iptables-restore: deleting the default root fails, harmlessly.
      await execIn(t.engine, tools.id, [tc, 'qdisc', 'del', 'dev', dev, 'root']).catch((e: Error) => {
        if (!NOTHING_TO_DELETE.test(e.message)) throw e;
      });
      const batch = renderHtbBatch(dev, limits);
      if (batch.length > 0) {
        await t.engine.getContainer(tools.id).putArchive(tarOf('qdiscs', batch.join('\n') + '\n'), { path: '/' });
        await execIn(t.engine, tools.id, [tc, '-batch', '/qdiscs']);
      }
      classes = (await execIn(t.engine, tools.id, [tc, 'class', 'show', 'dev', dev])).split('\n').filter((l) => l.startsWith('class htb ')).length;
    } catch (e) {
      throw engineError(doing, e);
    }
    if (classes !== limits.length) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${doing}: ${limits.length} limited links rendered, ${classes} htb classes installed on ${dev}`);
    if (limits.length > 0) this.limited.set(t.name, t.containerId);
    else this.limited.delete(t.name);
    return { node: t.name, hostname: t.hostname, dev, container: t.containerId.slice(0, 12), tools: tools.id.slice(0, 12), classes };
  }

  async apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void> {
    const started = performance.now();
    const targets = (await this.options.targets()).filter((t) => nodes.includes(t.name));
    await this.options.tools.retireGone(new Set(targets.map((t) => t.name)));
    const work = targets.flatMap((t) => {
      const limits = props.has('bandwidth') ? tcLimitsOf(state, t.name, targets) : [];
      // Nothing to set and nothing of ours in this container's namespace: no tools container, no exec.
      return limits.length > 0 || this.limited.get(t.name) === t.containerId ? [{ t, limits }] : [];
    });
    if (work.length === 0) return;
    const applied = await Promise.all(work.map(({ t, limits }) => this.options.tools.serial(t.name, () => this.install(t, limits))));
    this.options.events?.emit('network.applied', { applier: this.name, ms: Math.round(performance.now() - started), nodes: applied });
  }

  async close(): Promise<void> {
    // The qdiscs live in the node containers' namespaces and go with them; the tools containers go here.
    await this.options.tools.close();
  }
}
