/**
 * Link shapes rendered by the kernel's netem qdisc, inside each node's network namespace (containers), for
 * machines whose kernel has netem. Per node, one `prio` root qdisc on the interface that carries the run
 * network: band 1 takes all traffic nobody shaped (the priomap sends everything there), and each group of
 * peers with the same shape gets its own band with a netem qdisc under it, chosen by a u32 filter on the
 * peer's address. So `node → peer` (what node sends to peer) is delayed, jittered, dropped and rate-limited
 * in node's egress, as the desired state (network-state.ts) means it. Cuts stay iptables (iptables.ts).
 *
 * Never executed here: this kernel has no netem ("Specified qdisc kind is unknown"; no `prio` either), so
 * `netemSupport()` answers unavailable and the deployers run the link shaper. The rendering is unit-tested
 * (test/unit/netem-applier.test.ts); the commands follow tc-netem(8) and tc-prio(8).
 */
import { execFileSync } from 'node:child_process';
import { LoadnetError } from '../../errors.js';
import type { LinkApplierChoice, NetworkFaultApplier } from '../applier.js';
import type { LinkProperty, LinkShape, NetworkFaultState } from '../network-state.js';
import type { FaultTarget } from './iptables.js';
import { inNetns } from './netns.js';

export const NETEM_LINKS = {
  name: 'netem',
  renders: {
    delay: "netem delay on the node's egress to that peer (kernel qdisc in its network namespace)",
    jitter: 'netem ± jitter, uniform (no distribution table); netem may reorder packets, TCP reassembles them',
    loss: 'netem loss: each packet sent on the link dropped with that probability',
    bandwidth: 'netem rate on the link (bits per second)',
  },
} as const;

/** prio allows 16 bands (TCQ_PRIO_BANDS); band 1 carries unshaped traffic. */
export const MAX_NETEM_GROUPS = 15;
/** netem's queue holds every delayed packet; its default (1000) overflows at 300 ms and gossip bursts. */
const NETEM_LIMIT = 10_000;

/** The shape of one link as a netem argument list ("delay 100ms 20ms loss 1% rate 800000bit"). */
export function netemArgs(s: LinkShape): string {
  const out: string[] = [];
  if (s.delayMs || s.jitterMs) out.push(`delay ${ms(s.delayMs ?? 0)}${s.jitterMs ? ` ${ms(s.jitterMs)}` : ''}`);
  if (s.loss) out.push(`loss ${+(s.loss * 100).toFixed(4)}%`);
  if (s.rateBytesPerSec) out.push(`rate ${Math.round(s.rateBytesPerSec * 8)}bit`);
  return out.join(' ');
}

const ms = (v: number) => `${+v.toFixed(3)}ms`;

/** One directed link to shape from a node: the peer's address and what the link suffers. */
export interface NetemLink {
  peer: string;
  ip: string;
  shape: LinkShape;
}

/**
 * The `tc -batch` lines (without the leading `tc`) that give `dev` these shaped links, after its root qdisc
 * was deleted. No links: no lines (the device keeps its default qdisc). Peers with the same shape share a
 * band, except rate-limited ones: a rate is per link, and a shared band would share it.
 */
export function renderNetemBatch(node: string, dev: string, links: readonly NetemLink[]): string[] {
  const groups = new Map<string, NetemLink[]>();
  for (const l of [...links].sort((a, b) => a.peer.localeCompare(b.peer))) {
    const args = netemArgs(l.shape);
    if (!args) continue;
    const key = l.shape.rateBytesPerSec ? `${args}\u0000${l.peer}` : args;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  if (groups.size === 0) return [];
  if (groups.size > MAX_NETEM_GROUPS) {
    throw new LoadnetError('LN_ERR_NODE_CONTROL', `netem: ${node} has ${groups.size} differently shaped links; allowed: at most ${MAX_NETEM_GROUPS} (one prio band each; links with the same delay, jitter and loss share one)`, {
      hint: 'give links fewer distinct shapes (tiers), or use the link shaper (linkApplier: "link-shaper")',
    });
  }
  const lines = [`qdisc add dev ${dev} root handle 1: prio bands ${Math.max(2, groups.size + 1)} priomap ${Array(16).fill('0').join(' ')}`];
  let band = 2;
  for (const [, members] of groups) {
    lines.push(`qdisc add dev ${dev} parent 1:${band} handle ${band + 10}: netem limit ${NETEM_LIMIT} ${netemArgs(members[0]!.shape)}`);
    for (const m of members) lines.push(`filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip dst ${m.ip}/32 flowid 1:${band}`);
    band++;
  }
  return lines;
}

/** The links `node` shapes towards the running `targets`: only properties routed to netem count, and no cut link. */
export function netemLinksOf(state: NetworkFaultState, node: string, targets: ReadonlyArray<Pick<FaultTarget, 'name' | 'ip'>>, props: ReadonlySet<LinkProperty>): NetemLink[] {
  return targets.flatMap((p) => {
    const shape = p.name === node ? undefined : shapeFor(state, node, p.name, props);
    return shape ? [{ peer: p.name, ip: p.ip, shape }] : [];
  });
}

function shapeFor(state: NetworkFaultState, node: string, peer: string, props: ReadonlySet<LinkProperty>): LinkShape | undefined {
  const l = state.link(node, peer);
  if (l.cut) return undefined; // iptables drops it all
  const s: LinkShape = {};
  if (props.has('delay') && l.delayMs) s.delayMs = l.delayMs;
  if (props.has('jitter') && l.jitterMs) s.jitterMs = l.jitterMs;
  if (props.has('loss') && l.loss) s.loss = l.loss;
  if (props.has('bandwidth') && l.rateBytesPerSec) s.rateBytesPerSec = l.rateBytesPerSec;
  return Object.keys(s).length ? s : undefined;
}

/** The interface holding `ip` in the namespace (`ip -o -4 addr show` lines: "2: eth0 inet 172.18.0.2/16 ..."). */
export function deviceOf(addrLines: string, ip: string): string | undefined {
  for (const line of addrLines.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[2] === 'inet' && f[3]?.split('/')[0] === ip) return f[1]!.split('@')[0];
  }
  return undefined;
}

export class NetemApplier implements NetworkFaultApplier {
  readonly name = NETEM_LINKS.name;
  readonly renders = NETEM_LINKS.renders;

  /** `targets`: the running nodes with their namespace pid and address on the run network. */
  constructor(
    private readonly targets: () => Promise<FaultTarget[]>,
    readonly choice: LinkApplierChoice,
  ) {}

  async apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void> {
    const targets = (await this.targets()).filter((t) => nodes.includes(t.name));
    await Promise.all(
      targets.map(async (t) => {
        const links = netemLinksOf(state, t.name, targets, props);
        const addrs = await inNetns(t.pid, ['ip', '-o', '-4', 'addr', 'show']);
        const dev = addrs.ok ? deviceOf(addrs.stdout, t.ip) : undefined;
        if (!dev) throw new LoadnetError('LN_ERR_NODE_CONTROL', `netem: no interface holds ${t.ip} in ${t.name}'s network namespace${addrs.ok ? '' : ` (${addrs.stderr})`}`);
        // The whole tree is rebuilt (like iptables-restore): deleting a root that is the default one fails, harmlessly.
        const del = await inNetns(t.pid, ['tc', 'qdisc', 'del', 'dev', dev, 'root']);
        if (!del.ok && !/handle of zero|No such file|Invalid handle/i.test(del.stderr)) throw new LoadnetError('LN_ERR_NODE_CONTROL', `netem: clearing ${t.name}'s qdisc on ${dev} failed: ${del.stderr}`);
        const batch = renderNetemBatch(t.name, dev, links);
        if (batch.length === 0) return;
        const r = await inNetns(t.pid, ['tc', '-batch', '-'], batch.join('\n') + '\n');
        if (!r.ok) throw new LoadnetError('LN_ERR_NODE_CONTROL', `netem: tc -batch in ${t.name}'s network namespace failed: ${r.stderr}`);
      }),
    );
  }
  // No close(): the qdiscs live in the containers' namespaces and go with them.
}

export interface NetemSupport {
  available: boolean;
  /** What the probe saw, for the fault record: "tc qdisc add … netem: Error: Specified qdisc kind is unknown." */
  reason: string;
}

let probed: NetemSupport | undefined;

/**
 * Can this machine run netem? Asked once per process: a netem qdisc on the loopback of a throwaway network
 * namespace (`unshare --net`: the namespace dies with the command, nothing to clean up).
 */
export function netemSupport(): NetemSupport {
  if (probed) return probed;
  const cmd = ['unshare', '--net', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'];
  if (process.getuid?.() !== 0) probed = { available: false, reason: 'netem needs root here (a network namespace per node and for the probe)' };
  else {
    try {
      execFileSync(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
      probed = { available: true, reason: `netem works on this kernel (${cmd.join(' ')})` };
    } catch (e) {
      const err = e as { stderr?: Buffer; code?: string; message: string };
      const said = err.code === 'ENOENT' ? 'unshare is not installed' : err.stderr?.toString().trim() || err.message;
      probed = { available: false, reason: `netem is unavailable on this kernel: \`${cmd.join(' ')}\` answered "${said}"` };
    }
  }
  return probed;
}
