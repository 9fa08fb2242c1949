// Fee pressure and the flooding peer are plain data like every built-in: DSL and JSON give one spec with
// defaults filled in; wallet ranges of every transaction-sending workload are placed one after the other and
// an overlap or a range past the funded wallets is refused; a chain loadnet's P2P client cannot speak is
// refused as not supported.
import { describe, expect, it } from 'vitest';
import { scenarioFromSpec, specFromJson } from '../../src/scenario/build.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { FeePressureWorkload, scaleRate } from '../../src/workloads/fee-pressure.js';
import { FloodingPeerWorkload } from '../../src/adversary/flooding-peer.js';

const base = () => ScenarioBuilder.topology().validators(2).apply().wallets(30).onChain({ type: 'devnet', mempool: { maxCount: 300 }, block: { maxTxs: 50 } });
const tiers = [
  { name: 'low', fee: 1, users: 10 },
  { name: 'high', fee: 10, users: 10, share: 2 },
];

describe('fee-pressure spec', () => {
  it('DSL and JSON give the same spec; tiers get consecutive wallet ranges; the rate is split by share', () => {
    const dsl = base().feePressure({ tiers, stages: [{ duration: '5s', perSecond: 300 }] }).buildSpec();
    expect(dsl.workloads[0]).toEqual({
      type: 'fee-pressure',
      tiers: [
        { name: 'low', fee: 1, users: 10, share: 1, firstWallet: 0 },
        { name: 'high', fee: 10, users: 10, share: 2, firstWallet: 10 },
      ],
      rate: { kind: 'stages', stages: [{ durationMs: 5000, perSecond: 300, ramp: true }] },
      amount: 1,
      targets: 'round-robin',
      batch: 'auto',
      maxTierLatencyRatio: 0.5,
      minEvictions: 1,
      minBlockFill: 0.9,
      minThroughputFraction: 0.7,
    });
    const json = specFromJson(JSON.stringify({ topology: { validators: 2 }, wallets: { count: 30 }, chain: { type: 'devnet', mempool: { maxCount: 300 }, block: { maxTxs: 50 } }, workloads: [{ type: 'fee-pressure', tiers, rate: { kind: 'stages', stages: [{ durationMs: '5s', perSecond: 300 }] } }] }));
    expect(json.workloads).toEqual(dsl.workloads);
    const s = scenarioFromSpec(JSON.parse(JSON.stringify(dsl)));
    const w = s.workloads[0] as FeePressureWorkload;
    expect(w).toBeInstanceOf(FeePressureWorkload);
    expect(w.tiers.map((t) => [t.load.name, t.load.spec.firstWallet, t.load.spec.fee, t.load.spec.rate])).toEqual([
      ['fee-pressure:low', 0, 1, { kind: 'stages', stages: [{ durationMs: 5000, perSecond: 100, ramp: true }] }],
      ['fee-pressure:high', 10, 10, { kind: 'stages', stages: [{ durationMs: 5000, perSecond: 200, ramp: true }] }],
    ]);
    expect(s.expectations.map((e) => e.name)).toEqual(['node-health', 'fee-priority']);
    expect(scaleRate({ kind: 'perBlock', perBlock: 9 }, 1 / 3)).toEqual({ kind: 'perBlock', perBlock: 3 });
  });

  it('a transactions workload after the tiers takes the next wallets; overlaps and ranges past the wallets are refused', () => {
    const spec = base().feePressure({ tiers, ratePerSecond: 100 }).transactions().users(5).apply().buildSpec();
    expect(spec.workloads[1]).toMatchObject({ type: 'transactions', firstWallet: 20, users: 5 });
    expect(() => base().feePressure({ tiers, ratePerSecond: 100 }).transactions().users(5).firstWallet(8).apply().build()).toThrow(
      /transactions\.users: 5; allowed: a wallet range of its own: transactions has wallets 8–12, overlapping fee-pressure tier 'low''s wallets 0–9/,
    );
    expect(() => base().feePressure({ tiers: [...tiers, { name: 'top', fee: 50, users: 11 }], ratePerSecond: 100 }).build()).toThrow(/fee-pressure\.tiers\[2\]\.users: 11; allowed: at most 10: this range starts at firstWallet 20 of 30 funded wallets/);
    expect(() => base().transactions().users(10).apply().transactions().users(10).firstWallet(5).apply().build()).toThrow(/transactions\[2\]\.users: 10; allowed: a wallet range of its own: transactions\[2\] has wallets 5–14, overlapping transactions's wallets 0–9/);
    // Two workloads one after the other, as before the ranges, but now disjoint.
    expect(base().transactions().users(10).apply().transactions().users(10).apply().buildSpec().workloads.map((w) => (w as { firstWallet?: number }).firstWallet)).toEqual([0, 10]);
  });

  it('refuses tiers with one fee, a single tier, and chains without a fee market', () => {
    expect(() => base().feePressure({ tiers: [tiers[0]!, { ...tiers[1]!, fee: 1 }], ratePerSecond: 10 }).build()).toThrow(/fee-pressure\.tiers: "1, 1"; allowed: tiers with distinct fees/);
    expect(() => base().feePressure({ tiers: [tiers[0]!], ratePerSecond: 10 }).build()).toThrow(/fee-pressure\.tiers: .*allowed: at least two tiers/);
    expect(() => ScenarioBuilder.topology().validators(1).apply().wallets(30).onChain({ type: 'evm' }).feePressure({ tiers, ratePerSecond: 10 }).build()).toThrow(/workloads\[0\]: "fee-pressure"; allowed: a feature chain 'evm' has: it has no fee-ordered block building/);
  });
});

describe('flooding-peer spec', () => {
  it('DSL and JSON give the same spec, defaults filled in', () => {
    const dsl = base().floodPeer({ target: 'validator-1', rate: 100, banWithin: '10s' }).buildSpec();
    expect(dsl.workloads[0]).toEqual({ type: 'flooding-peer', target: 'validator-1', rate: 100, messages: [], startAfterMs: 2000, banWithinMs: 10_000, maxQueueBytes: 16_777_216, propagationP99Ms: 3000 });
    const json = specFromJson(JSON.stringify({ topology: { validators: 2 }, wallets: { count: 30 }, chain: { type: 'devnet', mempool: { maxCount: 300 }, block: { maxTxs: 50 } }, workloads: [{ type: 'flooding-peer', target: 'validator-1', rate: 100, banWithinMs: '10s' }] }));
    expect(json.workloads).toEqual(dsl.workloads);
    const s = scenarioFromSpec(JSON.parse(JSON.stringify(dsl)));
    expect(s.workloads[0]).toBeInstanceOf(FloodingPeerWorkload);
    expect(s.expectations.map((e) => e.name)).toContain('flooding-peer:validator-1');
  });

  it('refuses a chain whose P2P loadnet cannot speak as not supported, an unknown node and unknown message kinds', () => {
    expect(() => ScenarioBuilder.topology().validators(1).apply().onChain({ type: 'evm' }).floodPeer().build()).toThrow(/workloads\[0\]: "flooding-peer"; allowed: a feature chain 'evm' has: it has no P2P protocol loadnet can speak: the flooding peer speaks only the devnet's framed TCP, not libp2p or devp2p \(not supported\)/);
    expect(() => base().floodPeer({ target: 'validator-7', messages: ['spam' as never] }).build()).toThrow(/flooding-peer\.messages\[0\]: "spam"; allowed: one of[\s\S]*flooding-peer\.target: "validator-7"; allowed: a node of this topology: validator-0, validator-1/);
  });
});
