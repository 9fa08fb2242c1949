/**
 * Node control for a ProcessDeployment: restart, stop, start, kill, pause, resume of the chain's processes,
 * each waiting for the outcome it promises (runtime/recovery.ts: the node answers and caught up), fault
 * intervals in the event log. What needs more than processes (new nodes, network faults) is refused naming
 * the chain, since its adapter plans no such thing.
 */
import { LoadnetError } from '../../errors.js';
import { nowMs, sleep } from '../../util/clock.js';
import type { NodeControl, NodeDescriptor } from '../../runtime/contracts.js';
import { FaultRecorder } from '../../runtime/faults.js';
import { waitRecovered } from '../../runtime/recovery.js';
import type { ProcessDeployment, ProcessNode } from './process-deployment.js';
import { PerKeyQueue } from '../../util/per-key-queue.js';

export class ProcessNodeControl implements NodeControl {
  private readonly faults: FaultRecorder;
  private readonly queue = new PerKeyQueue();
  private readonly timeoutMs: number;

  constructor(private readonly deployment: ProcessDeployment, options: { actionTimeoutMs?: number } = {}) {
    this.timeoutMs = options.actionTimeoutMs ?? Math.max(30_000, 20 * deployment.spec.consensus.slotDurationMs);
    this.faults = new FaultRecorder(deployment.record.events);
  }

  close(): void {
    this.faults.closeAll('teardown');
  }

  private async recovered(node: ProcessNode): Promise<Record<string, unknown>> {
    const others = this.deployment.all().filter((n) => n !== node && n.proc.running).map((n) => n.run.client);
    const r = await waitRecovered(node.name, node.run.client, others, {
      timeoutMs: this.timeoutMs,
      needsPeer: false,
      check: () => {
        const exit = node.proc.lastExit;
        if (exit && !exit.expected) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${node.name} exited while recovering (code ${exit.code}, signal ${exit.signal}); last log lines:\n${this.deployment.logTail(node.name)}`);
      },
    });
    return { height: r.height, target: r.target, recoveryMs: Math.round(r.elapsedMs) };
  }

  restart(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, () =>
      this.faults.interval('restart', name, async () => {
        await node.proc.stop(this.deployment.stopGraceMs(node));
        node.proc.start();
        await this.recovered(node);
      }),
    );
  }

  stop(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      this.faults.openFor(name, 'stop', name);
      await node.proc.stop(this.deployment.stopGraceMs(node));
    });
  }

  kill(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      this.faults.openFor(name, 'kill', name);
      await node.proc.kill();
    });
  }

  start(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      if (node.proc.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `start: ${name} is already running; stop or kill it first`);
      if (!this.faults.hasOpen(name)) this.faults.openFor(name, 'start', name);
      node.proc.start();
      await this.faults.closeAfter(name, () => this.recovered(node));
    });
  }

  pause(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      if (!node.proc.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `pause: ${name} is not running`);
      this.faults.openFor(name, 'pause', name);
      node.proc.pause();
      const started = nowMs();
      while (node.proc.state() !== 'T') {
        if (nowMs() - started > this.timeoutMs) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} did not stop (SIGSTOP) within ${this.timeoutMs} ms`);
        await sleep(10);
      }
    });
  }

  resume(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      if (!node.proc.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `resume: ${name} is not running (it was stopped or killed: use start)`);
      node.proc.resume();
      await this.faults.closeAfter(name, () => this.recovered(node));
    });
  }

  private refuse(what: string): never {
    throw new LoadnetError('LN_ERR_NODE_CONTROL', `${what}: chain '${this.deployment.chain.name}' has no such control (its local nodes are plain processes: restart, stop, start, kill, pause, resume)`);
  }

  startNode(): Promise<NodeDescriptor> {
    return Promise.reject(new LoadnetError('LN_ERR_NODE_CONTROL', `startNode: chain '${this.deployment.chain.name}' has no runtime joiners`));
  }
  async removeNode(): Promise<void> {
    this.refuse('removeNode');
  }
  async partition(): Promise<void> {
    this.refuse('partition');
  }
  async heal(): Promise<void> {
    // nothing to heal: no network faults on this chain
  }
  async blockPeer(): Promise<void> {
    this.refuse('blockPeer');
  }
  async unblockPeer(): Promise<void> {
    this.refuse('unblockPeer');
  }
  async setLinkFault(): Promise<void> {
    this.refuse('setLinkFault');
  }
}
