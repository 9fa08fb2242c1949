/**
 * Network faults in the kernel, not in the node: iptables filter rules inside each container's network
 * namespace, entered from the host with `nsenter -t <pid> -n`. The desired state (faults/network-state.ts)
 * is rendered into a whole filter table per container, installed with one `iptables-restore` (atomic,
 * idempotent). Only the filter table is replaced: Docker's embedded DNS
 * lives in the nat table and keeps working. A restarted container gets a fresh namespace and maybe a new
 * address, so node control re-applies the state after every (re)start. A container's namespace goes with
 * the container: nothing stays behind on the host.
 *
 * Not possible here: delay and jitter need the netem qdisc, which this kernel lacks
 * (`tc qdisc add ... netem` answers "Specified qdisc kind is unknown").
 */
import { execFile, execFileSync } from 'node:child_process';
import { LoadnetError } from '../../errors.js';
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

/** The `iptables-restore` input for one namespace: its cut and lossy links, given every node's current address. */
export function renderFilterTable(state: NetworkFaultState, node: string, names: readonly string[], ipOf: (name: string) => string | undefined, props: ReadonlySet<LinkProperty>): string {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  const links = [...state.linksFrom(node, names)].sort(([a], [b]) => a.localeCompare(b));
  for (const [peer, l] of links) {
    const ip = ipOf(peer);
    if (!ip || !l.cut || !props.has('cut')) continue; // not running now: its rules come back when it starts
    lines.push(`-A INPUT -s ${ip}/32 -j DROP`, `-A OUTPUT -d ${ip}/32 -j DROP`);
  }
  for (const [peer, l] of links) {
    const ip = ipOf(peer);
    if (!ip || (l.cut && props.has('cut')) || !l.loss || !props.has('loss')) continue;
    // Loss on node → peer: what node sends is dropped; the peer's own rules drop what it sends back.
    lines.push(`-A OUTPUT -d ${ip}/32 -m statistic --mode random --probability ${l.loss.toFixed(6)} -j DROP`);
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

function runInNetns(pid: number, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('nsenter', ['-t', String(pid), '-n', ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new LoadnetError('LN_ERR_NODE_CONTROL', `nsenter -t ${pid} -n ${args.join(' ')} failed: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Cuts and loss as iptables filter rules inside each node's network namespace (containers, namespaces). */
export const IPTABLES_LINKS = { name: 'iptables', renders: { cut: "iptables DROP in the node's network namespace", loss: 'iptables statistic match (random drop of packets sent on the link)' } } as const;

export class IptablesApplier implements NetworkFaultApplier {
  readonly name = IPTABLES_LINKS.name;
  readonly renders = IPTABLES_LINKS.renders;

  /** `targets`: the running nodes with their namespace pid and address. */
  constructor(private readonly targets: () => Promise<FaultTarget[]>) {}

  async apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void> {
    checkFaultTools();
    const targets = (await this.targets()).filter((t) => nodes.includes(t.name));
    const ips = new Map(targets.map((t) => [t.name, t.ip]));
    await Promise.all(targets.map((t) => runInNetns(t.pid, ['iptables-restore'], renderFilterTable(state, t.name, nodes, (n) => ips.get(n), props))));
  }
}

/** The filter rules now installed in a container's namespace (`iptables -S` form), for tests and debugging. */
export async function installedRules(pid: number): Promise<string[]> {
  const out = await runInNetns(pid, ['iptables', '-S']);
  return out.split('\n').filter((l) => l.startsWith('-A '));
}
