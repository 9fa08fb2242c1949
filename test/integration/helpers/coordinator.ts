/**
 * A small coordinator process for tests that must kill or interrupt the coordinator itself:
 *   node --import tsx coordinator.ts <outDir> <mode> [local|compose]   (local by default)
 * Modes:
 *   deploy     deploy 2 validators + 1 executor, print READY <runDir>, wait
 *   run        deploy, print READY <runDir>, run a 60 s window; an interrupt ends with exit code 130 and prints
 *              INTERRUPTED (as the CLI does)
 *   preserve   deploy with preserve, print READY <runDir>, dispose, print DISPOSED, exit
 *   faults     deploy with the link shaper and libfaketime, cut validator-0 off, delay a link and skew a clock
 *              (all through them), start a joiner (churn) with its clock skewed too, print JOINER <name>; on
 *              compose also RULES <json> (validator-0's filter rules) and PROXIES <json> (the shaper's proxy
 *              addresses); then READY <runDir>, wait
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ComposeDeployer } from '../../../src/deployers/compose/index.js';
import { LocalDeployer } from '../../../src/deployers/local/index.js';
import { exitCodeFor } from '../../../src/errors.js';
import { installedRules } from '../../../src/faults/appliers/iptables.js';
import { containerOf, runIdOf } from '../compose-helpers.js';
import { localSpec, scenarioOf } from './local-scenario.js';

const [outDir, mode, deployer = 'local'] = process.argv.slice(2);
const faults = mode === 'faults';
const compose = deployer === 'compose';
const scenario = scenarioOf(localSpec({ name: `${compose ? 'compose-' : ""}coordinator-${mode}`, validators: 2, executors: 1, durationMs: 60_000, ...(compose ? { slotDurationMs: 500 } : {}), nodeControl: faults }));

/** What the compose reaper test checks is gone after a SIGKILL: validator-0's filter rules and the shaper's proxies. */
async function printComposeFaults(runDir: string): Promise<void> {
  const runId = runIdOf(JSON.parse(readFileSync(join(runDir, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId);
  const proxies = readdirSync(join(runDir, 'nodes')).flatMap((n) => (JSON.parse(readFileSync(join(runDir, 'nodes', n, 'config.json'), 'utf8')) as { peers: Array<{ host: string; port: number }> }).peers);
  process.stdout.write(`RULES ${JSON.stringify(await installedRules((await containerOf(runId, 'validator-0')).State.Pid))}\n`);
  process.stdout.write(`PROXIES ${JSON.stringify(proxies)}\n`);
}

try {
  const options = { outDir: outDir!, reports: false, ...(faults ? { linkShaper: true, clockSkew: true } : {}) };
  const runner = compose
    ? await new ComposeDeployer({ ...options, preserve: mode === 'preserve', log: (l) => process.stdout.write(`${l}\n`) }).deploy(scenario)
    : await new LocalDeployer(options).deploy(scenario);
  if (faults) {
    const control = runner.context.nodeControl!;
    await control.partition(['validator-0'], ['validator-1', 'executor-0']);
    await control.setLinkFault('validator-1', 'executor-0', { delayMs: 200 });
    await control.setClockSkew!('executor-0', { offsetMs: 2000 });
    const joiner = await control.startNode();
    await control.setClockSkew!(joiner.name, { offsetMs: 1000 });
    process.stdout.write(`JOINER ${joiner.name}\n`);
    if (compose) await printComposeFaults(runner.context.runDir);
  }
  process.stdout.write(`READY ${runner.context.runDir}\n`);
  if (mode === 'run') {
    const handle = await runner.run(scenario, { rejectOnFailure: false });
    await handle.dispose();
    process.stdout.write('FINISHED\n');
  } else if (mode === 'preserve') {
    await runner.dispose();
    process.stdout.write('DISPOSED\n');
  } else {
    setInterval(() => {}, 1 << 30);
  }
} catch (e) {
  process.stdout.write(`${(e as { code?: string }).code === 'LN_ERR_INTERRUPTED' ? 'INTERRUPTED' : 'ERROR'} ${(e as Error).message}\n`);
  process.exitCode = exitCodeFor(e);
}
