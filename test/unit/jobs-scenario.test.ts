import { describe, expect, it } from 'vitest';
import { jobScenario } from '../../src/jobs/job-scenario.js';
import { soakScenario } from '../../src/jobs/soak.js';

describe('jobScenario', () => {
  it('defaults to the job topology with enough wallets', () => {
    const { spec, metrics } = jobScenario(undefined, { name: 'max-rate', validators: 4, executors: 2 });
    expect(spec.name).toBe('max-rate');
    expect(spec.topology).toMatchObject({ validators: 4, executors: 2 });
    expect(spec.wallets.count).toBe(200);
    expect(metrics.meanBlockIntervalMs).toBe(spec.consensus.slotDurationMs / spec.consensus.activeSlotCoeff);
  });

  it('keeps the chain settings of a given scenario and applies topology overrides', () => {
    const { spec } = jobScenario({ name: 'mine', consensus: { slotDurationMs: 500, activeSlotCoeff: 0.8, securityParam: 6 }, wallets: { count: 500 } }, { name: 'max-rate', validators: 4, executors: 2 }, { validators: 3 });
    expect(spec.name).toBe('mine-max-rate');
    expect(spec.consensus).toEqual({ slotDurationMs: 500, activeSlotCoeff: 0.8, securityParam: 6 });
    expect(spec.topology.validators).toBe(3);
    expect(spec.wallets.count).toBe(500);
  });

  it('fills a partial spec that looks like a full one (version, topology, workloads) instead of trusting its shape', () => {
    const partial = { version: 1, name: 'max-rate-4x2', seed: 42, topology: { shape: 'star', validators: 4, executors: 2 }, consensus: { slotDurationMs: 500, activeSlotCoeff: 0.8, securityParam: 10 }, wallets: { count: 200 }, workloads: [], expectations: [] };
    const { spec } = jobScenario(partial, { name: 'max-rate', validators: 4, executors: 2 });
    expect(spec.wallets.fundsPerWallet).toBeGreaterThan(0);
    expect(spec.name).toBe('max-rate-4x2-max-rate');
    // and a resolved spec goes through unchanged
    const again = jobScenario(spec, { name: 'x', validators: 1, executors: 0 }).spec;
    expect(again.wallets).toEqual(spec.wallets);
    expect(again.consensus).toEqual(spec.consensus);
  });

  it('reports every problem of bad input at once', () => {
    let err: unknown;
    try {
      jobScenario({ topology: { validators: 0 }, consensus: { activeSlotCoeff: 2 }, bogus: 1 }, { name: 'max-rate', validators: 4, executors: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'LN_ERR_SCENARIO_INVALID' });
    const fields = (err as { issues: Array<{ field: string }> }).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['topology.validators', 'consensus.activeSlotCoeff']));
    expect(fields.length).toBeGreaterThanOrEqual(3);
  });
});

describe('soakScenario', () => {
  const input = { name: 'soaky', topology: { validators: 2, executors: 1 }, wallets: { count: 10 }, durationMs: 60_000, workloads: [{ type: 'transactions', rate: { kind: 'perSecond', perSecond: 10 }, users: 5 }] };

  it('applies duration and rate overrides and builds the workloads', () => {
    const s = soakScenario({ scenario: input, durationMs: 7_200_000, rateTps: 250 });
    expect(s.spec.durationMs).toBe(7_200_000);
    expect(s.metrics.durationMs).toBe(7_200_000);
    expect(s.spec.workloads[0]).toMatchObject({ type: 'transactions', rate: { kind: 'perSecond', perSecond: 250 } });
    expect(s.workloads.map((w) => w.name)).toContain('transactions');
  });

  it('keeps the live objects of a built scenario when only the duration changes', () => {
    const built = soakScenario({ scenario: input });
    const longer = soakScenario({ scenario: built, durationMs: 3_600_000 });
    expect(longer.workloads[0]).toBe(built.workloads[0]);
    expect(longer.metrics.durationMs).toBe(3_600_000);
  });

  it('refuses --rate for a scenario without a transactions workload', () => {
    expect(() => soakScenario({ scenario: { ...input, workloads: [] }, rateTps: 5 })).toThrow(/--rate needs a scenario with a transactions workload/);
  });
});
