/**
 * `loadnet replay <runDir>`: the run's traffic again (jobs/replay.ts) on a fresh deployment or attached nodes,
 * optionally scaled in time or rate; prints what is sent and not, the verdict and the compare command.
 */
import { join } from 'node:path';
import { ExitCode } from '../errors.js';
import { replayPlan, replayRun } from '../jobs/replay.js';
import { parseCommandArgs, usageError, type CommandIo } from './command.js';
import { DEPLOYER_NAMES, createDeployer, parseAttachUrls, type DeployerName } from './deployers.js';
import { REPLAY_USAGE } from './usage.js';

const OPTIONS = {
  deployer: { type: 'string' },
  attach: { type: 'string' },
  keys: { type: 'string' },
  'wallet-seed': { type: 'string' },
  'time-scale': { type: 'string' },
  'rate-scale': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function scale(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw usageError('replay', `--${flag} ${JSON.stringify(v)} is not allowed; allowed: a positive number, e.g. 2 or 0.5`);
  return n;
}

export async function replayCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('replay', argv, OPTIONS);
  if (values.help) {
    io.stdout.write(`${REPLAY_USAGE}\n`);
    return ExitCode.ok;
  }
  if (positionals.length !== 1) throw usageError('replay', positionals.length === 0 ? 'missing the run directory' : `takes one run directory, got ${positionals.length}: ${positionals.join(' ')}`);
  const deployerName = values.deployer ?? 'local';
  if (!(DEPLOYER_NAMES as readonly string[]).includes(deployerName)) throw usageError('replay', `--deployer ${JSON.stringify(deployerName)} is not known; allowed: ${DEPLOYER_NAMES.join(', ')}`);
  if (values.attach !== undefined && values.deployer !== undefined) throw usageError('replay', '--attach and --deployer exclude each other: attached nodes are not deployed');
  if (values.attach === undefined && (values.keys !== undefined || values['wallet-seed'] !== undefined)) throw usageError('replay', '--keys and --wallet-seed only go with --attach');
  const timeScale = scale('time-scale', values['time-scale']);
  const rateScale = scale('rate-scale', values['rate-scale']);
  if (timeScale !== undefined && rateScale !== undefined) throw usageError('replay', '--time-scale and --rate-scale exclude each other; allowed: one of them');
  const walletSeed = values['wallet-seed'] === undefined ? undefined : Number(values['wallet-seed']);
  if (walletSeed !== undefined && !(Number.isSafeInteger(walletSeed) && walletSeed >= 0)) throw usageError('replay', `--wallet-seed ${JSON.stringify(values['wallet-seed'])} is not allowed; allowed: a non-negative integer`);
  const runDir = positionals[0]!;
  // Read and check the record before anything is deployed.
  const plan = replayPlan(runDir, { timeScale, rateScale });
  const say = (line: string) => (values.json ? io.stderr : io.stdout).write(`${line}\n`);
  for (const r of plan.traffic) say(`loadnet replay: ${r.workload}: ${r.stages.map((s) => `${+s.perSecond.toFixed(3)} tx/s${s.ramp ? ' (ramp)' : ''} for ${Math.round(s.durationMs)} ms`).join(', ')}; from ${Math.round(r.offsetMs)} ms into the window for ${Math.round(r.durationMs)} ms, seed ${r.seed}, ${r.threads} shard(s), targets ${r.targets.join(', ')}`);
  if (plan.notReplayed.length) say(`loadnet replay: not replayed (not transaction traffic): ${plan.notReplayed.join(', ')}`);
  const deployer = await createDeployer({
    name: deployerName as DeployerName,
    attach: values.attach === undefined ? undefined : parseAttachUrls(values.attach),
    keyFile: values.keys,
    walletSeed,
    runner: { outDir: values.out, summaryStream: values.json ? undefined : io.stdout, reports: true },
  });
  const run = await replayRun(plan, { deployer });
  const s = run.summary;
  if (values.json) io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  say(`verdict: ${s.verdict.toUpperCase()}${s.interrupted ? ' (interrupted)' : ''}   report: ${join(s.runDir, 'report.html')}`);
  say(`compare: loadnet compare ${runDir} ${s.runDir}`);
  if (s.interrupted) return ExitCode.interrupted;
  return s.verdict === 'pass' ? ExitCode.ok : ExitCode.expectationsFailed;
}
