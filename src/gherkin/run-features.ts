/**
 * `loadnet run x.feature` / `loadnet run features/`: parse, select by --tags, compile every scenario (nothing
 * deploys while any step is unknown or any value is bad), then run them one after another, each with its own
 * deployment, run directory, report.html and junit.xml; judge the `Then` steps on the run's summary; write one
 * JUnit file for the whole feature run (a testcase per scenario). Exit 0 only when every scenario passed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandIo } from '../cli/command.js';
import { createDeployer, type DeployerName } from '../cli/deployers.js';
import { ExitCode, exitCodeFor, isLoadnetError, LoadnetError } from '../errors.js';
import { maxRate } from '../jobs/max-rate.js';
import type { Deployer, RunSummary } from '../runtime/contracts.js';
import { registerInterruptible } from '../runtime/interrupts.js';
import type { RunnerOptions } from '../runtime/runner-options.js';
import { formatDuration } from '../util/duration.js';
import { compileFeatures, maxDurationFrom, type FeatureScenario } from './compile.js';
import { where, type CheckDraft } from './draft.js';
import { readFigure, showFigure } from './figures.js';
import { parseFeatureFiles } from './feature-files.js';
import { renderFeatureJunit } from './feature-junit.js';

export interface FeatureRunArgs {
  target: string;
  /** --deployer when given. */
  deployer?: DeployerName;
  tags?: string;
  durationMs?: number;
  cooldownMs?: number;
  seed?: number;
  outDir?: string;
  json: boolean;
  dryRun: boolean;
  progress: boolean;
}

export type ScenarioStatus = 'passed' | 'failed' | 'error' | 'interrupted';

export interface StepOutcome {
  step: string;
  at: string;
  ok: boolean;
  message?: string;
}

export interface FeatureScenarioResult {
  feature: string;
  scenario: string;
  at: string;
  tags: string[];
  deployer: DeployerName;
  status: ScenarioStatus;
  /** One line per failure: the step or expectation and its numbers. */
  failures: string[];
  steps: StepOutcome[];
  runDirs: string[];
  durationMs: number;
}

/** Default max-rate hold of a feature's max-rate check (the CLI's default). */
const MAX_RATE_HOLD_MS = 30_000;

export async function runFeatures(a: FeatureRunArgs, io: CommandIo): Promise<number> {
  const features = parseFeatureFiles(a.target);
  const scenarios = compileFeatures(features, { cliDeployer: a.deployer, tags: a.tags, durationMs: a.durationMs, cooldownMs: a.cooldownMs, seed: a.seed });
  if (scenarios.length === 0) {
    const total = features.reduce((n, f) => n + f.pickles.length, 0);
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run: ${a.target}: no scenario to run${a.tags ? ` matches --tags ${JSON.stringify(a.tags)} (of ${total})` : ''}`, { hint: a.tags ? 'tags are written with @, e.g. --tags "@smoke and not @slow"' : 'a feature file holds Scenario or Scenario Outline blocks' });
  }
  if (a.dryRun) {
    const plans = scenarios.map((s) => ({ feature: s.feature, scenario: s.name, at: where(s.at), tags: s.tags, deployer: s.deployer, run: s.draft.run !== undefined, maxRate: s.draft.maxRate ? maxRateSettings(s) : undefined, spec: s.scenario.spec }));
    io.stdout.write(`${JSON.stringify(plans, null, 2)}\n`);
    return ExitCode.ok;
  }
  const say = (line: string) => (a.json ? io.stderr : io.stdout).write(`${line}\n`);
  const runnerOptions: RunnerOptions = { outDir: a.outDir, progress: a.progress && !a.json && (io.stderr as { isTTY?: boolean }).isTTY === true, summaryStream: a.json ? undefined : io.stdout, reports: true };
  const deployers = new Map<DeployerName, Deployer>();
  const deployerFor = async (name: DeployerName) => {
    let d = deployers.get(name);
    if (!d) deployers.set(name, (d = await createDeployer({ name, runner: runnerOptions })));
    return d;
  };
  const results: FeatureScenarioResult[] = [];
  const started = new Date();
  // A signal between two scenarios (no run registered to receive it) must still stop the loop and leave the
  // JUnit file: the feature run holds its own registration for its whole length.
  let stoppedBy: NodeJS.Signals | undefined;
  const unregister = registerInterruptible({ interrupt: (signal) => void (stoppedBy ??= signal), killNow: () => {} });
  try {
    for (const s of scenarios) {
      if (stoppedBy) {
        results.push({ feature: s.feature, scenario: s.name, at: where(s.at), tags: s.tags, deployer: s.deployer, status: 'interrupted', failures: [`interrupted by ${stoppedBy} before it started`], steps: [], runDirs: [], durationMs: 0 });
        say(`INTERRUPTED: ${s.name} (${stoppedBy} before it started)`);
        break;
      }
      if ((await runOne(s)) === 'interrupted') break;
    }
  } finally {
    unregister();
  }
  async function runOne(s: FeatureScenario): Promise<ScenarioStatus> {
    const { durationMs, cooldownMs } = s.scenario.spec;
    say(`\nscenario '${s.name}' (${where(s.at)}) on ${s.deployer} (from ${s.deployerFrom})${s.draft.run ? `: window ${formatDuration(durationMs)} + cooldown ${formatDuration(cooldownMs)}` : ''}`);
    const result = await runScenario(s, deployerFor, runnerOptions, say);
    results.push(result);
    for (const st of result.steps) say(`  ${st.ok ? 'ok  ' : 'FAIL'} ${st.step}${st.ok ? '' : `  (${st.at})\n         ${st.message}`}`);
    say(`${result.status.toUpperCase()}: ${s.name}${result.runDirs.length ? `   run: ${result.runDirs.join(', ')}` : ''}`);
    return result.status;
  }
  const junit = writeFeatureJunit(results, a.outDir, started);
  const count = (st: ScenarioStatus) => results.filter((r) => r.status === st).length;
  say(`\nfeatures: ${results.length} scenario${results.length === 1 ? '' : 's'}: ${count('passed')} passed, ${count('failed')} failed${count('error') ? `, ${count('error')} errored` : ''}${count('interrupted') ? ', interrupted' : ''}${results.length < scenarios.length ? ` (${scenarios.length - results.length} not run)` : ''}   junit: ${junit}`);
  for (const r of results.filter((x) => x.status === 'failed' || x.status === 'error')) say(`  ${r.status.toUpperCase()} ${r.at} ${r.scenario}: ${r.failures.join('; ')}`);
  if (a.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  if (count('interrupted')) return ExitCode.interrupted;
  if (count('error')) return ExitCode.infrastructure;
  return count('failed') ? ExitCode.expectationsFailed : ExitCode.ok;
}

async function runScenario(s: FeatureScenario, deployerFor: (n: DeployerName) => Promise<Deployer>, runner: RunnerOptions, say: (l: string) => void): Promise<FeatureScenarioResult> {
  const began = Date.now();
  const result: FeatureScenarioResult = { feature: s.feature, scenario: s.name, at: where(s.at), tags: s.tags, deployer: s.deployer, status: 'passed', failures: [], steps: [], runDirs: [], durationMs: 0 };
  try {
    const deployer = await deployerFor(s.deployer);
    if (s.draft.run) {
      const summary = await runOnce(deployer, s);
      result.runDirs.push(summary.runDir);
      if (summary.interrupted) {
        result.status = 'interrupted';
        result.failures.push('the run was interrupted');
        return result;
      }
      judgeRun(s, summary, result);
    }
    if (s.draft.maxRate) await judgeMaxRate(s, deployer, runner, say, result);
  } catch (e) {
    if (isLoadnetError(e) && exitCodeFor(e) === ExitCode.interrupted) result.status = 'interrupted';
    else result.status = 'error';
    result.failures.push(isLoadnetError(e) ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    result.durationMs = Date.now() - began;
  }
  if (result.status === 'passed' && result.failures.length > 0) result.status = 'failed';
  return result;
}

async function runOnce(deployer: Deployer, s: FeatureScenario): Promise<RunSummary> {
  const runner = await deployer.deploy(s.scenario);
  try {
    const handle = await runner.run(s.scenario, { rejectOnFailure: false });
    await handle.dispose();
    return handle.summary;
  } finally {
    await runner.dispose();
  }
}

/** The expectations the Given steps declared count whether or not `Then scenario should succeed` is written. */
function judgeRun(s: FeatureScenario, summary: RunSummary, r: FeatureScenarioResult): void {
  const failed = summary.expectations.filter((e) => e.status !== 'pass').map((e) => `${e.name} ${e.status === 'fail' ? 'failed' : 'could not be judged'}: ${e.message}`);
  const succeeds = s.draft.checks.find((c) => c.kind === 'succeeds');
  if (!succeeds && failed.length > 0) {
    r.steps.push({ step: `${s.draft.run!.text} (the expectations it declares)`, at: where(s.draft.run!), ok: false, message: failed.join('\n         ') });
    r.failures.push(...failed);
  }
  for (const c of s.draft.checks) {
    const outcome = judgeCheck(c, summary, failed);
    r.steps.push({ step: c.at.text, at: where(c.at), ok: outcome === undefined, message: outcome });
    if (outcome !== undefined) r.failures.push(`${c.at.text}: ${outcome.replace(/\n\s+/g, '; ')}`);
  }
}

function judgeCheck(c: CheckDraft, summary: RunSummary, failed: string[]): string | undefined {
  if (c.kind === 'succeeds') return summary.verdict === 'pass' ? undefined : `verdict ${summary.verdict.toUpperCase()}: ${failed.join('\n         ')}`;
  const v = readFigure(c.figure, summary);
  if (v === undefined) return `${c.figure.name} was not measured in this run (summary.json has no ${c.figure.path})`;
  const ok = c.above ? v > c.bound : v < c.bound;
  return ok ? undefined : `${c.figure.name} is ${showFigure(c.figure, v)}, not ${c.above ? 'above' : 'below'} ${c.boundText}`;
}

function maxRateSettings(s: FeatureScenario) {
  const m = s.draft.maxRate!;
  const cap = maxDurationFrom();
  const hold = s.draft.maxRateHold?.ms ?? MAX_RATE_HOLD_MS;
  return { atLeastTps: m.atLeastTps, sloP99Ms: m.sloP99Ms, holdMs: cap === undefined ? hold : Math.min(hold, Math.max(cap, 1000)), maxTps: Math.max(m.atLeastTps, s.draft.maxRateCeiling?.tps ?? m.atLeastTps) };
}

async function judgeMaxRate(s: FeatureScenario, deployer: Deployer, runner: RunnerOptions, say: (l: string) => void, r: FeatureScenarioResult): Promise<void> {
  const m = s.draft.maxRate!;
  const o = maxRateSettings(s);
  const run = await maxRate({ scenario: s.scenario.spec, deployer, runner, sloP99Ms: o.sloP99Ms, startTps: o.atLeastTps, maxTps: o.maxTps, holdMs: o.holdMs, log: (line) => say(`  ${line}`) });
  r.runDirs.push(run.runDir);
  const found = run.summary.maxRateTps;
  const ok = found !== null && found >= m.atLeastTps;
  const message = ok ? undefined : `${found === null ? 'no maximum found' : `the maximum found is ${found} tx/s, below ${m.atLeastTps} tx/s`} (p99 SLO ${formatDuration(m.sloP99Ms)}): ${run.outcome.message}`;
  r.steps.push({ step: m.at.text, at: where(m.at), ok, message });
  if (message) r.failures.push(`${m.at.text}: ${message}`);
}

function writeFeatureJunit(results: FeatureScenarioResult[], outDir: string | undefined, started: Date): string {
  const dir = resolve(outDir ?? 'runs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-features.junit.xml`);
  writeFileSync(file, renderFeatureJunit(results, started));
  return file;
}
