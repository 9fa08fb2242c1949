/**
 * The compose deployer's node primitives: containers through the engine (stop, kill, start, pause,
 * unpause, a joiner's container, removal). Network faults: cuts and loss in the kernel (iptables in each
 * container's namespace, faults/appliers/iptables.ts); delay, jitter and bandwidth, which need the netem
 * qdisc this kernel lacks, through the link shaper when the deployment runs it (any chain), else through
 * the nodes' testing API (delay and jitter, the devnet's); clock skew through libfaketime in the image
 * when the containers run under it, else the testing API. The fault record says which applier rendered
 * what. Locks, fault record and "the node is back" are the generic layer's (faults/node-control.ts).
 */
import { LoadnetError } from '../../errors.js';
import { GenericNodeControl } from '../../faults/node-control.js';
import type { NodePrimitives, NodeRunState } from '../../faults/primitives.js';
import type { ClockSkewApplier, NetworkFaultApplier } from '../../faults/applier.js';
import { IptablesApplier } from '../../faults/appliers/iptables.js';
import { TestingApiApplier, TestingApiClock } from '../../faults/appliers/testing-api.js';
import { FaketimeApplier, ShaperApplier } from '../../faults/appliers/shaper.js';
import { devnetSpawn } from '../devnet-joiners.js';
import { devnetStaking } from '../../adapters/devnet/staking.js';
import type { ComposeDeployment } from './compose-deployment.js';
import { ContainerActions } from './container-node.js';

export interface ComposeNodeControlOptions {
  /** Bound on each action's promised outcome. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace of stop and restart. */
  stopGraceMs: number;
}

export class ComposeNodePrimitives implements NodePrimitives {
  readonly deployer = 'compose';
  readonly chain = 'devnet';
  readonly slotDurationMs: number;
  readonly appliers: readonly NetworkFaultApplier[];
  readonly clock: ClockSkewApplier;
  private readonly containers: ContainerActions;

  constructor(private readonly deployment: ComposeDeployment, private readonly options: ComposeNodeControlOptions) {
    this.slotDurationMs = deployment.plan.consensus.slotDurationMs;
    this.containers = new ContainerActions(deployment.docker);
    this.spawn = devnetSpawn(deployment, () => this.names());
    this.staking = devnetStaking(deployment.plan, { identitySeed: (name) => deployment.get(name).planned.identitySeed, client: (name) => deployment.get(name).run.client, liveNames: () => this.names() });
    const ref = (name: string) => {
      const n = deployment.get(name);
      return { client: n.run.client, peerId: n.planned.peerId };
    };
    const links = deployment.links;
    // iptables first: cuts and loss are real packet drops in the kernel (matching the shaper's proxy ports
    // when links run through it); the shaper renders what only it can here (delay, jitter, bandwidth).
    this.appliers = [
      new IptablesApplier(() => deployment.faultTargets(), links ? (node, peer) => links.addressOf(node, peer) : undefined),
      ...(links ? [new ShaperApplier(links)] : []),
      new TestingApiApplier(ref, options.actionTimeoutMs ?? Math.max(10_000, 10 * this.slotDurationMs)),
    ];
    this.clock = deployment.clocks ? new FaketimeApplier(deployment.clocks) : new TestingApiClock(ref);
  }

  names(): string[] {
    return this.deployment.liveNodes().map((n) => n.planned.name);
  }
  client(name: string) {
    return this.deployment.get(name).run.client;
  }
  expectedPeers(name: string): number {
    return this.deployment.get(name).expectedPeers;
  }
  async start(name: string): Promise<void> {
    await this.deployment.startContainer(this.deployment.get(name));
  }
  async stop(name: string): Promise<void> {
    await this.containers.stop(this.deployment.get(name), this.options.stopGraceMs);
  }
  async kill(name: string): Promise<void> {
    await this.containers.kill(this.deployment.get(name));
  }
  async pause(name: string): Promise<void> {
    await this.containers.pause(this.deployment.get(name));
  }
  async resume(name: string): Promise<void> {
    await this.containers.resume(this.deployment.get(name));
  }
  async state(name: string): Promise<NodeRunState> {
    return this.containers.state(this.deployment.get(name));
  }
  checkAlive(name: string): void {
    const node = this.deployment.get(name);
    if (node.lastExit && !node.lastExit.expected) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} exited (code ${node.lastExit.code}); see nodes/${name}/node.log`);
  }

  readonly spawn: NonNullable<NodePrimitives['spawn']>;
  readonly staking: NonNullable<NodePrimitives['staking']>;

  async remove(name: string): Promise<void> {
    await this.deployment.removeContainer(this.deployment.get(name));
  }
}

export function composeNodeControl(deployment: ComposeDeployment, options: ComposeNodeControlOptions): GenericNodeControl {
  return new GenericNodeControl(new ComposeNodePrimitives(deployment, options), deployment.record.events, { actionTimeoutMs: options.actionTimeoutMs });
}
