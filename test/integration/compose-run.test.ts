/**
 * A whole run on the ComposeDeployer, as the seed's compose examples do it: 3 validators + 2 executors in
 * containers, transaction and DA load, chaos restarts of containers through the engine (at most one node
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

/** 3 validators + 2 executors with transaction load; DA load and/or chaos restarts on top. */
function scenario(name: string, parts: { da: boolean; chaos: boolean }) {
  const base = ScenarioBuilder.topology()
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
    // Every accepted transaction, chaos or not: a restarted node keeps its mempool and the load engine
    // re-submits what a lost node held (was 0.75 while restarts dropped up to ~8 %).
    .inclusionThreshold(1)
    .apply();
  const withDa = parts.da ? base.da().channelRate(2).blobRate(2).apply() : base;
  const withChaos = parts.chaos
    ? withDa.chaos().restart().minDelay('1500ms').maxDelay('3s').targetCooldown('6s').maxDown(1).recoveryTimeout('30s').apply()
    : withDa;
  return withChaos.expectConsensusLiveness().expectSafety().withRunDuration(parts.chaos ? '20s' : '12s').withCooldown('5s').named(name).build();
}

async function runOnCompose(plan: ReturnType<typeof scenario>): Promise<{ handle: RunHandle; runId: string }> {
  const runner = await new ComposeDeployer({ outDir, log: null }).deploy(plan);
  cleanup.push(runner);
  const cfg = JSON.parse(readFileSync(join(runner.context.runDir, 'nodes', 'validator-0', 'config.json'), 'utf8'));
  const handle = await runner.run(plan, { rejectOnFailure: false });
  cleanup.push(handle);
  for (const e of handle.summary.expectations) console.log(`[${plan.spec.name}] ${e.status} ${e.name}: ${e.message}`);
  return { handle, runId: runIdOf(cfg.genesis.chainId) };
}

describe.skipIf(!hasEngine)('ComposeDeployer: whole runs on containers', () => {
  it('transaction + DA load: every expectation passes (liveness, safety, tx and DA inclusion)', async () => {
    const { handle, runId } = await runOnCompose(scenario('compose-load', { da: true, chaos: false }));
    const names = handle.summary.expectations.map((e) => e.name);
    for (const n of ['consensus-liveness', 'safety', 'tx-inclusion', 'da-inclusion']) expect(names).toContain(n);
    expect(handle.summary.expectations.filter((e) => e.status !== 'pass')).toEqual([]);
    expect(handle.passed).toBe(true);
    // DA load ran: blobs were dispersed through the executors' published APIs and included.
    const da = (await readEvents(handle.runDir)).filter((e) => e.kind === 'da.interval');
    expect(da.reduce((n, e) => n + Number(e.included), 0)).toBeGreaterThan(0);
    await handle.dispose();
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('chaos restarts of containers under load: liveness, safety, inclusion and recovery pass', async () => {
    // DA load runs here too, but DA inclusion is not asserted: restarted validators lose DA shares (a few of
    // 60 samples unretrievable, on the local deployer alike), a node limitation reported separately.
    const { handle, runId } = await runOnCompose(scenario('compose-chaos', { da: true, chaos: true }));
    const byName = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
    for (const n of ['consensus-liveness', 'safety', 'tx-inclusion', 'chaos-restart-recovery']) expect(byName[n]?.status, n).toBe('pass');
    // The chaos restarts went through the engine: containers restarted, not processes on this host.
    const events = await readEvents(handle.runDir);
    const restarts = events.filter((e) => e.kind === 'fault.end' && e.fault === 'restart' && e.ok === true);
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.kind === 'node.spawn' && e.container).length).toBeGreaterThanOrEqual(5 + restarts.length);
    expect(handle.summary.load).toBeDefined();
    await handle.dispose();
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
