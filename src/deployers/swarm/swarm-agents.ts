/**
 * Load agents as Swarm services: `loadnet agent` from the node image (it carries Node.js and the package),
 * one service per agent, pinned to a host like the nodes and spread over the eligible hosts (the fewest of
 * the run's agents first). An agent uses its host's network: it reaches the nodes' published APIs at the
 * same addresses the coordinator does, listens on the host's swarm address at a port reserved here, and its
 * hostname is the host's, so the agent's own hello names where it runs. Services carry the run's labels:
 * teardown, the reaper and `loadnet clean --docker` remove them with the nodes' services.
 */
import type Docker from 'dockerode';
import { connect } from 'node:net';
import { LoadnetError } from '../../errors.js';
import type { RunRecord } from '../../runtime/run-record.js';
import { dockerError, Labels, runLabels } from '../compose/engine.js';
import type { NodeImage } from '../compose/image.js';
import { matches, type SwarmHost } from './hosts.js';
import { runningTask } from './tasks.js';

export interface SwarmAgentsOption {
  /** How many agents. */
  count: number;
  /** Swarm constraints every agent's host must match (as for nodes: `node.labels.gen==yes`). */
  constraints?: string[];
  /** What a lost agent does to the run: 'fail' (default) stops the load, 'continue' lets the others go on (scenario agents.onLoss). */
  onLoss?: 'fail' | 'continue';
}

export interface SwarmAgent {
  name: string;
  host: SwarmHost;
  /** host:port the coordinator connects to. */
  address: string;
  serviceName: string;
}

/** `agents` of SwarmDeployerOptions, checked: a count from 1 to 64 and constraints in Swarm's syntax. */
export function checkAgentsOption(agents: number | SwarmAgentsOption | undefined): SwarmAgentsOption | undefined {
  if (agents === undefined) return undefined;
  const o = typeof agents === 'number' ? { count: agents } : agents;
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 64) {
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `SwarmDeployer agents: ${JSON.stringify(o.count)} is not allowed; allowed: a whole number of load agents from 1 to 64`);
  }
  if (o.onLoss !== undefined && o.onLoss !== 'fail' && o.onLoss !== 'continue') {
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `SwarmDeployer agents.onLoss: ${JSON.stringify(o.onLoss)} is not allowed; allowed: 'fail', 'continue'`);
  }
  return o;
}

/** A host for each agent: eligible by the constraints, the least used first. */
export function placeAgents(count: number, hosts: readonly SwarmHost[], constraints: readonly string[]): SwarmHost[] {
  const eligible = hosts.filter((h) => matches(h, constraints));
  if (eligible.length === 0) {
    throw new LoadnetError('LN_ERR_DEPLOY', `no swarm host matches the load agents' constraints (${constraints.join(', ')}); hosts: ${hosts.map((h) => `${h.hostname} (${h.role}, labels ${JSON.stringify(h.labels)})`).join('; ')}`);
  }
  return Array.from({ length: count }, (_, i) => eligible[i % eligible.length]!);
}

/** Resolves once something accepts a TCP connection at host:port, or fails after `timeoutMs`. */
async function listening(host: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect({ host, port });
      const done = (v: boolean) => {
        s.destroy();
        res(v);
      };
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
      s.setTimeout(1000, () => done(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new LoadnetError('LN_ERR_DEPLOY', `the load agent at ${host}:${port} did not listen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Creates the agents' services and waits until each listens. */
export async function startSwarmAgents(manager: Docker, record: RunRecord, image: NodeImage, network: string, placed: readonly SwarmHost[], ports: readonly number[]): Promise<SwarmAgent[]> {
  const agents = placed.map((host, i): SwarmAgent => ({ name: `agent-${i}`, host, address: `${host.addr}:${ports[i]}`, serviceName: `${network}-agent-${i}` }));
  const [script] = image.agentCommand;
  await Promise.all(
    agents.map(async (a) => {
      const labels = { ...runLabels(record.runId), [Labels.role]: 'load-agent' };
      try {
        await manager.createService({
          Name: a.serviceName,
          Labels: labels,
          TaskTemplate: {
            ContainerSpec: { Image: image.ref, Args: [script, 'agent', '--listen', a.address], Labels: labels, Init: true },
            RestartPolicy: { Condition: 'none' },
            Placement: { Constraints: [`node.id==${a.host.id}`] },
            Networks: [{ Target: 'host' }],
          },
          Mode: { Replicated: { Replicas: 1 } },
        } as unknown as Docker.CreateServiceOptions);
      } catch (e) {
        throw dockerError(`creating load agent service ${a.serviceName}`, e);
      }
    }),
  );
  await Promise.all(
    agents.map(async (a) => {
      const { container } = await runningTask(manager, a.serviceName, `the load agent ${a.name} (service ${a.serviceName}) on ${a.host.hostname}`, { engine: a.host.docker });
      await listening(a.host.addr, Number(a.address.slice(a.address.lastIndexOf(':') + 1)), 30_000);
      record.events.emit('swarm.agent', { agent: a.name, host: a.host.id, hostname: a.host.hostname, addr: a.host.addr, address: a.address, service: a.serviceName, container });
    }),
  );
  return agents;
}
