/**
 * Network faults in the kernel, not in the node: iptables filter rules inside each container's network
 * namespace, entered from the host with `nsenter -t <pid> -n`. The desired state (partitions, blocked
 * links, lossy links) is kept here and rendered into a whole filter table per container, installed with
 * one `iptables-restore` (atomic, idempotent). Only the filter table is replaced: Docker's embedded DNS
 * lives in the nat table and keeps working. A restarted container gets a fresh namespace and maybe a new
 * address, so the deployer re-applies the state after every (re)start.
 *
 * Not possible here: delay and jitter need the netem qdisc, which this kernel lacks
 * (`tc qdisc add ... netem` answers "Specified qdisc kind is unknown").
 */
import { execFile, execFileSync } from 'node:child_process';
import { LoadnetError } from '../../errors.js';

/** A running container as the fault layer sees it. */
export interface FaultTarget {
  name: string;
  /** Host pid of the container's init process (its network namespace). */
  pid: number;
  /** Address on the run's bridge network. */
  ip: string;
}

const key = (node: string, peer: string) => `${node}\u0000${peer}`;

export class NetworkFaultState {
  private partitions: Array<{ a: Set<string>; b: Set<string> }> = [];
  private blocked = new Set<string>();
  private loss = new Map<string, number>();

  partition(groupA: string[], groupB: string[]): void {
    const a = new Set(groupA);
    const overlap = groupB.filter((n) => a.has(n));
    if (overlap.length > 0) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `partition: ${overlap.join(', ')} is in both groups; allowed: two disjoint groups of node names`);
    }
    this.partitions.push({ a, b: new Set(groupB) });
  }

  /** Removes every partition, blocked link and lossy link (as the local deployer's heal does). */
  heal(): void {
    this.partitions = [];
    this.blocked.clear();
    this.loss.clear();
  }

  blockPeer(node: string, peer: string): void {
    this.blocked.add(key(node, peer));
  }

  unblockPeer(node: string, peer: string): void {
    this.blocked.delete(key(node, peer));
  }

  /** Drop probability 0..1 on the link (each direction); 0 clears it. */
  setLoss(node: string, peer: string, loss: number): void {
    if (!(loss >= 0 && loss <= 1)) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `setLinkFault: loss ${JSON.stringify(loss)} is not allowed; allowed: a number from 0 to 1`);
    }
    if (loss === 0) this.loss.delete(key(node, peer));
    else this.loss.set(key(node, peer), loss);
  }

  /** Forget every rule that names a node (it was removed from the run). */
  forget(name: string): void {
    for (const p of this.partitions) {
      p.a.delete(name);
      p.b.delete(name);
    }
    for (const k of [...this.blocked]) if (k.split('\u0000').includes(name)) this.blocked.delete(k);
    for (const k of [...this.loss.keys()]) if (k.split('\u0000').includes(name)) this.loss.delete(k);
  }

  isEmpty(): boolean {
    return this.partitions.length === 0 && this.blocked.size === 0 && this.loss.size === 0;
  }

  /** Peers whose traffic `node` drops entirely, and lossy peers with their probability. */
  private linksOf(node: string): { cut: Set<string>; lossy: Map<string, number> } {
    const cut = new Set<string>();
    for (const { a, b } of this.partitions) {
      if (a.has(node)) for (const n of b) cut.add(n);
      if (b.has(node)) for (const n of a) cut.add(n);
    }
    const lossy = new Map<string, number>();
    for (const k of this.blocked) {
      const [n, p] = k.split('\u0000') as [string, string];
      // Rules on both ends: the link is cut whichever side initiates, and either side's restart re-applies it.
      if (n === node) cut.add(p);
      if (p === node) cut.add(n);
    }
    for (const [k, loss] of this.loss) {
      const [n, p] = k.split('\u0000') as [string, string];
      if (n === node) lossy.set(p, loss);
    }
    return { cut, lossy };
  }

  /** The `iptables-restore` input for one container, given the current address of every node. */
  renderFilterTable(node: string, ipOf: (name: string) => string | undefined): string {
    const { cut, lossy } = this.linksOf(node);
    const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
    for (const peer of [...cut].sort()) {
      const ip = ipOf(peer);
      if (!ip) continue; // not running now: its rules come back when it starts
      lines.push(`-A INPUT -s ${ip}/32 -j DROP`, `-A OUTPUT -d ${ip}/32 -j DROP`);
    }
    for (const [peer, loss] of [...lossy].sort()) {
      const ip = ipOf(peer);
      if (!ip || cut.has(peer)) continue;
      const p = loss.toFixed(6);
      lines.push(`-A INPUT -s ${ip}/32 -m statistic --mode random --probability ${p} -j DROP`, `-A OUTPUT -d ${ip}/32 -m statistic --mode random --probability ${p} -j DROP`);
    }
    lines.push('COMMIT', '');
    return lines.join('\n');
  }
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

/** Installs each target's filter table; resolves when every rule is in place. */
export async function applyFaults(state: NetworkFaultState, targets: readonly FaultTarget[]): Promise<void> {
  checkFaultTools();
  const ips = new Map(targets.map((t) => [t.name, t.ip]));
  await Promise.all(targets.map((t) => runInNetns(t.pid, ['iptables-restore'], state.renderFilterTable(t.name, (n) => ips.get(n)))));
}

/** The filter rules now installed in a container's namespace (`iptables -S` form), for tests and debugging. */
export async function installedRules(pid: number): Promise<string[]> {
  const out = await runInNetns(pid, ['iptables', '-S']);
  return out.split('\n').filter((l) => l.startsWith('-A '));
}
