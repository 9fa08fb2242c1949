// A scenario is plain data: its spec survives JSON unchanged, and scenarioFromSpec re-materialises it, with custom
// workloads and expectations from the factories registered under their names.
import { describe, expect, it } from 'vitest';
import type { Expectation, ExpectationResult, Workload } from '../../src/runtime/contracts.js';
import { scenarioFromSpec, scenarioWith, specFromJson } from '../../src/scenario/build.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { registerExpectation, registerWorkload } from '../../src/scenario/registry.js';

class Probe implements Workload {
  readonly name = 'probe';
  initCalls = 0;
  constructor(readonly options: { perSecond: number }) {}
  init(): void {
    this.initCalls++;
  }
  async start(): Promise<void> {}
}

class AlwaysPass implements Expectation {
  readonly name = 'always-pass';
  constructor(readonly options: { note: string }) {}
  async evaluate(): Promise<ExpectationResult> {
    return { status: 'pass', message: this.options.note };
  }
}

registerWorkload('probe', (o) => new Probe(o as { perSecond: number }));
registerExpectation('always-pass', (o) => new AlwaysPass(o as { note: string }));

const everything = () =>
  ScenarioBuilder.topology().networkRing().validators(4).executors(2).apply()
    .slotDuration('500ms').activeSlotCoeff(0.25).securityParam(6)
    .enableNodeControl()
    .initializeWallet(1_000_003, 7)
    .transactions().rampTo(50, '20s').hold(50, '20s').users(5).fee(2).targetRandom().batch(16).inclusionThreshold(0.99).apply()
    .da().channelRate(3).blobRate(2).blobSize(512, 2048).apply()
    .chaos().pause().downtime('2s').targetRoles('executor').targetNodes('validator-3').apply()
    .withWorkload('probe', { perSecond: 5 })
    .withExpectation('always-pass', { note: 'fine' })
    .expectConsensusLiveness({ maxLag: 3 })
    .expectBlockTiming({ maxGap: '30s' })
    .expectSafety()
    .expectSupplyConserved()
    .expectMempoolBounded({ trendWindowFraction: 0.5 })
    .withRunDuration('90s')
    .withSeed(42)
    .named('everything');

describe('JSON round trip', () => {
  it('spec → JSON → spec is unchanged, key order included', () => {
    const spec = everything().buildSpec();
    const text = JSON.stringify(spec);
    const back = specFromJson(text);
    expect(back).toEqual(spec);
    expect(JSON.stringify(back)).toBe(text);
  });

  it('scenarioFromSpec re-materialises custom workloads and expectations by registered name', () => {
    const spec = ScenarioBuilder.topology().validators(2).apply().withWorkload('probe', { perSecond: 3 }).withExpectation('always-pass', { note: 'ok' }).buildSpec();
    const s = scenarioFromSpec(JSON.parse(JSON.stringify(spec)));
    expect(s.spec).toEqual(spec);
    expect(s.workloads[0]).toBeInstanceOf(Probe);
    expect((s.workloads[0] as Probe).options).toEqual({ perSecond: 3 });
    expect((s.workloads[0] as Probe).initCalls).toBe(1);
    expect(s.expectations[0]).toBeInstanceOf(AlwaysPass);
  });

  it('a live custom object is recorded by name with its JSON options, and the same object runs', () => {
    const probe = new Probe({ perSecond: 9 });
    const s = ScenarioBuilder.topology().validators(2).apply().withWorkload(probe).build();
    expect(s.spec.workloads).toEqual([{ type: 'custom', name: 'probe', options: { perSecond: 9 } }]);
    expect(s.workloads[0]).toBe(probe);
    expect(scenarioFromSpec(JSON.stringify(s.spec)).workloads[0]).not.toBe(probe);
  });

  it('a partial JSON spec gets the documented defaults', () => {
    const spec = specFromJson('{"topology": {"validators": 3}, "durationMs": "2m", "wallets": {"count": 4}, "workloads": [{"type": "transactions"}]}');
    expect(spec).toMatchObject({ version: 1, name: 'scenario', seed: 1, durationMs: 120_000, cooldownMs: 26_000, topology: { shape: 'star', executors: 0 } });
    expect(spec.workloads[0]).toMatchObject({ rate: { kind: 'perBlock', perBlock: 1 }, users: 4 });
  });

  it('JSON that does not parse is a scenario error', () => {
    expect(() => scenarioFromSpec('{"topology": ')).toThrow(/does not parse/);
  });

  it('scenarioWith overrides duration and seed, re-validates and re-inits the same live objects', () => {
    const probe = new Probe({ perSecond: 1 });
    const s = ScenarioBuilder.topology().validators(2).apply().withWorkload(probe).withRunDuration('60s').build();
    const t = scenarioWith(s, { durationMs: 30_000, seed: 9 });
    expect([t.spec.durationMs, t.spec.seed, t.metrics.expectedBlocks]).toEqual([30_000, 9, 15]);
    expect(t.workloads[0]).toBe(probe);
    expect(probe.initCalls).toBe(2);
    expect(s.spec.durationMs).toBe(60_000);
    expect(() => scenarioWith(s, { durationMs: 100 })).toThrow(/two slots/);
  });
});

describe('registry', () => {
  it('rejects an empty name or a non-function factory', () => {
    expect(() => registerWorkload('', () => new Probe({ perSecond: 1 }))).toThrow(/non-empty/);
    expect(() => registerExpectation('x', 42 as never)).toThrow(/factory is number/);
  });

  it('lists the registered names when a custom name is unknown', () => {
    expect(() => scenarioFromSpec({ topology: { validators: 2 }, expectations: [{ type: 'custom', name: 'nope' }] })).toThrow(/registered: always-pass/);
  });

  it('a factory that throws becomes an issue naming the entry', () => {
    registerWorkload('picky', () => {
      throw new Error('perSecond must be set');
    });
    expect(() => scenarioFromSpec({ topology: { validators: 2 }, workloads: [{ type: 'custom', name: 'picky' }] })).toThrow(/workloads\[0\].*perSecond must be set/s);
  });
});
