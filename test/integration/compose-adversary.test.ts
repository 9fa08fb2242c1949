/**
 * The adversary examples on containers (ComposeDeployer), as a user runs them (`import … from 'loadnet'`),
 * shortened for CI (full length by hand: `LOADNET_DEPLOYER=compose npx tsx examples/<name>.ts`): the
 * propagation race, the mempool divergence (its partition cut by iptables in the containers' namespaces),
 * invalid-transaction fuzzing, the API flood through a published port (its control client on a route of its
 * own) and the flooding peer, which joins its victim through the victim's published P2P port. Each passes
 * every expectation; each teardown leaves nothing labelled with its run id. Fee pressure runs in its shortened
 * form (feePressureShort: saturated from the first second at 60 tx/s into blocks of 20 and a pool of 200; the
 * earlier full form's 240 tx/s starved the containers on a loaded machine, its tier order failing in 3 of 4 runs at
 * 12 s). Its failing variant runs here too, shorter: fee ordering switched off through the scenario
 * (`feeOrdering: false`, the devnet option `defensesOff: { defenses: ['fee-ordering'] }` in every container's
 * config file), the tier order fails naming the numbers (test/integration/fee-pressure.test.ts does both on
 * local nodes).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComposeDeployer, scenarioWith, type FeePressureReport, type FloodingPeerReport, type FloodReport, type RunHandle, type Scenario } from 'loadnet';
import { propagationRace } from '../../examples/propagation-race.js';
import { mempoolDivergence } from '../../examples/mempool-divergence.js';
import { invalidTxFuzzing } from '../../examples/invalid-tx-fuzzing.js';
import { apiFlood } from '../../examples/api-flood.js';
import { floodingPeer } from '../../examples/flooding-peer.js';
import { feePressureShort } from '../../examples/fee-pressure.js';
import { disposedAfterAll, readEvents } from './helpers/run-files.js';
import { engineAvailable, leftovers, runIdOf } from './compose-helpers.js';

const hasEngine = await engineAvailable();
const { outDir, cleanup } = disposedAfterAll('loadnet-compose-adversary-');

/** Deploy on containers, run, log each verdict; the handle stays alive until `finish`. */
async function runOnCompose(plan: Scenario): Promise<{ handle: RunHandle; runId: string; failed: string[] }> {
  const t0 = Date.now();
  const runner = await new ComposeDeployer({ outDir, log: null, reports: false }).deploy(plan);
  cleanup.push(runner);
  const cfg = JSON.parse(readFileSync(join(runner.context.runDir, 'nodes', 'validator-0', 'config.json'), 'utf8'));
  const handle = await runner.run(plan, { rejectOnFailure: false });
  cleanup.push(handle);
  for (const e of handle.summary.expectations) console.log(`[${plan.spec.name} on compose] ${e.status} ${e.name}: ${e.message}`);
  console.log(`[${plan.spec.name} on compose] ${Date.now() - t0} ms deploy + run`);
  return { handle, runId: runIdOf(cfg.genesis.chainId), failed: handle.summary.expectations.filter((e) => e.status !== 'pass').map((e) => `${e.name}: ${e.message}`) };
}

async function finish(handle: RunHandle, runId: string): Promise<void> {
  await handle.dispose();
  expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
}

describe.skipIf(!hasEngine)('the adversary examples on containers', () => {
  it('propagation-race: every transaction once on every node, equal state roots', async () => {
    const { handle, runId, failed } = await runOnCompose(scenarioWith(propagationRace(), { durationMs: 5000, cooldownMs: 2000 }));
    expect(failed).toEqual([]);
    const f = handle.summary.expectations.find((e) => e.name === 'race-included-once')!.figures as { perNode: Record<string, { included: number }>; stateRoot: { distinct: number } };
    expect(Object.values(f.perNode).map((p) => p.included)).toEqual([100, 100, 100, 100]);
    expect(f.stateRoot.distinct).toBe(1);
    await finish(handle, runId);
  });

  it('mempool-divergence: the isolated container diverges and converges after the heal', async () => {
    const { handle, runId, failed } = await runOnCompose(scenarioWith(mempoolDivergence(), { durationMs: 8000, cooldownMs: 3000 }));
    expect(failed).toEqual([]);
    const f = handle.summary.expectations.find((e) => e.name === 'mempool-converged')!.figures as { maxPairwiseDifference: number; divergenceEnd: { healedAt: number | null } };
    expect(f.maxPairwiseDifference).toBeGreaterThan(0);
    expect(f.divergenceEnd.healedAt).not.toBeNull();
    const start = (await readEvents(handle.runDir)).find((e) => e.kind === 'fault.start' && e.fault === 'partition');
    expect(start?.detail?.mechanism?.cut).toMatch(/^iptables: /);
    await finish(handle, runId);
  });

  it('invalid-tx-fuzzing: every case rejected with its reason, none in a block', async () => {
    const { handle, runId, failed } = await runOnCompose(scenarioWith(invalidTxFuzzing(), { durationMs: 5000, cooldownMs: 1000 }));
    expect(failed).toEqual([]);
    await finish(handle, runId);
  });

  it('api-flood: the flood through the published port meets the per-client budget, the control client (its own route) does not', async () => {
    // Shortened: 2,000 requests/s at a budget of 100/s (through the published port a loaded machine reached
    // 300–1,000/s) (the ≥ 10,000/s rate is a machine's, measured by hand:
    // bench/RESULTS.md), the control p99 bound loose for a loaded machine.
    const { handle, runId, failed } = await runOnCompose(scenarioWith(apiFlood({ rate: 2000, minRateFraction: 0, budgetPerSec: 100, controlP99: '5s' }), { durationMs: 5000, cooldownMs: 1000 }));
    expect(failed).toEqual([]);
    const r = (handle.summary.apiFlood as Record<string, FloodReport>)['validator-0']!;
    // Through the published port the node sees the flood from the network's gateway, over its budget: 429s.
    // The control client dials the container's own address from another of this machine's addresses: another
    // client, never refused (on one shared address it was: 40 of 50 refused in a probe at 3,000/s).
    expect(r.flood.s429, JSON.stringify(r.flood)).toBeGreaterThan(0);
    expect(r.control.failed, JSON.stringify(r.control)).toBe(0);
    expect(handle.context.node('validator-0').descriptor.separateClient?.apiUrl).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:8080$/);
    await finish(handle, runId);
  });

  it('flooding-peer: joins through the published P2P port, scored down and banned', async () => {
    const { handle, runId, failed } = await runOnCompose(scenarioWith(floodingPeer(), { durationMs: 8000, cooldownMs: 1000 }));
    expect(failed).toEqual([]);
    const r = handle.summary.floodingPeer as FloodingPeerReport;
    expect(r.timeToBanMs).not.toBeNull();
    expect(r.reconnectRefused).toMatch(/banned/);
    await finish(handle, runId);
  });

  it('fee-pressure: higher fee tiers included sooner, the lowest fee evicted, full blocks', async () => {
    const { handle, runId, failed } = await runOnCompose(scenarioWith(feePressureShort(), { cooldownMs: 2000 }));
    expect(failed).toEqual([]);
    const r = handle.summary.feePressure as FeePressureReport;
    const [low, mid, high] = ['low', 'mid', 'high'].map((n) => r.tiers.find((t) => t.name === n)!);
    // The order itself, beyond the verdict: the top tier all included, at most half the mid tier's p50 (over
    // the whole tier, the ones not included by the end counted as never).
    expect(high!.dropped).toBe(0);
    expect(high!.effectiveP50Ms!).toBeLessThanOrEqual(0.5 * (mid!.effectiveP50Ms ?? Infinity));
    expect(low!.dropped).toBeGreaterThan(0);
    expect(r.evictions.lowest_fee).toBeGreaterThan(0);
    // The tiers' engines were prepared before the window and start on its start (started in it, a loaded
    // machine took up to 8.5 s of the 15 to spawn their workers).
    expect(r.loadSpan?.fromMs ?? Infinity, `every tier offering load from ${r.loadSpan?.fromMs} ms into the window`).toBeLessThan(1000);
    await finish(handle, runId);
  });

  it('fee-pressure with fee ordering off in the containers: the tier order fails, naming the numbers', async () => {
    const { handle, runId } = await runOnCompose(scenarioWith(feePressureShort({ feeOrdering: false }), { durationMs: 12_000, cooldownMs: 1000, name: 'fee-pressure-unordered' }));
    // The switch reached every container through its config file (the scenario's, not the environment's).
    for (const node of ['validator-0', 'validator-1', 'validator-2']) {
      expect(JSON.parse(readFileSync(join(handle.runDir, 'nodes', node, 'config.json'), 'utf8')).defensesOff, node).toEqual(['fee-ordering']);
    }
    const e = handle.summary.expectations.find((x) => x.name === 'fee-priority')!;
    expect(e.status).toBe('fail');
    // By arrival the top tier waits behind the same queue as the mid one: its p50 is not half the mid tier's.
    expect(e.message).toMatch(/^tier high \(fee 20\) inclusion p50 (∞|[\d.]+ ms) > 0.5 × tier mid \(fee 5\) p50 [\d.]+ ms/);
    await finish(handle, runId);
  });
});
