/**
 * A whole run on the ComposeDeployer, as the seed's compose examples do it: 3 validators + 2 executors in
 * containers, transaction load (DA load joins once the DA workload is in the build), chaos restarts of containers through the engine (at most one node
 * down at a time), and the expectations judged on it: consensus liveness, safety (nothing final reverted),
 * the bundled inclusion and chaos recovery checks. Teardown leaves nothing labelled with the run's id.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComposeDeployer } from '../../src/deployers/compose/index.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import type { RunHandle, Runner } from '../../src/runtime/contracts.js';
import { readEvents } from './helpers/run-files.js';
import { engineAvailable, leftovers, runIdOf } from './compose-helpers.js';

const hasEngine = await engineAvailable();
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-compose-run-'));
const cleanup: Array<RunHandle | Runner> = [];

afterAll(async () => {
  for (const c of cleanup.reverse()) await c.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

function scenario() {
  return ScenarioBuilder.topology()
    .networkStar()
    .validators(3)
    .executors(2)
    .apply()
    .wallets(40)
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(4)
    .enableNodeControl()
    .transactions()
    .ratePerSecond(20)
    .users(20)
    // A restarted node loses its mempool: what it accepted and had not gossiped yet is dropped (seen:
    // ~7 % with 8 restarts in 20 s). Inclusion is judged, with the bound such chaos allows.
    .inclusionThreshold(0.75)
    .apply()
    .chaos()
    .restart()
    .minDelay('1500ms')
    .maxDelay('3s')
    .targetCooldown('6s')
    .maxDown(1)
    .recoveryTimeout('30s')
    .apply()
    .expectConsensusLiveness()
    .expectSafety()
    .withRunDuration('20s')
    .withCooldown('5s')
    .named('compose-run')
    .build();
}

describe.skipIf(!hasEngine)('ComposeDeployer: a run with tx load and chaos restarts', () => {
  it('passes liveness, safety, inclusion and recovery; leaves nothing behind', async () => {
    const plan = scenario();
    const runner = await new ComposeDeployer({ outDir, log: null }).deploy(plan);
    cleanup.push(runner);
    const cfg = JSON.parse(readFileSync(join(runner.context.runDir, 'nodes', 'validator-0', 'config.json'), 'utf8'));
    const runId = runIdOf(cfg.genesis.chainId);
    const handle = await runner.run(plan);
    cleanup.push(handle);
    for (const e of handle.summary.expectations) console.log(`[compose-run] ${e.status} ${e.name}: ${e.message}`);
    const byName = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
    expect(byName['consensus-liveness']?.status).toBe('pass');
    expect(byName['safety']?.status).toBe('pass');
    const recovery = handle.summary.expectations.find((e) => e.name.endsWith('-recovery'));
    expect(recovery?.status).toBe('pass');
    // Every expectation the scenario carries (inclusion of tx and DA included) passed.
    expect(handle.summary.expectations.filter((e) => e.status !== 'pass')).toEqual([]);
    expect(handle.passed).toBe(true);

    // The chaos restarts went through the engine: containers restarted, not processes on this host.
    const events = await readEvents(handle.runDir);
    const restarts = events.filter((e) => e.kind === 'fault.end' && e.fault === 'restart' && e.ok === true);
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.kind === 'node.spawn' && e.container).length).toBeGreaterThanOrEqual(5 + restarts.length);
    const load = handle.summary.load as Record<string, unknown> | undefined;
    expect(load).toBeDefined();

    await handle.dispose();
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
