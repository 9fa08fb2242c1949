/**
 * Network faults in the kernel, not in the node: iptables filter rules inside each container's network
 * namespace, entered from the host with `nsenter -t <pid> -n`. The desired state (faults/network-state.ts)
 * is rendered into a whole filter table per container, installed with one `iptables-restore` (atomic,
 * idempotent). Only the filter table is replaced: Docker's embedded DNS
 * lives in the nat table and keeps working. A restarted container gets a fresh namespace and maybe a new
 * address, so node control re-applies the state after every (re)start. A container's namespace goes with
 * the container: nothing stays behind on the host.
 *
 * When links run through the link shaper (a proxy in the coordinator, on the run network's gateway), a
 * node's peer traffic goes to the proxy, not to the peer's address: the rules then match the proxy port
 * that names the link as well (see linkMatches).
 *
 * Not possible here: delay and jitter need the netem qdisc, which this kernel lacks
 * (`tc qdisc add ... netem` answers "Specified qdisc kind is unknown"): the link shaper renders them.
 */
import { execFileSync } from 'node:child_process';
import { LoadnetError } from '../../errors.js';
import { runInNetns } from './netns.js';
import type { NetworkFaultApplier } from '../applier.js';
import type { LinkProperty, NetworkFaultState } from '../network-state.js';

/** A running container as the fault layer sees it. */
export interface FaultTarget {
  name: string;
  /** Host pid of the container's init process (its network namespace). */
  pid: number;
  /** Address on the run's bridge network. */
  ip: string;
}

/** Where a node dials a peer through a proxy (the link shaper): the proxy's address and port, as the node sees it. */
export type ProxyOf = (node: string, peer: string) => { host: string; port: number } | undefined;

/**
 * Match fragments, in `node`'s namespace, for the packets of the link with `peer`: what `node` sends to it
 * (`out`) and what it receives from it (`in`). Directly: by the peer's address. Through a proxy `node`
 * dials (the link shaper): by the proxy's address and port, which name the link as well. A connection the
 * peer dials through its own proxy is matched in the peer's namespace (its proxy port names the link there).
 */
function linkMatches(node: string, peer: string, ip: string | undefined, proxyOf: ProxyOf | undefined): { out: string[]; in: string[]; proxied: { out: string; in: string } | undefined } {
  const p = proxyOf?.(node, peer);
  const proxied = p ? { out: `-d ${p.host}/32 -p tcp -m tcp --dport ${p.port}`, in: `-s ${p.host}/32 -p tcp -m tcp --sport ${p.port}` } : undefined;
  return { out: [...(ip ? [`-d ${ip}/32`] : []), ...(proxied ? [proxied.out] : [])], in: [...(ip ? [`-s ${ip}/32`] : []), ...(proxied ? [proxied.in] : [])], proxied };
}

/**
 * The `iptables-restore` input for one namespace: its cut and lossy links, given every node's current
 * address (and, when links run through the link shaper, the proxy each node dials for each peer).
 */
export function renderFilterTable(state: NetworkFaultState, node: string, names: readonly string[], ipOf: (name: string) => string | undefined, props: ReadonlySet<LinkProperty>, proxyOf?: ProxyOf): string {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  const peers = names.filter((p) => p !== node && ipOf(p) !== undefined).sort((a, b) => a.localeCompare(b)); // not running now: its rules come back when it starts
  const cut = (peer: string) => props.has('cut') && state.isCut(node, peer);
  for (const peer of peers) {
    if (!cut(peer)) continue;
    const m = linkMatches(node, peer, ipOf(peer), proxyOf);
    for (const match of m.in) lines.push(`-A INPUT ${match} -j DROP`);
    for (const match of m.out) lines.push(`-A OUTPUT ${match} -j DROP`);
  }
  if (props.has('loss')) {
    const drop = (chain: string, match: string, p: number) => lines.push(`-A ${chain} ${match} -m statistic --mode random --probability ${p.toFixed(6)} -j DROP`);
    for (const peer of peers) {
      if (cut(peer)) continue;
      const m = linkMatches(node, peer, ipOf(peer), proxyOf);
      // Loss on node → peer: what node sends is dropped; the peer's own rules drop what it sends back directly.
      const sent = state.link(node, peer).loss;
      if (sent) for (const match of m.out) drop('OUTPUT', match, sent);
      // Through node's own proxy, what the peer sends arrives from the proxy: dropped here on the way in.
      const received = state.link(peer, node).loss;
      if (received && m.proxied) drop('INPUT', m.proxied.in, received);
    }
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

let toolsChecked: true | LoadnetError | undefined;

/** nsenter into another namespace needs root (CAP_SYS_ADMIN) and the host's iptables. */
export function checkFaultTools(): void {
  if (toolsChecked === undefined) {
    const missing = ['nsenter', 'iptables-restore', 'iptables-save'].filter((tool) => {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
        return false;
      } catch {
        return true;
      }
    });
    if (missing.length > 0) {
      toolsChecked = new LoadnetError('LN_ERR_NODE_CONTROL', `network faults need ${missing.join(', ')} on this host, which is missing`, {
        hint: 'install util-linux (nsenter) and iptables (Debian: apt-get install iptables)',
      });
    } else if (process.getuid?.() !== 0) {
      toolsChecked = new LoadnetError('LN_ERR_NODE_CONTROL', 'network faults enter the containers\' network namespaces with nsenter, which needs root', {
        hint: 'run loadnet as root for compose network faults, or use the local deployer (faults through the node testing API)',
      });
    } else toolsChecked = true;
  }
  if (toolsChecked !== true) throw toolsChecked;
}

/** Cuts and loss as iptables filter rules inside each node's network namespace (containers, namespaces). */
export const IPTABLES_LINKS = { name: 'iptables', renders: { cut: "iptables DROP in the node's network namespace", loss: 'iptables statistic match (random drop of packets sent on the link)' } } as const;

export class IptablesApplier implements NetworkFaultApplier {
  readonly name = IPTABLES_LINKS.name;
  readonly renders = IPTABLES_LINKS.renders;

  /** `targets`: the running nodes with their namespace pid and address; `proxyOf`: where links run through a proxy. */
  constructor(
    private readonly targets: () => Promise<FaultTarget[]>,
    private readonly proxyOf?: ProxyOf,
  ) {}

  async apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void> {
    checkFaultTools();
    const targets = (await this.targets()).filter((t) => nodes.includes(t.name));
    const ips = new Map(targets.map((t) => [t.name, t.ip]));
    await Promise.all(targets.map((t) => runInNetns(t.pid, ['iptables-restore'], renderFilterTable(state, t.name, nodes, (n) => ips.get(n), props, this.proxyOf))));
  }
}

/** The filter rules now installed in a container's namespace (`iptables -S` form), for tests and debugging. */
export async function installedRules(pid: number): Promise<string[]> {
  const out = await runInNetns(pid, ['iptables', '-S']);
  return out.split('\n').filter((l) => l.startsWith('-A '));
}
