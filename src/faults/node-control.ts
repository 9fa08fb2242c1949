/**
 * The generic node control: one layer over every deployer's primitives (faults/primitives.ts). It owns what
 * each deployer used to carry on its own: the per-node locks (one action at a time per node), the fault
 * record (`fault.start`/`fault.end`, a take-down open until the node is back), "the node is back"
 * (faults/recovered.ts), the set of nodes down now (for every max-down guard), and network and clock faults
 * as desired state rendered by the deployment's appliers, re-applied whenever a node (re)starts.
 */
import { LoadnetError } from '../errors.js';
import { nowMs, sleep } from '../util/clock.js';
import { PerKeyQueue } from '../util/per-key-queue.js';
import type { ClockSkewOptions, EventLog, FaultCapabilities, FaultKind, LinkFaultOptions, LinkShapeEntry, NodeControl, NodeDescriptor, RemoveNodeOptions, StartNodeOptions } from '../runtime/contracts.js';
import { applyState, capabilitiesOf, linkRecordOf, mechanismOf, routeAppliers, unsupported } from './applier.js';
import { NetworkFaultState, shapeProperties, type LinkProperty, type LinkShape } from './network-state.js';
import type { NodePrimitives } from './primitives.js';
import { FaultRecorder } from './record.js';
import { waitRecovered } from './recovered.js';

export interface GenericNodeControlOptions {
  /** Bound on each action's promised outcome. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
}

const toShape = (f: LinkFaultOptions): LinkShape => ({ delayMs: f.delayMs ?? 0, jitterMs: f.jitterMs ?? 0, loss: f.loss ?? 0, rateBytesPerSec: f.rateBytesPerSec ?? 0 });

export class GenericNodeControl implements NodeControl {
  private readonly faults: FaultRecorder;
  private readonly queue = new PerKeyQueue();
  private readonly timeoutMs: number;
  private readonly net = new NetworkFaultState();
  private readonly route: ReturnType<typeof routeAppliers>;
  /** Link sets applied together (latency tiers, ...), by label, so they can be cleared together. */
  private readonly linkSets = new Map<string, LinkShapeEntry[]>();
  private readonly links = new Map<string, LinkFaultOptions>();
  private readonly skews = new Map<string, ClockSkewOptions>();
  private readonly takenDown = new Set<string>();

  constructor(private readonly nodes: NodePrimitives, events: EventLog, options: GenericNodeControlOptions = {}) {
    this.timeoutMs = options.actionTimeoutMs ?? Math.max(30_000, 20 * nodes.slotDurationMs);
    this.faults = new FaultRecorder(events);
    this.route = routeAppliers(nodes.appliers);
  }

  capabilities(): FaultCapabilities {
    return capabilitiesOf(this.nodes.deployer, this.nodes.chain, this.nodes.appliers, this.nodes.clock, this.nodes.spawn !== undefined, this.nodes.staking !== undefined);
  }

  down(): string[] {
    return [...this.takenDown];
  }

  // ---- "the node is back" ----

  private async recovered(name: string): Promise<Record<string, unknown>> {
    const others = this.nodes.names().filter((n) => n !== name && !this.takenDown.has(n)).map((n) => this.nodes.client(n));
    const r = await waitRecovered(name, this.nodes.client(name), others, { timeoutMs: this.timeoutMs, needsPeer: this.nodes.expectedPeers(name) > 0 && !this.isolated(name), check: () => this.nodes.checkAlive(name) });
    return { height: r.height, target: r.target, recoveryMs: Math.round(r.elapsedMs) };
  }

  /** Cut from every other node: it cannot get a peer until healed. */
  private isolated(name: string): boolean {
    const others = this.nodes.names().filter((n) => n !== name);
    return others.length > 0 && others.every((o) => this.net.isCut(name, o));
  }

  /** After a node (re)starts: its faults come back (a fresh process or namespace has none). */
  private async reapply(name: string): Promise<void> {
    if (!this.net.isEmpty()) await applyState(this.route, this.net, this.nodes.names());
    const skew = this.skews.get(name);
    if (skew) await this.nodes.clock?.apply(name, skew);
  }

  private async bringBack(name: string, launch: () => Promise<void>): Promise<void> {
    await launch();
    await this.reapply(name);
    await this.faults.closeAfter(name, () => this.recovered(name));
    this.takenDown.delete(name);
  }

  private takeDown(name: string, kind: FaultKind): void {
    this.faults.openFor(name, kind, name);
    this.takenDown.add(name);
  }

  // ---- process faults ----

  async restart(name: string): Promise<void> {
    this.nodes.expectedPeers(name);
    return this.queue.run(name, () =>
      this.faults.interval('restart', name, async () => {
        this.takenDown.add(name);
        try {
          await this.nodes.stop(name);
          await this.nodes.start(name);
          await this.reapply(name);
          await this.recovered(name);
        } finally {
          this.takenDown.delete(name);
        }
      }),
    );
  }

  async stop(name: string): Promise<void> {
    this.nodes.expectedPeers(name);
    return this.queue.run(name, async () => {
      this.takeDown(name, 'stop');
      await this.nodes.stop(name);
    });
  }

  async kill(name: string): Promise<void> {
    this.nodes.expectedPeers(name);
    return this.queue.run(name, async () => {
      this.takeDown(name, 'kill');
      await this.nodes.kill(name);
    });
  }

  async start(name: string): Promise<void> {
    this.nodes.expectedPeers(name);
    return this.queue.run(name, async () => {
      if ((await this.nodes.state(name)) !== 'stopped') throw new LoadnetError('LN_ERR_NODE_CONTROL', `start: ${name} is already running; stop or kill it first`);
      if (!this.faults.hasOpen(name)) this.takeDown(name, 'start');
      await this.bringBack(name, () => this.nodes.start(name));
    });
  }

  async pause(name: string): Promise<void> {
    this.nodes.expectedPeers(name);
    return this.queue.run(name, async () => {
      if ((await this.nodes.state(name)) === 'stopped') throw new LoadnetError('LN_ERR_NODE_CONTROL', `pause: ${name} is not running`);
      this.takeDown(name, 'pause');
      await this.nodes.pause(name);
      const started = nowMs();
      for (let state = await this.nodes.state(name); state !== 'paused'; state = await this.nodes.state(name)) {
        if (state === 'stopped') throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} exited instead of pausing`);
        if (nowMs() - started > this.timeoutMs) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name} did not freeze within ${this.timeoutMs} ms`);
        await sleep(10);
      }
    });
  }

  async resume(name: string): Promise<void> {
    this.nodes.expectedPeers(name);
    return this.queue.run(name, async () => {
      if ((await this.nodes.state(name)) === 'stopped') throw new LoadnetError('LN_ERR_NODE_CONTROL', `resume: ${name} is not running (it was stopped or killed: use start)`);
      await this.faults.closeAfter(name, async () => {
        await this.nodes.resume(name);
        return this.recovered(name);
      });
      this.takenDown.delete(name);
    });
  }

  // ---- membership ----

  async startNode(options: StartNodeOptions = {}): Promise<NodeDescriptor> {
    const spawn = this.nodes.spawn;
    if (!spawn) throw new LoadnetError('LN_ERR_NODE_CONTROL', `startNode: the ${this.nodes.deployer} deployer cannot add nodes to chain ${this.nodes.chain} at runtime`);
    const staking = options.stake ? this.nodes.staking : undefined;
    if (options.stake && !staking) throw new LoadnetError('LN_ERR_NODE_CONTROL', `startNode: chain ${this.nodes.chain} on the ${this.nodes.deployer} deployer has no on-chain staking: a joiner cannot stake`);
    const reserved = spawn.reserve(options);
    const ended: Record<string, unknown> = {};
    return this.faults.interval('start-node', reserved.name, () =>
      this.queue.run(reserved.name, async () => {
        const descriptor = await spawn.launch(reserved);
        try {
          await this.reapply(reserved.name);
          await this.recovered(reserved.name);
          if (staking) ended.stake = await staking.declare(reserved.name, options.stake!);
        } catch (e) {
          await this.nodes.remove?.(reserved.name);
          throw e;
        }
        return descriptor;
      }),
      { role: reserved.role, peers: reserved.peers, ...(options.stake ? { stake: options.stake } : {}) },
      ended,
    );
  }

  async removeNode(name: string, options: RemoveNodeOptions = {}): Promise<void> {
    this.nodes.expectedPeers(name);
    const remove = this.nodes.remove;
    if (!remove) throw (new LoadnetError('LN_ERR_NODE_CONTROL', `removeNode: the ${this.nodes.deployer} deployer cannot remove nodes of chain ${this.nodes.chain}`));
    const staking = options.deregister ? this.nodes.staking : undefined;
    if (options.deregister && !staking) throw new LoadnetError('LN_ERR_NODE_CONTROL', `removeNode: chain ${this.nodes.chain} on the ${this.nodes.deployer} deployer has no on-chain staking: ${name} cannot deregister`);
    const ended: Record<string, unknown> = {};
    return this.queue.run(name, () =>
      this.faults.interval('remove-node', name, async () => {
        if (staking) ended.deregistered = await staking.withdraw(name);
        this.faults.closeOpen(name, { ok: true, detail: { endedBy: 'remove-node' } });
        this.takenDown.delete(name);
        await remove.call(this.nodes, name);
        this.net.forget(name);
        this.skews.delete(name);
        if (!this.net.isEmpty()) await applyState(this.route, this.net, this.nodes.names());
      }, options.deregister ? { deregister: true } : undefined, ended),
    );
  }

  // ---- network faults (desired state, rendered by the appliers) ----

  private need(props: Iterable<LinkProperty>): void {
    for (const p of props) if (!this.route.has(p)) throw unsupported(this.nodes.deployer, this.nodes.chain, p, this.nodes.appliers);
  }

  private known(names: readonly string[]): void {
    for (const n of names) this.nodes.expectedPeers(n);
  }

  /** Render the state; on failure the interval under `key` ends not ok and the error is rethrown. */
  private async render(key: string): Promise<void> {
    try {
      await applyState(this.route, this.net, this.nodes.names());
    } catch (e) {
      this.faults.closeOpen(key, { ok: false, error: (e as Error).message });
      throw e;
    }
  }

  async partition(groupA: string[], groupB: string[]): Promise<void> {
    this.known([...groupA, ...groupB]);
    this.need(['cut']);
    this.net.partition(groupA, groupB);
    this.faults.openFor('partition', 'partition', groupA.join(','), { groupA, groupB, mechanism: mechanismOf(this.route, ['cut']) });
    await this.render('partition');
  }

  /** Cut these pairs (both directions) as one partition fault under `label`; `uncut(label)` or `heal()` lifts it. */
  async cut(label: string, pairs: ReadonlyArray<readonly [string, string]>, detail: Record<string, unknown> = {}): Promise<void> {
    this.known(pairs.flat());
    this.need(['cut']);
    this.net.cut(label, pairs);
    this.faults.openFor(`cut:${label}`, 'partition', label, { ...detail, pairs: pairs.length, mechanism: mechanismOf(this.route, ['cut']) });
    await this.render(`cut:${label}`);
  }

  async uncut(label: string): Promise<void> {
    this.net.uncut(label);
    await applyState(this.route, this.net, this.nodes.names());
    this.faults.closeOpen(`cut:${label}`, { ok: true, detail: { healed: true } });
  }

  async unpartition(): Promise<void> {
    this.net.unpartition();
    await applyState(this.route, this.net, this.nodes.names());
    this.faults.closeOpen('partition', { ok: true, detail: { healed: true } });
  }

  async heal(): Promise<void> {
    const hadState = !this.net.isEmpty();
    this.net.heal();
    if (hadState || this.route.size > 0) await applyState(this.route, this.net, this.nodes.names());
    this.faults.closeOpen('partition', { ok: true, detail: { healed: true } });
    this.faults.closeOpenPrefix('cut:', { ok: true, detail: { healed: true } });
    for (const label of [...this.linkSets.keys()]) this.faults.closeOpen(`links:${label}`, { ok: true, detail: { healed: true } });
    this.linkSets.clear();
    for (const k of [...this.links.keys()]) this.faults.closeOpen(`link:${k}`, { ok: true, detail: { healed: true } });
    this.links.clear();
    const names = this.nodes.names();
    for (const a of names) for (const b of names) this.faults.closeOpen(`block:${a}:${b}`, { ok: true, detail: { healed: true } });
  }

  async blockPeer(node: string, peer: string): Promise<void> {
    this.known([node, peer]);
    this.need(['cut']);
    this.net.blockPeer(node, peer);
    this.faults.openFor(`block:${node}:${peer}`, 'block-peer', node, { peer, mechanism: mechanismOf(this.route, ['cut']) });
    await this.render(`block:${node}:${peer}`);
  }

  async unblockPeer(node: string, peer: string): Promise<void> {
    this.known([node, peer]);
    this.net.unblockPeer(node, peer);
    await applyState(this.route, this.net, this.nodes.names());
    this.faults.closeOpen(`block:${node}:${peer}`, { ok: true });
  }

  /** The shape a link should have now: its own setting and every link set naming it, the larger of each. */
  private effective(from: string, to: string): LinkShape {
    const parts = [this.links.get(`${from}:${to}`), ...[...this.linkSets.values()].flatMap((set) => set.filter((l) => l.from === from && l.to === to))].filter((x): x is LinkFaultOptions => x !== undefined);
    const max = (f: keyof LinkFaultOptions) => Math.max(0, ...parts.map((p) => p[f] ?? 0));
    const rates = parts.map((p) => p.rateBytesPerSec ?? 0).filter((r) => r > 0);
    return { delayMs: max('delayMs'), jitterMs: max('jitterMs'), loss: max('loss'), rateBytesPerSec: rates.length ? Math.min(...rates) : 0 };
  }

  async setLinkFault(node: string, peer: string, fault: LinkFaultOptions): Promise<void> {
    this.known([node, peer]);
    const shape = toShape(fault);
    const props = shapeProperties({ cut: false, ...shape });
    this.need(props);
    const key = `${node}:${peer}`;
    if (props.length === 0) this.links.delete(key);
    else this.links.set(key, fault);
    this.net.shape(node, peer, this.effective(node, peer));
    if (props.length > 0) this.faults.openFor(`link:${key}`, 'link-fault', node, { peer, ...fault, ...linkRecordOf(this.route, props) });
    await this.render(`link:${key}`);
    if (props.length === 0) this.faults.closeOpen(`link:${key}`, { ok: true });
  }

  async shapeLinks(label: string, kind: FaultKind, links: readonly LinkShapeEntry[], detail: Record<string, unknown> = {}): Promise<void> {
    this.known(links.flatMap((l) => [l.from, l.to]));
    const props = new Set(links.flatMap((l) => shapeProperties({ cut: false, ...toShape(l) })));
    this.need(props);
    this.linkSets.set(label, [...links]);
    for (const l of links) this.net.shape(l.from, l.to, this.effective(l.from, l.to));
    this.faults.openFor(`links:${label}`, kind, label, { ...detail, links: links.length, ...linkRecordOf(this.route, props) });
    await this.render(`links:${label}`);
  }

  async clearLinks(label: string): Promise<void> {
    const set = this.linkSets.get(label);
    if (!set) return;
    this.linkSets.delete(label);
    for (const l of set) this.net.shape(l.from, l.to, this.effective(l.from, l.to));
    await applyState(this.route, this.net, this.nodes.names());
    this.faults.closeOpen(`links:${label}`, { ok: true, detail: { healed: true } });
  }

  // ---- clock faults ----

  async setClockSkew(node: string, skew: ClockSkewOptions | undefined): Promise<void> {
    this.known([node]);
    const clock = this.nodes.clock;
    if (!clock) throw new LoadnetError('LN_ERR_NODE_CONTROL', `the ${this.nodes.deployer} deployer cannot skew clocks of chain ${this.nodes.chain}: no clock applier (libfaketime or a testing API)`);
    if (skew?.jitterMs && !clock.renders.jitter) throw new LoadnetError('LN_ERR_NODE_CONTROL', `clock skew on ${node}: the ${clock.name} clock applier cannot add jitter`);
    if (skew?.driftPpm && !clock.renders.drift) throw new LoadnetError('LN_ERR_NODE_CONTROL', `clock skew on ${node}: the ${clock.name} clock applier cannot add drift`);
    const key = `clock:${node}`;
    if (skew) this.faults.openFor(key, 'clock-skew', node, { ...skew, mechanism: `${clock.name}: ${clock.renders.offset}` });
    try {
      await this.queue.run(node, () => clock.apply(node, skew));
    } catch (e) {
      this.faults.closeOpen(key, { ok: false, error: (e as Error).message });
      throw e;
    }
    if (skew) this.skews.set(node, skew);
    else {
      this.skews.delete(node);
      this.faults.closeOpen(key, { ok: true });
    }
  }

  /** At teardown: close open intervals so the record has no dangling fault; appliers remove what they installed. */
  close(): void {
    this.faults.closeAll('teardown');
    for (const a of this.nodes.appliers) void a.close?.().catch(() => undefined);
    void this.nodes.clock?.close?.().catch(() => undefined);
  }
}
