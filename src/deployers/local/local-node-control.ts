/**
 * The local deployer's node primitives: a chain's nodes as child processes on loopback. Stop, kill, pause,
 * resume and start act on the process (a restart runs the launch's restart arguments); a joiner is planned by
 * the chain's plan (fresh identity, own ports) where it has joiners; network faults and clock skew go through
 * the appliers given (the link shaper, libfaketime) and the nodes' testing API where the chain has one
 * (faults/appliers/testing-api.ts). Everything else (locks, fault record, waiting for the node to be back)
 * is the generic layer's (faults/node-control.ts); what a chain lacks it refuses, naming deployer and chain.
 */
import { LoadnetError } from '../../errors.js';
import { GenericNodeControl } from '../../faults/node-control.js';
import type { NodePrimitives, NodeRunState } from '../../faults/primitives.js';
import type { ClockSkewApplier, NetworkFaultApplier } from '../../faults/applier.js';
import { TestingApiApplier, TestingApiClock } from '../../faults/appliers/testing-api.js';
import { joinerSpawn } from '../joiner-spawn.js';
import type { LocalDeployment, LocalNode } from './local-deployment.js';
import { RosterPrimitives } from '../roster-primitives.js';

export interface LocalNodeControlOptions {
  /** Bound on each action's promised outcome. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
  /** Appliers tried before the testing API (e.g. the link shaper). */
  appliers?: readonly NetworkFaultApplier[];
  clock?: ClockSkewApplier;
}

export class LocalNodePrimitives extends RosterPrimitives<LocalNode, LocalDeployment> implements NodePrimitives {
  readonly deployer = 'local';
  readonly chain: string;
  readonly slotDurationMs: number;
  readonly appliers: readonly NetworkFaultApplier[];
  readonly clock?: ClockSkewApplier;
  readonly spawn?: NodePrimitives['spawn'];
  readonly staking?: NodePrimitives['staking'];

  constructor(deployment: LocalDeployment, options: LocalNodeControlOptions = {}) {
    super(deployment);
    this.chain = deployment.chain.name;
    this.slotDurationMs = deployment.spec.consensus.slotDurationMs;
    const ref = (name: string) => {
      const n = deployment.get(name);
      return { client: n.run.client, peerId: n.run.descriptor.peerId };
    };
    const testingApi = deployment.chain.capabilities.has('testing-faults');
    this.appliers = [...(options.appliers ?? []), ...(testingApi ? [new TestingApiApplier(ref, options.actionTimeoutMs ?? Math.max(10_000, 10 * this.slotDurationMs))] : [])];
    const clock = options.clock ?? (testingApi ? new TestingApiClock(ref) : undefined);
    if (clock) this.clock = clock;
    if (deployment.chain.capabilities.has('joiners')) {
      const rules = () => {
        if (!deployment.joiners) throw new LoadnetError('LN_ERR_NODE_CONTROL', `chain '${this.chain}' planned no runtime joiners on the local deployer`);
        return deployment.joiners;
      };
      this.spawn = joinerSpawn(rules, deployment, () => this.names());
    }
    if (deployment.chain.capabilities.has('staking')) {
      // Made with the plan, after this (like the joiners).
      const staking = () => {
        if (!deployment.staking) throw new LoadnetError('LN_ERR_NODE_CONTROL', `chain '${this.chain}' planned no on-chain staking on the local deployer`);
        return deployment.staking;
      };
      this.staking = { declare: (name, amount) => staking().declare(name, amount), withdraw: (name) => staking().withdraw(name) };
    }
  }

  async start(name: string): Promise<void> {
    this.deployment.get(name).proc.start();
  }
  async stop(name: string): Promise<void> {
    const n = this.deployment.get(name);
    await n.proc.stop(this.deployment.stopGraceMs(n));
  }
  async kill(name: string): Promise<void> {
    await this.deployment.get(name).proc.kill();
  }
  async pause(name: string): Promise<void> {
    this.deployment.get(name).proc.pause();
  }
  async resume(name: string): Promise<void> {
    this.deployment.get(name).proc.resume();
  }
  async state(name: string): Promise<NodeRunState> {
    const proc = this.deployment.get(name).proc;
    if (!proc.running) return 'stopped';
    return proc.state() === 'T' ? 'paused' : 'running';
  }
  checkAlive(name: string): void {
    const exit = this.deployment.get(name).proc.lastExit;
    if (exit && !exit.expected) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} exited (code ${exit.code}, signal ${exit.signal}); last log lines:\n${this.deployment.logTail(name)}`, { hint: `full log: nodes/${name}/node.log in the run directory` });
    }
  }

  async remove(name: string): Promise<void> {
    const node = this.deployment.get(name);
    node.removed = true;
    await node.proc.stop(this.deployment.stopGraceMs(node));
  }
}

export function localNodeControl(deployment: LocalDeployment, options: LocalNodeControlOptions = {}): GenericNodeControl {
  return new GenericNodeControl(new LocalNodePrimitives(deployment, options), deployment.record.events, { actionTimeoutMs: options.actionTimeoutMs });
}
