/**
 * Every built-in expectation passes on a healthy run of real node processes (3 validators + 1 executor,
 * LocalDeployer) carrying real signed transfers; the supply check is then shown to fail, with the numbers,
 * on the same real chain with one included transaction withheld from the replayed history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import type { RunHandle, Runner } from '../../src/runtime/contracts.js';
import { judgeSupply, observeAndReplay } from '../../src/expectations/supply.js';
import { TransferWorkload } from './expect-helpers.js';
import { expectLiveVerdicts, observedOf, rejudge, rejudgeAltered } from './helpers/rejudge.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-expect-healthy-'));
const transfers = new TransferWorkload({ senders: 8, tickMs: 200, perTick: 4 });
let runner: Runner;
let handle: RunHandle;

beforeAll(async () => {
  const scenario = ScenarioBuilder.topology()
    .networkStar()
    .validators(3)
    .executors(1)
    .apply()
    .wallets(12, 1_000_000)
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .withWorkload(transfers)
    .expectConsensusLiveness()
    .expectSupplyConserved()
    .expectBlockTiming()
    .expectSafety()
    .expectMempoolBounded({ maxPending: 2000 })
    .withRunDuration('12s')
    .withCooldown('4s')
    .named('expect-healthy')
    .build();
  runner = await new LocalDeployer({ outDir }).deploy(scenario);
  handle = await runner.run(scenario);
}, 120_000);

afterAll(async () => {
  await handle?.dispose();
  await runner?.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

describe('expectations on a healthy run', () => {
  it('all pass, each naming its numbers', () => {
    const byName = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
    for (const e of handle.summary.expectations) expect(e.status, `${e.name}: ${e.message}`).toBe('pass');
    expect(Object.keys(byName).sort()).toEqual(['block-timing', 'consensus-liveness', 'mempool-bounded', 'safety', 'supply-conserved']);
    expect(byName['consensus-liveness']!.message).toMatch(/^\d+ blocks in [\d.]+s \([\d.]+% of [\d.]+ expected, ≥ \d+ needed\); 4 nodes within 5 of best \d+; LIB \d+ → \d+$/);
    expect(byName['supply-conserved']!.message).toMatch(/supply \d+ = genesis \d+ − burned \d+ \(fees (burn|leader)\); 12 wallets \(8 sending, \d+ included txs/);
    expect(byName['block-timing']!.message).toMatch(/mean \d+ms vs expected 625ms/);
    expect(byName['safety']!.message).toMatch(/no final block reverted .* 4 nodes agree on \d+ final heights/);
    expect((byName['safety']!.figures as { heightsCompared: number }).heightsCompared).toBeGreaterThanOrEqual(10);
    expect(byName['mempool-bounded']!.message).toMatch(/peak \d+ pending .* ≤ 2000/);
    for (const e of handle.summary.expectations) console.log(`${e.name}: ${e.message}`);
    expect(handle.passed).toBe(true);
    expect(transfers.accepted.length).toBeGreaterThan(50);
    const supply = byName['supply-conserved']!.figures as { includedTxs: number; height: number };
    expect(supply.includedTxs).toBeGreaterThanOrEqual(transfers.accepted.length * 0.9);
    // The final chain was replayed during the run: evaluation replayed only the blocks above the LIB.
    const from = (byName['supply-conserved']!.figures as { replayedAtEvaluationFromHeight: number }).replayedAtEvaluationFromHeight;
    expect(from).toBeGreaterThan(10);
  });

  it('re-judged from the saved run alone, every expectation gets its live verdict; changed thresholds change it', () => {
    const names = ['block-timing', 'consensus-liveness', 'mempool-bounded', 'safety', 'supply-conserved'];
    expectLiveVerdicts(handle.runDir, handle.summary, names);
    const peak = (handle.summary.expectations.find((e) => e.name === 'mempool-bounded')!.figures as { nodes: Record<string, { maxPending: number }> }).nodes;
    expect(Math.max(...Object.values(peak).map((n) => n.maxPending))).toBeGreaterThan(0);
    const tighter = rejudge(handle.runDir, [
      { name: 'mempool-bounded', options: { maxPending: 0 } },
      { name: 'block-timing', options: { tolerance: 0, maxGapMs: 1 } },
      { name: 'consensus-liveness', options: { minFraction: 1, maxLag: 0 } },
    ]);
    expect(tighter['mempool-bounded']!.status).toBe('fail');
    expect(tighter['mempool-bounded']!.message).toMatch(/pending at \+[\d.]+s \(bound 0\)/);
    expect(tighter['block-timing']!.status).toBe('fail');
    expect(tighter['block-timing']!.message).toMatch(/exceeds 1ms/);
    for (const n of ['safety', 'supply-conserved']) expect(tighter[n]!.status).toBe('pass');
  });

  it('the checkers without a threshold judge the record: a record with a lagging node, a differing final block or a wrong balance fails, and a looser liveness lag passes it again', () => {
    const lagging = (events: Record<string, unknown>[]) => {
      const tips = observedOf(events, 'consensus-liveness', 'evaluate').tips as Array<{ node: string; height: number }>;
      const best = Math.max(...tips.map((t) => t.height));
      tips.sort((a, b) => a.height - b.height)[0]!.height = best - 10;
    };
    const lag = rejudgeAltered(handle.runDir, lagging)['consensus-liveness']!;
    expect(lag.status).toBe('fail');
    expect(lag.message).toMatch(/ at \d+ \(10 behind\); best \d+, max lag 5/);
    expect(rejudgeAltered(handle.runDir, lagging, [{ name: 'consensus-liveness', options: { maxLag: 10 } }])['consensus-liveness']!.status).toBe('pass');

    const forked = rejudgeAltered(handle.runDir, (events) => {
      // A final height both nodes hold: node b's block there becomes another block.
      const [a, b] = observedOf(events, 'safety', 'evaluate').chains as Array<{ from: number; ids: Array<string | null> }>;
      const i = b!.ids.findIndex((id, j) => id !== null && (a!.ids[b!.from + j - a!.from] ?? null) !== null);
      expect(i).toBeGreaterThanOrEqual(0);
      b!.ids[i] = 'f'.repeat(64);
    })['safety']!;
    expect(forked.status).toBe('fail');
    expect(forked.message).toMatch(/nodes disagree at 1 final heights/);

    const richer = rejudgeAltered(handle.runDir, (events) => {
      const accounts = (observedOf(events, 'supply-conserved', 'evaluate').observed as { accounts: Record<string, { balance: number }> }).accounts;
      Object.values(accounts)[0]!.balance += 1;
    })['supply-conserved']!;
    expect(richer.status).toBe('fail');
    expect(richer.message).toMatch(/wallets disagree with the chain: wallet \d+ \([0-9a-f]{8}…\): balance \d+/);
  });

  it('the supply check fails with the numbers when one included transaction is withheld from the history', async () => {
    const ctx = runner.context;
    const someId = transfers.accepted[5]!;
    const { replay, observed } = await observeAndReplay(ctx, ctx.nodes()[0]!, (id) => id === someId);
    const verdict = judgeSupply(replay, observed, ctx.wallets);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toMatch(/wallets disagree with the chain: wallet \d+ \([0-9a-f]{8}…\): balance \d+ nonce \d+, its \d+ included txs imply balance \d+ nonce \d+/);
    expect(verdict.figures.mismatchedWallets).toBe(2); // the sender (balance and nonce) and its receiver
  });

  it('writes the summary, report.html and junit.xml into the run directory', () => {
    const dir = handle.runDir;
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="expect-healthy" tests="5" failures="0" errors="0"');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('id="chart-height"');
  });

  it('loadnet check (the CLI) re-judges the saved run next to it, originals untouched; bad option values are named', () => {
    const summaryPath = join(handle.runDir, 'summary.json');
    const before = readFileSync(summaryPath, 'utf8');
    const loadnet = (...args: string[]) => spawnSync(process.execPath, [join(import.meta.dirname, '../../dist/src/cli/main.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
    const same = loadnet('check', handle.runDir, '--json');
    expect(same.status, same.stderr).toBe(0);
    const rejudged = JSON.parse(same.stdout) as { verdict: string; expectations: Array<{ name: string; status: string; message: string }> };
    expect(rejudged.verdict).toBe('pass');
    expect(rejudged.expectations.map((e) => [e.name, e.status, e.message])).toEqual(handle.summary.expectations.map((e) => [e.name, e.status, e.message]));
    const stricter = loadnet('check', handle.runDir, '--expect', 'block-timing.maxGapMs=1');
    expect(stricter.status).toBe(1);
    expect(stricter.stdout).toMatch(/FAIL +block-timing \(live: pass\): .*exceeds 1ms/);
    expect(stricter.stdout).toMatch(/verdict: fail \(live: pass\)/);
    const checks = readdirSync(handle.runDir).filter((f) => f.startsWith('check-'));
    expect(checks.length).toBeGreaterThanOrEqual(1);
    for (const c of checks) for (const f of ['summary.json', 'report.html', 'junit.xml']) expect(existsSync(join(handle.runDir, c, f)), `${c}/${f}`).toBe(true);
    expect(readFileSync(summaryPath, 'utf8')).toBe(before);
    // --scenario: a scenario file's options over the recorded ones (the run's own scenario, mempool bound at 0).
    const scenario = JSON.parse(readFileSync(join(handle.runDir, 'scenario.json'), 'utf8')) as { expectations: Array<{ type: string; options?: Record<string, unknown> }> };
    for (const e of scenario.expectations) if (e.type === 'mempool-bounded') e.options = { ...e.options, maxPending: 0 };
    const scenarioFile = join(outDir, 'tighter-scenario.json');
    writeFileSync(scenarioFile, JSON.stringify(scenario));
    const fromScenario = loadnet('check', handle.runDir, '--scenario', scenarioFile);
    expect(fromScenario.status, fromScenario.stderr).toBe(1);
    expect(fromScenario.stdout).toMatch(/FAIL +mempool-bounded \(live: pass\): .*\(bound 0\)/);
    expect(fromScenario.stdout).toMatch(/PASS +block-timing: /);
    const bad = loadnet('check', handle.runDir, '--expect', 'block-timing.tolerance=-1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expectations\.block-timing\.tolerance: -1 is not allowed; allowed: a non-negative fraction/);
  });
});
