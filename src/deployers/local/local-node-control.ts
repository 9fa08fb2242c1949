/**
 * Node control for local processes. Each action waits for the outcome it promises, bounded by a timeout:
 * stop/kill → the process exited; pause → the kernel reports it stopped; start/resume/restart → the node
 * answers, has a peer and caught up with the others (runtime/recovery.ts); startNode → a fresh identity
 * joined and synced; removeNode → gone for good. Actions on one node are serialised. Fault intervals go
 * to the event log (a stop/kill/pause stays open until the node is back). Network faults go through the
 * nodes' testing API.
 */
import { LoadnetError } from '../../errors.js';
import { nowMs, sleep } from '../../util/clock.js';
import type { LinkFaultOptions, NodeControl, NodeDescriptor, StartNodeOptions } from '../../runtime/contracts.js';
import { FaultRecorder } from '../../runtime/faults.js';
import { waitRecovered } from '../../runtime/recovery.js';
import { TestingApiNetwork } from '../../runtime/testing-api-network.js';
import { defaultJoinPeers, devnetRole, plannedJoiner } from '../../adapters/devnet/plan.js';
import type { LocalDeployment, LocalNode } from './local-deployment.js';
import { PerKeyQueue } from '../../util/per-key-queue.js';

export interface LocalNodeControlOptions {
  /** Bound on each action's promised outcome. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
  stopGraceMs?: number;
}

export class LocalNodeControl implements NodeControl {
  private readonly faults: FaultRecorder;
  private readonly network: TestingApiNetwork;
  private readonly queue = new PerKeyQueue();
  private readonly timeoutMs: number;

  constructor(private readonly deployment: LocalDeployment, private readonly options: LocalNodeControlOptions = {}) {
    const slot = deployment.plan.consensus.slotDurationMs;
    this.timeoutMs = options.actionTimeoutMs ?? Math.max(30_000, 20 * slot);
    this.faults = new FaultRecorder(deployment.record.events);
    this.network = new TestingApiNetwork(
      (name) => {
        const n = deployment.get(name);
        return { client: n.run.client, peerId: n.planned.peerId };
      },
      () => deployment.liveNodes().map((n) => n.planned.name),
      this.faults,
      this.timeoutMs,
    );
  }

  private async recovered(node: LocalNode): Promise<Record<string, unknown>> {
    const others = this.deployment.liveNodes().filter((n) => n !== node && n.proc.running).map((n) => n.run.client);
    const r = await waitRecovered(node.planned.name, node.run.client, others, {
      timeoutMs: this.timeoutMs,
      needsPeer: node.expectedPeers > 0,
      check: () => {
        const exit = node.proc.lastExit;
        if (exit && !exit.expected) {
          throw new LoadnetError('LN_ERR_NODE_CONTROL', `${node.planned.name} exited while recovering (code ${exit.code}, signal ${exit.signal}); last log lines:\n${this.deployment.logTail(node.planned.name)}`, { hint: `full log: nodes/${node.planned.name}/node.log in the run directory` });
        }
      },
    });
    return { height: r.height, target: r.target, recoveryMs: Math.round(r.elapsedMs) };
  }

  private async waitStopped(node: LocalNode): Promise<void> {
    const started = nowMs();
    while (node.proc.state() !== 'T') {
      if (!node.proc.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${node.planned.name} exited instead of pausing`);
      if (nowMs() - started > this.timeoutMs) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${node.planned.name} did not stop (SIGSTOP) within ${this.timeoutMs} ms`);
      await sleep(10);
    }
  }

  async restart(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, () =>
      this.faults.interval('restart', name, async () => {
        await node.proc.stop(this.options.stopGraceMs);
        node.proc.start();
        await this.recovered(node);
      }),
    );
  }

  async stop(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      this.faults.openFor(name, 'stop', name);
      await node.proc.stop(this.options.stopGraceMs);
    });
  }

  async kill(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      this.faults.openFor(name, 'kill', name);
      await node.proc.kill();
    });
  }

  async start(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      if (node.proc.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `start: ${name} is already running; stop or kill it first`);
      if (!this.faults.hasOpen(name)) this.faults.openFor(name, 'start', name);
      node.proc.start();
      await this.faults.closeAfter(name, () => this.recovered(node));
    });
  }

  async pause(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      if (!node.proc.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `pause: ${name} is not running`);
      this.faults.openFor(name, 'pause', name);
      node.proc.pause();
      await this.waitStopped(node);
    });
  }

  async resume(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      if (!node.proc.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `resume: ${name} is not running (it was stopped or killed: use start)`);
      node.proc.resume();
      await this.faults.closeAfter(name, () => this.recovered(node));
    });
  }

  async startNode(options: StartNodeOptions = {}): Promise<NodeDescriptor> {
    const live = this.deployment.liveNodes().map((n) => n.planned.name);
    const peers = options.peers ?? defaultJoinPeers(this.deployment.plan.scenario.topology.shape, live);
    for (const p of peers) this.deployment.get(p);
    const role = devnetRole(options.role ?? 'validator');
    const joiner = this.deployment.nextJoiner(role, options.name);
    return this.faults.interval('start-node', joiner.name, async () => {
      const node = await this.deployment.addJoiner(role, joiner, peers, (i, r, n) => plannedJoiner(this.deployment.plan, i, r, n));
      return this.queue.run(node.planned.name, async () => {
        try {
          await this.recovered(node);
        } catch (e) {
          node.removed = true;
          await node.proc.stop(this.options.stopGraceMs);
          throw e;
        }
        return node.run.descriptor;
      });
    }, { role, peers });
  }

  async removeNode(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, () =>
      this.faults.interval('remove-node', name, async () => {
        this.faults.closeOpen(name, { ok: true, detail: { endedBy: 'remove-node' } });
        node.removed = true;
        await node.proc.stop(this.options.stopGraceMs);
      }),
    );
  }

  async partition(groupA: string[], groupB: string[]): Promise<void> {
    return this.network.partition(groupA, groupB);
  }

  async heal(): Promise<void> {
    return this.network.heal();
  }

  async blockPeer(node: string, peer: string): Promise<void> {
    return this.network.blockPeer(node, peer);
  }

  async unblockPeer(node: string, peer: string): Promise<void> {
    return this.network.unblockPeer(node, peer);
  }

  async setLinkFault(node: string, peer: string, fault: LinkFaultOptions): Promise<void> {
    return this.network.setLinkFault(node, peer, fault);
  }

  /** At teardown: close open intervals so the record has no dangling fault. */
  close(): void {
    this.faults.closeAll('teardown');
  }
}
