// A run whose verdict is not 'pass' rejects, as the seed's `runner.run(&mut plan).await?` propagates a failed
// expectation. The seed's Load Progression is written as a user writes it, against the package ('loadnet' is
// this package's build in dist/, not src/), shortened to 2 validators and a 6 s window, with one expectation
// whose bound is broken: block gaps of at most 100 ms on 500 ms slots (consecutive blocks are at least a slot apart).
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExpectationsFailedError, LocalDeployer, ScenarioBuilder, exitCodeFor, isLoadnetError, type Runner } from 'loadnet';
import { alive, pidsOf, readEvents } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-run-rejects-'));
const runners: Runner[] = [];
afterAll(async () => {
  for (const r of runners) await r.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

function loadProgression(rate: number, validators: number, name: string) {
  return ScenarioBuilder.topology()
      .networkStar()
      .validators(validators)
      .apply()
    .slotDuration('500ms')
    .securityParam(3)
    .wallets(50)
    .transactions()
      .rate(rate)
      .users(20)
      .apply()
    .expectConsensusLiveness()
    .expectBlockTiming({ maxGap: '100ms' })
    .withRunDuration('6s')
    .withCooldown('4s')
    .named(name)
    .build();
}

/** Processes whose command line names the run directory (node configs live under it). */
function processesOf(runDir: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(runDir)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('runner.run() of a scenario whose expectation fails', () => {
  it('is loaded from the build, not from src/', () => {
    expect(import.meta.resolve('loadnet')).toMatch(/\/dist\/src\/index\.js$/);
  });

  it('rejects with LN_ERR_EXPECTATIONS_FAILED naming every failure and the run directory, after tearing the nodes down', async () => {
    const plan = loadProgression(5, 2, 'rejects-on-failure');
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(plan);
    runners.push(runner);
    const runDir = runner.context.runDir;
    const pids = pidsOf(runDir);
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);

    const error = await runner.run(plan).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExpectationsFailedError);
    const err = error as ExpectationsFailedError;
    expect(isLoadnetError(err)).toBe(true);
    expect(err.code).toBe('LN_ERR_EXPECTATIONS_FAILED');
    expect(exitCodeFor(err)).toBe(1);

    // The summary, the run directory and every expectation that did not pass, with its message.
    expect(err.runDir).toBe(runDir);
    expect(err.summary.verdict).toBe('fail');
    expect(err.summary).toEqual(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')));
    const notPassed = err.summary.expectations.filter((e) => e.status !== 'pass');
    expect(err.failures).toEqual(notPassed);
    const timing = err.failures.find((f) => f.name === 'block-timing');
    expect(timing?.status).toBe('fail');
    expect(timing?.message).toMatch(/gap of \d+ms before height \d+ exceeds 100ms/);
    expect(err.message).toContain(`scenario 'rejects-on-failure' did not pass (verdict fail)`);
    for (const f of err.failures) expect(err.message).toContain(`- ${f.name} (${f.status}): ${f.message}`);
    expect(err.message).toContain(`run directory: ${runDir}`);
    expect(err.hint).toContain('rejectOnFailure: false');
    console.log(`[run-rejects] ${err.message}`);

    // Torn down before the rejection: the record is closed and no node process is left.
    const events = await readEvents(runDir);
    expect(events.at(-1)).toMatchObject({ kind: 'run.phase', phase: 'done' });
    expect(pids.filter(alive)).toEqual([]);
    expect(processesOf(runDir)).toEqual([]);
    await expect(runner.context.nodes()[0]!.client.head()).rejects.toThrow();
  });

  it('with { rejectOnFailure: false } resolves with the handle, the nodes alive until it is disposed', async () => {
    const plan = loadProgression(5, 1, 'handle-either-way');
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(plan);
    runners.push(runner);
    const handle = await runner.run(plan, { rejectOnFailure: false });
    expect(handle.passed).toBe(false);
    expect(handle.summary.verdict).toBe('fail');
    expect(handle.summary.expectations.find((e) => e.name === 'block-timing')?.status).toBe('fail');
    const pids = pidsOf(handle.runDir);
    expect(pids.every(alive)).toBe(true);
    expect((await handle.context.nodes()[0]!.client.head()).height).toBeGreaterThan(0);
    await handle.dispose();
    expect(pids.filter(alive)).toEqual([]);
    expect(processesOf(handle.runDir)).toEqual([]);
  });
});
