/** The block feed's per-node chain bookkeeping: linking, reorgs (ids replaced), truncation, bounds. */
import { describe, expect, it } from 'vitest';
import { NodeChainView, type ChainBlockRef } from '../../src/runtime/chain-view.js';

/** A chain of blocks on branch `b` from height `from` to `to`, forking off `parentOf(from)`. */
function chain(branch: string, from: number, to: number, parent = from === 1 ? 'genesis' : `a${from - 1}`): ChainBlockRef[] {
  const out: ChainBlockRef[] = [];
  for (let h = from; h <= to; h++) {
    out.push({ id: `${branch}${h}`, parent: h === from ? parent : `${branch}${h - 1}`, height: h });
  }
  return out;
}

describe('NodeChainView', () => {
  it('accepts a first batch and extends it', () => {
    const v = new NodeChainView(100);
    expect(v.apply(chain('a', 1, 3))).toEqual({ status: 'applied', accepted: 3, reverted: [], truncated: false, adopted: [] });
    expect(v.fetchFrom(5, 10)).toBe(4);
    expect(v.apply(chain('a', 4, 5))).toMatchObject({ status: 'applied', accepted: 2, reverted: [] });
    expect([v.tipHeight, v.tipId]).toEqual([5, 'a5']);
  });

  it('a new node starts from a bounded depth below its tip', () => {
    expect(new NodeChainView(100).fetchFrom(1000, 50)).toBe(951);
    expect(new NodeChainView(100).fetchFrom(3, 50)).toBe(1);
  });

  it('detects a reorg: replaced ids are reverted, newest first, including heights above the new tip', () => {
    const v = new NodeChainView(100);
    v.apply(chain('a', 1, 5));
    const r = v.apply(chain('b', 4, 4, 'a3'));
    expect(r).toEqual({ status: 'applied', accepted: 1, reverted: [{ id: 'a5', height: 5 }, { id: 'a4', height: 4 }], truncated: false, adopted: ['b4'] });
    expect(v.idAt(4)).toBe('b4');
    expect(v.idAt(5)).toBeUndefined();
  });

  it('asks to step back when the fetched blocks do not link to the known parent', () => {
    const v = new NodeChainView(100);
    v.apply(chain('a', 1, 5));
    // The node switched to a branch forking at height 2; fetching only 5..6 cannot link.
    const fork = chain('b', 3, 6, 'a2');
    expect(v.apply(fork.slice(2))).toEqual({ status: 'unlinked' });
    const r = v.apply(fork);
    expect(r).toMatchObject({ status: 'applied', reverted: [{ id: 'a5' }, { id: 'a4' }, { id: 'a3' }], adopted: ['b3', 'b4', 'b5', 'b6'] });
    expect(v.tipId).toBe('b6');
  });

  it('a shorter chain with the same ids is a truncation, not a reorg', () => {
    const v = new NodeChainView(100);
    v.apply(chain('a', 1, 6));
    const r = v.apply(chain('a', 4, 4));
    expect(r).toEqual({ status: 'applied', accepted: 1, reverted: [], truncated: true, adopted: [] });
    expect(v.tipHeight).toBe(4);
    expect(v.apply(chain('a', 5, 7))).toMatchObject({ reverted: [] });
  });

  it('a flip back to a branch seen before names the blocks it returns to as adopted', () => {
    const v = new NodeChainView(100);
    v.apply(chain('a', 1, 5));
    v.apply(chain('b', 5, 5, 'a4')); // a5 → b5
    const r = v.apply(chain('a', 5, 6)); // back to a5, and a6 on it
    expect(r).toMatchObject({ status: 'applied', reverted: [{ id: 'b5', height: 5 }], adopted: ['a5', 'a6'] });
  });

  it('uses only the contiguous prefix of a batch', () => {
    const v = new NodeChainView(100);
    const blocks = chain('a', 1, 4);
    blocks[2] = { id: 'x3', parent: 'zz', height: 3 };
    expect(v.apply(blocks)).toMatchObject({ accepted: 2 });
    expect(v.tipHeight).toBe(2);
  });

  it('keeps memory bounded to the window below the tip', () => {
    const v = new NodeChainView(10);
    for (let h = 1; h <= 1000; h += 50) v.apply(chain('a', h, h + 49, h === 1 ? 'genesis' : `a${h - 1}`));
    expect(v.tipHeight).toBe(1000);
    expect(v.lowestHeight).toBe(990);
    expect(v.idAt(989)).toBeUndefined();
    expect(v.idAt(990)).toBe('a990');
  });
});
