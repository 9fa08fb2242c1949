/**
 * The runs of one test file, each on real nodes and kept until the file is done: deployed and run to its
 * verdict (a failing run resolves too), its expectations printed; after all tests every runner and handle is
 * disposed, no node pid it spawned is left alive and the run directory is removed (disposedAfterAll).
 */
import type { Deployer, RunHandle, Scenario } from '../../../src/runtime/contracts.js';
import { disposedAfterAll, pidsOf } from './run-files.js';

export interface FileRuns {
  /** The file's run directory (removed after all tests). */
  readonly outDir: string;
  /**
   * Deploy `scenario` (on `deployer`, else on the file's own) and run it to its verdict; its node pids are
   * checked after all tests. `label` prefixes the printed verdicts.
   */
  run(scenario: Scenario, options?: { deployer?: Deployer; label?: string }): Promise<RunHandle>;
}

/** `deployerAt` makes the file's deployer for its run directory, e.g. `(outDir) => new LocalDeployer({ outDir })`. */
export function runsForFile(prefix: string, deployerAt: (outDir: string) => Deployer): FileRuns {
  const { outDir, cleanup, pids } = disposedAfterAll(prefix);
  return {
    outDir,
    async run(scenario, options = {}) {
      const runner = await (options.deployer ?? deployerAt(outDir)).deploy(scenario);
      cleanup.push(runner);
      const handle = await runner.run(scenario, { rejectOnFailure: false });
      cleanup.push(handle);
      pids.push(...pidsOf(handle.runDir));
      const label = options.label ? `${options.label}: ` : '';
      for (const e of handle.summary.expectations) console.log(`${label}${e.status} ${e.name}: ${e.message}`);
      return handle;
    },
  };
}
