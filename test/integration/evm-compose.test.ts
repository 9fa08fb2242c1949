/**
 * The EVM adapter on the compose deployer: anvil from the npm package in a FROM-scratch container (the binary
 * and the libraries ldd lists), the seed's load progression shortened (5 and 30 per block, 1 s blocks) with
 * liveness and exact accounting against the chain's blocks, a restart of the container under load keeping the
 * chain (--state in the mounted node directory) with nothing accepted lost, and nothing left in the engine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComposeDeployer } from '../../src/deployers/compose/index.js';
import { scenarioFromSpec } from '../../src/scenario/build.js';
import { auditEvmRun, evmSpec, failedExpectations, RestartOnce, runEvents } from './helpers/evm-run.js';
import { docker, engineAvailable, leftovers } from './compose-helpers.js';
import { Labels } from '../../src/deployers/compose/engine.js';

const hasEngine = await engineAvailable();
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-evm-compose-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe.skipIf(!hasEngine)('evm adapter on anvil (compose deployer)', () => {
  it('load progression (5, then 30 per block with a restart of the container under load): liveness, full inclusion, the chain kept; nothing left behind', async () => {
    for (const perBlock of [5, 30]) {
      const restart = new RestartOnce(2000);
      // Shortened for CI: 6 s at 5 per block; 8 s at 30 per block with the restart 2 s in, 15 s of cooldown for the re-sends.
      const built = scenarioFromSpec({ ...evmSpec(`evm-compose-${perBlock}`, perBlock), ...(perBlock === 30 ? { nodeControl: true, durationMs: '8s', cooldownMs: '15s' } : { durationMs: '6s', cooldownMs: '4s' }) });
      const scenario = perBlock === 30 ? { ...built, workloads: [...built.workloads, restart] } : built;
      const runner = await new ComposeDeployer({ outDir, reports: false, log: null }).deploy(scenario);
      const handle = await runner.run(scenario, { rejectOnFailure: false });
      let runId = '';
      try {
        expect(failedExpectations(handle), `rate ${perBlock}`).toEqual([]);
        const load = handle.summary.load as Record<string, number>;
        expect(load.offeredTps).toBeGreaterThan(0.9 * perBlock);
        const events = runEvents(handle.runDir);
        const deployed = events.find((e) => e.kind === 'compose.deploy');
        expect(deployed).toMatchObject({ containers: 1, chain: 'evm' });
        const [container] = await docker.listContainers({ filters: JSON.stringify({ name: [`${deployed!.network}-validator-0`] }) });
        runId = container!.Labels[Labels.run]!;
        if (perBlock === 30) {
          expect(restart.restarted).toBe(true);
          const faults = events.filter((e) => e.kind === 'fault.end' && e.fault === 'restart');
          expect(faults).toHaveLength(1);
          expect(faults[0]!.ok).toBe(true);
          // The restarted anvil loaded its state: the chain after the restart extends the one before it.
          expect(events.filter((e) => e.kind === 'reorg')).toEqual([]);
        }
        await auditEvmRun(handle);
      } finally {
        await handle.dispose();
      }
      expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
    }
  }, 120_000);
});
