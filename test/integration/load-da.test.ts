/**
 * The DA workload against real devnet node processes (LocalDeployer, 3 validators + 1 executor): channels
 * opened by inscriptions, blobs dispersed through the executor at blobsPerBlock, tracked to inclusion by
 * their certificate transactions, shares fetched back from the validators.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import type { RunHandle, Runner } from '../../src/runtime/contracts.js';
import { DaWorkload } from '../../src/workloads/da.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { alive, pidsOf, readEvents } from './helpers/run-files.js';
import { expectLiveVerdicts, observedOf, rejudgeAltered } from './helpers/rejudge.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-load-da-'));
let runner: Runner | undefined;
let handle: RunHandle | undefined;

afterAll(async () => {
  const runDir = handle?.runDir;
  await handle?.dispose();
  await runner?.dispose();
  if (runDir) for (const pid of pidsOf(runDir)) expect(alive(pid)).toBe(false);
  rmSync(outDir, { recursive: true, force: true });
});

describe('DA workload on real nodes', () => {
  it('opens channels, publishes blobs at the rate, and every accepted blob is included with retrievable shares', async () => {
    const spec = localSpec({ name: 'load-da', validators: 3, executors: 1, wallets: 6, durationMs: 12_000, cooldownMs: 6000, slotDurationMs: 500 });
    spec.workloads = [{ type: 'da', channels: 3, blobsPerBlock: 2, blobSizeBytes: { min: 1000, max: 8000 } }];
    const da = new DaWorkload(spec.workloads[0] as never);
    const scenario = scenarioOf(spec, [da], da.expectations());
    da.init(scenario.metrics, spec);
    runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    handle = await runner.run(scenario, { rejectOnFailure: false });

    const s = handle.summary.da as Record<string, any>;
    console.log(`load-da: ${JSON.stringify({ channels: s.channels, blobs: s.blobs, errors: s.errors, submit: s.submitCorrected, inclusion: s.inclusion })}`);
    expect(s.channels.opened).toBe(3);
    // blobsPerBlock 2 at a mean block interval of 500 / 0.9 ms: 3.6 blobs/s over the part of the window left after opening
    expect(s.blobs.submitted).toBeGreaterThan(10);
    expect(s.blobs.submitted).toBe(s.blobs.accepted + s.blobs.errored);
    expect(s.blobs.accepted).toBe(s.blobs.included + s.blobs.pending + s.blobs.dropped);
    const outcome = handle.summary.expectations.find((e) => e.name === 'da-inclusion');
    expect(outcome?.status, outcome?.message).toBe('pass');
    expect((outcome?.figures as { sharesChecked: number }).sharesChecked).toBeGreaterThan(0);
    // Re-judged from the saved run alone: the live verdict and message.
    expectLiveVerdicts(handle.runDir, handle.summary, ['da-inclusion']);
    // The same record with one sampled share recorded as missing fails, naming it.
    const missing = rejudgeAltered(handle.runDir, (events) => void (observedOf(events, 'da-inclusion', 'evaluate').sharesMissing = 1))['da-inclusion']!;
    expect(missing.status).toBe('fail');
    expect(missing.message).toMatch(/^1 of \d+ sampled shares not retrievable from any validator/);
    const intervals = (await readEvents(handle.runDir)).filter((e) => e.kind === 'da.interval');
    expect(intervals.length).toBeGreaterThanOrEqual(5);
  }, 150_000);
});
