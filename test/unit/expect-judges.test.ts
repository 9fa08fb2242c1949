import { describe, expect, it } from 'vitest';
import { judgeLiveness, LIVENESS_DEFAULTS } from '../../src/expectations/liveness.js';
import { judgeBlockTiming } from '../../src/expectations/block-timing.js';
import { judgeSafety } from '../../src/expectations/safety.js';
import { judgeMempool } from '../../src/expectations/mempool-bounded.js';
import { expectationFromSpec, ConsensusLiveness, MempoolBounded, BlockTiming } from '../../src/expectations/index.js';
import type { NodeTip } from '../../src/runtime/contracts.js';

const tip = (node: string, height: number, libHeight: number, up = true): NodeTip => ({ node, at: 0, height, tip: 'aa', libHeight, lib: 'bb', up });

describe('judgeLiveness', () => {
  const base = { baseline: { atMs: 0, height: 10, libHeight: 2 }, endMs: 60_000, missing: [] as string[], meanBlockIntervalMs: 2000 };

  it('passes when enough blocks, no lag and the LIB advanced', () => {
    const r = judgeLiveness({ ...base, tips: [tip('v0', 35, 25), tip('v1', 34, 24)] }, LIVENESS_DEFAULTS);
    expect(r.status).toBe('pass');
    expect(r.figures.blocks).toBe(25);
    expect(r.figures.expectedBlocks).toBe(30);
  });

  it('fails naming blocks, expected and required when production is slow', () => {
    const r = judgeLiveness({ ...base, tips: [tip('v0', 20, 12)] }, LIVENESS_DEFAULTS);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('10 blocks in 60s, needed ≥ 15 (0.5 × 30 expected)');
  });

  it('fails naming a lagging node and a down node; a missing node counts as down', () => {
    const r = judgeLiveness({ ...base, missing: ['e0'], tips: [tip('v0', 40, 30), tip('v1', 30, 20), tip('v2', 0, 0, false)] }, { ...LIVENESS_DEFAULTS, maxLag: 3 });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('v1 at 30 (10 behind)');
    expect(r.message).toContain('best 40, max lag 3');
    expect(r.message).toContain('down at evaluation: e0, v2');
    expect(r.figures.down).toEqual(['e0', 'v2']);
  });

  it('fails when the LIB is stuck, unless not required', () => {
    const tips = [tip('v0', 40, 2)];
    expect(judgeLiveness({ ...base, tips }, LIVENESS_DEFAULTS).message).toContain('LIB did not advance (height 2 → 2)');
    expect(judgeLiveness({ ...base, tips }, { ...LIVENESS_DEFAULTS, requireLibAdvance: false }).status).toBe('pass');
  });

  it('rejects options out of range with a scenario error', () => {
    expect(() => new ConsensusLiveness({ minFraction: 1.5 })).toThrow(/minFraction: 1.5 is not allowed; allowed: a fraction from 0 to 1/);
    expect(new ConsensusLiveness({ maxLag: undefined }).options.maxLag).toBe(5);
  });
});

describe('judgeBlockTiming', () => {
  const chain = (intervals: number[]) => {
    const out = [{ height: 1, timestamp: 1000 }];
    for (const d of intervals) out.push({ height: out.length + 1, timestamp: out[out.length - 1]!.timestamp + d });
    return out;
  };

  it('passes when the mean is near the expected interval', () => {
    const r = judgeBlockTiming(chain([1800, 2200, 2000, 1900, 2100]), 2000, { tolerance: 0.2, maxGapMs: 10_000 });
    expect(r.status).toBe('pass');
    expect(r.figures.meanIntervalMs).toBe(2000);
  });

  it('fails naming the mean, the expected and the tolerance', () => {
    const r = judgeBlockTiming(chain([4000, 4000, 4000]), 2000, { tolerance: 0.5, maxGapMs: 100_000 });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('mean interval 4000ms is 100% off the expected 2000ms (tolerance 50%)');
  });

  it('fails on a gap longer than the bound, naming the height', () => {
    const r = judgeBlockTiming(chain([1000, 1000, 9000, 1000]), 3000, { tolerance: 0.5, maxGapMs: 6000 });
    expect(r.message).toContain('gap of 9000ms before height 4 exceeds 6000ms');
  });

  it('fails with too few blocks', () => {
    expect(judgeBlockTiming(chain([2000]), 2000, { tolerance: 0.5, maxGapMs: 1e9 }).message).toContain('only 2 blocks');
  });

  it('rejects a negative tolerance', () => {
    expect(() => new BlockTiming({ tolerance: -1 })).toThrow(/tolerance/);
  });
});

describe('judgeSafety', () => {
  const chainOf = (node: string, ids: string[]) => ({ node, libHeight: ids.length, idsByHeight: new Map(ids.map((id, i) => [i + 1, id])) });

  it('passes when nodes agree and nothing final was reverted', () => {
    const r = judgeSafety({ reorgs: [{ node: 'v0', at: 1, reverted: ['x'], depth: 1, revertedFinal: false }], chains: [chainOf('v0', ['a1', 'a2', 'a3']), chainOf('v1', ['a1', 'a2'])], down: [] });
    expect(r.status).toBe('pass');
    expect(r.figures.heightsCompared).toBe(3);
    expect(r.message).toContain('1 reorgs, deepest 1');
  });

  it('fails on a final revert, naming node and depth', () => {
    const r = judgeSafety({ reorgs: [{ node: 'v2', at: 1, reverted: ['deadbeef00', 'cafe'], depth: 2, revertedFinal: true }], chains: [chainOf('v0', ['a1'])], down: [] });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('final block reverted on v2: reorg of depth 2');
  });

  it('fails on divergent final heights, naming the first height and the ids', () => {
    const r = judgeSafety({ reorgs: [], chains: [chainOf('v0', ['a1', 'a2aaaaaaaaaa']), chainOf('v1', ['a1', 'b2bbbbbbbbbb'])], down: ['v3'] });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('nodes disagree at 1 final heights, first at 2: v0 a2aaaaaa… vs v1 b2bbbbbb…');
    expect(r.message).toContain('not compared (down): v3');
  });

  it("compares with the feed's final blocks", () => {
    const r = judgeSafety({ reorgs: [], chains: [chainOf('v0', ['a1'])], feedFinalAt: (h) => (h === 1 ? 'z1' : undefined), down: [] });
    expect(r.message).toContain('v0 a1 vs block feed z1');
  });
});

describe('judgeMempool', () => {
  const opts = { maxPending: 1000, trendWindowFraction: 0.25, maxTrendRise: 0.1, sampleIntervalMs: 1000 };
  const series = (node: string, f: (s: number) => number) => Array.from({ length: 101 }, (_, s) => ({ node, at: s * 1000, pending: Math.round(f(s)) }));
  const window = { startMs: 0, endMs: 100_000 };

  it('passes when bounded and flat at the end', () => {
    const r = judgeMempool(series('v0', (s) => Math.min(500, s * 20)), window, opts);
    expect(r.status).toBe('pass');
    expect(r.figures.nodes.v0!.maxPending).toBe(500);
  });

  it('fails when the bound is exceeded, naming node, peak and bound', () => {
    const r = judgeMempool(series('v1', (s) => (s === 50 ? 1500 : 100)), window, opts);
    expect(r.message).toContain('v1 reached 1500 pending at +50s (bound 1000)');
  });

  it('fails on a rising trend over the last part, naming the slope and rise', () => {
    const r = judgeMempool(series('v0', (s) => s * 8), window, opts);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/v0 rising 8 tx\/s over the last 25s \(\+200, allowed \+100\)/);
  });

  it('ignores samples after the window (the drain in the cooldown)', () => {
    const samples = [...series('v0', () => 10), { node: 'v0', at: 200_000, pending: 99_999 }];
    expect(judgeMempool(samples, window, opts).status).toBe('pass');
  });

  it('does not judge a trend from fewer than 5 samples, and says so', () => {
    const few = [0, 1, 2, 3].map((s) => ({ node: 'v0', at: 97_000 + s * 1000, pending: s * 300 }));
    const r = judgeMempool(few, window, opts);
    expect(r.status).toBe('pass');
    expect(r.message).toContain('trend not judged on v0 (fewer than 5 samples in the last 25%)');
  });

  it('fails with no samples', () => {
    expect(judgeMempool([], window, opts).message).toContain('no mempool samples');
  });

  it('validates options', () => {
    expect(() => new MempoolBounded({ trendWindowFraction: 0 })).toThrow(/trendWindowFraction/);
  });
});

describe('expectationFromSpec', () => {
  it('builds each built-in with its name', () => {
    expect(expectationFromSpec({ type: 'consensus-liveness', options: { minFraction: 0.7, maxLag: 2, requireLibAdvance: true } }).name).toBe('consensus-liveness');
    expect(expectationFromSpec({ type: 'supply-conserved', options: {} }).name).toBe('supply-conserved');
    expect(expectationFromSpec({ type: 'block-timing', options: { tolerance: 0.3 } }).name).toBe('block-timing');
    expect(expectationFromSpec({ type: 'safety', options: {} }).name).toBe('safety');
    expect(expectationFromSpec({ type: 'mempool-bounded', options: { maxPending: 5, trendWindowFraction: 0.5 } }).name).toBe('mempool-bounded');
  });

  it('rejects an unknown type with the allowed list', () => {
    expect(() => expectationFromSpec({ type: 'nope' } as never)).toThrow(/unknown built-in type "nope"; allowed: consensus-liveness/);
  });
});
