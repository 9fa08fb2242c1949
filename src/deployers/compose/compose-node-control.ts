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
import type { NodePrimitives } from '../../faults/primitives.js';
import type { ClockSkewApplier, LinkApplierChoice, NetworkFaultApplier } from '../../faults/applier.js';
import { IptablesApplier } from '../../faults/appliers/iptables.js';
import { NetemApplier } from '../../faults/appliers/netem.js';
import { TestingApiApplier, TestingApiClock } from '../../faults/appliers/testing-api.js';
import { FaketimeApplier, ShaperApplier } from '../../faults/appliers/shaper.js';
import { devnetSpawn } from '../devnet-joiners.js';
import { devnetStaking } from '../../adapters/devnet/staking.js';
import type { ComposeDeployment, ComposeNode } from './compose-deployment.js';
import { ContainerPrimitives } from './container-node.js';

export interface ComposeNodeControlOptions {
  /** Bound on each action's promised outcome. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
  /** Who shapes links (the deployer chose: chooseLinkApplier); netem goes before iptables so it renders loss too. */
  linkChoice?: LinkApplierChoice;
}

export class ComposeNodePrimitives extends ContainerPrimitives<ComposeNode, ComposeDeployment> implements NodePrimitives {
  readonly deployer = 'compose';
  readonly chain = 'devnet';
  readonly slotDurationMs: number;
  readonly appliers: readonly NetworkFaultApplier[];
  readonly clock: ClockSkewApplier;

  constructor(deployment: ComposeDeployment, options: ComposeNodeControlOptions = {}) {
    super(deployment);
    this.slotDurationMs = deployment.plan.consensus.slotDurationMs;
    this.spawn = devnetSpawn(deployment, () => this.names());
    this.staking = devnetStaking(deployment.plan, { identitySeed: (name) => deployment.get(name).planned.identitySeed, client: (name) => deployment.get(name).run.client, liveNames: () => this.names() });
    const ref = (name: string) => {
      const n = deployment.get(name);
      return { client: n.run.client, peerId: n.planned.peerId };
    };
    const links = deployment.links;
    // iptables first: cuts and loss are real packet drops in the kernel (matching the shaper's proxy ports
    // when links run through it); the shaper renders what only it can here (delay, jitter, bandwidth).
    const choice = options.linkChoice;
    this.appliers = [
      ...(choice?.applier === 'netem' ? [new NetemApplier(() => deployment.faultTargets(), choice)] : []),
      new IptablesApplier(() => deployment.faultTargets(), links ? (node, peer) => links.addressOf(node, peer) : undefined),
      ...(links ? [new ShaperApplier(links, choice)] : []),
      new TestingApiApplier(ref, options.actionTimeoutMs ?? Math.max(10_000, 10 * this.slotDurationMs)),
    ];
    this.clock = deployment.clocks ? new FaketimeApplier(deployment.clocks) : new TestingApiClock(ref);
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
