/**
 * Fee pressure against real devnet nodes (LocalDeployer), in the shortened form CI also runs on containers
 * (examples/fee-pressure.ts feePressureShort: 3 validators, 60 tx/s from the first second into blocks of 20
 * (~32 tx/s) and a 200-transaction pool; tiers low / mid / high at 18 / 36 / 6 tx/s, so the top tier alone
 * fits and the mid tier overflows, while the pool holds enough of the low tier that its evictions never reach
 * the mid one within the window). With blocks built by fee the top tier is included in the next block or two
 * and the mid tier queues: fee-priority passes, evictions at capacity, blocks full. The same run with the
 * fee-ordering switch off through the scenario (`feeOrdering: false`: the devnet option `defensesOff: {
 * defenses: ['fee-ordering'] }`, in every node's config file) takes senders in order of first arrival, so the
 * top and mid tiers wait alike: the tier order fails, naming the numbers.
 * Both saved runs re-judged from their records get the live verdicts; the passing one judged with a
 * tier-latency ratio of 0 fails.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalDeployer, scenarioWith, type FeePressureReport } from 'loadnet';
import { feePressureShort } from '../../examples/fee-pressure.js';
import { disposedAfterAll, pidsOf } from './helpers/run-files.js';
import { expectLiveVerdicts, rejudge } from './helpers/rejudge.js';

const { outDir, cleanup, pids } = disposedAfterAll('loadnet-fee-pressure-');

async function run(name: string, feeOrdering: boolean): Promise<{ status: string; message: string; report: FeePressureReport; runDir: string }> {
  const s = scenarioWith(feePressureShort({ feeOrdering }), { cooldownMs: 2000, name });
  const runner = await new LocalDeployer({ outDir }).deploy(s);
  cleanup.push(runner);
  const handle = await runner.run(s, { rejectOnFailure: false });
  cleanup.push(handle);
  pids.push(...pidsOf(handle.runDir));
  for (const e of handle.summary.expectations) console.log(`${name}: ${e.status} ${e.name}: ${e.message}`);
  const e = handle.summary.expectations.find((x) => x.name === 'fee-priority')!;
  const bounded = handle.summary.expectations.find((x) => x.name === 'mempool-bounded')!;
  expect(bounded.status, bounded.message).toBe('pass');
  expectLiveVerdicts(handle.runDir, handle.summary);
  for (const node of ['validator-0', 'validator-1', 'validator-2']) {
    const config = JSON.parse(readFileSync(join(handle.runDir, 'nodes', node, 'config.json'), 'utf8'));
    expect(config.defensesOff, node).toEqual(feeOrdering ? undefined : ['fee-ordering']);
  }
  return { status: e.status, message: e.message, report: handle.summary.feePressure as FeePressureReport, runDir: handle.runDir };
}

describe('fee-pressure on real nodes', () => {
  it('blocks by fee: higher tiers included sooner, evictions at capacity, full blocks; with fee ordering off the tier order fails naming the numbers', async () => {
    const on = await run('fee-pressure', true);
    expect(on.status, on.message).toBe('pass');
    const byName = Object.fromEntries(on.report.tiers.map((t) => [t.name, t]));
    expect(byName.high!.effectiveP50Ms!).toBeLessThan(byName.mid!.effectiveP50Ms ?? Infinity);
    expect(on.report.evictions.lowest_fee).toBeGreaterThan(0);
    // Prepared before the window, every tier offers load from its start (not seconds into it).
    expect(on.report.loadSpan?.fromMs ?? Infinity, `every tier offering load from ${on.report.loadSpan?.fromMs} ms into the window`).toBeLessThan(1000);
    expect(on.report.tiers.every((t) => t.curve.length >= 5)).toBe(true);
    const unordered = rejudge(on.runDir, [{ name: 'fee-priority', options: { maxTierLatencyRatio: 0 } }])['fee-priority']!;
    expect(unordered.status).toBe('fail');
    expect(unordered.message).toMatch(/^tier high \(fee 20\) inclusion p50 [\d.]+ ms > 0 × tier mid \(fee 5\) p50 /);

    const off = await run('fee-pressure-unordered', false);
    expect(off.status).toBe('fail');
    // By arrival the top tier waits like the mid one: its p50 over the whole tier is not half the mid tier's.
    expect(off.message).toMatch(/^tier high \(fee 20\) inclusion p50 (∞|[\d.]+ ms) > 0.5 × tier mid \(fee 5\) p50 [\d.]+ ms/);
  }, 180_000);
});
