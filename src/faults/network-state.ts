/**
 * Network faults as desired state: which directed links are cut, delayed, lossy or rate-limited. Node control
 * and the nemeses change this state; an applier (faults/applier.ts) renders it with whatever mechanism the
 * deployer has (iptables in a namespace, the devnet's testing API, the link shaper). Keeping the state apart
 * from the mechanism is what lets a restarted node get its faults back and lets `heal()` mean one thing
 * everywhere.
 *
 * Links are directed: `node → peer` is what `node` sends to `peer`. A cut (partition, blocked peer) is always
 * symmetric, since a TCP link with one direction dropped is a dead link either way.
 */
import { LoadnetError } from '../errors.js';

/** What one directed link suffers. Zero / absent fields mean "not faulted". */
export interface LinkShape {
  delayMs?: number;
  /** ± this much around delayMs, uniformly (the stated distribution of every applier we have). */
  jitterMs?: number;
  /** Drop probability 0..1. */
  loss?: number;
  /** Bandwidth limit in bytes per second. */
  rateBytesPerSec?: number;
}

/** The effective state of one directed link, all faults on it combined. */
export interface LinkEffect extends LinkShape {
  cut: boolean;
}

/** The properties an applier may or may not be able to render. */
export type LinkProperty = 'cut' | 'delay' | 'jitter' | 'loss' | 'bandwidth';

const SEP = '\u0000';
const key = (node: string, peer: string) => `${node}${SEP}${peer}`;
const split = (k: string) => k.split(SEP) as [string, string];

function checkShape(where: string, s: LinkShape): void {
  const bad = (field: string, v: unknown, allowed: string) => new LoadnetError('LN_ERR_NODE_CONTROL', `${where}: ${field} ${JSON.stringify(v)} is not allowed; allowed: ${allowed}`);
  if (s.loss !== undefined && !(s.loss >= 0 && s.loss <= 1)) throw bad('loss', s.loss, 'a fraction from 0 to 1');
  for (const f of ['delayMs', 'jitterMs'] as const) if (s[f] !== undefined && !(Number.isFinite(s[f]) && s[f]! >= 0 && s[f]! <= 600_000)) throw bad(f, s[f], 'a duration from 0 to 600000 ms');
  if (s.rateBytesPerSec !== undefined && !(Number.isFinite(s.rateBytesPerSec) && s.rateBytesPerSec >= 0)) throw bad('rateBytesPerSec', s.rateBytesPerSec, 'a positive number of bytes per second (0 clears it)');
}

function isClear(s: LinkShape): boolean {
  return !s.delayMs && !s.jitterMs && !s.loss && !s.rateBytesPerSec;
}

/** Which properties a shape uses. */
export function shapeProperties(s: LinkEffect): LinkProperty[] {
  const out: LinkProperty[] = [];
  if (s.cut) out.push('cut');
  if (s.delayMs) out.push('delay');
  if (s.jitterMs) out.push('jitter');
  if (s.loss) out.push('loss');
  if (s.rateBytesPerSec) out.push('bandwidth');
  return out;
}

export class NetworkFaultState {
  private partitions: Array<{ a: Set<string>; b: Set<string> }> = [];
  private blocked = new Set<string>();
  /** Named sets of cut pairs (ring and bridge partitions), lifted together. */
  private cutSets = new Map<string, Array<[string, string]>>();
  private shapes = new Map<string, LinkShape>();

  partition(groupA: readonly string[], groupB: readonly string[]): void {
    const a = new Set(groupA);
    const overlap = groupB.filter((n) => a.has(n));
    if (groupA.length === 0 || groupB.length === 0 || overlap.length > 0) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `partition: needs two non-empty, disjoint groups; got [${groupA.join(', ')}] and [${groupB.join(', ')}]`);
    }
    this.partitions.push({ a, b: new Set(groupB) });
  }

  /** Removes every partition and cut set (blocked links and link shapes stay). */
  unpartition(): void {
    this.partitions = [];
    this.cutSets.clear();
  }

  /** Cut every pair (both directions), under a label that `uncut` lifts. */
  cut(label: string, pairs: ReadonlyArray<readonly [string, string]>): void {
    this.cutSets.set(label, pairs.map(([a, b]) => [a, b]));
  }

  uncut(label: string): void {
    this.cutSets.delete(label);
  }

  /** Removes every partition, blocked link and link shape. */
  heal(): void {
    this.partitions = [];
    this.cutSets.clear();
    this.blocked.clear();
    this.shapes.clear();
  }

  blockPeer(node: string, peer: string): void {
    this.blocked.add(key(node, peer));
  }

  unblockPeer(node: string, peer: string): void {
    this.blocked.delete(key(node, peer));
  }

  /** Sets the shape of the directed link node → peer; an all-zero shape clears it. */
  shape(node: string, peer: string, s: LinkShape): void {
    checkShape(`link ${node} → ${peer}`, s);
    if (isClear(s)) this.shapes.delete(key(node, peer));
    else this.shapes.set(key(node, peer), { ...s });
  }

  /** Forget every rule that names a node (it was removed from the run). */
  forget(name: string): void {
    for (const p of this.partitions) {
      p.a.delete(name);
      p.b.delete(name);
    }
    for (const [label, pairs] of this.cutSets) this.cutSets.set(label, pairs.filter((p) => !p.includes(name)));
    for (const k of [...this.blocked]) if (split(k).includes(name)) this.blocked.delete(k);
    for (const k of [...this.shapes.keys()]) if (split(k).includes(name)) this.shapes.delete(k);
  }

  isEmpty(): boolean {
    return this.partitions.length === 0 && this.cutSets.size === 0 && this.blocked.size === 0 && this.shapes.size === 0;
  }

  /** Is the link between the two nodes cut (either direction: cuts are symmetric)? */
  isCut(node: string, peer: string): boolean {
    for (const { a, b } of this.partitions) if ((a.has(node) && b.has(peer)) || (b.has(node) && a.has(peer))) return true;
    for (const pairs of this.cutSets.values()) for (const [a, b] of pairs) if ((a === node && b === peer) || (a === peer && b === node)) return true;
    return this.blocked.has(key(node, peer)) || this.blocked.has(key(peer, node));
  }

  /** The effective state of node → peer. */
  link(node: string, peer: string): LinkEffect {
    return { cut: this.isCut(node, peer), ...(this.shapes.get(key(node, peer)) ?? {}) };
  }

  /** Every faulted directed link from `node` among `peers`. */
  linksFrom(node: string, peers: readonly string[]): Map<string, LinkEffect> {
    const out = new Map<string, LinkEffect>();
    for (const p of peers) {
      if (p === node) continue;
      const l = this.link(node, p);
      if (l.cut || !isClear(l)) out.set(p, l);
    }
    return out;
  }

  /** Every property some link uses now (to check an applier can render them). */
  properties(names: readonly string[]): Set<LinkProperty> {
    const out = new Set<LinkProperty>();
    for (const n of names) for (const l of this.linksFrom(n, names).values()) for (const p of shapeProperties(l)) out.add(p);
    return out;
  }

  /** A plain picture for fault records and reports. */
  describe(names: readonly string[]): Array<{ from: string; to: string } & LinkEffect> {
    const out: Array<{ from: string; to: string } & LinkEffect> = [];
    for (const n of names) for (const [p, l] of this.linksFrom(n, names)) out.push({ from: n, to: p, ...l });
    return out;
  }
}
