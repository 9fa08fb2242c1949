/**
 * examples/invalid-tx-fuzzing.ts (8 s window) against real devnet nodes (LocalDeployer): every case of every reject
 * reason is crafted, sent beside valid load and rejected with its reason; none reaches a block; the nodes
 * stay up and the chain grows. The saved run re-judged from its record gets the live verdicts; judged with an
 * impossible bound on chain growth, or from a copy of its record where one crafted transaction was seen in a
 * block, it fails, naming the numbers.
 */
import { describe, expect, it } from 'vitest';
// What users get: the example and the package build (dist), as `loadnet run examples/invalid-tx-fuzzing.ts` runs them.
import { LocalDeployer, scenarioWith, type FuzzSummary } from 'loadnet';
import { invalidTxFuzzing } from '../../examples/invalid-tx-fuzzing.js';
import { runsForFile } from './helpers/file-runs.js';
import { expectLiveVerdicts, observedOf, rejudge, rejudgeAltered } from './helpers/rejudge.js';

const runs = runsForFile('loadnet-adversary-fuzz-', (outDir) => new LocalDeployer({ outDir }));

describe('tx-fuzz on real nodes', () => {
  it('rejects every case with its reason, includes none, stays live; an impossible growth bound fails naming the numbers', async () => {
    const scenario = scenarioWith(invalidTxFuzzing(), { durationMs: 8000, cooldownMs: 2000 });
    const handle = await runs.run(scenario);
    const summary = handle.summary.txFuzz as FuzzSummary;
    console.log(summary.errors, summary.valid);
    console.table(summary.cases.map((r) => ({ case: r.case, sent: r.sent, expected: r.rejectedAsExpected, otherwise: r.rejectedOtherwise, accepted: r.accepted, errored: r.errored, notCrafted: r.notCrafted ?? '' })));
    const bundled = handle.summary.expectations.find((e) => e.name === 'tx-fuzz-rejected')!;
    expect(bundled.status, bundled.message).toBe('pass');
    for (const row of summary.cases) {
      expect(row.notCrafted, row.case).toBeUndefined();
      expect(row.sent, `${row.case} sent`).toBeGreaterThan(0);
      expect(row.accepted, `${row.case} accepted`).toBe(0);
      expect(row.errored, `${row.case} unanswered`).toBe(0);
      expect(row.rejectedAsExpected, `${row.case} as expected`).toBe(row.sent);
    }
    expect(summary.valid.accepted).toBeGreaterThan(0);
    for (const e of handle.summary.expectations) expect(e.status, `${e.name}: ${e.message}`).toBe('pass');
    // node-health comes with the fuzzer: no node crashed, memory within bounds, none of the crafted ids in a block.
    const health = handle.summary.expectations.find((e) => e.name === 'node-health')!;
    expect(health.message).toMatch(new RegExp(`^0 nodes exited unasked; .*; 0 of the invalid transactions \\(${summary.craftedIds} from tx-fuzz\\) in \\d+ blocks checked`));

    expectLiveVerdicts(handle.runDir, handle.summary);
    const byBound = rejudge(handle.runDir, [{ name: 'tx-fuzz-rejected', options: { minBlocks: 10_000 } }])['tx-fuzz-rejected']!;
    expect(byBound.status).toBe('fail');
    expect(byBound.message).toMatch(/^the chain grew by \d+ blocks while fuzzed, needed ≥ 10000 — /);
    const leaked = rejudgeAltered(handle.runDir, (events) => {
      const seen = observedOf(events, 'tx-fuzz-rejected', 'evaluate');
      seen.included = 1;
      seen.firstIncluded = { id: 'ab'.repeat(32), case: summary.cases[0]!.case, height: 7 };
    })['tx-fuzz-rejected']!;
    expect(leaked.status).toBe('fail');
    expect(leaked.message).toContain(`1 crafted transactions in blocks (first: ${summary.cases[0]!.case} abababababab at height 7)`);
  }, 90_000);
});
