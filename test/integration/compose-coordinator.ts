/**
 * A coordinator process for the compose reaper and cleanup tests:
 *   node --import tsx compose-coordinator.ts <outDir> deploy     deploy 2 validators + 1 executor, print READY <runDir>, wait forever
 *   node --import tsx compose-coordinator.ts <outDir> preserve   deploy with preserve, print READY <runDir>, dispose, exit
 *   node --import tsx compose-coordinator.ts <outDir> faults     deploy with the link shaper and libfaketime, cut
 *     validator-0 off (iptables on the shaper's proxy ports), delay a link (the shaper), skew a clock
 *     (libfaketime), start a joiner (churn: a container of its own) with its clock skewed too, print RULES <json> (validator-0's filter rules), PROXIES <json> (the proxy addresses)
 *     and READY <runDir>, wait forever
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ComposeDeployer } from '../../src/deployers/compose/index.js';
import { installedRules } from '../../src/faults/appliers/iptables.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { containerOf, runIdOf } from './compose-helpers.js';

const [outDir, mode] = process.argv.slice(2);
const faults = mode === 'faults';
const scenario = scenarioOf(localSpec({ name: `compose-coordinator-${mode}`, validators: 2, executors: 1, slotDurationMs: 500, nodeControl: faults }));
const runner = await new ComposeDeployer({ outDir, reports: false, preserve: mode === 'preserve', log: (l) => process.stdout.write(`${l}\n`), ...(faults ? { linkShaper: true, clockSkew: true } : {}) }).deploy(scenario);
if (faults) {
  const control = runner.context.nodeControl!;
  await control.partition(['validator-0'], ['validator-1', 'executor-0']);
  await control.setLinkFault('validator-1', 'executor-0', { delayMs: 200 });
  await control.setClockSkew!('executor-0', { offsetMs: 2000 });
  const joiner = await control.startNode();
  await control.setClockSkew!(joiner.name, { offsetMs: 1000 });
  process.stdout.write(`JOINER ${joiner.name}\n`);
  const runDir = runner.context.runDir;
  const runId = runIdOf(JSON.parse(readFileSync(join(runDir, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId);
  const proxies = readdirSync(join(runDir, 'nodes')).flatMap((n) => (JSON.parse(readFileSync(join(runDir, 'nodes', n, 'config.json'), 'utf8')) as { peers: Array<{ host: string; port: number }> }).peers);
  process.stdout.write(`RULES ${JSON.stringify(await installedRules((await containerOf(runId, 'validator-0')).State.Pid))}\n`);
  process.stdout.write(`PROXIES ${JSON.stringify(proxies)}\n`);
}
process.stdout.write(`READY ${runner.context.runDir}\n`);
if (mode === 'preserve') {
  await runner.dispose();
  process.stdout.write('DISPOSED\n');
} else {
  setInterval(() => {}, 1 << 30);
}
