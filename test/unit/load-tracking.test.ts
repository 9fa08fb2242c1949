import { describe, expect, it } from 'vitest';
import { InclusionTracker } from '../../src/load/inclusion-tracker.js';
import type { BlockFeed, BlockFeedListener, FeedBlock } from '../../src/runtime/contracts.js';
import { NonceLanes, type Lane } from '../../workers/nonce-lanes.js';
import { createTxFactory } from '../../src/adapters/devnet/tx-factory.js';
import { ed25519Backend } from '../../src/adapters/devnet/wire/ed25519.js';
import { deriveSeed } from '../../src/adapters/devnet/wire/keys.js';
import { toHex } from '../../src/util/bytes.js';
import { decodeTx } from '../../src/adapters/devnet/wire/tx.js';

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
  reorg(reverted: string[], adopted?: string[]) {
    for (const l of this.listeners) l.onReorg?.({ node: 'n0', at: 0, reverted, adopted, depth: reverted.length, revertedFinal: false });
  }
  /** Blocks still canonical on some other node (set by a test). */
  elsewhere = new Set<string>();
  canonicalOn(id: string) {
    return this.elsewhere.has(id) ? ['n1'] : [];
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
    // The interval figures: both included, both final in this interval; then a fresh interval starts empty.
    const iv = t.takeInterval();
    expect([iv.included, iv.inclusion.totalCount, iv.finality.totalCount]).toEqual([2, 2, 2]);
    expect(iv.finality.maxValue).toBeGreaterThanOrEqual(3_000_000);
    expect(t.takeInterval().finality.totalCount).toBe(0);
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

  it('a flip back to a branch the feed had already seen includes its transactions again at once', () => {
    const feed = new ManualFeed();
    const t = new InclusionTracker(feed);
    t.addAccepted(ids(1, 2), Float64Array.of(0, 0));
    feed.add('a', 5, [id(1), id(2)], 100);
    feed.add('b', 5, [id(3)], 120);
    feed.reorg(['a'], ['b']); // the node moved to b: txs 1 and 2 are nowhere
    expect(t.counts()).toMatchObject({ included: 0, pending: 2 });
    feed.reorg(['b'], ['a']); // and back to a: no new block, but both are in a chain again
    expect(t.counts()).toMatchObject({ included: 2, pending: 0 });
    expect(t.inclusion.totalCount).toBe(2); // latency still counted once, to the first block
  });

  it('a reorg on one node leaves transactions included while another live node still holds the block', () => {
    const feed = new ManualFeed();
    const t = new InclusionTracker(feed);
    t.addAccepted(ids(1), Float64Array.of(0));
    feed.add('a', 5, [id(1)], 100);
    feed.elsewhere.add('a');
    feed.reorg(['a'], ['b']);
    expect(t.counts()).toMatchObject({ included: 1, pending: 0, reverted: 0 });
    feed.elsewhere.delete('a'); // the last node holding it moved on too
    feed.reorg(['a'], ['b']);
    expect(t.counts()).toMatchObject({ included: 0, pending: 1, reverted: 1 });
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
  const factory = createTxFactory({ wallets: wallets.map((w) => ({ index: w.index, secret: w.seed })), recipients, params: { fee: 1, amount: 5 }, options: {} });
  const lanes = () => {
    const l = new NonceLanes(wallets.map((w) => ({ index: w.index, secret: w.seed })), factory);
    for (const lane of l.lanes) l.start(lane, 10, 0);
    return l;
  };
  type Signed = { lane: Lane; nonce: number; bytes: Uint8Array; id: string };
  /** The next lane's next nonce, signed as a worker does. */
  const signNext = (l: NonceLanes): Signed => {
    const lane = l.nextLane()!;
    const nonce = l.takeNonce(lane);
    return { lane, nonce, ...factory.sign(lane.slot, nonce) };
  };
  /** Kept as a worker keeps an answered transaction of a batch (here a batch of one). */
  const keep = (l: NonceLanes, e: Signed, accepted: boolean, target: number, now: number) =>
    l.keep(e.lane, e.nonce, accepted, target, now, { txBytes: () => e.bytes, txId: () => e.id }, 0);

  it('hands out nonces in order round-robin and reuses a rejected nonce first', () => {
    const l = lanes();
    const a = [signNext(l), signNext(l), signNext(l)];
    expect(a.map((e) => [e.lane.walletIndex, e.nonce])).toEqual([[0, 10], [1, 10], [0, 11]]);
    l.release(a[0]!.lane, a[0]!.nonce); // nonce 10 of wallet 0 was rejected: it never entered a mempool
    signNext(l); // wallet 1
    const again = signNext(l);
    expect([again.lane.walletIndex, again.nonce]).toEqual([0, 10]);
    expect(again.id).toBe(a[0]!.id); // same content
  });

  it('one nonce, one transaction: kept records are never re-signed, the chain passing them forgets them', () => {
    const l = lanes();
    const first = signNext(l);
    const lane = first.lane;
    keep(l, first, true, 0, 1000); // accepted by node 0
    l.release(lane, first.nonce); // a later rejection of the same nonce must not free it: it may be in a mempool
    expect(lane.free).toEqual([]);
    expect(lane.outstanding.get(first.nonce)?.id).toBe(first.id);
    expect(l.confirm(lane, first.nonce, 2000, 4000)).toEqual([]); // no progress yet, not stalled yet
    expect(l.confirm(lane, first.nonce + 1, 3000, 4000)).toEqual([]); // included: forgotten
    expect(lane.outstanding.size).toBe(0);
    const tx = decodeTx(first.bytes);
    expect(tx.fee).toBe(1);
    expect(tx.ops[0]).toMatchObject({ kind: 'transfer', amount: 5 });
  });

  it('a stalled lane whose node reports a nonce below its records re-signs the forgotten ones (a node ahead on an abandoned fork had confirmed them)', () => {
    const l = lanes();
    const lane = l.lanes[0]!;
    const mine = () => {
      let e = signNext(l);
      while (e.lane !== lane) e = signNext(l);
      return e;
    };
    const [a, b, c, d] = [mine(), mine(), mine(), mine()]; // nonces 10..13
    for (const e of [a, b, c, d]) keep(l, e, true, 3, 1000); // all answered ok by node 3
    // Node 3 (isolated, on its own fork) includes 10 and 11: its account nonce is 12. The lane forgets them.
    expect(l.confirm(lane, 12, 1500, 4000)).toEqual([]);
    expect([...lane.outstanding.keys()].sort()).toEqual([12, 13]);
    // Node 3's fork is abandoned: the rest of the chain never had 10 and 11, and reports 10. After a stall
    // period the lane re-signs 10 and 11 (same ids as first sent) and re-sends them before 12 and 13.
    expect(l.confirm(lane, 10, 3000, 4000)).toEqual([]);
    const stalled = l.confirm(lane, 10, 6000, 4000);
    expect(stalled.map((o) => [o.nonce, o.id])).toEqual([[10, a.id], [11, b.id], [12, c.id], [13, d.id]]);
    // From here the chain passing 10 is progress again, and forgets what it passed.
    expect(l.confirm(lane, 12, 7000, 4000)).toEqual([]);
    expect([...lane.outstanding.keys()].sort()).toEqual([12, 13]);
    // A node merely behind by a block does not trigger it before a stall period without progress.
    expect(l.confirm(lane, 11, 8000, 4000)).toEqual([]);
  });

  it('a lane whose account nonce does not move for a stall period re-submits its records, oldest first, once per period', () => {
    const l = lanes();
    const lane = l.lanes[0]!;
    const mine = () => {
      let e = signNext(l);
      while (e.lane !== lane) e = signNext(l);
      return e;
    };
    const [a, b, c] = [mine(), mine(), mine()];
    keep(l, c, true, 1, 1000);
    keep(l, a, false, 0, 1000); // no answer: may be in the mempool of a node that died
    keep(l, b, true, 0, 1000);
    lane.checkedAt = 1000;
    expect(l.dueForCheck(2500, 2000)).toEqual([]);
    expect(l.dueForCheck(3000, 2000)).toContain(lane);
    expect(l.confirm(lane, 10, 3000, 4000)).toEqual([]); // 2 s without progress: not yet
    const stalled = l.confirm(lane, 10, 5000, 4000);
    expect(stalled.map((o) => [o.nonce, o.id, o.accepted])).toEqual([[10, a.id, false], [11, b.id, true], [12, c.id, true]]);
    expect(l.confirm(lane, 10, 6000, 4000)).toEqual([]); // the next re-submission waits another period
    expect(l.confirm(lane, 11, 7000, 4000)).toEqual([]); // progress
    expect([...lane.outstanding.keys()].sort()).toEqual([11, 12]);
    expect(l.isCurrent(a.lane, a.nonce)).toBe(false); // a pre-signed nonce the chain passed is not sent
  });
});
