/**
 * Named factories for user-written workloads and expectations, so a scenario that uses them stays plain data:
 * the spec records `{ type: 'custom', name, options }` and `scenarioFromSpec` (or `loadnet run scenario.json`)
 * re-creates the live object from the factory registered under that name.
 */
import { LoadnetError } from '../errors.js';
import type { Expectation, Workload } from '../runtime/contracts.js';
import type { ScenarioSpec } from './spec.js';

/** Builds a workload from the JSON `options` of its spec entry. */
export type WorkloadFactory = (options: unknown, scenario: ScenarioSpec) => Workload;
/** Builds an expectation from the JSON `options` of its spec entry. */
export type ExpectationFactory = (options: unknown, scenario: ScenarioSpec) => Expectation;

interface Registry {
  workloads: Map<string, WorkloadFactory>;
  expectations: Map<string, ExpectationFactory>;
  /** Registrations so far, replacements included: tells whether loading a plug-in registered anything. */
  registrations: number;
}

// One registry per process, not per copy of this module: a plug-in or scenario module loaded through tsx (or
// holding its own install of loadnet) gets its own module instances, and its registrations must still reach
// the copy that builds the scenario.
const REGISTRY_KEY = Symbol.for('loadnet.scenario.registry');
const registry: Registry = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as Registry | undefined) ??
  ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = { workloads: new Map(), expectations: new Map(), registrations: 0 } satisfies Registry);
const { workloads, expectations } = registry;

function checkName(kind: string, name: unknown, factory: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '' || name !== name.trim()) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `register${kind}: name ${JSON.stringify(name)} is not allowed; allowed: a non-empty string without surrounding spaces`);
  }
  if (typeof factory !== 'function') {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `register${kind}('${name}'): the factory is ${typeof factory}; allowed: a function (options, scenario) => ${kind.toLowerCase()}`);
  }
}

/** Register a workload factory under `name` (a later registration under the same name replaces it). */
export function registerWorkload(name: string, factory: WorkloadFactory): void {
  checkName('Workload', name, factory);
  workloads.set(name, factory);
  registry.registrations++;
}

/** Register an expectation factory under `name` (a later registration under the same name replaces it). */
export function registerExpectation(name: string, factory: ExpectationFactory): void {
  checkName('Expectation', name, factory);
  expectations.set(name, factory);
  registry.registrations++;
}

export function workloadFactory(name: string): WorkloadFactory | undefined {
  return workloads.get(name);
}

export function expectationFactory(name: string): ExpectationFactory | undefined {
  return expectations.get(name);
}

export function registeredWorkloadNames(): string[] {
  return [...workloads.keys()].sort();
}

export function registeredExpectationNames(): string[] {
  return [...expectations.keys()].sort();
}

/** How many registrations this process has seen (replacements included). */
export function registrationCount(): number {
  return registry.registrations;
}
