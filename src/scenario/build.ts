/**
 * The one pipeline from input to a runnable Scenario, shared by the DSL, JSON files and the CLI:
 * resolve (types, ranges, unknown keys, defaults) → validate (cross-field rules) → materialize (live objects, init).
 * Problems are collected and thrown together as one LoadnetError('LN_ERR_SCENARIO_INVALID') listing each issue.
 */
import { LoadnetError, type ValidationIssue } from '../errors.js';
import type { Scenario } from '../runtime/contracts.js';
import { Issues } from './fields.js';
import { materialize, reinit, type LiveObjects } from './materialize.js';
import { resolveSpec } from './resolve.js';
import type { ScenarioSpec } from './spec.js';
import { validateSpec } from './validate.js';

const NO_LIVE: LiveObjects = { workloads: [], expectations: [] };
/** Resolve and validate; throws with every issue. The spec returned is deeply frozen. */
export function resolveAndValidate(input: unknown, earlier: readonly ValidationIssue[] = []): ScenarioSpec {
  const issues = new Issues();
  for (const i of earlier) issues.add(i.field, i.value, i.allowed);
  const spec = resolveSpec(input, issues);
  validateSpec(spec, issues);
  throwIfAny(issues, spec);
  return deepFreeze(spec);
}

/** Input (a spec, possibly partial, or the DSL's draft) → Scenario with live workloads and expectations. */
export function buildScenario(input: unknown, live: LiveObjects = NO_LIVE, earlier: readonly ValidationIssue[] = []): Scenario {
  const spec = resolveAndValidate(input, earlier);
  const issues = new Issues();
  const scenario = materialize(spec, live, issues);
  throwIfAny(issues, spec);
  return scenario!;
}

/**
 * A scenario from its JSON form (an object or JSON text): defaults fill absent fields, unknown keys are errors,
 * custom workloads and expectations are created from the factories registered under their names.
 */
export function scenarioFromSpec(json: unknown): Scenario {
  return buildScenario(typeof json === 'string' ? parseJson(json) : json);
}

/** JSON text → resolved, validated spec (no live objects). */
export function specFromJson(text: string): ScenarioSpec {
  return resolveAndValidate(parseJson(text));
}

/**
 * The same scenario with some top-level fields replaced (e.g. the CLI's --duration, --seed): the patched spec is
 * re-validated and the same live objects are init'ed again with the new metrics. Works for scenarios built by
 * another copy of this module too (a user's module loaded by the CLI), since it only uses the Scenario contract.
 */
export function scenarioWith(scenario: Scenario, patch: Partial<Pick<ScenarioSpec, 'name' | 'seed' | 'durationMs' | 'cooldownMs' | 'chain' | 'agents'>>): Scenario {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const spec = resolveAndValidate({ ...structuredClone(scenario.spec), ...defined });
  const issues = new Issues();
  const made = reinit(scenario, spec, issues);
  throwIfAny(issues, spec);
  return made!;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `scenario JSON does not parse: ${(e as Error).message}`, { hint: 'a scenario file is a JSON object such as {"topology": {"validators": 3}, "durationMs": "60s"}' });
  }
}

function throwIfAny(issues: Issues, spec: ScenarioSpec | undefined): void {
  if (issues.empty) return;
  const n = issues.list.length;
  const lines = issues.list.map((i) => `  - ${i.field}: ${show(i.value)}; allowed: ${i.allowed}`);
  const name = spec?.name && spec.name !== '' ? ` '${spec.name}'` : '';
  throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `scenario${name} is invalid (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
    issues: issues.list,
    hint: 'fix every field listed; the README section "Scenario DSL" lists each field, its default and its unit',
  });
}

function show(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
