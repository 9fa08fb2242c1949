/**
 * The report's hosts section: where each node and each load agent ran, from the history (`node.spawn`'s host,
 * filled by deployers that know it; `agent.connected`, `agent.clock`, `agent.lost`, `agent.resolved`). A node
 * without a host ran on the coordinator's host.
 */
import { escapeXml as esc } from './svg-chart.js';

type Ev = { t: number; kind: string; [k: string]: unknown };

export interface NodeHost {
  node: string;
  /** Absent: the coordinator's host. */
  host?: string;
  pid?: number;
  container?: string;
}

export interface AgentHost {
  address: string;
  host: string;
  pid: number;
  cores: number;
  offsetMs: number;
  uncertaintyMs: number;
  /** Loads it served (a max-rate job connects once per hold). */
  sessions: number;
  shards: number[];
  /** Its clock measured again through the run (`agent.clock`): the offsets in use, their widest uncertainty, and when. */
  clock?: { probes: number; minOffsetMs: number; maxOffsetMs: number; maxUncertaintyMs: number; firstAtMs: number; lastAtMs: number };
  /** Why it was lost, when it was. */
  lost?: string;
  /** Its lost shards' transactions resolved from the chain. */
  resolved?: { included: number; includedUnreported: number; reportedNotIncluded: number; pendingUnreported: number; unknownAtLoss: number };
}

export interface Hosts {
  nodes: NodeHost[];
  agents: AgentHost[];
}

export const HOST_EVENT_KINDS = ['node.spawn', 'agent.connected', 'agent.clock', 'agent.lost', 'agent.resolved'] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** From the history's events (in time order); the last spawn of a node says where it ran last. */
export function hostsOf(events: readonly Ev[]): Hosts {
  const nodes = new Map<string, NodeHost>();
  const agents = new Map<string, AgentHost>();
  for (const e of events) {
    if (e.kind === 'node.spawn' && typeof e.node === 'string') {
      nodes.set(e.node, { node: e.node, host: str(e.host), ...(typeof e.pid === 'number' ? { pid: e.pid } : {}), container: str(e.container) });
    } else if (e.kind === 'agent.connected' && typeof e.address === 'string') {
      const prev = agents.get(e.address);
      agents.set(e.address, { ...prev, address: e.address, host: str(e.host) ?? '?', pid: num(e.pid), cores: num(e.cores), offsetMs: num(e.offsetMs), uncertaintyMs: num(e.uncertaintyMs), sessions: (prev?.sessions ?? 0) + 1, shards: Array.isArray(e.shards) ? (e.shards as number[]) : [] });
    } else if (e.kind === 'agent.clock' && typeof e.address === 'string') {
      const a = agents.get(e.address);
      if (!a) continue;
      const off = num(e.offsetMs);
      const c = a.clock;
      a.clock = c
        ? { probes: c.probes + 1, minOffsetMs: Math.min(c.minOffsetMs, off), maxOffsetMs: Math.max(c.maxOffsetMs, off), maxUncertaintyMs: Math.max(c.maxUncertaintyMs, num(e.uncertaintyMs)), firstAtMs: c.firstAtMs, lastAtMs: e.t }
        : { probes: 1, minOffsetMs: off, maxOffsetMs: off, maxUncertaintyMs: num(e.uncertaintyMs), firstAtMs: e.t, lastAtMs: e.t };
    } else if (e.kind === 'agent.lost' && typeof e.address === 'string') {
      const a = agents.get(e.address);
      if (a) a.lost = str(e.reason) ?? 'lost';
    } else if (e.kind === 'agent.resolved' && typeof e.address === 'string') {
      const a = agents.get(e.address);
      if (!a) continue;
      const add = (k: keyof NonNullable<AgentHost['resolved']>) => (a.resolved?.[k] ?? 0) + num(e[k]);
      a.resolved = { included: add('included'), includedUnreported: add('includedUnreported'), reportedNotIncluded: add('reportedNotIncluded'), pendingUnreported: add('pendingUnreported'), unknownAtLoss: add('unknownAtLoss') };
    }
  }
  return { nodes: [...nodes.values()], agents: [...agents.values()] };
}

const ms = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;

/** The section's HTML ('' when the run had no agents and no node with a known host: everything ran here). */
export function hostsSection(h: Hosts): string {
  if (h.agents.length === 0 && !h.nodes.some((n) => n.host)) return '';
  const nodeRows = h.nodes.map((n) => `<tr><td>${esc(n.node)}</td><td>${n.host ? esc(n.host) : '<i>coordinator</i>'}</td><td>${esc(n.container ?? (n.pid !== undefined ? `pid ${n.pid}` : ''))}</td></tr>`);
  const agentRows = h.agents.map((a) => {
    const fate = a.lost ? `lost: ${esc(a.lost)}${a.resolved ? `; resolved from the chain: ${a.resolved.included} included (${a.resolved.includedUnreported} unreported), ${a.resolved.reportedNotIncluded} reported but not included, ${a.resolved.pendingUnreported} pending unreported, of at most ${a.resolved.unknownAtLoss} unknown at the loss` : ''}` : 'ok';
    return `<tr><td>${esc(a.address)}</td><td>${esc(a.host)}</td><td>${a.pid}</td><td>${a.cores}</td><td>${ms(a.offsetMs)} ± ${a.uncertaintyMs.toFixed(2)}</td><td>${a.clock ? `${ms(a.clock.minOffsetMs)} … ${ms(a.clock.maxOffsetMs)}, ± ≤ ${a.clock.maxUncertaintyMs.toFixed(2)} (${a.clock.probes} probes over ${((a.clock.lastAtMs - a.clock.firstAtMs) / 1000).toFixed(0)} s)` : '—'}</td><td>${a.shards.join(', ')}</td><td>${a.sessions}</td><td>${fate}</td></tr>`;
  });
  const nodes = nodeRows.length ? `<table class="hosts-nodes"><tr><th>node</th><th>host</th><th>process</th></tr>${nodeRows.join('')}</table>` : '';
  const agents = agentRows.length
    ? `<table class="hosts-agents"><tr><th>load agent</th><th>host</th><th>pid</th><th>cores</th><th>clock offset at connect (ms)</th><th>offset through the run (ms)</th><th>shards</th><th>loads</th><th>fate</th></tr>${agentRows.join('')}</table><p>Clock offset: agent clock − coordinator clock, from the probe with the shortest round trip (± half of it); measured again every 2 s through the run (the estimate in use is the latest of the last 5 probes whose round trip is near the shortest), and the agents' times are corrected by the estimate in use, so latency is measured on the coordinator's clock.</p>`
    : '';
  return `<h2 id="hosts">Hosts</h2>${nodes}${agents}`;
}
