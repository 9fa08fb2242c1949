/**
 * The swarm's hosts as the swarm deployer sees them: every Ready, Active swarm node with its address (where
 * the coordinator reaches a node's published API) and, where the user gave its engine, a connection to that
 * engine (container-level control: kill, pause, logs, the node image, volumes). Placement is decided here,
 * before any service exists, so each node's host and API address are known up front: the user's
 * constraints (Swarm's own syntax, `node.labels.zone==a`, evaluated here on the same fields) select the
 * eligible hosts, and a node goes to the eligible host with the fewest of the run's nodes (one per host
 * first). The service is then pinned to that host (`node.id==…`), so a restart keeps its data volume.
 */
import type Docker from 'dockerode';
import { LoadnetError } from '../../errors.js';
import type { NodeRole } from '../../node/config.js';
import { connectEngine, dockerError, pingEngine, type EngineOptions } from '../compose/engine.js';

export interface SwarmHost {
  id: string;
  hostname: string;
  /** The address the swarm advertises for it: where published ports are reached. */
  addr: string;
  role: 'manager' | 'worker';
  labels: Record<string, string>;
  engineLabels: Record<string, string>;
  /** Its engine, when the user gave it (the manager's always). */
  docker?: Docker;
}

export type PlacementConstraints = string[] | ((node: { name: string; role: NodeRole }) => string[] | undefined);

interface SwarmNodeInfo {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string; Engine?: { Labels?: Record<string, string> } };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Addr?: string };
}

/** The manager's swarm state, failing with what to do when the engine is not a swarm manager. */
export async function managerNodeId(manager: Docker): Promise<string> {
  const info = (await manager.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string } };
  if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) {
    throw new LoadnetError('LN_ERR_DOCKER', `the swarm deployer needs a Docker engine that is a swarm manager; this one is in swarm state '${info.Swarm?.LocalNodeState ?? 'inactive'}'${info.Swarm?.ControlAvailable ? '' : ' and not a manager'}`, {
      hint: 'run `docker swarm init --advertise-addr <address>` (and `docker swarm join` on the other hosts), or point DOCKER_HOST / socketPath at a manager',
    });
  }
  return info.Swarm.NodeID ?? '';
}

/** The swarm's usable hosts, each with its engine where one of `engines` (or the manager) is it. */
export async function swarmHosts(manager: Docker, engines: readonly EngineOptions[]): Promise<SwarmHost[]> {
  const selfId = await managerNodeId(manager);
  const byId = new Map<string, Docker>([[selfId, manager]]);
  for (const e of engines) {
    const d = connectEngine(e);
    await pingEngine(d);
    const id = ((await d.info()) as { Swarm?: { NodeID?: string } }).Swarm?.NodeID;
    if (!id) throw new LoadnetError('LN_ERR_CONFIG_INVALID', `SwarmDeployer engines: the engine at ${e.socketPath ?? 'DOCKER_HOST'} is not part of a swarm; allowed: engines of this swarm's hosts`);
    byId.set(id, d);
  }
  let nodes: SwarmNodeInfo[];
  try {
    nodes = (await manager.listNodes()) as SwarmNodeInfo[];
  } catch (e) {
    throw dockerError('listing swarm nodes', e);
  }
  return nodes
    .filter((n) => n.Status?.State === 'ready' && (n.Spec?.Availability ?? 'active') === 'active')
    .map((n) => {
      let addr = n.Status?.Addr ?? '';
      // Some engines report 0.0.0.0 for a manager: its manager address says where it is.
      if (!addr || addr === '0.0.0.0') addr = (n.ManagerStatus?.Addr ?? '127.0.0.1:2377').replace(/:\d+$/, '');
      return {
        id: n.ID,
        hostname: n.Description?.Hostname ?? n.ID,
        addr,
        role: n.Spec?.Role === 'manager' ? ('manager' as const) : ('worker' as const),
        labels: n.Spec?.Labels ?? {},
        engineLabels: n.Description?.Engine?.Labels ?? {},
        docker: byId.get(n.ID),
      };
    });
}

const CONSTRAINT = /^\s*([a-zA-Z0-9_.-]+)\s*(==|!=)\s*(.+?)\s*$/;

/** Checks a constraint's syntax (Swarm's `<field> == <value>` / `!=`), naming the fields allowed. */
export function parseConstraint(c: string): { field: string; op: '==' | '!='; value: string } {
  const m = CONSTRAINT.exec(c);
  const field = m?.[1] ?? '';
  if (!m || !(['node.id', 'node.hostname', 'node.role'].includes(field) || field.startsWith('node.labels.') || field.startsWith('engine.labels.'))) {
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `SwarmDeployer constraints: ${JSON.stringify(c)} is not allowed; allowed: '<field> == <value>' or '!=', field one of node.id, node.hostname, node.role, node.labels.<name>, engine.labels.<name>`);
  }
  return { field, op: m[2] as '==' | '!=', value: m[3]! };
}

function fieldOf(host: SwarmHost, field: string): string | undefined {
  if (field === 'node.id') return host.id;
  if (field === 'node.hostname') return host.hostname;
  if (field === 'node.role') return host.role;
  if (field.startsWith('node.labels.')) return host.labels[field.slice('node.labels.'.length)];
  return host.engineLabels[field.slice('engine.labels.'.length)];
}

export function matches(host: SwarmHost, constraints: readonly string[]): boolean {
  return constraints.every((c) => {
    const { field, op, value } = parseConstraint(c);
    return (fieldOf(host, field) === value) === (op === '==');
  });
}

/** A host for each node, in order: eligible by its constraints, the least used first (spread). */
export function placeNodes(nodes: ReadonlyArray<{ name: string; role: NodeRole }>, hosts: readonly SwarmHost[], constraints: PlacementConstraints | undefined): Array<{ host: SwarmHost; constraints: string[] }> {
  const used = new Map(hosts.map((h) => [h.id, 0]));
  return nodes.map((n) => {
    const own = (typeof constraints === 'function' ? constraints(n) : constraints) ?? [];
    const eligible = hosts.filter((h) => matches(h, own));
    if (eligible.length === 0) {
      throw new LoadnetError('LN_ERR_DEPLOY', `no swarm host matches the constraints of ${n.name} (${own.join(', ') || 'none'}); hosts: ${hosts.map((h) => `${h.hostname} (${h.role}, labels ${JSON.stringify(h.labels)})`).join('; ')}`, {
        hint: 'label a host (`docker node update --label-add <name>=<value> <host>`) or change the constraints',
      });
    }
    const host = eligible.reduce((best, h) => (used.get(h.id)! < used.get(best.id)! ? h : best));
    used.set(host.id, used.get(host.id)! + 1);
    return { host, constraints: own };
  });
}
