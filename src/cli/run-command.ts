/**
 * `loadnet run <scenario>`: load the scenario(s), apply command-line overrides, deploy, run, print the verdict
 * and the report path. Exit 0 when every expectation passed, 1 when one did not, 2 for a usage or scenario error,
 * 3 for infrastructure, 130 when interrupted (errors.ts ExitCode). A file holding several scenarios (a load
 * progression) runs them one after another and ends with a table of the steps.
 */
import { join } from 'node:path';
import { ExitCode } from '../errors.js';
import type { RunSummary, Scenario } from '../runtime/contracts.js';
import type { ChainSpec } from '../scenario/spec.js';
import { scenarioWith } from '../scenario/build.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { parseCommandArgs, usageError, type CommandIo } from './command.js';
import { RUN_USAGE } from './usage.js';
import { DEPLOYER_NAMES, createDeployer, parseAttachUrls, type DeployerName } from './deployers.js';
import { loadScenarioFile } from './load-scenario.js';
import { loadPlugins } from './plugins.js';
import { agentsFromFlags } from './agent-command.js';
import { checkAgents } from '../load/agent-client.js';
import { isFeatureTarget } from '../gherkin/target.js';
import { progressionTable } from '../report/progression-table.js';

const OPTIONS = {
  deployer: { type: 'string' },
  attach: { type: 'string' },
  chain: { type: 'string' },
  mnemonic: { type: 'string' },
  keys: { type: 'string' },
  'wallet-seed': { type: 'string' },
  duration: { type: 'string' },
  cooldown: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  require: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  tags: { type: 'string' },
  agent: { type: 'string', multiple: true },
  'agent-loss': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface RunArgs {
  file: string;
  deployer: DeployerName;
  /** --deployer was given (feature files fall back to LOADNET_DEPLOYER otherwise). */
  deployerGiven: boolean;
  /** Feature files only: a Cucumber tag expression. */
  tags?: string;
  attach?: string[];
  /** --chain / --mnemonic: the chain under test (overrides the scenario's chain.type) and its wallets' mnemonic. */
  chain?: string;
  mnemonic?: string;
  keyFile?: string;
  walletSeed?: number;
  durationMs?: number;
  cooldownMs?: number;
  seed?: number;
  outDir?: string;
  /** Plug-in modules to import before the scenario (relative to the working directory, or package names). */
  require: string[];
  json: boolean;
  dryRun: boolean;
  progress: boolean;
  /** --agent (repeatable) and --agent-loss: load agents for the transaction load. */
  agents?: string[];
  agentLoss?: string;
}

export function parseRunArgs(argv: string[]): RunArgs | 'help' {
  const { values, positionals } = parseCommandArgs('run', argv, OPTIONS);
  if (values.help) return 'help';
  if (positionals.length !== 1) throw usageError('run', positionals.length === 0 ? 'missing the scenario file' : `takes one scenario file, got ${positionals.length}: ${positionals.join(' ')}`);
  const deployer = values.deployer ?? 'local';
  if (!(DEPLOYER_NAMES as readonly string[]).includes(deployer)) throw usageError('run', `--deployer ${JSON.stringify(deployer)} is not known; allowed: ${DEPLOYER_NAMES.join(', ')}`);
  if (values.attach !== undefined && values.deployer !== undefined) throw usageError('run', '--attach and --deployer exclude each other: attached nodes are not deployed');
  const duration = (flag: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const allowed = `${min > 0 ? 'a positive duration' : '0 or a positive duration'}, e.g. 30s, 5m, 1m30s, 500ms`;
    if (/^\s*-/.test(v)) throw usageError('run', `--${flag} ${JSON.stringify(v)} is negative; allowed: ${allowed}`);
    let ms: number;
    try {
      ms = parseDuration(v, `--${flag}`);
    } catch {
      throw usageError('run', `--${flag} ${JSON.stringify(v)} is not a duration; allowed: ${allowed}`);
    }
    if (ms < min) throw usageError('run', `--${flag} ${JSON.stringify(v)} is too short; allowed: at least ${formatDuration(min)}`);
    return ms;
  };
  const integer = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw usageError('run', `--${flag} ${JSON.stringify(v)} is not allowed; allowed: a non-negative integer`);
    return n;
  };
  if (values.attach === undefined && (values.keys !== undefined || values['wallet-seed'] !== undefined)) throw usageError('run', '--keys and --wallet-seed only go with --attach');
  const seed = integer('seed', values.seed);
  if (values.require?.some((r) => r.trim() === '')) throw usageError('run', '--require needs a module: a path such as ./my-workloads.ts, or a package name');
  return {
    file: positionals[0]!,
    deployer: deployer as DeployerName,
    deployerGiven: values.deployer !== undefined,
    tags: values.tags,
    attach: values.attach === undefined ? undefined : parseAttachUrls(values.attach),
    chain: values.chain,
    mnemonic: values.mnemonic,
    keyFile: values.keys,
    walletSeed: integer('wallet-seed', values['wallet-seed']),
    durationMs: duration('duration', values.duration, 1),
    cooldownMs: duration('cooldown', values.cooldown, 0),
    seed,
    outDir: values.out,
    require: values.require ?? [],
    json: values.json === true,
    dryRun: values['dry-run'] === true,
    progress: values['no-progress'] !== true,
    agents: values.agent,
    agentLoss: values['agent-loss'],
  };
}

export async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  const args = parseRunArgs(argv);
  if (args === 'help') {
    io.stdout.write(`${RUN_USAGE}\n`);
    return ExitCode.ok;
  }
  await loadPlugins(args.require, process.cwd(), (i) => `--require ${args.require[i]}`);
  if (isFeatureTarget(args.file)) {
    if (args.attach) throw usageError('run', '--attach is not available for feature files; allowed: --deployer local|compose or the file\'s own deployer step');
    const { runFeatures } = await import('../gherkin/run-features.js');
    return runFeatures({ target: args.file, deployer: args.deployerGiven ? args.deployer : undefined, tags: args.tags, durationMs: args.durationMs, cooldownMs: args.cooldownMs, seed: args.seed, outDir: args.outDir, json: args.json, dryRun: args.dryRun, progress: args.progress }, io);
  }
  if (args.tags !== undefined) throw usageError('run', '--tags selects scenarios of .feature files; allowed: with a .feature file or a directory of them');
  const loaded = await loadScenarioFile(args.file);
  const scenarios = loaded.map((s) =>
    scenarioWith(s, { durationMs: args.durationMs, cooldownMs: args.cooldownMs, seed: args.seed, chain: chainOverride(s.spec.chain, args), agents: agentsFromFlags('run', s.spec.agents, args.agents, args.agentLoss) }),
  );
  if (args.dryRun) {
    const specs = scenarios.map((s) => s.spec);
    io.stdout.write(`${JSON.stringify(specs.length === 1 ? specs[0] : specs, null, 2)}\n`);
    return ExitCode.ok;
  }
  // Human lines go to stderr with --json, so stdout stays machine-readable.
  const say = (line: string) => (args.json ? io.stderr : io.stdout).write(`${line}\n`);
  const deployer = await createDeployer({
    name: args.deployer,
    attach: args.attach,
    keyFile: args.keyFile,
    walletSeed: args.walletSeed,
    runner: {
      outDir: args.outDir,
      progress: args.progress && !args.json && (io.stderr as { isTTY?: boolean }).isTTY === true,
      summaryStream: args.json ? undefined : io.stdout,
      reports: true,
    },
  });
  const summaries: RunSummary[] = [];
  for (const scenario of scenarios) {
    if (scenario.spec.agents) await checkAgents(scenario.spec.agents.addresses);
    say(`loadnet: ${describe(scenario)} on ${args.attach ? `attached nodes (${args.attach.length})` : deployer.name}`);
    const runner = await deployer.deploy(scenario);
    let summary: RunSummary;
    try {
      const handle = await runner.run(scenario, { rejectOnFailure: false });
      summary = handle.summary;
      await handle.dispose();
    } finally {
      await runner.dispose();
    }
    summaries.push(summary);
    say(`verdict: ${summary.verdict.toUpperCase()}${summary.interrupted ? ' (interrupted)' : ''}   report: ${join(summary.runDir, 'report.html')}`);
    if (summary.interrupted) break;
  }
  if (scenarios.length > 1) say(progressionTable(scenarios, summaries));
  if (args.json) io.stdout.write(`${JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2)}\n`);
  if (summaries.some((s) => s.interrupted)) return ExitCode.interrupted;
  return summaries.every((s) => s.verdict === 'pass') ? ExitCode.ok : ExitCode.expectationsFailed;
}

function describe(s: Scenario): string {
  const { topology, durationMs, cooldownMs } = s.spec;
  const nodes = `${topology.validators} validator${topology.validators === 1 ? '' : 's'} + ${topology.executors} executor${topology.executors === 1 ? '' : 's'} (${topology.shape})`;
  return `running '${s.spec.name}': ${nodes}, window ${formatDuration(durationMs)} + cooldown ${formatDuration(cooldownMs)}`;
}

/** The scenario's chain with --chain / --mnemonic applied (options of another chain type are not carried over). */
function chainOverride(chain: ChainSpec | undefined, args: Pick<RunArgs, 'chain' | 'mnemonic'>): ChainSpec | undefined {
  if (args.chain === undefined && args.mnemonic === undefined) return undefined;
  const type = args.chain ?? chain?.type ?? 'devnet';
  const base = chain?.type === type ? chain : { type };
  return { ...base, type, ...(args.mnemonic === undefined ? {} : { mnemonic: args.mnemonic }) };
}
