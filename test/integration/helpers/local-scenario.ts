/**
 * Scenarios for the local deployer and runtime tests, built from contracts.ts and spec.ts alone (the way a
 * user's own tooling could), so these tests do not depend on the DSL.
 */
import type { ScenarioSpec } from '../../../src/scenario/spec.js';
import type { Expectation, RunMetrics, Scenario, Workload } from '../../../src/runtime/contracts.js';

export interface SpecOverrides {
  name?: string;
  validators?: number;
  executors?: number;
  shape?: ScenarioSpec['topology']['shape'];
  slotDurationMs?: number;
  activeSlotCoeff?: number;
  securityParam?: number;
  wallets?: number;
  nodeControl?: boolean;
  durationMs?: number;
  cooldownMs?: number;
  seed?: number;
}

export function localSpec(o: SpecOverrides = {}): ScenarioSpec {
  return {
    version: 1,
    name: o.name ?? 'local-test',
    seed: o.seed ?? 7,
    topology: { shape: o.shape ?? 'star', validators: o.validators ?? 3, executors: o.executors ?? 2 },
    consensus: { slotDurationMs: o.slotDurationMs ?? 1000, activeSlotCoeff: o.activeSlotCoeff ?? 0.9, securityParam: o.securityParam ?? 3 },
    wallets: { count: o.wallets ?? 10, fundsPerWallet: 1_000_000 },
    nodeControl: o.nodeControl ?? false,
    durationMs: o.durationMs ?? 4000,
    cooldownMs: o.cooldownMs ?? 1000,
    workloads: [],
    expectations: [],
  };
}

export function metricsOf(spec: ScenarioSpec): RunMetrics {
  const meanBlockIntervalMs = spec.consensus.slotDurationMs / spec.consensus.activeSlotCoeff;
  return {
    durationMs: spec.durationMs,
    cooldownMs: spec.cooldownMs,
    slotDurationMs: spec.consensus.slotDurationMs,
    activeSlotCoeff: spec.consensus.activeSlotCoeff,
    securityParam: spec.consensus.securityParam,
    meanBlockIntervalMs,
    expectedBlocks: spec.durationMs / meanBlockIntervalMs,
  };
}

export function scenarioOf(spec: ScenarioSpec, workloads: Workload[] = [], expectations: Expectation[] = []): Scenario {
  return { spec, metrics: metricsOf(spec), workloads, expectations };
}
