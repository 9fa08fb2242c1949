/**
 * The swarm deployer's node primitives: stop, kill, pause and resume act on the node's current container
 * through the engine of the host it runs on (Swarm has no such verbs); start asks Swarm for a new task of
 * the node's service (same host, secret and data volume). Network faults: cuts and loss as iptables rules in
 * each node container's namespace, set through the engine of the node's host (a fault-tools container there,
 * faults/appliers/engine-iptables.ts: the coordinator needs no pid and no root on that host), delay and
 * jitter through the nodes' testing API (reached at their published ports). Locks, the fault record and "the
 * node is back" are the generic layer's (faults/node-control.ts).
 */
import { LoadnetError } from '../../errors.js';
import { GenericNodeControl } from '../../faults/node-control.js';
import type { NodePrimitives, NodeRunState } from '../../faults/primitives.js';
import type { NetworkFaultApplier } from '../../faults/applier.js';
import { EngineIptablesApplier } from '../../faults/appliers/engine-iptables.js';
import { FaultToolsContainers, type EngineFaultTarget } from '../../faults/appliers/engine-fault-tools.js';
import { EngineTcApplier, SWARM_LINKS_REASON } from '../../faults/appliers/engine-tc.js';
import type { FaultToolsImage } from './fault-tools-image.js';
import { TestingApiApplier, TestingApiClock } from '../../faults/appliers/testing-api.js';
import { dockerError, isNotFound, isNotModified, Labels, runLabels } from '../compose/engine.js';
import type { SwarmDeployment, SwarmNode } from './swarm-deployment.js';
import { RosterPrimitives } from '../roster-primitives.js';

export interface SwarmNodeControlOptions {
  actionTimeoutMs?: number;
  stopGraceMs: number;
  /** The fault-tools image, present on every engine that runs nodes (the deployer copies it there). */
  faultTools: Pick<FaultToolsImage, 'ref' | 'tools'>;
}

/** Running node containers with their overlay address and the engine of their host. */
async function engineTargets(deployment: SwarmDeployment): Promise<EngineFaultTarget[]> {
  const found = await Promise.all(
    deployment.liveNodes().map(async (n): Promise<EngineFaultTarget | undefined> => {
      if (!n.containerId) return undefined;
      const engine = deployment.engineOf(n, 'set network faults on');
      const info = await engine.getContainer(n.containerId).inspect().catch(() => undefined);
      const ip = info?.NetworkSettings?.Networks?.[deployment.network]?.IPAddress;
      return info?.State?.Running && ip ? { name: n.planned.name, ip, containerId: n.containerId, engine, hostname: n.host.hostname } : undefined;
    }),
  );
  return found.filter((t): t is EngineFaultTarget => t !== undefined);
}

export class SwarmNodePrimitives extends RosterPrimitives<SwarmNode, SwarmDeployment> implements NodePrimitives {
  readonly deployer = 'swarm';
  readonly chain = 'devnet';
  readonly slotDurationMs: number;
  readonly appliers: readonly NetworkFaultApplier[];
  readonly clock: TestingApiClock;

  constructor(deployment: SwarmDeployment, private readonly options: SwarmNodeControlOptions) {
    super(deployment);
    this.slotDurationMs = deployment.plan.consensus.slotDurationMs;
    const ref = (name: string) => {
      const n = deployment.get(name);
      return { client: n.run.client, peerId: n.planned.peerId };
    };
    const tools = new FaultToolsContainers({
      runId: deployment.record.runId,
      labels: (node) => ({ ...runLabels(deployment.record.runId), [Labels.node]: node }),
      image: options.faultTools,
    });
    const targets = () => engineTargets(deployment);
    const events = deployment.record.events;
    // Routed in this order (applier.ts routeAppliers): cut and loss to iptables, bandwidth to tc, delay and jitter to
    // the testing API, whose record says why (no netem applier here) as the tc one's does.
    this.appliers = [new EngineIptablesApplier({ tools, targets, events }), new EngineTcApplier({ tools, targets, events }), Object.assign(new TestingApiApplier(ref, options.actionTimeoutMs ?? Math.max(10_000, 10 * this.slotDurationMs)), { choice: { applier: 'testing-api' as const, reason: SWARM_LINKS_REASON } })];
    this.clock = new TestingApiClock(ref);
  }

  /** An engine call on the node's current container; 304 (already so) and 404 (already gone) are done. */
  private async onContainer<T>(node: SwarmNode, doing: string, call: (c: ReturnType<SwarmDeployment['manager']['getContainer']>) => Promise<T>): Promise<void> {
    if (!node.containerId) return;
    const container = this.deployment.engineOf(node, doing).getContainer(node.containerId);
    try {
      await call(container);
    } catch (e) {
      if (isNotModified(e) || isNotFound(e)) return;
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `${doing} ${node.planned.name}: ${dockerError(`${doing} container ${node.containerId.slice(0, 12)} on ${node.host.hostname}`, e).message}`, { cause: e });
    }
  }

  async start(name: string): Promise<void> {
    const node = this.deployment.get(name);
    if ((await this.state(name)) !== 'stopped') return;
    await this.deployment.startTask(node);
  }
  async stop(name: string): Promise<void> {
    const node = this.deployment.get(name);
    node.stopping = true;
    node.log?.note('stop (loadnet node control)');
    await this.onContainer(node, 'stop', (c) => c.stop({ t: Math.ceil(this.options.stopGraceMs / 1000) }));
  }
  async kill(name: string): Promise<void> {
    const node = this.deployment.get(name);
    node.stopping = true;
    node.log?.note('kill -9 (loadnet node control)');
    await this.onContainer(node, 'kill', (c) => c.kill({ signal: 'SIGKILL' }));
    await this.onContainer(node, 'wait for', (c) => c.wait({ condition: 'not-running' }));
  }
  async pause(name: string): Promise<void> {
    await this.onContainer(this.deployment.get(name), 'pause', (c) => c.pause());
  }
  async resume(name: string): Promise<void> {
    if ((await this.state(name)) === 'paused') await this.onContainer(this.deployment.get(name), 'unpause', (c) => c.unpause());
  }
  async state(name: string): Promise<NodeRunState> {
    const node = this.deployment.get(name);
    if (!node.containerId) return 'stopped';
    const info = await this.deployment.engineOf(node, 'inspect').getContainer(node.containerId).inspect().catch((e) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    if (!info?.State.Running) return 'stopped';
    return info.State.Paused ? 'paused' : 'running';
  }
  checkAlive(name: string): void {
    const node = this.deployment.get(name);
    if (node.lastExit && !node.lastExit.expected) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} exited (code ${node.lastExit.code}) on ${node.host.hostname}; see nodes/${name}/node.log`);
  }
}

export function swarmNodeControl(deployment: SwarmDeployment, options: SwarmNodeControlOptions): GenericNodeControl {
  return new GenericNodeControl(new SwarmNodePrimitives(deployment, options), deployment.record.events, { actionTimeoutMs: options.actionTimeoutMs });
}
