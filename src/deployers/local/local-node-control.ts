/**
 * The local deployer's node primitives: the devnet's nodes as child processes on loopback. Stop, kill,
 * pause, resume and start act on the process; a joiner is a fresh identity with its own ports; network
 * faults and clock skew go through the nodes' testing API (faults/appliers/testing-api.ts). Everything
 * else (locks, fault record, waiting for the node to be back) is the generic layer's (faults/node-control.ts).
 */
import { LoadnetError } from '../../errors.js';
import { GenericNodeControl } from '../../faults/node-control.js';
import type { NodePrimitives, NodeRunState } from '../../faults/primitives.js';
import type { ClockSkewApplier, NetworkFaultApplier } from '../../faults/applier.js';
import { TestingApiApplier, TestingApiClock } from '../../faults/appliers/testing-api.js';
import { devnetSpawn } from '../devnet-joiners.js';
import type { LocalDeployment } from './local-deployment.js';

export interface LocalNodeControlOptions {
  /** Bound on each action's promised outcome. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
  stopGraceMs?: number;
  /** Appliers tried before the testing API (e.g. the link shaper). */
  appliers?: readonly NetworkFaultApplier[];
  clock?: ClockSkewApplier;
}

export class LocalNodePrimitives implements NodePrimitives {
  readonly deployer = 'local';
  readonly chain = 'devnet';
  readonly slotDurationMs: number;
  readonly appliers: readonly NetworkFaultApplier[];
  readonly clock: ClockSkewApplier;

  constructor(private readonly deployment: LocalDeployment, private readonly options: LocalNodeControlOptions = {}) {
    this.slotDurationMs = deployment.plan.consensus.slotDurationMs;
    this.spawn = devnetSpawn(deployment, () => this.names());
    const ref = (name: string) => {
      const n = deployment.get(name);
      return { client: n.run.client, peerId: n.planned.peerId };
    };
    this.appliers = [...(options.appliers ?? []), new TestingApiApplier(ref, options.actionTimeoutMs ?? Math.max(10_000, 10 * this.slotDurationMs))];
    this.clock = options.clock ?? new TestingApiClock(ref);
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
    this.deployment.get(name).proc.start();
  }
  async stop(name: string): Promise<void> {
    await this.deployment.get(name).proc.stop(this.options.stopGraceMs);
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

  readonly spawn: NonNullable<NodePrimitives['spawn']>;

  async remove(name: string): Promise<void> {
    const node = this.deployment.get(name);
    node.removed = true;
    await node.proc.stop(this.options.stopGraceMs);
  }
}

export function localNodeControl(deployment: LocalDeployment, options: LocalNodeControlOptions = {}): GenericNodeControl {
  return new GenericNodeControl(new LocalNodePrimitives(deployment, options), deployment.record.events, { actionTimeoutMs: options.actionTimeoutMs });
}
