/**
 * `replayRun()` / `loadnet replay <runDir>`: send a saved run's transaction traffic again, on the same schedule
 * (optionally scaled in time or rate), to a fresh deployment of the same scenario or an attached network. The
 * traffic comes from the run's `load.traffic` events (load/traffic.ts: seed and parameters, not transactions);
 * the scenario from its scenario.json, with the same topology, consensus, wallets, seed and expectations. Its
 * other workloads (faults, chaos, DA, adversaries) are not traffic and are not replayed: they are named.
 * The replay is a normal run (its own run directory, summary, report), so `loadnet compare <run> <replay>` reads both.
 */
import { LoadnetError } from '../errors.js';
import { LocalDeployer } from '../deployers/local/index.js';
import { scaleTraffic, checkScale, type TrafficRecord, type TrafficScale } from '../load/traffic.js';
import type { Deployer, RunSummary, Scenario } from '../runtime/contracts.js';
import { eventsOf, readHistory } from '../runtime/history.js';
import type { RunnerOptions } from '../runtime/runner-options.js';
import { buildScenario } from '../scenario/build.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { TransactionWorkload } from '../workloads/transactions.js';

export interface ReplayOptions extends TrafficScale {
  /** Default: a LocalDeployer with `runner` options (a fresh deployment of the run's topology). */
  deployer?: Deployer;
  runner?: RunnerOptions;
}

export interface ReplayPlan {
  scenario: Scenario;
  /** The traffic sent, scaled. */
  traffic: TrafficRecord[];
  /** The run's workloads that are not replayed (not transaction traffic), by type or name. */
  notReplayed: string[];
}

export interface ReplayRun extends ReplayPlan {
  summary: RunSummary;
  runDir: string;
}

/** The scenario a replay runs: the run's own, its transaction loads driven by their records, its window scaled. */
export function replayPlan(runDir: string, scale: TrafficScale = {}): ReplayPlan {
  const { timeScale } = checkScale(scale);
  const history = readHistory(runDir);
  const records = eventsOf(history.events, 'load.traffic');
  if (records.length === 0) {
    throw new LoadnetError('LN_ERR_USAGE', `${runDir} has no traffic record (no 'load.traffic' event): it sent no transaction load, or an older loadnet recorded it`, {
      hint: 'replay a run with a transactions workload recorded by this loadnet',
    });
  }
  const traffic = records.map(({ t: _t, wall: _w, kind: _k, ...r }) => scaleTraffic(r, scale));
  const original: ScenarioSpec = history.scenario;
  const notReplayed = original.workloads.filter((w) => w.type !== 'transactions').map((w) => (w.type === 'custom' ? w.name : w.type));
  const input = {
    ...structuredClone(original),
    durationMs: Math.round(original.durationMs * timeScale),
    workloads: traffic.map((r) => r.spec),
    // Custom expectations need their module; the built-ins judge the replay as they judged the run.
    expectations: original.expectations.filter((e) => e.type !== 'custom'),
  };
  const scenario = buildScenario(input, { workloads: traffic.map((r) => new TransactionWorkload(r.spec, { name: r.workload, summary: r.workload === 'transactions' }, r)), expectations: [] });
  return { scenario, traffic, notReplayed };
}

/** Replays a saved run's traffic (or a plan made from it) and returns the replay's run (the nodes are torn down after). */
export async function replayRun(run: string | ReplayPlan, options: ReplayOptions = {}): Promise<ReplayRun> {
  const plan = typeof run === 'string' ? replayPlan(run, options) : run;
  const deployer = options.deployer ?? new LocalDeployer(options.runner ?? {});
  const runner = await deployer.deploy(plan.scenario);
  try {
    const handle = await runner.run(plan.scenario, { rejectOnFailure: false });
    await handle.dispose();
    return { ...plan, summary: handle.summary, runDir: handle.summary.runDir };
  } finally {
    await runner.dispose();
  }
}
