// The propagation race and the mempool divergence are plain data like every built-in: DSL and JSON give one
// spec with defaults; bad input is refused naming the field and what is allowed. Their plans are seeded
// (same seed, same plan), every node gets the whole race batch once, disjoint batches share nothing, and
// adversary wallets do not overlap each other or the transaction load.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioFromSpec, specFromJson } from '../../src/scenario/build.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { PropagationRaceWorkload } from '../../src/adversary/propagation-race.js';
import { MempoolDivergenceWorkload } from '../../src/adversary/mempool-divergence.js';
import { disjointPlan, independentTransfers, pairwiseDifferences, racePlan } from '../../src/adversary/batch-plan.js';
import { adversaryWallets } from '../../src/adversary/wallet-ranges.js';
import { deriveKeyPair } from '../../src/adapters/devnet/wire/keys.js';
import { decodeTx } from '../../src/adapters/devnet/wire/tx.js';

const base = (wallets = 60) => ScenarioBuilder.topology().validators(3).apply().wallets(wallets);

describe('propagation-race and mempool-divergence specs', () => {
  it('DSL and JSON give the same spec, defaults filled in; both build their workload and expectation', () => {
    const dsl = base().raceTransactions({ batch: 20, at: '2s', jitter: '300ms', maxInclusion: '5s' }).divergeMempools({ perNode: 10, nodes: ['validator-0', 'validator-2'], window: '3s', blocksOnly: true }).buildSpec();
    expect(dsl.workloads[0]).toEqual({ type: 'propagation-race', batch: 20, nodes: 'all', atMs: 2000, jitterMs: 300, chunk: 10, spacingMs: 0, fee: 1, maxInclusionMs: 5000 });
    expect(dsl.workloads[1]).toEqual({ type: 'mempool-divergence', perNode: 10, nodes: ['validator-0', 'validator-2'], atMs: 1000, jitterMs: 200, chunk: 10, spacingMs: 0, fee: 1, windowMs: 3000, blocksOnly: true, sampleEveryMs: 100 });
    const json = specFromJson(JSON.stringify({ topology: { validators: 3 }, wallets: { count: 60 }, workloads: [{ type: 'propagation-race', batch: 20, atMs: '2s', jitterMs: '300ms', maxInclusionMs: '5s' }, { type: 'mempool-divergence', perNode: 10, nodes: ['validator-0', 'validator-2'], windowMs: '3s', blocksOnly: true }] }));
    expect(json.workloads).toEqual(dsl.workloads);
    const s = scenarioFromSpec(JSON.parse(JSON.stringify(dsl)));
    expect(s.workloads[0]).toBeInstanceOf(PropagationRaceWorkload);
    expect(s.workloads[1]).toBeInstanceOf(MempoolDivergenceWorkload);
    expect(s.expectations.map((e) => e.name)).toEqual(expect.arrayContaining(['race-included-once', 'mempool-converged']));
  });

  it('the examples\' JSON twins build', () => {
    for (const f of ['examples/propagation-race.json', 'examples/mempool-divergence.json']) expect(() => scenarioFromSpec(JSON.parse(readFileSync(f, 'utf8'))), f).not.toThrow();
  });

  it('refuses what it cannot run, naming field and allowed values', () => {
    expect(() => base().raceTransactions({ batch: 0, chunk: 0 }).build()).toThrow(/propagation-race\.batch: 0; allowed: transactions in the batch[\s\S]*propagation-race\.chunk: 0; allowed: transactions per request/);
    expect(() => scenarioFromSpec({ topology: { validators: 3 }, workloads: [{ type: 'mempool-divergence', perNode: 5, window: '3s' }] })).toThrow(/mempool-divergence\.window: "3s"; allowed: .*windowMs/);
    expect(() => base().raceTransactions({ nodes: ['validator-7'] }).build()).toThrow(/propagation-race\.nodes: \["validator-7"\]; allowed: 'all' or names of this topology's nodes: validator-0, validator-1, validator-2/);
    expect(() => base(50).raceTransactions({ batch: 40 }).divergeMempools({ perNode: 5 }).build()).toThrow(/at least 55 funded wallets \(propagation-race 40, mempool-divergence 15; they send from the last ones\)/);
    expect(() => base(60).transactions().users(20).apply().raceTransactions({ batch: 45 }).build()).toThrow(/transactions wallets 0\.\.19 ending below 15: propagation-race sends from wallets 15\.\.59/);
    expect(() => ScenarioBuilder.topology().validators(1).apply().wallets(60).onChain({ type: 'evm' }).raceTransactions({ batch: 5 }).build()).toThrow(/propagation-race\.chain: "evm"; allowed: the devnet chain/);
  });

  it('adversary wallets: the fuzzer\'s two last, then each race from the end, no overlap', () => {
    const spec = base(100).raceTransactions({ batch: 30 }).fuzzTransactions().divergeMempools({ perNode: 4 }).buildSpec();
    expect(adversaryWallets(spec).map((r) => [r.type, r.from, r.to])).toEqual([['tx-fuzz', 98, 100], ['propagation-race', 68, 98], ['mempool-divergence', 56, 68]]);
  });
});

describe('race plans', () => {
  const keys = Array.from({ length: 12 }, (_, i) => ({ key: deriveKeyPair(3, 'wallet', i).key, nonce: i % 3 }));
  const batch = independentTransfers(keys, { fee: 2, amount: (i) => 10 + i, salt: 'unit' });
  const nodes = ['validator-0', 'validator-1', 'validator-2'];
  const timing = { seed: 42, atMs: 500, jitterMs: 200, chunk: 5, spacingMs: 10 };

  it('independent transfers: one per sender at its nonce, distinct fresh recipients', () => {
    const txs = batch.map((t) => decodeTx(t.bytes));
    expect(new Set(txs.map((t) => t.from)).size).toBe(12);
    expect(txs.map((t) => t.nonce)).toEqual(keys.map((k) => k.nonce));
    expect(new Set(batch.map((t) => t.to)).size).toBe(12);
    expect(txs.every((t) => t.fee === 2)).toBe(true);
  });

  it('the same batch to every node once, each in its own seeded order from an offset below the jitter', () => {
    const plan = racePlan(batch, nodes, timing);
    expect(racePlan(batch, nodes, timing)).toEqual(plan);
    const orders = nodes.map((n) => plan.filter((p) => p.node === n).flatMap((p) => p.txs.map((t) => t.id)));
    for (const o of orders) expect([...o].sort()).toEqual(batch.map((t) => t.id).sort());
    expect(new Set(orders.map((o) => o.join())).size, 'orders differ between nodes').toBeGreaterThan(1);
    for (const n of nodes) {
      const sends = plan.filter((p) => p.node === n);
      expect(sends[0]!.atMs).toBeGreaterThanOrEqual(500);
      expect(sends[0]!.atMs).toBeLessThan(700);
      expect(sends.map((s) => s.atMs - sends[0]!.atMs)).toEqual([0, 10, 20]);
      expect(sends.map((s) => s.txs.length)).toEqual([5, 5, 2]);
    }
    expect(racePlan(batch, nodes, { ...timing, seed: 43 })).not.toEqual(plan);
  });

  it('disjoint batches share nothing; pairwise differences count both sides', () => {
    const plan = disjointPlan(new Map(nodes.map((n, i) => [n, batch.slice(i * 4, i * 4 + 4)])), timing);
    const ids = plan.flatMap((p) => p.txs.map((t) => t.id));
    expect(new Set(ids).size).toBe(12);
    expect(pairwiseDifferences(new Map([['a', new Set(['1', '2', '3'])], ['b', new Set(['2', '3', '4', '5'])], ['c', null]]))).toEqual({ 'a|b': 3 });
  });
});
