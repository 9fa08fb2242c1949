/**
 * The swarm deployer's node primitives: stop, kill, pause and resume act on the node's current container
 * through the engine of the host it runs on (Swarm has no such verbs); start asks Swarm for a new task of
 * the node's service (same host, secret and data volume). Network faults: iptables inside each container's
 * namespace and the nodes' testing API, as on compose. Locks, the fault record and "the node is back" are
 * the generic layer's (faults/node-control.ts).
 */
import { LoadnetError } from '../../errors.js';
import { GenericNodeControl } from '../../faults/node-control.js';
import type { NodePrimitives, NodeRunState } from '../../faults/primitives.js';
import type { NetworkFaultApplier } from '../../faults/applier.js';
import { IptablesApplier } from '../../faults/appliers/iptables.js';
import { TestingApiApplier, TestingApiClock } from '../../faults/appliers/testing-api.js';
import { dockerError, isNotFound, isNotModified } from '../compose/engine.js';
import type { SwarmDeployment, SwarmNode } from './swarm-deployment.js';
import { RosterPrimitives } from '../roster-primitives.js';

export interface SwarmNodeControlOptions {
  actionTimeoutMs?: number;
  stopGraceMs: number;
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
    this.appliers = [new IptablesApplier(() => deployment.faultTargets()), new TestingApiApplier(ref, options.actionTimeoutMs ?? Math.max(10_000, 10 * this.slotDurationMs))];
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
