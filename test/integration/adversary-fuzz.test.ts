/**
 * examples/invalid-tx-fuzzing.ts (8 s window) against real devnet nodes (LocalDeployer): every case of every reject
 * reason is crafted, sent beside valid load and rejected with its reason; none reaches a block; the nodes
 * stay up and the chain grows. The same run judged by a second copy of the expectation with an impossible
 * bound on chain growth fails, naming the numbers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// What users get: the example and the package build (dist), as `loadnet run examples/invalid-tx-fuzzing.ts` runs them.
import { LocalDeployer, scenarioWith, TxFuzzRejected, TxFuzzWorkload, type FuzzSummary, type RunHandle, type Runner, type Scenario } from 'loadnet';
import { invalidTxFuzzing } from '../../examples/invalid-tx-fuzzing.js';
import { alive, pidsOf } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-adversary-fuzz-'));
const cleanup: Array<RunHandle | Runner> = [];
const pids: number[] = [];

afterAll(async () => {
  for (const c of cleanup.reverse()) await c.dispose();
  for (const pid of pids) expect(alive(pid), `node pid ${pid} left behind`).toBe(false);
  rmSync(outDir, { recursive: true, force: true });
});

describe('tx-fuzz on real nodes', () => {
  it('rejects every case with its reason, includes none, stays live; an impossible growth bound fails naming the numbers', async () => {
    const example = scenarioWith(invalidTxFuzzing(), { durationMs: 8000, cooldownMs: 2000 });
    const fuzz = example.workloads.find((w): w is TxFuzzWorkload => w instanceof TxFuzzWorkload)!;
    const impossible = new TxFuzzRejected(fuzz, { ...fuzz.spec, minBlocks: 10_000 });
    impossible.init(example.metrics);
    const scenario: Scenario = { ...example, expectations: [...example.expectations, impossible] };
    const runner = await new LocalDeployer({ outDir }).deploy(scenario);
    cleanup.push(runner);
    const handle = await runner.run(scenario, { rejectOnFailure: false });
    cleanup.push(handle);
    pids.push(...pidsOf(handle.runDir));
    for (const e of handle.summary.expectations) console.log(`${e.status} ${e.name}: ${e.message}`);
    const summary = handle.summary.txFuzz as FuzzSummary;
    console.log(summary.errors, summary.valid);
    console.table(summary.cases.map((r) => ({ case: r.case, sent: r.sent, expected: r.rejectedAsExpected, otherwise: r.rejectedOtherwise, accepted: r.accepted, errored: r.errored, notCrafted: r.notCrafted ?? '' })));
    const [real, bound] = handle.summary.expectations.filter((e) => e.name === 'tx-fuzz-rejected');
    expect(bound, 'both copies of the expectation reported').toBeDefined();
    const byBound = [real!, bound!].find((e) => /needed ≥ 10000/.test(e.message))!;
    const bundled = [real!, bound!].find((e) => e !== byBound)!;
    expect(bundled.status, bundled.message).toBe('pass');
    for (const row of summary.cases) {
      expect(row.notCrafted, row.case).toBeUndefined();
      expect(row.sent, `${row.case} sent`).toBeGreaterThan(0);
      expect(row.accepted, `${row.case} accepted`).toBe(0);
      expect(row.errored, `${row.case} unanswered`).toBe(0);
      expect(row.rejectedAsExpected, `${row.case} as expected`).toBe(row.sent);
    }
    expect(summary.valid.accepted).toBeGreaterThan(0);
    expect(byBound.status).toBe('fail');
    expect(byBound.message).toMatch(/the chain grew by \d+ blocks while fuzzed, needed ≥ 10000/);
    for (const e of handle.summary.expectations) if (e !== byBound) expect(e.status, `${e.name}: ${e.message}`).toBe('pass');
  }, 90_000);
});
