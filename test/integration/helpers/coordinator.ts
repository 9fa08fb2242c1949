/**
 * A small coordinator process for tests that must kill or interrupt the coordinator itself:
 *   node --import tsx coordinator.ts <outDir> deploy   deploy 2 validators + 1 executor, print READY <runDir>, wait
 *   node --import tsx coordinator.ts <outDir> run      deploy, print READY <runDir>, run a 60 s window
 *   node --import tsx coordinator.ts <outDir> faults   deploy with the link shaper and libfaketime, cut validator-0
 *     off, delay a link and skew a clock (all through them), start a joiner (churn) with its clock skewed too,
 *     print JOINER <name> and READY <runDir>, wait
 * In `run` mode an interrupt ends with exit code 130 and prints INTERRUPTED (as the CLI does).
 */
import { LocalDeployer } from '../../../src/deployers/local/index.js';
import { exitCodeFor } from '../../../src/errors.js';
import { localSpec, scenarioOf } from './local-scenario.js';

const [outDir, mode] = process.argv.slice(2);
const faults = mode === 'faults';
const scenario = scenarioOf(localSpec({ name: `coordinator-${mode}`, validators: 2, executors: 1, durationMs: 60_000, nodeControl: faults }));

try {
  const runner = await new LocalDeployer({ outDir, reports: false, ...(faults ? { linkShaper: true, clockSkew: true } : {}) }).deploy(scenario);
  if (faults) {
    const control = runner.context.nodeControl!;
    await control.partition(['validator-0'], ['validator-1', 'executor-0']);
    await control.setLinkFault('validator-1', 'executor-0', { delayMs: 200 });
    await control.setClockSkew!('executor-0', { offsetMs: 2000 });
    const joiner = await control.startNode();
    await control.setClockSkew!(joiner.name, { offsetMs: 1000 });
    process.stdout.write(`JOINER ${joiner.name}\n`);
  }
  process.stdout.write(`READY ${runner.context.runDir}\n`);
  if (mode === 'run') {
    const handle = await runner.run(scenario, { rejectOnFailure: false });
    await handle.dispose();
    process.stdout.write('FINISHED\n');
  } else {
    setInterval(() => {}, 1 << 30);
  }
} catch (e) {
  process.stdout.write(`${(e as { code?: string }).code === 'LN_ERR_INTERRUPTED' ? 'INTERRUPTED' : 'ERROR'} ${(e as Error).message}\n`);
  process.exitCode = exitCodeFor(e);
}
