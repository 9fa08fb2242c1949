// node-health's judge on made-up histories (crashes, RSS peak and slope, invalid inclusions, each named with its
// numbers), the shared block watch, and the default attachment to adversary scenarios with its opt-out.
import { describe, expect, it } from 'vitest';
import { judgeNodeHealth, NODE_HEALTH_DEFAULTS, NodeHealth, type NodeHealthObserved } from '../../src/expectations/node-health.js';
import { InvalidInclusionWatch } from '../../src/runtime/invalid-txs.js';
import { scenarioFromSpec, specFromJson } from '../../src/scenario/build.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { DEFAULT_NODE_HEALTH } from '../../src/scenario/defaults.js';
import type { BlockFeed, BlockFeedListener, FeedBlock } from '../../src/runtime/contracts.js';
import type { RunEvent } from '../../src/runtime/run-events.js';

const MiB = 1024 * 1024;
const T0 = Date.UTC(2026, 11, 3, 23, 0, 0);
const window = { startMs: T0, endMs: T0 + 60_000 };
const clean: NodeHealthObserved = { evaluatedAt: T0 + 90_000, invalid: { sources: [], blocksChecked: 40, included: 0, first: [] } };

/** One RSS sample per second from the window's start to evaluation: `mib(seconds)`. */
function rssSeries(node: string, mib: (s: number) => number): RunEvent[] {
  return Array.from({ length: 91 }, (_, s) => ({ kind: 'node.sample', t: T0 + s * 1000, node, up: true, height: s, libHeight: 0, pending: 0, rssBytes: mib(s) * MiB }) as RunEvent);
}
const exit = (node: string, atS: number, expected: boolean, signal: string | null = 'SIGKILL'): RunEvent => ({ kind: 'node.exit', t: T0 + atS * 1000, node, code: null, signal, expected }) as RunEvent;
const flat = (s: number) => 60 + (s % 3); // a sawtooth around 61 MiB

describe('judgeNodeHealth', () => {
  it('passes a healthy run and reports each node’s peak and slope', () => {
    const r = judgeNodeHealth([...rssSeries('validator-0', flat), ...rssSeries('validator-1', flat)], window, clean, NODE_HEALTH_DEFAULTS);
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^0 nodes exited unasked; memory \(bounds 1024 MiB, 60 MiB\/min\): validator-0 peak 62 MiB, slope 0 MiB\/min; validator-1 peak 62 MiB/);
    expect(r.figures!.nodes).toMatchObject({ 'validator-0': { samples: 91, peakMiB: 62, slopeMiBPerMin: 0 } });
  });

  it('fails on a node loadnet did not stop, naming it, its signal and when; a stop loadnet asked for is no crash', () => {
    const events = [...rssSeries('validator-0', flat), exit('validator-1', 12.5, false), exit('validator-2', 20, true)];
    const r = judgeNodeHealth(events, window, clean, NODE_HEALTH_DEFAULTS);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('validator-1 exited unasked (code -, signal SIGKILL) at 2026-12-03T23:00:12.500Z (12.5 s into the window)');
    expect(r.message).not.toContain('validator-2 exited');
    expect(r.figures!.crashes).toEqual([{ node: 'validator-1', code: null, signal: 'SIGKILL', at: T0 + 12_500, atWindowMs: 12_500 }]);
  });

  it('fails when a node’s RSS peak is above the bound, naming the peak, when and the bound', () => {
    const r = judgeNodeHealth(rssSeries('validator-0', (s) => (s === 30 ? 300 : 100)), window, clean, { ...NODE_HEALTH_DEFAULTS, maxRssMiB: 256 });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('validator-0 RSS peaked at 300 MiB at 30 s, above the bound 256 MiB');
  });

  it('fails on sustained growth over the second half, not on a heap that grew early and settled', () => {
    // 2 MiB/s = 120 MiB/min all the way: a leak.
    const leak = judgeNodeHealth(rssSeries('validator-0', (s) => 60 + 2 * s), window, clean, NODE_HEALTH_DEFAULTS);
    expect(leak.status).toBe('fail');
    expect(leak.message).toContain('validator-0 RSS grew 120 MiB/min over the run\'s second half (46 samples over 45 s), above 60 MiB/min');
    // The same climb in the first half only, then flat: a working set reached.
    const settled = judgeNodeHealth(rssSeries('validator-0', (s) => 60 + 2 * Math.min(s, 40)), window, clean, NODE_HEALTH_DEFAULTS);
    expect(settled.status).toBe('pass');
    // The bound is the user's: 130 MiB/min lets the leak through.
    expect(judgeNodeHealth(rssSeries('validator-0', (s) => 60 + 2 * s), window, clean, { ...NODE_HEALTH_DEFAULTS, maxRssSlopeMiBPerMin: 130 }).status).toBe('pass');
  });

  it('does not judge the slope of a node (re)started within the second half (chaos): a fresh process grows to its working size', () => {
    const restarted = [...rssSeries('validator-0', (s) => (s < 50 ? 60 : 30 + 2 * (s - 50))), { kind: 'node.spawn', t: T0 + 50_000, node: 'validator-0' } as RunEvent];
    const r = judgeNodeHealth(restarted, window, clean, NODE_HEALTH_DEFAULTS);
    expect(r.status).toBe('pass');
    expect(r.message).toContain("RSS slope not judged on nodes started within the run's second half: validator-0 at 50 s");
    // Started before the half (at deploy, or restarted early): judged.
    const early = [...rssSeries('validator-0', (s) => 60 + 2 * s), { kind: 'node.spawn', t: T0 + 10_000, node: 'validator-0' } as RunEvent];
    expect(judgeNodeHealth(early, window, clean, NODE_HEALTH_DEFAULTS).status).toBe('fail');
  });

  it('does not judge a slope over too short a half, and says so', () => {
    const short = { ...clean, evaluatedAt: T0 + 12_000 };
    const r = judgeNodeHealth(rssSeries('validator-0', (s) => 60 + 5 * s), window, short, NODE_HEALTH_DEFAULTS);
    expect(r.status).toBe('pass');
    expect(r.message).toContain('RSS slope not judged on validator-0 (the run\'s second half holds fewer than 5 samples over 10 s)');
    expect(judgeNodeHealth([], window, clean, NODE_HEALTH_DEFAULTS).message).toContain('memory not judged: no node reported its RSS');
  });

  it('fails when an invalid transaction is in a block, naming how many, which, whose and where', () => {
    const observed: NodeHealthObserved = {
      ...clean,
      invalid: { sources: [{ workload: 'api-flood:validator-0', ids: 64 }, { workload: 'tx-fuzz', ids: 310 }], blocksChecked: 41, included: 2, first: [{ id: 'ab'.repeat(32), workload: 'tx-fuzz', kind: 'nonce_gap', height: 17 }, { id: 'cd'.repeat(32), workload: 'api-flood:validator-0', kind: 'forged-signature', height: 18 }] },
    };
    const r = judgeNodeHealth(rssSeries('validator-0', flat), window, observed, NODE_HEALTH_DEFAULTS);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('2 invalid transactions included in blocks: abababab… (tx-fuzz nonce_gap) at height 17, cdcdcdcd… (api-flood:validator-0 forged-signature) at height 18');
    expect(r.message).toContain('2 of the invalid transactions (64 from api-flood:validator-0, 310 from tx-fuzz) in 41 blocks checked');
  });

  it('refuses bad options naming the field', () => {
    expect(() => new NodeHealth({ maxRssMiB: -1 })).toThrow(/expectations\.node-health\.maxRssMiB: -1 is not allowed; allowed: a non-negative number of MiB \(default 1024\)/);
    expect(new NodeHealth({ maxRssSlopeMiBPerMin: undefined }).options).toEqual(NODE_HEALTH_DEFAULTS);
    expect(DEFAULT_NODE_HEALTH).toEqual(NODE_HEALTH_DEFAULTS);
  });
});

describe('InvalidInclusionWatch', () => {
  const block = (height: number, txIds: string[]): FeedBlock => ({ id: `b${height}`, parent: '', height, timestamp: 0, txIds, firstSeenAt: 0, firstSeenOn: 'validator-0' });
  function fakeFeed() {
    let listener: BlockFeedListener | undefined;
    const feed = { subscribe: (l: BlockFeedListener) => ((listener = l), () => (listener = undefined)), refresh: async () => undefined } as unknown as BlockFeed;
    return { feed, emit: (b: FeedBlock) => listener?.onBlock?.(b) };
  }

  it('finds the ids named invalid in every block seen, drops those relabelled since, and stops at finish', async () => {
    const invalid = new Map([['x1', 'bad_signature'], ['x2', 'nonce_gap']]);
    const others: string[] = [];
    const watch = new InvalidInclusionWatch((id) => invalid.get(id), (id) => others.push(id));
    const { feed, emit } = fakeFeed();
    watch.start(feed);
    emit(block(5, ['v1', 'x1']));
    emit(block(6, ['x2']));
    invalid.delete('x2'); // the sender learnt it was valid after all
    const done = await watch.finish(feed);
    emit(block(7, ['x1']));
    expect(done).toEqual({ blocksChecked: 2, included: [{ id: 'x1', kind: 'bad_signature', block: 'b5', height: 5 }] });
    expect(others).toEqual(['v1']);
  });
});

describe('node-health in scenarios', () => {
  const base = () => ScenarioBuilder.topology().validators(2).apply().wallets(6);
  type Base = ReturnType<typeof base>;
  const json = (extra: Record<string, unknown>) => ({ topology: { validators: 2 }, wallets: { count: 6 }, workloads: [{ type: 'tx-fuzz' }], ...extra });

  it('is added with its defaults, written down, to every scenario with an adversary workload, and not to others', () => {
    const spec = base().fuzzTransactions().buildSpec();
    expect(spec.expectations).toEqual([{ type: 'node-health', options: { enabled: true, maxRssMiB: 1024, maxRssSlopeMiBPerMin: 60 } }]);
    expect(specFromJson(JSON.stringify(json({})))).toEqual(spec);
    // The resolved spec resolves to itself (a run's scenario.json runs the same checks).
    expect(specFromJson(JSON.stringify(spec)).expectations).toHaveLength(1);
    expect(scenarioFromSpec(spec).expectations.map((e) => e.name)).toEqual(['node-health', 'tx-fuzz-rejected']);
    for (const add of [(b: Base) => b.raceTransactions(), (b: Base) => b.divergeMempools(), (b: Base) => b.floodApi(), (b: Base) => b.floodPeer(), (b: Base) => b.feePressure({ tiers: [{ name: 'low', fee: 1, users: 2 }, { name: 'high', fee: 5, users: 2 }] })]) {
      expect(add(base()).buildSpec().expectations.map((e) => e.type)).toEqual(['node-health']);
    }
    expect(base().transactions().apply().buildSpec().expectations).toEqual([]);
  });

  it('takes the user’s bounds (DSL and JSON), and the opt-out is recorded and judges nothing', () => {
    const tuned = base().fuzzTransactions().expectNodeHealth({ maxRssMiB: 300 }).buildSpec();
    expect(tuned.expectations).toEqual([{ type: 'node-health', options: { enabled: true, maxRssMiB: 300, maxRssSlopeMiBPerMin: 60 } }]);
    expect(specFromJson(JSON.stringify(json({ expectations: [{ type: 'node-health', options: { maxRssMiB: 300 } }] }))).expectations).toEqual(tuned.expectations);
    const off = base().fuzzTransactions().withoutNodeHealth().buildSpec();
    expect(off.expectations).toEqual([{ type: 'node-health', options: { enabled: false, maxRssMiB: 1024, maxRssSlopeMiBPerMin: 60 } }]);
    expect(scenarioFromSpec(off).expectations.map((e) => e.name)).toEqual(['tx-fuzz-rejected']);
    expect(() => specFromJson(JSON.stringify(json({ expectations: [{ type: 'node-health', options: { maxRssMiB: 'lots', slope: 1 } }] })))).toThrow(/expectations\[0\]\.options\.slope[\s\S]*expectations\[0\]\.options\.maxRssMiB: "lots"; allowed: a non-negative number of MiB/);
  });
});
