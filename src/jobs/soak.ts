/**
 * `soak()`: a scenario run for hours with the soak monitor riding along (soak-monitor.ts): resource samples
 * streamed to `soak/samples.jsonl`, `summary.partial.json` checkpoints every few minutes, and leak checks
 * (Theil–Sen slopes of coordinator heap and RSS, node RSS, mempool size and data-dir size) judged as the
 * `soak-trends` expectation. Everything else is a normal run: the same deployers, runner, summary and report.
 * Memory stays flat because every accumulating part is bounded: the engine keeps interval histograms and
 * streams per-transaction records to rotated files; the monitor keeps bounded series.
 */
import { LoadnetError } from '../errors.js';
import { LocalDeployer } from '../deployers/local/index.js';
import { checkAgents } from '../load/agent-client.js';
import type { Deployer, RunSummary, Scenario } from '../runtime/contracts.js';
import type { RunnerOptions } from '../runtime/runner-options.js';
import { Issues } from '../scenario/fields.js';
import { materialize, reinit } from '../scenario/materialize.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { resolveJobSpec, type JobScenarioOverrides } from './job-scenario.js';
import { SoakMonitor, soakNodeSampleIntervalMs, type SoakLimits, type SoakMonitorOptions } from './soak-monitor.js';

export interface SoakOptions extends JobScenarioOverrides {
  /** A built scenario (its live workloads are used as they are) or a spec / plain input (built here). */
  scenario: Scenario | ScenarioSpec | Record<string, unknown>;
  /** Override the run window; rebuilds the scenario from its spec (custom workloads must be registered). */
  durationMs?: number;
  /** Override the transactions workloads' rate (tx/s); rebuilds like durationMs. */
  rateTps?: number;
  /** Default: a LocalDeployer with `runner` options. */
  deployer?: Deployer;
  /** Options of the default deployer's run (outDir, progress, reports). */
  runner?: RunnerOptions;
  monitor?: Partial<Omit<SoakMonitorOptions, 'limits'>> & { limits?: Partial<SoakLimits> };
}

export interface SoakRun {
  summary: RunSummary;
  runDir: string;
  passed: boolean;
}

function isBuilt(x: SoakOptions['scenario']): x is Scenario {
  return typeof x === 'object' && x !== null && 'spec' in x && 'metrics' in x && 'workloads' in x;
}

/** Build a Scenario from a spec (built-in and registered workloads/expectations). */
function build(spec: ScenarioSpec): Scenario {
  const issues = new Issues();
  const scenario = materialize(spec, { workloads: [], expectations: [] }, issues);
  if (!scenario || !issues.empty) {
    const lines = issues.list.map((i) => `  ${i.field}: ${JSON.stringify(i.value)} (allowed: ${i.allowed})`).join('\n');
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `the soak scenario cannot be built:\n${lines}`, { issues: issues.list });
  }
  return scenario;
}

/** The scenario to soak: as given, or rebuilt from its spec with the overrides applied. */
export function soakScenario(o: SoakOptions): Scenario {
  const needsRebuild = o.durationMs !== undefined || o.rateTps !== undefined || o.validators !== undefined || o.executors !== undefined;
  if (isBuilt(o.scenario) && !needsRebuild) return o.scenario;
  const base: ScenarioSpec = isBuilt(o.scenario) ? o.scenario.spec : resolveJobSpec(o.scenario);
  const spec: ScenarioSpec = {
    ...base,
    durationMs: o.durationMs ?? base.durationMs,
    topology: { ...base.topology, validators: o.validators ?? base.topology.validators, executors: o.executors ?? base.topology.executors },
    workloads: base.workloads.map((w) => (w.type === 'transactions' && o.rateTps !== undefined ? { ...w, rate: { kind: 'perSecond', perSecond: o.rateTps } } : w)),
  };
  if (o.rateTps !== undefined && !spec.workloads.some((w) => w.type === 'transactions')) {
    throw new LoadnetError('LN_ERR_USAGE', 'soak: --rate needs a scenario with a transactions workload; this one has none', { hint: 'add .transactions().rate(...) to the scenario, or leave --rate out' });
  }
  const resolved = resolveJobSpec(spec);
  // A built scenario keeps its live objects (user workloads from a .ts module need no registry) unless the
  // rate changes, which lives in the transactions workload's own spec: re-init them with the new spec.
  if (isBuilt(o.scenario) && o.rateTps === undefined) {
    const issues = new Issues();
    const again = reinit(o.scenario, resolved, issues);
    if (!again) throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `the soak scenario cannot be re-initialised: ${issues.list.map((i) => `${i.field}: ${i.allowed}`).join('; ')}`, { issues: issues.list });
    return again;
  }
  return build(resolved);
}


export async function soak(options: SoakOptions): Promise<SoakRun> {
  const base = soakScenario(options);
  const monitor = new SoakMonitor(options.monitor);
  const scenario: Scenario = { ...base, workloads: [...base.workloads, monitor.workload()], expectations: [...base.expectations, monitor.expectation()], nodeSampleIntervalMs: soakNodeSampleIntervalMs(monitor.options.sampleIntervalMs) };
  // The runtime writes summary.partial.json; at the monitor's interval a crash loses at most one interval.
  const deployer = options.deployer ?? new LocalDeployer({ checkpointIntervalMs: monitor.options.checkpointIntervalMs, ...options.runner });
  if (scenario.spec.agents) await checkAgents(scenario.spec.agents.addresses);
  const runner = await deployer.deploy(scenario);
  try {
    const handle = await runner.run(scenario, { rejectOnFailure: false });
    return { summary: handle.summary, runDir: handle.runDir, passed: handle.passed };
  } finally {
    await runner.dispose();
  }
}
