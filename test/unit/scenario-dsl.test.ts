// The DSL reads like the seed and produces the plain spec the runtime takes: the three seed examples, defaults,
// rate semantics and copy-on-write forking.
import { describe, expect, it } from 'vitest';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { runMetrics } from '../../src/scenario/materialize.js';
import type { ScenarioSpec, TransactionsWorkloadSpec } from '../../src/scenario/spec.js';
import { TransactionWorkload } from '../../src/workloads/transactions.js';

const liveness = { type: 'consensus-liveness', options: { minFraction: 0.5, maxLag: 5, requireLibAdvance: true } };
const tx = (perBlock: number, users: number) => ({
  type: 'transactions',
  rate: { kind: 'perBlock', perBlock },
  users,
  fee: 1,
  amount: 1,
  targets: 'round-robin',
  batch: 'auto',
  inclusionThreshold: 1,
  firstWallet: 0,
});

describe('the seed examples in the DSL', () => {
  it('load progression (rate 5) gives the full resolved spec', () => {
    const spec = ScenarioBuilder.topology()
        .networkStar()
        .validators(3)
        .executors(2)
        .apply()
      .wallets(50)
      .transactions()
        .rate(5)
        .users(20)
        .apply()
      .expectConsensusLiveness()
      .withRunDuration('60s')
      .buildSpec();
    const expected: ScenarioSpec = {
      version: 1,
      name: 'scenario',
      seed: 1,
      topology: { shape: 'star', validators: 3, executors: 2 },
      consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 10 },
      wallets: { count: 50, fundsPerWallet: 1_000_000_000 },
      nodeControl: false,
      durationMs: 60_000,
      cooldownMs: 26_000,
      workloads: [tx(5, 20) as ScenarioSpec['workloads'][number]],
      expectations: [liveness as ScenarioSpec['expectations'][number]],
    };
    expect(spec).toEqual(expected);
  });

  it('sustained load: 4 + 2 nodes, 100 wallets, rate 15 × 50 users, DA 2 channels × 3 blobs per block, 300 s', () => {
    const spec = ScenarioBuilder.topology().networkStar().validators(4).executors(2).apply()
      .wallets(100)
      .transactions().rate(15).users(50).apply()
      .da().channelRate(2).blobRate(3).apply()
      .expectConsensusLiveness()
      .withRunDuration(300_000)
      .buildSpec();
    expect(spec.topology).toEqual({ shape: 'star', validators: 4, executors: 2 });
    expect(spec.durationMs).toBe(300_000);
    expect(spec.workloads).toEqual([tx(15, 50), { type: 'da', channels: 2, blobsPerBlock: 3, blobSizeBytes: { min: 1024, max: 4096 } }]);
    expect(spec.expectations).toEqual([liveness]);
  });

  it('aggressive chaos: node control, restarts every 10–20 s, 15 s cooldown per target, cooldown ≥ 30 s', () => {
    const spec = ScenarioBuilder.topology().networkStar().validators(4).executors(2).apply()
      .enableNodeControl()
      .wallets(50)
      .transactions().rate(10).users(20).apply()
      .chaos().restart().minDelay('10s').maxDelay('20s').targetCooldown('15s').apply()
      .expectConsensusLiveness()
      .withRunDuration('180s')
      .buildSpec();
    expect(spec.nodeControl).toBe(true);
    expect(spec.cooldownMs).toBe(30_000);
    expect(spec.workloads[1]).toEqual({
      type: 'chaos',
      action: 'restart',
      minDelayMs: 10_000,
      maxDelayMs: 20_000,
      targetCooldownMs: 15_000,
      maxDown: 2, // a minority of the 6 block producers (4 validators + 2 executors)
      targets: { roles: [], names: [] },
      recoveryTimeoutMs: 60_000,
      downtimeMs: 5_000,
    });
  });
});

describe('DSL surface', () => {
  const base = () => ScenarioBuilder.topology().validators(2).apply();

  it('network shapes, consensus parameters, seed, name, cooldown', () => {
    const spec = base()
      .topology().networkRing().apply()
      .slotDuration('500ms').activeSlotCoeff(0.25).securityParam(4)
      .withSeed(7).named('ring-test').withCooldown('12s').withRunDuration('2m')
      .buildSpec();
    expect(spec.topology.shape).toBe('ring');
    expect(spec.consensus).toEqual({ slotDurationMs: 500, activeSlotCoeff: 0.25, securityParam: 4 });
    expect([spec.seed, spec.name, spec.cooldownMs, spec.durationMs]).toEqual([7, 'ring-test', 12_000, 120_000]);
    expect(base().topology().networkFull().apply().buildSpec().topology.shape).toBe('full');
  });

  it('default cooldown covers k blocks to finality plus margin: (k + 3) × slot / f', () => {
    expect(base().securityParam(20).buildSpec().cooldownMs).toBe(46_000); // 23 × 2 s
    expect(base().buildSpec().cooldownMs).toBe(26_000);
    expect(base().slotDuration(100).buildSpec().cooldownMs).toBe(10_000); // floor
  });

  it('rate(n) per block is paced at n / meanBlockInterval; metrics count expected blocks', () => {
    const spec = base().wallets(5).transactions().rate(5).apply().withRunDuration('60s').buildSpec();
    const m = runMetrics(spec);
    expect(m.meanBlockIntervalMs).toBe(2000);
    expect(m.expectedBlocks).toBe(30);
    const perSecond = (spec.workloads[0] as { rate: { perBlock: number } }).rate.perBlock / (m.meanBlockIntervalMs / 1000);
    expect(perSecond).toBe(2.5);
  });

  it('ratePerSecond, stages, rampTo and hold', () => {
    const t = base().wallets(10).withRunDuration('2m');
    expect(t.transactions().ratePerSecond(40).apply().buildSpec().workloads[0]).toMatchObject({ rate: { kind: 'perSecond', perSecond: 40 } });
    const staged = t.transactions().rampTo(100, '30s').hold(100, '1m').rampTo(0, '10s').apply().buildSpec();
    expect(staged.workloads[0]).toMatchObject({
      rate: { kind: 'stages', stages: [{ durationMs: 30_000, perSecond: 100, ramp: true }, { durationMs: 60_000, perSecond: 100, ramp: false }, { durationMs: 10_000, perSecond: 0, ramp: true }] },
    });
    expect(t.transactions().stages([{ duration: '20s', perSecond: 10 }]).apply().buildSpec().workloads[0]).toMatchObject({ rate: { kind: 'stages', stages: [{ durationMs: 20_000, perSecond: 10, ramp: true }] } });
  });

  it('users default to every wallet; initializeWallet splits total funds', () => {
    expect(base().wallets(12).transactions().apply().buildSpec().workloads[0]).toMatchObject({ users: 12 });
    expect(base().initializeWallet(1000, 3).buildSpec().wallets).toEqual({ count: 3, fundsPerWallet: 333, totalFunds: 1000 });
  });

  it('chaos variants and target filters', () => {
    const nc = ScenarioBuilder.topology().validators(5).executors(2).apply().enableNodeControl();
    expect(nc.chaos().kill().downtime('3s').executorsOnly().apply().buildSpec().workloads[0]).toMatchObject({ action: 'kill', downtimeMs: 3000, targets: { roles: ['executor'], names: [] } });
    expect(nc.chaos().pause().targetNodes('validator-1', 'validator-2').maxDown(2).apply().buildSpec().workloads[0]).toMatchObject({ action: 'pause', maxDown: 2, targets: { roles: [], names: ['validator-1', 'validator-2'] } });
    expect(nc.chaos().apply().buildSpec().workloads[0]).toMatchObject({ action: 'restart', maxDown: 3, minDelayMs: 10_000, maxDelayMs: 30_000, targetCooldownMs: 60_000 });
  });

  it('the other built-in expectations, with options', () => {
    const spec = base().expectSupplyConserved().expectBlockTiming({ tolerance: 0.3, maxGap: '20s' }).expectSafety().expectMempoolBounded({ maxPending: 500 }).buildSpec();
    expect(base().expectMempoolBounded({ maxTrendRise: 0.2, sampleInterval: '2s' }).buildSpec().expectations[0]).toEqual({
      type: 'mempool-bounded',
      options: { maxPending: 10_000, trendWindowFraction: 0.25, maxTrendRise: 0.2, sampleIntervalMs: 2000 },
    });
    expect(spec.expectations).toEqual([
      { type: 'supply-conserved', options: {} },
      { type: 'block-timing', options: { tolerance: 0.3, maxGapMs: 20_000 } },
      { type: 'safety', options: {} },
      { type: 'mempool-bounded', options: { maxPending: 500, trendWindowFraction: 0.25 } },
    ]);
  });

  it('copy-on-write: forking a partly built scenario leaves the original untouched', () => {
    const common = ScenarioBuilder.topology().validators(3).apply().wallets(20);
    const slow = common.transactions().rate(2).apply();
    const fast = common.transactions().rate(50).apply().withRunDuration('5m');
    const topo = ScenarioBuilder.topology().validators(3);
    topo.executors(4);
    expect(topo.apply().buildSpec().topology.executors).toBe(0);
    expect(common.buildSpec().workloads).toEqual([]);
    expect(slow.buildSpec().workloads[0]).toMatchObject({ rate: { perBlock: 2 } });
    expect(slow.buildSpec().durationMs).toBe(60_000);
    expect(fast.buildSpec().workloads[0]).toMatchObject({ rate: { perBlock: 50 } });
    expect(fast.buildSpec().durationMs).toBe(300_000);
  });

  it('fromSpec forks an existing spec', () => {
    const spec = base().wallets(4).transactions().rate(3).apply().buildSpec();
    const forked = ScenarioBuilder.fromSpec(spec).withRunDuration('2m').buildSpec();
    expect(forked).toEqual({ ...spec, durationMs: 120_000 });
    expect(spec.durationMs).toBe(60_000);
  });

  it('a built-in workload object passed to withWorkload keeps its own spec and runs as given', () => {
    const txSpec = base().wallets(4).transactions().rate(3).apply().buildSpec().workloads[0] as TransactionsWorkloadSpec;
    const live = new TransactionWorkload(txSpec);
    const s = base().wallets(4).withWorkload(live).build();
    expect(s.spec.workloads).toEqual([txSpec]);
    expect(s.workloads[0]).toBe(live);
  });

  it('the spec is deeply frozen', () => {
    const spec = base().wallets(3).transactions().apply().buildSpec();
    expect(Object.isFrozen(spec) && Object.isFrozen(spec.workloads[0]) && Object.isFrozen(spec.topology)).toBe(true);
  });

  it('chaos() without node control throws at once in JavaScript', () => {
    const untyped = base() as unknown as { chaos(): unknown };
    expect(() => untyped.chaos()).toThrow(/enableNodeControl/);
    try {
      untyped.chaos();
    } catch (e) {
      expect((e as { code: string }).code).toBe('LN_ERR_SCENARIO_INVALID');
    }
  });

  it('build() materialises live workloads, bundled expectations and metrics', () => {
    const s = ScenarioBuilder.topology().validators(4).executors(1).apply().enableNodeControl().wallets(5)
      .transactions().rate(3).apply()
      .chaos().restart().apply()
      .expectConsensusLiveness()
      .build();
    expect(s.workloads.map((w) => w.constructor.name)).toEqual(['TransactionWorkload', 'ChaosWorkload']);
    expect(s.expectations.map((e) => e.name)).toContain('consensus-liveness');
    expect(s.expectations.length).toBeGreaterThan(1); // bundled inclusion / recovery expectations
    expect(s.metrics).toMatchObject({ durationMs: 60_000, meanBlockIntervalMs: 2000, expectedBlocks: 30 });
  });
});
