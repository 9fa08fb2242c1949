/**
 * Network faults through the nodes' own testing API (the devnet's: block/unblock a peer, delay ± jitter and
 * loss on a peer's link), for a deployer without kernel-level network control. It reads each node's current
 * state and changes only what differs; a cut waits until the node reports the peer gone. It works only for
 * chains whose nodes have such an API (capability 'testing-faults').
 *
 * The devnet applies a peer's link fault to frames in both directions (what it sends and what it receives),
 * so a pair's fault is set on one end only (the node first in name order), with the larger of the two
 * directions' values: this applier renders links symmetric, and says so in the fault record.
 */
import type { ChainClient, Hex, NodeNetworkControl } from '../../adapters/seam.js';
import { LoadnetError } from '../../errors.js';
import { nowMs, sleep } from '../../util/clock.js';
import type { ClockSkew, ClockSkewApplier, NetworkFaultApplier } from '../applier.js';
import type { LinkProperty, NetworkFaultState } from '../network-state.js';

export interface NetworkNodeRef {
  client: ChainClient;
  peerId: Hex;
}

/** The node's testing API; a chain without one cannot take network faults this way. */
function net(ref: NetworkNodeRef): NodeNetworkControl {
  if (!ref.client.network) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${ref.client.name}: this chain's nodes have no testing API for network faults`);
  return ref.client.network;
}

interface ApiFault {
  delay_ms?: number;
  jitter_ms?: number;
  loss?: number;
}

export const TESTING_API_LINKS = {
  name: 'testing-api',
  renders: {
    cut: "the node's testing API refuses and drops the peer",
    delay: "the node's testing API holds each gossip frame on the link, both ways (a pair gets the larger of its two directions' delays)",
    jitter: "the node's testing API: uniform ± jitter around the delay",
    loss: "the node's testing API drops gossip frames on the link, both ways (control frames pass, so the link stays up)",
  },
} as const;

export const TESTING_API_CLOCK = { name: 'testing-api', renders: { offset: "the node's testing API shifts the node's clock (slot timing and block timestamps)" } } as const;

export class TestingApiApplier implements NetworkFaultApplier {
  readonly name = TESTING_API_LINKS.name;
  readonly renders = TESTING_API_LINKS.renders;

  constructor(
    private readonly resolve: (name: string) => NetworkNodeRef,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Wait until `node` no longer lists any of `peerIds` among its connected peers (when the node reports them). */
  private async waitDisconnected(name: string, node: NetworkNodeRef, peerIds: Set<Hex>): Promise<void> {
    const started = nowMs();
    while (nowMs() - started < this.timeoutMs) {
      const info = await node.client.peers();
      if (!info.ids || !info.ids.some((p) => peerIds.has(p))) return;
      await sleep(100);
    }
    throw new LoadnetError('LN_ERR_NODE_CONTROL', `${name}: still connected to a blocked peer after ${this.timeoutMs} ms`);
  }

  async apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void> {
    const refs = new Map(nodes.map((n) => [n, this.resolve(n)] as const));
    const nameOf = new Map([...refs].map(([n, r]) => [r.peerId, n] as const));
    await Promise.all(
      nodes.map(async (node) => {
        const ref = refs.get(node)!;
        const now = await net(ref).state();
        const links = state.linksFrom(node, nodes);
        if (props.has('cut')) {
          const want = new Set([...links].filter(([, l]) => l.cut).map(([p]) => refs.get(p)!.peerId));
          const have = new Set(now.blocked);
          await Promise.all([...want].filter((p) => !have.has(p)).map((p) => net(ref).blockPeer(p)));
          // Only peers of this run: a block some other tool set on a foreign id is not ours to lift.
          await Promise.all([...have].filter((p) => !want.has(p) && nameOf.has(p)).map((p) => net(ref).unblockPeer(p)));
          const added = [...want].filter((p) => !have.has(p));
          if (added.length) await this.waitDisconnected(node, ref, new Set(added));
        }
        const shaped = ['delay', 'jitter', 'loss'].some((p) => props.has(p as LinkProperty));
        if (!shaped) return;
        const current = now.faults as Record<Hex, ApiFault>;
        await Promise.all(
          nodes.filter((p) => p !== node).map(async (peer) => {
            // One end carries the pair's fault (see above); the other end's setting is cleared.
            const owner = node < peer;
            const there = state.link(peer, node);
            const l = links.get(peer);
            const pick = (mine: number | undefined, theirs: number | undefined) => (owner ? Math.max(mine ?? 0, theirs ?? 0) : 0);
            const id = refs.get(peer)!.peerId;
            const want = {
              delayMs: props.has('delay') ? pick(l?.delayMs, there.delayMs) : 0,
              jitterMs: props.has('jitter') ? pick(l?.jitterMs, there.jitterMs) : 0,
              loss: props.has('loss') ? pick(l?.loss, there.loss) : 0,
            };
            const c = current[id];
            const same = (c?.delay_ms ?? 0) === want.delayMs && (c?.jitter_ms ?? 0) === want.jitterMs && (c?.loss ?? 0) === want.loss;
            if (!same) await net(ref).setLinkFault(id, want);
          }),
        );
      }),
    );
  }
}

/** Clock offset through the node's testing API (the devnet's): offset only, no jitter or drift. */
export class TestingApiClock implements ClockSkewApplier {
  readonly name = TESTING_API_CLOCK.name;
  readonly renders = TESTING_API_CLOCK.renders;

  constructor(private readonly resolve: (name: string) => NetworkNodeRef) {}

  async apply(node: string, skew: ClockSkew | undefined): Promise<void> {
    if (skew && (skew.jitterMs || skew.driftPpm)) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `clock skew on ${node}: the testing API sets an offset only; jitter and drift need the libfaketime applier`);
    }
    await net(this.resolve(node)).setClockOffset(skew?.offsetMs ?? 0);
  }
}
