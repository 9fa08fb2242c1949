/**
 * `loadnet max-rate` and `loadnet soak`: thin shells over the jobs (src/jobs). Options are parsed by
 * src/jobs/job-args.ts (strict parseArgs, LN_ERR_USAGE naming flag, value and allowed); this file loads the
 * optional scenario, picks the deployer, runs the job and prints its result.
 */
import { join } from 'node:path';
import { ExitCode } from '../errors.js';
import type { Scenario } from '../runtime/contracts.js';
import { DEPLOYMENTS_FILE } from '../jobs/max-rate-deployments.js';
import { scenarioWith } from '../scenario/build.js';
import { parseMaxRateArgs, parseSoakArgs, MAX_RATE_USAGE, SOAK_USAGE, type CommonJobArgs, type MaxRateArgs } from '../jobs/job-args.js';
import { maxRate, type MaxRateOptions } from '../jobs/max-rate.js';
import { soak } from '../jobs/soak.js';
import type { CommandIo } from './command.js';
import { usageError } from './command.js';
import { createDeployer } from './deployers.js';
import { loadScenarioFile } from './load-scenario.js';
import { agentsFromFlags } from './agent-command.js';

async function jobScenario(command: string, args: CommonJobArgs): Promise<Scenario | undefined> {
  if (args.scenarioPath === undefined) return undefined;
  const list = await loadScenarioFile(args.scenarioPath);
  if (list.length !== 1) throw usageError(command, `${args.scenarioPath} holds ${list.length} scenarios; allowed: exactly one`);
  return list[0];
}

/** The job's options from the command line: what is not given stays undefined, so the job's defaults apply. */
export function maxRateOptions(a: MaxRateArgs, given: Scenario | undefined): MaxRateOptions {
  const base = given && a.chain !== undefined ? scenarioWith(given, { chain: given.spec.chain?.type === a.chain ? given.spec.chain : { type: a.chain } }) : given;
  // Another chain without a scenario: one node, 1 s blocks, finality 3 deep (the devnet's 4 + 2 does not apply).
  if (base === undefined && a.chain !== undefined && a.chain !== 'devnet') {
    const plain = { chain: { type: a.chain }, topology: { shape: 'star', validators: a.validators ?? 1, executors: a.executors ?? 0 }, consensus: { slotDurationMs: 1000, activeSlotCoeff: 1, securityParam: 3 } };
    const agents = agentsFromFlags('max-rate', undefined, a.agents, a.agentLoss);
    return { ...maxRateOptions({ ...a, chain: undefined, validators: undefined, executors: undefined }, undefined), scenario: agents ? { ...plain, agents } : plain };
  }
  const scenario = base && (a.validators !== undefined || a.executors !== undefined) ? { ...base, spec: { ...base.spec, topology: { ...base.spec.topology, validators: a.validators ?? base.spec.topology.validators, executors: a.executors ?? base.spec.topology.executors } } } : base;
  const topology = scenario === undefined && (a.validators !== undefined || a.executors !== undefined) ? { topology: { shape: 'star', validators: a.validators ?? 4, executors: a.executors ?? 2 } } : undefined;
  const agents = agentsFromFlags('max-rate', scenario?.spec.agents, a.agents, a.agentLoss);
  const withAgents = agents === undefined ? (scenario ?? topology) : scenario ? scenarioWith(scenario, { agents }) : { ...topology, agents };
  return {
    scenario: withAgents,
    sloP99Ms: a.sloP99Ms,
    minInclusion: a.minInclusion,
    holdMs: a.holdMs,
    maxHolds: a.maxHolds,
    sloZ: a.sloZ,
    startTps: a.startTps,
    maxTps: a.maxTps,
    growth: a.growth,
    resolution: a.resolution,
    maxTrials: a.maxTrials,
    drainTimeoutMs: a.drainTimeoutMs,
    threads: a.workers,
    signCapPerSec: a.signCapPerSec,
  };
}

export async function maxRateCommand(argv: string[], io: CommandIo): Promise<number> {
  const a = parseMaxRateArgs(argv);
  if (a.help) {
    io.stdout.write(`${MAX_RATE_USAGE}\n`);
    return ExitCode.ok;
  }
  const base = await jobScenario('max-rate', a);
  const say = (line: string) => (a.json ? io.stderr : io.stdout).write(`${line}\n`);
  const runner = { outDir: a.outDir, summaryStream: a.json ? undefined : io.stdout, reports: true };
  const deployer = await createDeployer({ name: a.deployer ?? 'local', runner });
  const run = await maxRate({ ...maxRateOptions(a, base), deployer, runner, log: say, deployments: a.deployments });
  const across = run.deployments;
  if (across) {
    // --deployments N: the figure is the mean over the deployments; every one must name a maximum.
    if (a.json) io.stdout.write(`${JSON.stringify(across.summary, null, 2)}\n`);
    say(`result: ${join(across.dir, DEPLOYMENTS_FILE)}`);
    return across.summary.count === across.runs.length ? ExitCode.ok : ExitCode.expectationsFailed;
  }
  // The job's log has already shown each step, the curve and the outcome.
  if (a.json) io.stdout.write(`${JSON.stringify(run.summary, null, 2)}\n`);
  say(`report: ${join(run.runDir, 'report.html')}`);
  return run.summary.maxRateTps !== null && (run.summary.status === 'found' || run.summary.status === 'max-reached' || run.summary.status === 'lower-bound') ? ExitCode.ok : ExitCode.expectationsFailed;
}

export async function soakCommand(argv: string[], io: CommandIo): Promise<number> {
  const a = parseSoakArgs(argv);
  if (a.help) {
    io.stdout.write(`${SOAK_USAGE}\n`);
    return ExitCode.ok;
  }
  if (a.workers !== undefined) throw usageError('soak', '--workers is not used by soak (the scenario\'s workloads choose their threads)');
  const loaded = await jobScenario('soak', a);
  if (!loaded) throw usageError('soak', 'needs a scenario file (what to run for hours), e.g. loadnet soak examples/sustained-load.ts --duration 2h');
  // --duration keeps the module's live objects (scenarioWith); the jobs' own override rebuilds from the registry.
  const scenario = scenarioWith(loaded, { durationMs: a.durationMs, agents: agentsFromFlags('soak', loaded.spec.agents, a.agents, a.agentLoss) });
  const runner = { outDir: a.outDir, summaryStream: a.json ? undefined : io.stdout, progress: !a.json && (io.stderr as { isTTY?: boolean }).isTTY === true, reports: true };
  const deployer = await createDeployer({ name: a.deployer ?? 'local', runner });
  const limits = Object.fromEntries(
    Object.entries({
      coordinatorHeapBytesPerHour: a.maxHeapGrowthPerHour,
      coordinatorRssBytesPerHour: a.maxCoordinatorRssGrowthPerHour,
      nodeRssBytesPerHour: a.maxNodeRssGrowthPerHour,
      mempoolPendingPerHour: a.maxMempoolGrowthPerHour,
      diskBytesPerHour: a.maxDiskGrowthPerHour,
    }).filter(([, v]) => v !== undefined),
  );
  const monitor = Object.fromEntries(Object.entries({ sampleIntervalMs: a.sampleIntervalMs, checkpointIntervalMs: a.checkpointIntervalMs, warmupMs: a.warmupMs }).filter(([, v]) => v !== undefined));
  const run = await soak({ scenario, deployer, runner, rateTps: a.rateTps, validators: a.validators, executors: a.executors, monitor: { ...monitor, limits } });
  if (a.json) io.stdout.write(`${JSON.stringify(run.summary, null, 2)}\n`);
  (a.json ? io.stderr : io.stdout).write(`verdict: ${run.summary.verdict.toUpperCase()}   report: ${join(run.runDir, 'report.html')}\n`);
  if (run.summary.interrupted) return ExitCode.interrupted;
  return run.passed ? ExitCode.ok : ExitCode.expectationsFailed;
}
