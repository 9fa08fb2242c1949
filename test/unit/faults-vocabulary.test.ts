/**
 * The fault vocabulary in the DSL and the JSON form: the same spec either way, strict reading with messages
 * that name the field and what is allowed, capability refusals naming the deployer and the chain, and the
 * pure parts of the nemeses (partition shapes, tier delays) and checks (fork rate, propagation).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttachDeployer, LoadnetError, ScenarioBuilder, scenarioFromSpec } from '../../src/index.js';
import { partitionPairs } from '../../src/faults/nemeses/partition.js';
import { tierLinks } from '../../src/faults/nemeses/latency-tiers.js';
import { checkFaultSupport } from '../../src/faults/capabilities.js';
import { capabilitiesOf } from '../../src/faults/applier.js';
import { TESTING_API_CLOCK, TESTING_API_LINKS } from '../../src/faults/appliers/testing-api.js';
import { judgeForkRate } from '../../src/expectations/fork-rate.js';
import { judgeChurn } from '../../src/expectations/churn.js';
import { judgePropagation, lagByTier, Propagation } from '../../src/expectations/propagation.js';
import type { RunContext } from '../../src/runtime/contracts.js';
import type { ScenarioSpec } from '../../src/scenario/spec.js';

const base = () => ScenarioBuilder.topology().networkFull().validators(4).executors(0).apply().enableNodeControl().withRunDuration('60s');
const json = (workloads: unknown[], extra: Record<string, unknown> = {}) => ({ topology: { shape: 'full', validators: 4, executors: 0 }, nodeControl: true, durationMs: '60s', workloads, ...extra });
const issuesOf = (input: unknown): Array<{ field: string; allowed: string }> => {
  try {
    scenarioFromSpec(input);
  } catch (e) {
    return ((e as LoadnetError).issues ?? []) as Array<{ field: string; allowed: string }>;
  }
  return [];
};

describe('fault vocabulary: DSL and JSON give one spec', () => {
  it('partition, latency tiers, link fault, block peer and clock skew', () => {
    const dsl = base()
      .chaos().partition('isolate', { node: 'validator-3' }).at('10s').every('20s').for('5s').convergeWithin('15s').apply()
      .chaos().latencyTiers({ A: { delay: '10ms', nodes: ['validator-0'] }, C: { delay: '300ms', nodes: ['validator-3'] } }, { jitter: '20ms' }).healAt('40s').apply()
      .chaos().linkFault({ from: ['validator-0'], to: ['validator-1'], loss: 0.1, delay: '50ms', bothWays: false }).at('5s').for('10s').apply()
      .chaos().blockPeer('validator-0', 'validator-2').at('1s').for('2s').apply()
      .chaos().clockSkew({ 'validator-1': { offsetMs: 1000 }, 'validator-2': { offsetMs: -1000 } }).apply()
      .expectForkRate({ maxDepth: 2 })
      .expectPropagation({ tiers: { C: { maxP99: '800ms' } } })
      .buildSpec();
    const fromJson = scenarioFromSpec(
      json(
        [
          { type: 'partition', shape: 'isolate', node: 'validator-3', atMs: '10s', everyMs: '20s', durationMs: '5s', convergeWithinMs: '15s' },
          { type: 'latency-tiers', tiers: { A: { delayMs: '10ms', nodes: ['validator-0'] }, C: { delayMs: 300, nodes: ['validator-3'] } }, jitterMs: 20, healAtMs: '40s' },
          { type: 'link-fault', from: ['validator-0'], to: ['validator-1'], loss: 0.1, delayMs: 50, bothWays: false, atMs: 5000, durationMs: 10000 },
          { type: 'block-peer', node: 'validator-0', peer: 'validator-2', atMs: '1s', durationMs: '2s' },
          { type: 'clock-skew', nodes: { 'validator-1': { offsetMs: 1000 }, 'validator-2': { offsetMs: -1000 } } },
        ],
        { expectations: [{ type: 'fork-rate', options: { maxDepth: 2 } }, { type: 'propagation', options: { tiers: { C: { maxP99Ms: '800ms' } } } }] },
      ),
    ).spec;
    expect(fromJson.workloads).toEqual(dsl.workloads);
    expect(fromJson.expectations).toEqual(dsl.expectations);
    expect(dsl.workloads[1]).toMatchObject({ type: 'latency-tiers', rule: 'max', jitterMs: 20, atMs: 0, durationMs: 40_000 });
    expect(dsl.workloads[0]).toMatchObject({ everyMs: 20_000, durationMs: 5000, convergeWithinMs: 15_000 });
    expect(dsl.expectations[0]).toEqual({ type: 'fork-rate', options: { maxReorgsPerBlock: 0.2, maxOrphansPerBlock: 0.1, maxDepth: 2 } });
  });

  it('refuses bad fault input naming the field and what is allowed', () => {
    const issues = issuesOf(
      json([
        { type: 'partition', shape: 'triangle' },
        { type: 'partition', shape: 'isolate', node: 'validator-9' },
        { type: 'latency-tiers', tiers: { A: { delayMs: 10, nodes: ['validator-0'] }, B: { delayMs: 100, nodes: ['validator-0'] } } },
        { type: 'link-fault', from: ['validator-0'], to: ['validator-1'] },
        { type: 'partition', everyMs: '10s', durationMs: '10s' },
        { type: 'block-peer', node: 'validator-0', peer: 'validator-0', atMs: '90s' },
        { type: 'partition', shape: 'halves', healAtMs: '1s', atMs: '5s' },
        { type: 'partition', shap: 'halves' },
      ]),
    );
    const text = issues.map((i) => `${i.field}: ${i.allowed}`);
    expect(text).toEqual(expect.arrayContaining([
      expect.stringMatching(/^partition\.shape: one of 'halves', 'majority', 'isolate', 'ring', 'bridge', 'groups'/),
      expect.stringMatching(/^partition\[2\]\.node: a node of this topology: validator-0, validator-1, validator-2, validator-3/),
      expect.stringMatching(/^latency-tiers\.tiers\.B\.nodes: a node in one tier only \(validator-0 is in tier A already\)/),
      expect.stringMatching(/^link-fault: at least one of delayMs, jitterMs, loss, rateBytesPerSec/),
      expect.stringMatching(/^partition\[3\]\.durationMs: a duration shorter than everyMs \(10000 ms\)/),
      expect.stringMatching(/^block-peer\.peer: another node than `node`/),
      expect.stringMatching(/^block-peer\.atMs: a start inside the run window \(before 60000 ms\)/),
      expect.stringMatching(/^partition\[4\]\.healAtMs: a time after atMs \(5000 ms\)/),
      expect.stringMatching(/^partition\[5\]\.shap: no such key \(did you mean 'shape'\?\)/),
    ]));
  });

  it('a fault needs node control, and a chain with peer links', () => {
    const noControl = issuesOf({ ...json([{ type: 'partition' }]), nodeControl: false });
    expect(noControl.map((i) => i.allowed).join('\n')).toMatch(/a fault only with node control: call \.enableNodeControl\(\)/);
    const evm = issuesOf({ ...json([{ type: 'partition' }]), chain: { type: 'evm' }, topology: { validators: 1, executors: 0 } });
    expect(evm.map((i) => i.allowed).join('\n')).toMatch(/chain 'evm' has: it has no peer links to cut \(partition\)/);
  });
});

describe('churn in the DSL and JSON', () => {
  it('one spec either way, with defaults; strict reading names the field and what is allowed', () => {
    const dsl = base().chaos().churn({ join: 2, stake: 500, leave: ['validator-3'] }).at('5s').every('20s').for('1s').apply().buildSpec();
    const fromJson = scenarioFromSpec(json([{ type: 'churn', join: 2, stake: 500, leave: ['validator-3'], atMs: '5s', everyMs: '20s', durationMs: '1s' }])).spec;
    expect(dsl.workloads).toEqual(fromJson.workloads);
    expect(dsl.workloads[0]).toMatchObject({ type: 'churn', join: 2, stake: 500, role: 'validator', leave: ['validator-3'], atMs: 5000, everyMs: 20_000 });
    const issues = issuesOf(json([{ type: 'churn', join: -1, stake: 1.5, role: 'miner', leave: ['validator-9', 'validator-0', 'validator-1', 'validator-2', 'validator-3'] }]));
    const fields = issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['churn.join', 'churn.stake', 'churn.role', 'churn.leave[0]', 'churn.leave']));
    expect(issues.find((i) => i.field === 'churn.leave')!.allowed).toMatch(/fewer than the topology's 4 nodes/);
    expect(issuesOf(json([{ type: 'churn' }]))[0]).toMatchObject({ field: 'churn.join', allowed: expect.stringMatching(/a churn that changes nothing/) });
  });
  it('refused where nodes cannot join or stake, naming the deployer and the chain', async () => {
    const spec = scenarioFromSpec(json([{ type: 'churn', join: 1, stake: 100 }])).spec;
    const noJoiners = capabilitiesOf('local', 'evm', [], undefined, false);
    expect(() => checkFaultSupport(spec, noJoiners)).toThrow(/^the local deployer cannot add nodes at runtime for chain evm \(it can: none\) \(and 1 more\)$/);
    const noStaking = capabilitiesOf('compose', 'someChain', [TESTING_API_LINKS], undefined, true, false);
    expect(() => checkFaultSupport(spec, noStaking)).toThrow(/^the compose deployer cannot stake joiners on chain for chain someChain \(it can: cut, delay, jitter, loss, joiners\)$/);
    expect(() => checkFaultSupport(scenarioFromSpec(json([{ type: 'churn', join: 1 }])).spec, noStaking)).not.toThrow();
    await expect(new AttachDeployer({ nodes: ['http://127.0.0.1:1'] }).deploy(scenarioFromSpec(json([{ type: 'churn', join: 1 }])))).rejects.toThrow(/^the attach deployer cannot add and remove nodes at runtime$/);
  });
  it('the churn check names joiners that did not sync or lead and leavers still seen', () => {
    const j = (name: string, produced: number, synced = true) => ({ name, joinedAt: 0, height: 10, synced, produced, blocksSince: 40 });
    expect(judgeChurn(100, [j('v-join-0', 3)], [{ name: 'validator-3', seenBy: [] }], 'validator-0', 1)).toMatchObject({ status: 'pass', message: '1 joiner(s) synced with validator-0, each produced blocks (v-join-0 3 of 40); 1 leaver(s) gone from every peer list' });
    const bad = judgeChurn(1, [j('v-join-0', 0), j('v-join-1', 2, false)], [{ name: 'validator-3', seenBy: ['validator-0'] }], 'validator-0', 1);
    expect(bad.status).toBe('fail');
    expect(bad.message).toBe("joiner v-join-0 (stake 1) produced 0 of the 40 canonical blocks since it joined; joiner v-join-1 is not synced (height 10, validator-0's final block not on its chain); leaver validator-3 is still a peer of validator-0");
    expect(judgeChurn(0, [j('v-join-0', 0)], [], 'validator-0', 1).status).toBe('pass');
  });
});

describe('capabilities name the deployer and the chain', () => {
  const spec = (w: unknown[]): ScenarioSpec => scenarioFromSpec(json(w)).spec;
  it('the attach deployer cannot partition nodes (refused before anything runs)', async () => {
    const s = scenarioFromSpec(json([{ type: 'partition' }]));
    await expect(new AttachDeployer({ nodes: ['http://127.0.0.1:1'] }).deploy(s)).rejects.toThrow(/^the attach deployer cannot partition nodes$/);
  });
  it('the local deployer renders cuts, delay, jitter, loss and offsets through the testing API, not bandwidth or drift', () => {
    const local = capabilitiesOf('local', 'devnet', [TESTING_API_LINKS], TESTING_API_CLOCK, true);
    expect(() => checkFaultSupport(spec([{ type: 'partition' }, { type: 'latency-tiers', tiers: { C: { delayMs: 300, nodes: ['validator-3'] } }, jitterMs: 5 }]), local)).not.toThrow();
    expect(() => checkFaultSupport(spec([{ type: 'link-fault', from: ['validator-0'], to: ['validator-1'], rateBytesPerSec: 10000 }]), local)).toThrow(/^the local deployer cannot limit bandwidth on links for chain devnet \(it can: cut, delay, jitter, loss, clock, joiners\)$/);
    expect(() => checkFaultSupport(spec([{ type: 'clock-skew', nodes: { 'validator-1': { offsetMs: 5, driftPpm: 50 } } }]), local)).toThrow(/clock applier sets an offset only for chain devnet/);
    const evm = capabilitiesOf('local', 'evm', [], undefined, false);
    expect(() => checkFaultSupport(spec([{ type: 'clock-skew', nodes: { 'validator-1': { offsetMs: 5 } } }]), evm)).toThrow(/^the local deployer cannot skew clocks for chain evm \(it can: none\)$/);
  });
});

describe('nemeses: shapes and tiers', () => {
  const names = ['n0', 'n1', 'n2', 'n3', 'n4'];
  const key = (pairs: Array<[string, string]>) => pairs.map((p) => p.join('-')).sort();
  it("Jepsen's partition shapes", () => {
    expect(partitionPairs({ shape: 'halves' }, names).sides).toEqual([['n0', 'n1'], ['n2', 'n3', 'n4']]);
    expect(partitionPairs({ shape: 'majority' }, names).sides).toEqual([['n0', 'n1', 'n2'], ['n3', 'n4']]);
    expect(partitionPairs({ shape: 'isolate', node: 'n1' }, names).pairs).toHaveLength(4);
    expect(key(partitionPairs({ shape: 'ring' }, names).pairs)).toEqual(['n0-n2', 'n0-n3', 'n1-n3', 'n1-n4', 'n2-n4']);
    const bridge = partitionPairs({ shape: 'bridge' }, names);
    expect(bridge.sides).toEqual([['n0', 'n1'], ['n2'], ['n3', 'n4']]);
    expect(bridge.pairs.flat()).not.toContain('n2');
  });
  it('a link is delayed by the larger of its ends, or by the matrix', () => {
    const tiers = { A: { delayMs: 10, nodes: ['n0'] }, C: { delayMs: 300, nodes: ['n1'] } };
    const links = tierLinks({ tiers, rule: 'max', jitterMs: 0 }, ['n0', 'n1', 'n2']);
    expect(links).toEqual(expect.arrayContaining([{ from: 'n0', to: 'n1', delayMs: 300 }, { from: 'n0', to: 'n2', delayMs: 10 }, { from: 'n2', to: 'n1', delayMs: 300 }]));
    expect(links.find((l) => l.from === 'n2' && l.to === 'n0')).toEqual({ from: 'n2', to: 'n0', delayMs: 10 });
    const m = tierLinks({ tiers, rule: 'matrix', matrix: { A: { C: 50 }, C: { A: 500 } }, jitterMs: 0 }, ['n0', 'n1']);
    expect(m).toEqual([{ from: 'n0', to: 'n1', delayMs: 50 }, { from: 'n1', to: 'n0', delayMs: 500 }]);
  });
});

describe('fork rate and propagation judges name their numbers', () => {
  it('fork rate', () => {
    const reorg = (depth: number, ids: string[]) => ({ node: 'n', at: 0, reverted: ids as `0x${string}`[], depth, revertedFinal: false });
    const r = judgeForkRate({ produced: 10, reorgs: [reorg(1, ['a']), reorg(4, ['b', 'c', 'd', 'e'])] }, { maxReorgsPerBlock: 0.1, maxOrphansPerBlock: 1, maxDepth: 3 });
    expect(r.status).toBe('fail');
    expect(r.message).toBe('2 reorgs in 10 blocks (0.2 per block, bound 0.1); deepest reorg 4 blocks (bound 3) [orphans: 0 from slot battles, 0 from height battles, 5 unclassified]');
  });
  it('fork rate tells slot battles (two leaders of one slot) from height battles (a leader building beside a block it had not received)', () => {
    const reorg = (ids: string[]) => ({ node: 'n', at: 0, reverted: ids as `0x${string}`[], depth: ids.length, revertedFinal: false });
    const blocks = [
      { id: 'a', height: 5, slot: 10 }, { id: 'a2', height: 5, slot: 10 },
      { id: 'b', height: 6, slot: 12 }, { id: 'b2', height: 6, slot: 13 },
      { id: 'c', height: 7, slot: 14 },
    ];
    const o = { maxReorgsPerBlock: 1, maxOrphansPerBlock: 1, maxDepth: 3 };
    const pass = judgeForkRate({ produced: 5, reorgs: [reorg(['a']), reorg(['b'])], blocks }, o);
    expect(pass.status).toBe('pass');
    expect(pass.figures).toMatchObject({ orphans: 2, slotBattles: 1, heightBattles: 1, unclassified: 0, heightBattlesPerBlock: 0.2 });
    const fail = judgeForkRate({ produced: 5, reorgs: [reorg(['a']), reorg(['b'])], blocks }, { ...o, maxHeightBattlesPerBlock: 0.1 });
    expect(fail.message).toBe('1 orphans from height battles, a leader building beside a block it had not received, in 5 blocks (0.2 per block, bound 0.1) [orphans: 1 from slot battles, 1 from height battles]');
    // A rival the feed never saw (here c's) leaves the orphan unclassified, judged as a height battle.
    const unseen = judgeForkRate({ produced: 5, reorgs: [reorg(['c'])], blocks }, { ...o, maxHeightBattlesPerBlock: 0.1 });
    expect(unseen.message).toMatch(/^1 orphans from height battles, .* \(1 of them without a rival of known slot\)/);
  });
  it('fork rate judges an orphan by the block that won its height: two orphans of one slot that lost to another slot are height battles', () => {
    const reorg = (ids: string[]) => ({ node: 'n', at: 0, reverted: ids as `0x${string}`[], depth: ids.length, revertedFinal: false });
    // The losing side of a cut built two blocks in slot 15 at height 7; the other side's block of slot 14 won.
    const blocks = [{ id: 'w', height: 7, slot: 14 }, { id: 'x', height: 7, slot: 15 }, { id: 'y', height: 7, slot: 15 }];
    const o = { maxReorgsPerBlock: 1, maxOrphansPerBlock: 1, maxDepth: 3 };
    const byFinal = judgeForkRate({ produced: 3, reorgs: [reorg(['x']), reorg(['y'])], blocks: [{ ...blocks[0]!, final: true }, ...blocks.slice(1)] }, o);
    expect(byFinal.figures).toMatchObject({ orphans: 2, slotBattles: 0, heightBattles: 2, unclassified: 0 });
    // Not final yet: the rival no node reverted won.
    expect(judgeForkRate({ produced: 3, reorgs: [reorg(['x']), reorg(['y'])], blocks }, o).figures).toMatchObject({ slotBattles: 0, heightBattles: 2 });
    // Two leaders of slot 14, one of them final: a slot battle.
    const slot = judgeForkRate({ produced: 3, reorgs: [reorg(['z'])], blocks: [{ id: 'w', height: 7, slot: 14, final: true }, { id: 'z', height: 7, slot: 14 }] }, o);
    expect(slot.figures).toMatchObject({ slotBattles: 1, heightBattles: 0 });
  });
  it('fork rate on a real latency-tiers run (test/fixtures/report-tiers-run, 300 ms tier C, 500 ms slots): the lottery made 9 of its 10 orphans', () => {
    const events = readFileSync(join(import.meta.dirname, '../fixtures/report-tiers-run/events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const blocks = events.filter((e) => e.kind === 'block');
    const reorgs = events.filter((e) => e.kind === 'reorg');
    const o = { maxReorgsPerBlock: 1, maxOrphansPerBlock: 0.5, maxHeightBattlesPerBlock: 0.15, maxDepth: 3 };
    const r = judgeForkRate({ produced: blocks.length, reorgs, blocks }, o);
    expect(r.figures).toMatchObject({ produced: 36, orphans: 10, slotBattles: 9, heightBattles: 1, orphansPerBlock: 0.278 });
    expect(r.status).toBe('pass');
    // The bound that judges the tiers alone fails when their height battles are above it.
    const tight = judgeForkRate({ produced: blocks.length, reorgs, blocks }, { ...o, maxHeightBattlesPerBlock: 0.02 });
    expect(tight.message).toMatch(/^1 orphans from height battles, .* in 36 blocks \(0\.028 per block, bound 0\.02\)/);
  });
  it('propagation by tier', () => {
    const lags = [...[100, 120, 140].map((l) => ({ node: 'a', lagMs: l })), ...[310, 350, 900].map((l) => ({ node: 'c', lagMs: l }))];
    const tiers = lagByTier(lags, { a: 'A', c: 'C' });
    expect(tiers).toEqual({ A: { samples: 3, p50Ms: 120, p99Ms: 140, maxMs: 140 }, C: { samples: 3, p50Ms: 350, p99Ms: 900, maxMs: 900 } });
    const r = judgePropagation(tiers, { maxP99Ms: 1000, tiers: { C: { maxP99Ms: 500 } } });
    expect(r.message).toBe('tier C: p99 900 ms above 500 ms (A p50 120 / p99 140 ms (3), C p50 350 / p99 900 ms (3))');
  });

  it('propagation by the scenario\'s tiers counts only blocks that originated while the tiers held', async () => {
    const spec = base().chaos().latencyTiers({ C: { delay: '700ms', nodes: ['validator-3'] } }).healAt('10s').apply().buildSpec();
    const listeners: Array<(e: Record<string, unknown>) => void> = [];
    let onTip: (t: { node: string; tip: string; at: number; up: boolean }) => void = () => undefined;
    const blocks = new Map<string, { firstSeenAt: number; firstSeenOn: string; timestamp: number }>();
    const ctx = {
      events: { on: (l: (e: Record<string, unknown>) => void) => (listeners.push(l), () => undefined), emit: () => undefined },
      blockFeed: { tips: () => [], subscribe: (s: { onTip: typeof onTip }) => ((onTip = s.onTip), () => undefined), block: (id: string) => blocks.get(id) },
    } as unknown as RunContext;
    const p = new Propagation();
    p.init({} as never, spec);
    await p.startCapture(ctx);
    const emit = (e: Record<string, unknown>) => listeners.forEach((l) => l(e));
    const block = (id: string, at: number, lag: number) => {
      blocks.set(id, { firstSeenAt: at, firstSeenOn: 'validator-0', timestamp: at });
      onTip({ node: 'validator-3', tip: id, at: at + lag, up: true });
    };
    block('before', 500, 100); // before the tiers held: not counted
    emit({ kind: 'fault.start', fault: 'latency-tiers', faultId: 'f1', t: 1000 });
    block('held-1', 2000, 720);
    block('held-2', 3000, 710);
    emit({ kind: 'fault.end', fault: 'latency-tiers', faultId: 'f1', t: 10_000 });
    for (let i = 0; i < 5; i++) block(`after-${i}`, 11_000 + i * 500, 125); // healed: undelayed, not counted
    const r = await p.evaluate(ctx);
    expect(r.figures!.tiers).toEqual({ C: { samples: 2, p50Ms: 710, p99Ms: 720, maxMs: 720 } });
  });
});
