/**
 * What the examples share when they run as scripts (`npx tsx examples/<name>.ts`): the deployer chosen by the
 * environment, the durations an environment variable shortens, and "am I the main module". Uses only loadnet's
 * public exports, like any user code.
 *
 *   LOADNET_DEPLOYER=local|compose|swarm   default local (swarm: LOADNET_SWARM_ENGINES=/a.sock,/b.sock)
 *   LOADNET_DURATION=30s             override each scenario's run window
 *   LOADNET_OUT=runs                 parent of run directories
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ComposeDeployer, LoadnetError, LocalDeployer, SwarmDeployer, parseDuration, progressionTable, scenarioWith, type Deployer, type RunSummary, type Scenario } from 'loadnet';

/** True when this module is the script node/tsx was asked to run (not imported by `loadnet run`). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

export async function deployerFromEnv(): Promise<Deployer> {
  const name = process.env.LOADNET_DEPLOYER ?? 'local';
  const options = { outDir: process.env.LOADNET_OUT, summaryStream: process.stdout, progress: process.stderr.isTTY === true };
  if (name === 'local') return new LocalDeployer(options);
  if (name === 'compose') return new ComposeDeployer(options);
  if (name === 'swarm') {
    const engines = (process.env.LOADNET_SWARM_ENGINES ?? '').split(',').filter((s) => s !== '').map((socketPath) => ({ socketPath }));
    return new SwarmDeployer({ ...options, engines });
  }
  throw new LoadnetError('LN_ERR_USAGE', `LOADNET_DEPLOYER=${JSON.stringify(name)} is not known; allowed: local, compose, swarm`);
}

/** The scenario with LOADNET_DURATION applied, if set. */
export function withEnvDuration(scenario: Scenario): Scenario {
  const d = process.env.LOADNET_DURATION;
  return d ? scenarioWith(scenario, { durationMs: parseDuration(d, 'LOADNET_DURATION') }) : scenario;
}

/** Deploy, run and tear down each scenario in turn, as the seed does; returns the process exit code. */
export async function runScenarios(scenarios: readonly Scenario[]): Promise<number> {
  const summaries: RunSummary[] = [];
  const ran: Scenario[] = [];
  for (const original of scenarios) {
    const plan = withEnvDuration(original);
    const deployer = await deployerFromEnv();
    const runner = await deployer.deploy(plan);
    try {
      // The handle keeps the deployment alive until it is disposed (here: at the end of this block). A
      // progression wants every step's summary, so a failed step resolves too (rejectOnFailure: false).
      await using handle = await runner.run(plan, { rejectOnFailure: false });
      summaries.push(handle.summary);
      ran.push(plan);
      console.log(`verdict: ${handle.summary.verdict.toUpperCase()}   report: ${handle.runDir}/report.html`);
      if (handle.summary.interrupted) break;
    } finally {
      await runner.dispose();
    }
  }
  if (ran.length > 1) console.log(progressionTable(ran, summaries));
  return summaries.length === scenarios.length && summaries.every((s) => s.verdict === 'pass') ? 0 : 1;
}

/** Run as a script: exit with the verdict; user errors print without a stack. */
export function runAsScript(scenarios: () => readonly Scenario[]): void {
  Promise.resolve()
    .then(() => runScenarios(scenarios()))
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        const err = e as LoadnetError;
        console.error(err?.code?.startsWith?.('LN_ERR_') ? `${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}` : err);
        process.exit(err?.code === 'LN_ERR_SCENARIO_INVALID' || err?.code === 'LN_ERR_USAGE' ? 2 : 3);
      },
    );
}
