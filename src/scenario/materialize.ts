/**
 * Spec → live Scenario: the one place where the plain data meets the classes that run it. Built-in workload and
 * expectation types map to their classes; custom ones come from the object the DSL was given or from the
 * registry (registerWorkload / registerExpectation). Every workload and expectation gets `init(metrics, spec)`
 * here, at build time, and any failure becomes a validation issue so `build()` still reports all problems at once.
 */
import { isLoadnetError } from '../errors.js';
import { expectationFromSpec } from '../expectations/index.js';
import type { Expectation, RunMetrics, Scenario, Workload } from '../runtime/contracts.js';
import { ChaosWorkload } from '../workloads/chaos.js';
import { FaultWorkload } from '../faults/fault-workload.js';
import { ChurnExpectation } from '../expectations/churn.js';
import { DaWorkload } from '../workloads/da.js';
import { TransactionWorkload } from '../workloads/transactions.js';
import { TxFuzzWorkload } from '../adversary/tx-fuzz.js';
import { PropagationRaceWorkload } from '../adversary/propagation-race.js';
import { MempoolDivergenceWorkload } from '../adversary/mempool-divergence.js';
import { ApiFloodWorkload } from '../adversary/api-flood-workload.js';
import { FloodingPeerWorkload } from '../adversary/flooding-peer.js';
import { FeePressureWorkload } from '../workloads/fee-pressure.js';
import type { Issues } from './fields.js';
import { expectationFactory, registeredExpectationNames, registeredWorkloadNames, workloadFactory } from './registry.js';
import { meanBlockIntervalMs, type ExpectationSpec, type ScenarioSpec, type WorkloadSpec } from './spec.js';

/** Objects given to the DSL directly (`.withWorkload(obj)`), by position in the spec's arrays. */
export interface LiveObjects {
  workloads: ReadonlyArray<Workload | undefined>;
  expectations: ReadonlyArray<Expectation | undefined>;
}

type BuiltinWorkloadType = Exclude<WorkloadSpec['type'], 'custom'>;

/** The built-in workloads by spec type (every type has one: the compiler checks). */
const BUILTIN_WORKLOADS: { [T in BuiltinWorkloadType]: (spec: Extract<WorkloadSpec, { type: T }>) => Workload } = {
  transactions: (spec) => new TransactionWorkload(spec),
  da: (spec) => new DaWorkload(spec),
  chaos: (spec) => new ChaosWorkload(spec),
  'tx-fuzz': (spec) => new TxFuzzWorkload(spec),
  'api-flood': (spec) => new ApiFloodWorkload(spec),
  'fee-pressure': (spec) => new FeePressureWorkload(spec),
  'flooding-peer': (spec) => new FloodingPeerWorkload(spec),
  'propagation-race': (spec) => new PropagationRaceWorkload(spec),
  'mempool-divergence': (spec) => new MempoolDivergenceWorkload(spec),
  partition: (spec) => new FaultWorkload(spec),
  'latency-tiers': (spec) => new FaultWorkload(spec),
  'link-fault': (spec) => new FaultWorkload(spec),
  'block-peer': (spec) => new FaultWorkload(spec),
  'clock-skew': (spec) => new FaultWorkload(spec),
  churn: (spec) => new FaultWorkload(spec, (fault) => [new ChurnExpectation(fault)]),
};

export function runMetrics(spec: ScenarioSpec): RunMetrics {
  const mean = meanBlockIntervalMs(spec.consensus);
  return {
    durationMs: spec.durationMs,
    cooldownMs: spec.cooldownMs,
    slotDurationMs: spec.consensus.slotDurationMs,
    activeSlotCoeff: spec.consensus.activeSlotCoeff,
    securityParam: spec.consensus.securityParam,
    meanBlockIntervalMs: mean,
    expectedBlocks: spec.durationMs / mean,
  };
}

/** Create and init the live objects; returns undefined when an issue was recorded. */
export function materialize(spec: ScenarioSpec, live: LiveObjects, issues: Issues): Scenario | undefined {
  const before = issues.list.length;
  const workloads: Workload[] = [];
  spec.workloads.forEach((w, i) => {
    const made = attempt(issues, `workloads[${i}]`, w.type === 'custom' ? w.name : w.type, () => live.workloads[i] ?? workloadFromSpec(w, spec, `workloads[${i}]`, issues));
    if (made) workloads.push(made);
  });
  const expectations: Expectation[] = [];
  spec.expectations.forEach((e, i) => {
    if (e.type === 'node-health' && !e.options.enabled) return; // opted out
    const made = attempt(issues, `expectations[${i}]`, e.type === 'custom' ? e.name : e.type, () => live.expectations[i] ?? expectationOf(e, spec, workloads, `expectations[${i}]`, issues));
    if (made) expectations.push(made);
  });
  // Expectations bundled with a workload (e.g. inclusion with transactions) are part of the scenario too.
  workloads.forEach((w, i) => {
    const bundled = attempt(issues, `workloads[${i}]`, w.name, () => w.expectations?.() ?? []) ?? [];
    for (const e of bundled) if (!expectations.includes(e)) expectations.push(e);
  });
  if (issues.list.length > before) return undefined;

  return reinit({ workloads, expectations }, spec, issues);
}

/** Init every live object with the spec's metrics (at build time, and again when an override changes the spec). */
export function reinit(parts: Pick<Scenario, 'workloads' | 'expectations'>, spec: ScenarioSpec, issues: Issues): Scenario | undefined {
  const before = issues.list.length;
  const metrics = runMetrics(spec);
  parts.workloads.forEach((w, i) => attempt(issues, `workloads[${i}]`, w.name, () => w.init?.(metrics, spec)));
  parts.expectations.forEach((e) => attempt(issues, `expectations(${e.name})`, e.name, () => e.init?.(metrics, spec)));
  if (issues.list.length > before) return undefined;
  return Object.freeze({ spec, metrics, workloads: Object.freeze([...parts.workloads]), expectations: Object.freeze([...parts.expectations]) });
}

const LOAD_PLUGIN_HINT = ' (a JSON scenario loads the module that registers it through its "plugins" list or `loadnet run --require <module>`)';

function workloadFromSpec(w: WorkloadSpec, spec: ScenarioSpec, field: string, issues: Issues): Workload | undefined {
  if (w.type === 'custom') {
    const factory = workloadFactory(w.name);
    if (!factory) {
      const names = registeredWorkloadNames();
      issues.add(`${field}.name`, w.name, `a workload registered with registerWorkload(name, factory) before the scenario is built${names.length ? `; registered: ${names.join(', ')}` : '; none is registered'}${LOAD_PLUGIN_HINT}`);
      return undefined;
    }
    return factory(w.options, spec);
  }
  const make = BUILTIN_WORKLOADS[w.type] as (s: WorkloadSpec) => Workload;
  return make(w);
}

function expectationOf(e: ExpectationSpec, spec: ScenarioSpec, workloads: readonly Workload[], field: string, issues: Issues): Expectation | undefined {
  if (e.type !== 'custom') return expectationFromSpec(e, workloads);
  const factory = expectationFactory(e.name);
  if (!factory) {
    const names = registeredExpectationNames();
    issues.add(`${field}.name`, e.name, `an expectation registered with registerExpectation(name, factory) before the scenario is built${names.length ? `; registered: ${names.join(', ')}` : '; none is registered'}${LOAD_PLUGIN_HINT}`);
    return undefined;
  }
  return factory(e.options, spec);
}

/** Run `fn`; a LoadnetError (with or without issues) or a user factory's error becomes an issue on `field`. */
function attempt<T>(issues: Issues, field: string, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isLoadnetError(e) && e.issues?.length) {
      for (const i of e.issues) issues.add(i.field.startsWith(field) ? i.field : `${field}.${i.field}`, i.value, i.allowed);
    } else {
      issues.add(field, what, `a configuration ${what} accepts: ${e instanceof Error ? e.message : String(e)}`);
    }
    return undefined;
  }
}
