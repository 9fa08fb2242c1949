/**
 * Node primitives of a ProgramDeployment (a chain's own programs in containers, e.g. anvil): stop, start,
 * kill, pause and resume of the containers through the engine. A restart starts the same container again,
 * its node directory (the program's state file) still mounted. Network faults only through the nodes' testing
 * API, where the chain has one; no runtime joiners: the generic layer refuses them, naming deployer and chain.
 */
import { LoadnetError } from '../../errors.js';
import { GenericNodeControl } from '../../faults/node-control.js';
import type { NodePrimitives } from '../../faults/primitives.js';
import type { ClockSkewApplier, NetworkFaultApplier } from '../../faults/applier.js';
import { TestingApiApplier, TestingApiClock } from '../../faults/appliers/testing-api.js';
import type { ProgramDeployment, ProgramNode } from './program-deployment.js';
import { ContainerPrimitives } from './container-node.js';

export class ProgramNodePrimitives extends ContainerPrimitives<ProgramNode, ProgramDeployment> implements NodePrimitives {
  readonly deployer = 'compose';
  readonly chain: string;
  readonly slotDurationMs: number;
  readonly appliers: readonly NetworkFaultApplier[];
  readonly clock?: ClockSkewApplier;

  constructor(deployment: ProgramDeployment, actionTimeoutMs?: number) {
    super(deployment);
    this.chain = deployment.chain.name;
    this.slotDurationMs = deployment.spec.consensus.slotDurationMs;
    const ref = (name: string) => {
      const n = deployment.get(name);
      return { client: n.run.client, peerId: n.run.descriptor.peerId };
    };
    const testingApi = deployment.chain.capabilities.has('testing-faults');
    this.appliers = testingApi ? [new TestingApiApplier(ref, actionTimeoutMs ?? Math.max(10_000, 10 * this.slotDurationMs))] : [];
    if (testingApi) this.clock = new TestingApiClock(ref);
  }

  checkAlive(name: string): void {
    const node = this.deployment.get(name);
    if (node.lastExit && !node.lastExit.expected) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} exited (code ${node.lastExit.code}); last log lines:\n${this.deployment.logTail(name)}`);
  }
}

export function programNodeControl(deployment: ProgramDeployment, options: { actionTimeoutMs?: number } = {}): GenericNodeControl {
  return new GenericNodeControl(new ProgramNodePrimitives(deployment, options.actionTimeoutMs), deployment.record.events, { actionTimeoutMs: options.actionTimeoutMs });
}
