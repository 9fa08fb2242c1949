/**
 * Network faults through the nodes' testing API (block/unblock a peer, delay/jitter/loss on a link), so a
 * deployer without kernel-level network control can still cut and slow links. Each action waits until
 * the node reports the new state, and records a fault interval (a partition until heal, a blocked peer
 * until unblocked, a link fault until cleared).
 */
import type { ChainClient, Hex, NodeNetworkControl } from '../adapters/seam.js';
import { LoadnetError } from '../errors.js';
import { nowMs, sleep } from '../util/clock.js';
import type { LinkFaultOptions } from './contracts.js';
import type { FaultRecorder } from './faults.js';

export interface NetworkNodeRef {
  client: ChainClient;
  peerId: Hex;
}

/** The node's testing API; a chain without one cannot take network faults this way. */
function net(ref: NetworkNodeRef): NodeNetworkControl {
  if (!ref.client.network) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${ref.client.name}: this chain's nodes have no testing API for network faults`);
  return ref.client.network;
}

export class TestingApiNetwork {
  constructor(
    private readonly resolve: (name: string) => NetworkNodeRef,
    private readonly liveNames: () => string[],
    private readonly faults: FaultRecorder,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Wait until `node` no longer lists `peerId` among its connected peers (when the node reports them). */
  private async waitDisconnected(name: string, node: NetworkNodeRef, peerIds: Set<Hex>): Promise<void> {
    const started = nowMs();
    while (nowMs() - started < this.timeoutMs) {
      const info = await node.client.peers();
      if (!info.ids || !info.ids.some((p) => peerIds.has(p))) return;
      await sleep(100);
    }
    throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name}: still connected to a blocked peer after ${this.timeoutMs} ms`);
  }

  async partition(groupA: string[], groupB: string[]): Promise<void> {
    const overlap = groupA.filter((n) => groupB.includes(n));
    if (groupA.length === 0 || groupB.length === 0 || overlap.length > 0) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `partition: needs two non-empty, disjoint groups; got [${groupA.join(', ')}] and [${groupB.join(', ')}]`);
    }
    const a = groupA.map((n) => [n, this.resolve(n)] as const);
    const b = groupB.map((n) => [n, this.resolve(n)] as const);
    this.faults.openFor('partition', 'partition', groupA.join(','), { groupA, groupB });
    try {
      await Promise.all([
        ...a.map(([, x]) => Promise.all(b.map(([, y]) => net(x).blockPeer(y.peerId)))),
        ...b.map(([, y]) => Promise.all(a.map(([, x]) => net(y).blockPeer(x.peerId)))),
      ]);
      const idsA = new Set(a.map(([, x]) => x.peerId));
      const idsB = new Set(b.map(([, y]) => y.peerId));
      await Promise.all([...a.map(([n, x]) => this.waitDisconnected(n, x, idsB)), ...b.map(([n, y]) => this.waitDisconnected(n, y, idsA))]);
    } catch (e) {
      this.faults.closeOpen('partition', { ok: false, error: (e as Error).message });
      throw e;
    }
  }

  async heal(): Promise<void> {
    await Promise.all(
      this.liveNames().map(async (name) => {
        const node = this.resolve(name);
        const state = await net(node).state();
        await Promise.all(state.blocked.map((p) => net(node).unblockPeer(p)));
        await Promise.all(Object.keys(state.faults).map((p) => net(node).setLinkFault(p, { delayMs: 0, jitterMs: 0, loss: 0 })));
      }),
    );
    this.faults.closeOpen('partition', { ok: true, detail: { healed: true } });
    for (const name of this.liveNames()) {
      for (const peer of this.liveNames()) {
        this.faults.closeOpen(`block:${name}:${peer}`, { ok: true, detail: { healed: true } });
        this.faults.closeOpen(`link:${name}:${peer}`, { ok: true, detail: { healed: true } });
      }
    }
  }

  async blockPeer(node: string, peer: string): Promise<void> {
    const n = this.resolve(node);
    const p = this.resolve(peer);
    this.faults.openFor(`block:${node}:${peer}`, 'block-peer', node, { peer });
    try {
      await net(n).blockPeer(p.peerId);
      await this.waitDisconnected(node, n, new Set([p.peerId]));
    } catch (e) {
      this.faults.closeOpen(`block:${node}:${peer}`, { ok: false, error: (e as Error).message });
      throw e;
    }
  }

  async unblockPeer(node: string, peer: string): Promise<void> {
    const n = this.resolve(node);
    const p = this.resolve(peer);
    await net(n).unblockPeer(p.peerId);
    this.faults.closeOpen(`block:${node}:${peer}`, { ok: true });
  }

  async setLinkFault(node: string, peer: string, fault: LinkFaultOptions): Promise<void> {
    const loss = fault.loss ?? 0;
    if (!(loss >= 0 && loss <= 1)) throw new LoadnetError('LN_ERR_NODE_CONTROL', `setLinkFault: loss ${JSON.stringify(fault.loss)} is not allowed; allowed: a fraction 0..1`);
    const n = this.resolve(node);
    const p = this.resolve(peer);
    const clear = !fault.delayMs && !fault.jitterMs && !loss;
    await net(n).setLinkFault(p.peerId, { delayMs: fault.delayMs ?? 0, jitterMs: fault.jitterMs ?? 0, loss });
    const key = `link:${node}:${peer}`;
    if (clear) this.faults.closeOpen(key, { ok: true });
    else this.faults.openFor(key, 'link-fault', node, { peer, ...fault });
  }
}
