/**
 * Node primitives for a ProcessDeployment (a chain's processes as its adapter plans them): stop, start,
 * kill, pause, resume of the processes. Such a chain has no runtime joiners and no network fault applier
 * (its nodes take no testing API), so the generic layer refuses those, naming the deployer and the chain.
 */
import { LoadnetError } from '../../errors.js';
import { GenericNodeControl } from '../../faults/node-control.js';
import type { NodePrimitives, NodeRunState } from '../../faults/primitives.js';
import type { NetworkFaultApplier } from '../../faults/applier.js';
import type { ProcessDeployment, ProcessNode } from './process-deployment.js';

export class ProcessNodePrimitives implements NodePrimitives {
  readonly deployer = 'local';
  readonly chain: string;
  readonly slotDurationMs: number;
  readonly appliers: readonly NetworkFaultApplier[] = [];

  constructor(private readonly deployment: ProcessDeployment) {
    this.chain = deployment.chain.name;
    this.slotDurationMs = deployment.spec.consensus.slotDurationMs;
  }

  private node(name: string): ProcessNode {
    return this.deployment.get(name);
  }
  names(): string[] {
    return this.deployment.all().map((n) => n.name);
  }
  client(name: string) {
    return this.node(name).run.client;
  }
  expectedPeers(name: string): number {
    this.node(name);
    return 0;
  }
  async start(name: string): Promise<void> {
    this.node(name).proc.start();
  }
  async stop(name: string): Promise<void> {
    const n = this.node(name);
    await n.proc.stop(this.deployment.stopGraceMs(n));
  }
  async kill(name: string): Promise<void> {
    await this.node(name).proc.kill();
  }
  async pause(name: string): Promise<void> {
    this.node(name).proc.pause();
  }
  async resume(name: string): Promise<void> {
    this.node(name).proc.resume();
  }
  async state(name: string): Promise<NodeRunState> {
    const proc = this.node(name).proc;
    if (!proc.running) return 'stopped';
    return proc.state() === 'T' ? 'paused' : 'running';
  }
  checkAlive(name: string): void {
    const exit = this.node(name).proc.lastExit;
    if (exit && !exit.expected) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} exited (code ${exit.code}, signal ${exit.signal}); last log lines:\n${this.deployment.logTail(name)}`);
  }
}

export function processNodeControl(deployment: ProcessDeployment, options: { actionTimeoutMs?: number } = {}): GenericNodeControl {
  return new GenericNodeControl(new ProcessNodePrimitives(deployment), deployment.record.events, { actionTimeoutMs: options.actionTimeoutMs });
}
