/**
 * The scenario a job (max-rate, soak) starts from: a built Scenario, a resolved ScenarioSpec, or plain input
 * as a user writes it (resolved strictly, every issue reported at once). Jobs take topology, consensus,
 * wallets and seed from it; a topology override (--validators/--executors) applies on top.
 */
import { LoadnetError } from '../errors.js';
import type { RunMetrics, Scenario } from '../runtime/contracts.js';
import { Issues } from '../scenario/fields.js';
import { runMetrics } from '../scenario/materialize.js';
import { resolveSpec } from '../scenario/resolve.js';
import type { ConsensusSpec, ScenarioSpec } from '../scenario/spec.js';
import { validateSpec } from '../scenario/validate.js';

export type JobScenarioInput = Scenario | ScenarioSpec | Record<string, unknown>;


export interface JobScenarioDefaults {
  name: string;
  validators: number;
  executors: number;
  /** Funded wallets at least (jobs send from their own wallets). Default 200. */
  minWallets?: number;
  /**
   * The job's chain when the input does not set one (no input, or plain input without `consensus`; fields
   * the input sets win). A built scenario keeps its own: it was resolved with the global defaults already.
   */
  consensus?: ConsensusSpec;
}

export interface JobScenarioOverrides {
  validators?: number;
  executors?: number;
}

function isBuilt(x: JobScenarioInput): x is Scenario {
  return typeof x === 'object' && x !== null && 'spec' in x && 'metrics' in x && 'workloads' in x;
}

/** Resolve plain input to a spec, throwing LN_ERR_SCENARIO_INVALID with every issue. */
export function resolveJobSpec(input: unknown): ScenarioSpec {
  const issues = new Issues();
  const spec = resolveSpec(input, issues);
  if (issues.empty) validateSpec(spec, issues);
  if (!issues.empty) {
    const lines = issues.list.map((i) => `  ${i.field}: ${JSON.stringify(i.value)} (allowed: ${i.allowed})`).join('\n');
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `the scenario has ${issues.list.length} problem(s):\n${lines}`, { issues: issues.list });
  }
  return spec;
}

/** The job's spec and metrics: the input's chain settings with the job's name and enough wallets. */
export function jobScenario(input: JobScenarioInput | undefined, defaults: JobScenarioDefaults, overrides: JobScenarioOverrides = {}): { spec: ScenarioSpec; metrics: RunMetrics } {
  let spec: ScenarioSpec;
  const consensusOf = (given: unknown) => (defaults.consensus ? { consensus: { ...defaults.consensus, ...(typeof given === 'object' && given !== null ? given : {}) } } : {});
  if (input === undefined) spec = resolveJobSpec({ name: defaults.name, topology: { shape: 'star', validators: defaults.validators, executors: defaults.executors }, ...consensusOf(undefined) });
  else if (isBuilt(input)) spec = input.spec;
  else {
    // Plain input, a full spec included (resolving a resolved spec gives it back): never trusted by its
    // shape, since a partial spec file looks like a full one and would reach the nodes unfilled. The job's
    // default topology fills what the input leaves out.
    const plain = input as Record<string, unknown>;
    const topology = { shape: 'star', validators: defaults.validators, executors: defaults.executors, ...(typeof plain.topology === 'object' && plain.topology !== null ? plain.topology : {}) };
    spec = resolveJobSpec({ ...plain, topology, ...consensusOf(plain.consensus) });
  }
  const topology = { ...spec.topology, validators: overrides.validators ?? spec.topology.validators, executors: overrides.executors ?? spec.topology.executors };
  const wallets = { ...spec.wallets, count: Math.max(spec.wallets.count, defaults.minWallets ?? 200) };
  if (wallets.totalFunds !== undefined) delete wallets.totalFunds;
  const out: ScenarioSpec = { ...spec, name: input === undefined ? defaults.name : `${spec.name}-${defaults.name}`, topology, wallets };
  return { spec: out, metrics: runMetrics(out) };
}
