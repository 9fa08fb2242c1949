/**
 * A coordinator process for the compose reaper and cleanup tests:
 *   node --import tsx compose-coordinator.ts <outDir> deploy     deploy 2 validators + 1 executor, print READY <runDir>, wait forever
 *   node --import tsx compose-coordinator.ts <outDir> preserve   deploy with preserve, print READY <runDir>, dispose, exit
 */
import { ComposeDeployer } from '../../src/deployers/compose/index.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';

const [outDir, mode] = process.argv.slice(2);
const scenario = scenarioOf(localSpec({ name: `compose-coordinator-${mode}`, validators: 2, executors: 1, slotDurationMs: 500 }));
const runner = await new ComposeDeployer({ outDir, reports: false, preserve: mode === 'preserve', log: (l) => process.stdout.write(`${l}\n`) }).deploy(scenario);
process.stdout.write(`READY ${runner.context.runDir}\n`);
if (mode === 'preserve') {
  await runner.dispose();
  process.stdout.write('DISPOSED\n');
} else {
  setInterval(() => {}, 1 << 30);
}
