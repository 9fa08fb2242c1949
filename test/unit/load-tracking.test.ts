import { describe, expect, it } from 'vitest';
import { InclusionTracker } from '../../src/load/inclusion-tracker.js';
import type { BlockFeed, BlockFeedListener, FeedBlock } from '../../src/runtime/contracts.js';
import { NonceLanes } from '../../workers/nonce-lanes.js';
import { ed25519Backend } from '../../src/chain/ed25519.js';
import { deriveSeed } from '../../src/chain/keys.js';
import { toHex } from '../../src/chain/bytes.js';
import { decodeTx } from '../../src/chain/tx.js';

/** A block feed driven by hand (the runtime's feed polls real nodes; here the test is the chain). */
class ManualFeed implements BlockFeed {
  private listeners: BlockFeedListener[] = [];
  private blocks = new Map<string, FeedBlock>();
  subscribe(l: BlockFeedListener) {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  block(id: string) {
    return this.blocks.get(id);
  }
  tips() {
    return [];
  }
  finalAt() {
    return undefined;
  }
  async refresh() {}
  add(id: string, height: number, txIds: string[], at: number): FeedBlock {
    const b: FeedBlock = { id, parent: '', height, slot: height, proposer: '', timestamp: at, txIds, firstSeenAt: at, firstSeenOn: 'n0' };
    this.blocks.set(id, b);
    for (const l of this.listeners) l.onBlock?.(b);
    return b;
  }
  final(id: string, at: number) {
    const b = this.blocks.get(id)!;
    b.finalAt = at;
    for (const l of this.listeners) l.onFinal?.(b);
  }
  reorg(reverted: string[]) {
    for (const l of this.listeners) l.onReorg?.({ node: 'n0', at: 0, reverted, depth: reverted.length, revertedFinal: false });
  }
}

const id = (n: number) => n.toString(16).padStart(64, '0');
const ids = (...n: number[]) => n.map(id).join('');

describe('inclusion tracker', () => {
  it('measures inclusion and finality from the intended time, matching acceptances that arrive after their block', () => {
    const feed = new ManualFeed();
    const t = new InclusionTracker(feed);
    t.addAccepted(ids(1, 2), Float64Array.of(1000, 1010));
    feed.add('b1', 1, [id(1), id(3)], 1500); // tx 3's acceptance arrives later
    t.addAccepted(ids(3), Float64Array.of(1200));
    expect(t.counts()).toMatchObject({ tracked: 3, included: 2, pending: 1 });
    feed.final('b1', 4000);
    expect(t.counts()).toMatchObject({ included: 2, final: 2, pending: 1 });
    expect(t.inclusion.totalCount).toBe(2);
    expect(t.inclusion.getValueAtPercentile(100)).toBeGreaterThanOrEqual(500_000); // 1500 − 1000 ms, in µs
    expect(t.finality.maxValue).toBeGreaterThanOrEqual(3_000_000);
    expect(t.pendingIds()).toEqual([id(2)]);
  });

  it('a reorg moves a transaction to the sibling block that carried it, or back to pending; a final block settles it', () => {
    const feed = new ManualFeed();
    const t = new InclusionTracker(feed);
    t.addAccepted(ids(1, 2), Float64Array.of(0, 0));
    feed.add('a', 5, [id(1), id(2)], 100);
    feed.add('b', 5, [id(1)], 120); // fork sibling carrying tx 1 only
    feed.reorg(['a']);
    expect(t.counts()).toMatchObject({ included: 1, pending: 1, reverted: 2 });
    feed.reorg(['b']); // flip back: tx 1 has no other live block → pending
    expect(t.counts()).toMatchObject({ included: 0, pending: 2 });
    feed.final('a', 500); // 'a' won after all
    expect(t.counts()).toMatchObject({ included: 2, final: 2, pending: 0 });
    expect(t.inclusion.totalCount).toBe(2); // one latency sample per id, however often it moved
  });

  it('counts an id accepted twice instead of tracking it twice', () => {
    const t = new InclusionTracker(new ManualFeed());
    t.addAccepted(ids(7, 7), Float64Array.of(0, 0));
    expect(t.counts()).toMatchObject({ tracked: 1, repeatedAcceptances: 1 });
  });
});

describe('nonce lanes', () => {
  const wallets = [0, 1].map((i) => ({ index: i, seed: toHex(deriveSeed('lanes', 'wallet', i)) }));
  const recipients = wallets.map((w) => toHex(ed25519Backend('sodium').keyFromSeed(Buffer.from(w.seed, 'hex')).publicKey));
  const lanes = () => {
    const l = new NonceLanes(wallets, recipients, ed25519Backend('sodium'), 1, 5);
    for (const lane of l.lanes) l.endResync(lane, 10);
    return l;
  };

  it('hands out nonces in order round-robin and reuses a rejected nonce first', () => {
    const l = lanes();
    const a = [l.signNext()!, l.signNext()!, l.signNext()!];
    expect(a.map((e) => [e.lane.walletIndex, e.nonce])).toEqual([[0, 10], [1, 10], [0, 11]]);
    l.release(a[0]!); // nonce 10 of wallet 0 was rejected: it never entered a mempool
    l.signNext(); // wallet 1
    const again = l.signNext()!;
    expect([again.lane.walletIndex, again.nonce]).toEqual([0, 10]);
    expect(again.id).toBe(a[0]!.id); // same epoch, same content
  });

  it('after a resync a nonce signs a different transaction (new id), and stale pre-signed ones are refused', () => {
    const l = lanes();
    const first = l.signNext()!;
    const lane = first.lane;
    expect(l.beginResync(lane)).toBe(true);
    expect(l.beginResync(lane)).toBe(false); // one resync at a time
    expect(l.isCurrent(first)).toBe(false);
    l.endResync(lane, first.nonce);
    let fresh = l.signNext()!;
    if (fresh.lane !== lane) fresh = l.signNext()!; // round-robin: the other wallet's turn first
    expect(fresh.lane).toBe(lane);
    expect(fresh.nonce).toBe(first.nonce);
    expect(fresh.id).not.toBe(first.id);
    const tx = decodeTx(fresh.bytes);
    expect(tx.fee).toBe(1);
    expect(tx.ops[0]).toMatchObject({ kind: 'transfer', amount: 5 });
  });
});
