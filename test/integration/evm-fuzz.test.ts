/**
 * The invalid-transaction fuzzer on the EVM adapter, against a real anvil (from npm, LocalDeployer):
 * examples/evm-tx-fuzz.ts (8 s window) refuses every case with its reason (nonce_gap held in anvil's queue),
 * no crafted transaction is in any of anvil's blocks (read from the node here too, not only through the
 * check), the mutations the fuzzer's own check found still valid are counted apart, and anvil stays live. The
 * record re-judged with an impossible growth bound fails naming the numbers. A second short run sends the two
 * cases anvil 1.7.1 takes (high_s, invalid by EIP-2; trailing_bytes, junk after the RLP): the check fails,
 * naming how many were accepted and found in blocks, and the chain agrees.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// What users get: the example and the package build (dist), as `loadnet run examples/evm-tx-fuzz.ts` runs them.
import { LocalDeployer, scenarioWith, TxFuzzWorkload, type FuzzSummary, type RunHandle, type Scenario } from 'loadnet';
import { evmTxFuzz } from '../../examples/evm-tx-fuzz.js';
import { chainTxIds } from './helpers/evm-run.js';
import { expectLiveVerdicts, rejudge } from './helpers/rejudge.js';
import type { EvmChainClient } from '../../src/adapters/evm/client.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-evm-fuzz-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

async function fuzzRun(scenario: Scenario): Promise<{ handle: RunHandle; fuzzer: TxFuzzWorkload; summary: FuzzSummary; client: EvmChainClient }> {
  const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
  const handle = await runner.run(scenario, { rejectOnFailure: false });
  const fuzzer = scenario.workloads.find((w): w is TxFuzzWorkload => w instanceof TxFuzzWorkload)!;
  const summary = handle.summary.txFuzz as FuzzSummary;
  for (const e of handle.summary.expectations) console.log(`${e.status} ${e.name}: ${e.message}`);
  console.table(summary.cases.map((r) => ({ case: r.case, sent: r.sent, asExpected: r.rejectedAsExpected, otherwise: r.rejectedOtherwise, accepted: r.accepted, held: r.heldAsExpected, acceptedValid: r.acceptedValid, errored: r.errored })));
  return { handle, fuzzer, summary, client: handle.context.nodes()[0]!.client as EvmChainClient };
}

describe('tx-fuzz on anvil (evm adapter)', () => {
  it('refuses every case with its reason, includes none, holds the gapped nonces; an impossible bound fails naming the numbers', async () => {
    const { handle, fuzzer, summary, client } = await fuzzRun(scenarioWith(evmTxFuzz(), { durationMs: 8000, cooldownMs: 3000 }));
    try {
      expect(summary.chain).toBe('evm');
      for (const e of handle.summary.expectations) expect(e.status, `${e.name}: ${e.message}`).toBe('pass');
      for (const row of summary.cases) {
        expect(row.notCrafted, row.case).toBeUndefined();
        expect(row.sent, `${row.case} sent`).toBeGreaterThan(0);
        expect(row.accepted, `${row.case} accepted`).toBe(0);
        expect(row.errored, `${row.case} unanswered`).toBe(0);
        expect(row.rejectedOtherwise, `${row.case} otherwise: ${JSON.stringify(row.otherReasons)}`).toBe(0);
        expect(row.rejectedAsExpected + row.heldAsExpected + row.acceptedValid, row.case).toBe(row.sent);
        if (row.case !== 'nonce_gap') expect(row.heldAsExpected, `${row.case} held`).toBe(0);
        if (row.case !== 'mutation') expect(row.acceptedValid, `${row.case} valid`).toBe(0);
      }
      // anvil holds a future nonce: every one is in its queue at the end, none in a block.
      const gap = summary.cases.find((r) => r.case === 'nonce_gap')!;
      expect(gap.heldAsExpected).toBe(gap.sent);
      const queued = await client.rpc.call<{ queued: Record<string, Record<string, { hash: string }>> }>('txpool_content');
      const queuedIds = new Set(Object.values(queued.queued).flatMap((byNonce) => Object.values(byNonce).map((t) => t.hash)));
      const gapIds = [...fuzzer.craftedIds].filter(([, c]) => c === 'nonce_gap').map(([id]) => id);
      expect(gapIds.length).toBe(gap.sent);
      expect(gapIds.filter((id) => !queuedIds.has(id))).toEqual([]);
      // The chain itself, every block from genesis: no crafted id; the still-valid mutations may be there.
      const onChain = await chainTxIds(client);
      expect([...fuzzer.craftedIds.keys()].filter((id) => onChain.has(id))).toEqual([]);
      expect(fuzzer.craftedIds.size).toBeGreaterThan(summary.cases.reduce((a, r) => a + r.rejectedAsExpected, 0) / 2);
      const mutation = summary.cases.find((r) => r.case === 'mutation')!;
      expect(summary.validIds).toBe(Object.values(summary.notes.judgedValid as Record<string, number>).reduce((a, b) => a + b, 0));
      expect(mutation.acceptedValid).toBeLessThanOrEqual(summary.validIds);
      expect(summary.valid.accepted).toBeGreaterThan(0);

      expectLiveVerdicts(handle.runDir, handle.summary);
      const byBound = rejudge(handle.runDir, [{ name: 'tx-fuzz-rejected', options: { minBlocks: 10_000 } }])['tx-fuzz-rejected']!;
      expect(byBound.status).toBe('fail');
      expect(byBound.message).toMatch(/^the chain grew by \d+ blocks while fuzzed, needed ≥ 10000 — \d+ crafted in 14 cases: \d+ rejected as expected, 0 otherwise, 0 accepted, \d+ held as expected/);
    } finally {
      await handle.dispose();
    }
  }, 60_000);

  it('high_s and trailing_bytes, which anvil 1.7.1 takes and mines: the check fails naming them, and the chain agrees', async () => {
    const { handle, fuzzer, summary, client } = await fuzzRun(scenarioWith(evmTxFuzz(['high_s', 'trailing_bytes']), { durationMs: 4000, cooldownMs: 3000 }));
    try {
      const bundled = handle.summary.expectations.find((e) => e.name === 'tx-fuzz-rejected')!;
      expect(bundled.status).toBe('fail');
      const rows = Object.fromEntries(summary.cases.map((r) => [r.case, r]));
      expect(rows.high_s!.accepted).toBeGreaterThan(0);
      expect(rows.trailing_bytes!.accepted).toBeGreaterThan(0);
      const accepted = rows.high_s!.accepted + rows.trailing_bytes!.accepted;
      expect(bundled.message).toContain(`${accepted} invalid accepted (high_s ${rows.high_s!.accepted}, trailing_bytes ${rows.trailing_bytes!.accepted})`);
      const found = /(\d+) crafted transactions in blocks \(first: (high_s|trailing_bytes) /.exec(bundled.message);
      expect(found, bundled.message).not.toBeNull();
      // The chain holds crafted ids (trailing_bytes under the id anvil answered with: its canonical encoding), as the check counted.
      const onChain = await chainTxIds(client);
      const inBlocks = [...fuzzer.craftedIds.keys()].filter((id) => onChain.has(id)).length;
      expect(inBlocks).toBeGreaterThan(0);
      expect(Number(found![1])).toBeLessThanOrEqual(inBlocks);
      // node-health, which every adversary run gets, fails on the same blocks, naming the count and the cases.
      const health = handle.summary.expectations.find((e) => e.name === 'node-health')!;
      expect(health.status).toBe('fail');
      expect(health.message).toMatch(new RegExp(`^${found![1]} invalid transactions included in blocks: 0x[0-9a-f]{6}… \\(tx-fuzz (high_s|trailing_bytes)\\) at height \\d+`));
    } finally {
      await handle.dispose();
    }
  }, 60_000);
});
