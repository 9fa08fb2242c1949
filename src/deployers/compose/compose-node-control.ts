/**
 * Node control for containers, through the engine: restart/stop/start/kill/pause/unpause, startNode and
 * removeNode; network faults in the kernel (iptables in each container's namespace, network-faults.ts).
 * Same semantics as the local deployer's: each action waits for the outcome it promises with a timeout
 * (a node brought back answers, has a peer and caught up) and records its fault interval; actions on one
 * node are serialised. Delay and jitter have no kernel mechanism here (no netem qdisc): they go to the
 * node's testing API instead, and the fault record says so.
 */
import { LoadnetError } from '../../errors.js';
import { nowMs, sleep } from '../../util/clock.js';
import type { LinkFaultOptions, NodeControl, NodeDescriptor, StartNodeOptions } from '../../runtime/contracts.js';
import { FaultRecorder } from '../../runtime/faults.js';
import { waitRecovered } from '../../runtime/recovery.js';
import { defaultJoinPeers, devnetRole, plannedJoiner } from '../../adapters/devnet/plan.js';
import type { ComposeDeployment, ComposeNode } from './compose-deployment.js';
import { dockerError, isNotModified } from './engine.js';
import { applyFaults, checkFaultTools, NetworkFaultState } from './network-faults.js';
import { PerKeyQueue } from '../../util/per-key-queue.js';

export interface ComposeNodeControlOptions {
  /** Bound on each action's promised outcome. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace of stop and restart. */
  stopGraceMs: number;
}

export const DELAY_FALLBACK = 'node testing API (this kernel has no netem qdisc for kernel-level delay)';

export class ComposeNodeControl implements NodeControl {
  private readonly faults: FaultRecorder;
  private readonly net = new NetworkFaultState();
  private readonly queue = new PerKeyQueue();
  private readonly timeoutMs: number;
  /** Links whose delay/jitter went to the testing API (so heal clears them there too). */
  private readonly apiDelayed = new Set<string>();

  constructor(private readonly deployment: ComposeDeployment, private readonly options: ComposeNodeControlOptions) {
    this.timeoutMs = options.actionTimeoutMs ?? Math.max(30_000, 20 * deployment.plan.consensus.slotDurationMs);
    this.faults = new FaultRecorder(deployment.record.events);
  }

  private container(node: ComposeNode) {
    return this.deployment.docker.getContainer(node.containerId);
  }

  private async engine<T>(node: ComposeNode, doing: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (e) {
      if (isNotModified(e)) return undefined;
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `${doing} ${node.planned.name}: ${dockerError(`${doing} container ${node.containerName}`, e).message}`, { cause: e });
    }
  }

  private async running(node: ComposeNode): Promise<{ running: boolean; paused: boolean }> {
    const info = await this.container(node).inspect();
    return { running: info.State.Running, paused: info.State.Paused };
  }

  /** After a (re)start the container has a fresh network namespace: put the fault rules back. */
  private async reapplyFaults(): Promise<void> {
    if (this.net.isEmpty()) return;
    await applyFaults(this.net, await this.deployment.faultTargets());
  }

  private async recovered(node: ComposeNode): Promise<Record<string, unknown>> {
    const others = this.deployment.liveNodes().filter((n) => n !== node).map((n) => n.run.client);
    const r = await waitRecovered(node.planned.name, node.run.client, others, {
      timeoutMs: this.timeoutMs,
      needsPeer: node.expectedPeers > 0,
      check: () => {
        if (node.lastExit && !node.lastExit.expected) {
          throw new LoadnetError('LN_ERR_NODE_CONTROL', `${node.planned.name} exited while recovering (code ${node.lastExit.code}); see nodes/${node.planned.name}/node.log`);
        }
      },
    });
    return { height: r.height, target: r.target, recoveryMs: Math.round(r.elapsedMs) };
  }

  private async bringBack(node: ComposeNode): Promise<void> {
    await this.deployment.startContainer(node);
    await this.reapplyFaults();
    await this.faults.closeAfter(node.planned.name, () => this.recovered(node));
  }

  restart(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, () =>
      this.faults.interval('restart', name, async () => {
        node.stopping = true;
        node.log.note('restart (loadnet node control)');
        await this.engine(node, 'stop', () => this.container(node).stop({ t: Math.ceil(this.options.stopGraceMs / 1000) }));
        await this.deployment.startContainer(node);
        await this.reapplyFaults();
        await this.recovered(node);
      }),
    );
  }

  stop(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      this.faults.openFor(name, 'stop', name);
      node.stopping = true;
      node.log.note('stop (loadnet node control)');
      await this.engine(node, 'stop', () => this.container(node).stop({ t: Math.ceil(this.options.stopGraceMs / 1000) }));
    });
  }

  kill(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      this.faults.openFor(name, 'kill', name);
      node.stopping = true;
      node.log.note('kill -9 (loadnet node control)');
      await this.engine(node, 'kill', () => this.container(node).kill({ signal: 'SIGKILL' }));
      // The engine answers before the container is fully down; wait for it.
      await this.engine(node, 'wait for', () => this.container(node).wait({ condition: 'not-running' }));
    });
  }

  start(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      if ((await this.running(node)).running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `start: ${name} is already running; stop or kill it first`);
      if (!this.faults.hasOpen(name)) this.faults.openFor(name, 'start', name);
      await this.bringBack(node);
    });
  }

  pause(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      if (!(await this.running(node)).running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `pause: ${name} is not running`);
      this.faults.openFor(name, 'pause', name);
      await this.engine(node, 'pause', () => this.container(node).pause());
      const started = nowMs();
      while (!(await this.running(node)).paused) {
        if (nowMs() - started > this.timeoutMs) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} did not freeze within ${this.timeoutMs} ms`);
        await sleep(20);
      }
    });
  }

  resume(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, async () => {
      const state = await this.running(node);
      if (!state.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `resume: ${name} is not running (it was stopped or killed: use start)`);
      if (state.paused) await this.engine(node, 'unpause', () => this.container(node).unpause());
      await this.faults.closeAfter(name, () => this.recovered(node));
    });
  }

  async startNode(options: StartNodeOptions = {}): Promise<NodeDescriptor> {
    const live = this.deployment.liveNodes().map((n) => n.planned.name);
    const peers = options.peers ?? defaultJoinPeers(this.deployment.plan.scenario.topology.shape, live);
    for (const p of peers) this.deployment.get(p);
    const role = devnetRole(options.role ?? 'validator');
    const label = options.name ?? `${role}-join`;
    return this.faults.interval('start-node', label, async () => {
      const node = await this.deployment.addJoiner(role, options.name, peers, (i, r, n) => plannedJoiner(this.deployment.plan, i, r, n));
      return this.queue.run(node.planned.name, async () => {
        await this.reapplyFaults();
        try {
          await this.recovered(node);
        } catch (e) {
          await this.deployment.removeContainer(node);
          throw e;
        }
        return node.run.descriptor;
      });
    }, { role, peers, ...(options.name ? { name: options.name } : {}) });
  }

  removeNode(name: string): Promise<void> {
    const node = this.deployment.get(name);
    return this.queue.run(name, () =>
      this.faults.interval('remove-node', name, async () => {
        this.faults.closeOpen(name, { ok: true, detail: { endedBy: 'remove-node' } });
        await this.deployment.removeContainer(node);
        this.net.forget(name);
        await this.reapplyFaults();
      }),
    );
  }

  /** Installs the current fault state in every running container. */
  private async install(): Promise<void> {
    checkFaultTools();
    await applyFaults(this.net, await this.deployment.faultTargets());
  }

  async partition(groupA: string[], groupB: string[]): Promise<void> {
    if (groupA.length === 0 || groupB.length === 0) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `partition: needs two non-empty, disjoint groups; got [${groupA.join(', ')}] and [${groupB.join(', ')}]`);
    }
    for (const n of [...groupA, ...groupB]) this.deployment.get(n);
    checkFaultTools();
    this.net.partition(groupA, groupB);
    this.faults.openFor('partition', 'partition', groupA.join(','), { groupA, groupB, mechanism: 'iptables DROP in the containers\' network namespaces' });
    try {
      await this.install();
    } catch (e) {
      this.faults.closeOpen('partition', { ok: false, error: (e as Error).message });
      throw e;
    }
  }

  async heal(): Promise<void> {
    this.net.heal();
    await this.install();
    await Promise.all(
      [...this.apiDelayed].map(async (k) => {
        const [node, peer] = k.split('\u0000') as [string, string];
        const n = this.deployment.liveNodes().find((x) => x.planned.name === node);
        const p = this.deployment.liveNodes().find((x) => x.planned.name === peer);
        if (n && p) await n.run.client.network?.setLinkFault(p.planned.peerId, { delayMs: 0, jitterMs: 0, loss: 0 });
      }),
    );
    this.apiDelayed.clear();
    this.faults.closeOpen('partition', { ok: true, detail: { healed: true } });
    const names = [...this.deployment.liveNodes().map((n) => n.planned.name)];
    for (const a of names) {
      for (const b of names) {
        this.faults.closeOpen(`block:${a}:${b}`, { ok: true, detail: { healed: true } });
        this.faults.closeOpen(`link:${a}:${b}`, { ok: true, detail: { healed: true } });
      }
    }
  }

  async blockPeer(node: string, peer: string): Promise<void> {
    this.deployment.get(node);
    this.deployment.get(peer);
    checkFaultTools();
    this.net.blockPeer(node, peer);
    this.faults.openFor(`block:${node}:${peer}`, 'block-peer', node, { peer, mechanism: 'iptables DROP' });
    try {
      await this.install();
    } catch (e) {
      this.faults.closeOpen(`block:${node}:${peer}`, { ok: false, error: (e as Error).message });
      throw e;
    }
  }

  async unblockPeer(node: string, peer: string): Promise<void> {
    this.deployment.get(node);
    this.deployment.get(peer);
    this.net.unblockPeer(node, peer);
    await this.install();
    this.faults.closeOpen(`block:${node}:${peer}`, { ok: true });
  }

  async setLinkFault(node: string, peer: string, fault: LinkFaultOptions): Promise<void> {
    const n = this.deployment.get(node);
    const p = this.deployment.get(peer);
    const loss = fault.loss ?? 0;
    if (!(loss >= 0 && loss <= 1)) throw new LoadnetError('LN_ERR_NODE_CONTROL', `setLinkFault: loss ${JSON.stringify(fault.loss)} is not allowed; allowed: a fraction 0..1`);
    const delayed = (fault.delayMs ?? 0) > 0 || (fault.jitterMs ?? 0) > 0;
    const key = `${node}\u0000${peer}`;
    if (delayed || this.apiDelayed.has(key)) {
      if (!n.run.descriptor.testingUrl || !n.run.client.network) {
        throw new LoadnetError('LN_ERR_NODE_CONTROL', `setLinkFault: delay and jitter need the netem qdisc, which this kernel lacks, or the node's testing API, which is off for ${node}`, {
          hint: 'enable node control in the scenario (it turns the testing API on), or set only `loss` (iptables statistic match)',
        });
      }
      await n.run.client.network.setLinkFault(p.planned.peerId, { delayMs: fault.delayMs ?? 0, jitterMs: fault.jitterMs ?? 0, loss: 0 });
      if (delayed) this.apiDelayed.add(key);
      else this.apiDelayed.delete(key);
    }
    checkFaultTools();
    this.net.setLoss(node, peer, loss);
    await this.install();
    const faultKey = `link:${node}:${peer}`;
    if (!delayed && loss === 0) this.faults.closeOpen(faultKey, { ok: true });
    else {
      this.faults.openFor(faultKey, 'link-fault', node, {
        peer,
        ...fault,
        mechanism: { ...(loss > 0 ? { loss: 'iptables statistic match (kernel)' } : {}), ...(delayed ? { delay: DELAY_FALLBACK } : {}) },
      });
    }
  }

  /** At teardown: close open intervals so the record has no dangling fault. */
  close(): void {
    this.faults.closeAll('teardown');
  }
}
