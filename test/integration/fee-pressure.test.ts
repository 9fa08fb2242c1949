/**
 * Fee pressure against real devnet nodes (LocalDeployer): three fee tiers, each from its own wallets, ramped
 * to 150 tx/s, over twice what the blocks hold (40 transactions a block, ~64 tx/s; the top tier's 50 tx/s alone
 * fits), into a 200-transaction mempool. With blocks built by
 * fee the higher tiers are included sooner, the pool evicts the lowest fee, blocks are full and throughput
 * holds: fee-priority passes. The same run with the fee-ordering switch off (LOADNET_DEFENSES=off:fee-ordering,
 * inherited by the node processes) fails the tier ordering, naming the numbers. Both saved runs re-judged from
 * their records get the live verdicts; the passing one judged with a tier-latency ratio of 0 fails.
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, ScenarioBuilder, type FeePressureReport } from 'loadnet';
import { disposedAfterAll, pidsOf } from './helpers/run-files.js';
import { expectLiveVerdicts, rejudge } from './helpers/rejudge.js';

const { outDir, cleanup, pids } = disposedAfterAll('loadnet-fee-pressure-');

const scenario = (name: string) =>
  ScenarioBuilder.topology()
      .networkFull()
      .validators(2)
      .apply()
    .onChain({ type: 'devnet', mempool: { maxCount: 200 }, block: { maxTxs: 40 } })
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .wallets(24)
    .feePressure({
      tiers: [
        { name: 'low', fee: 1, users: 8 },
        { name: 'mid', fee: 5, users: 8 },
        { name: 'high', fee: 20, users: 8 },
      ],
      stages: [{ duration: '2s', perSecond: 150 }],
      // A short run on a shared machine: the bounds that matter here are the ordering and the evictions.
      minBlockFill: 0.8,
      minThroughputFraction: 0.5,
    })
    .expectMempoolBounded({ maxPending: 200 })
    .withRunDuration('10s')
    .withCooldown('2s')
    .named(name)
    .build();

async function run(name: string): Promise<{ status: string; message: string; report: FeePressureReport; runDir: string }> {
  const s = scenario(name);
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
  return { status: e.status, message: e.message, report: handle.summary.feePressure as FeePressureReport, runDir: handle.runDir };
}

describe('fee-pressure on real nodes', () => {
  it('blocks by fee: higher tiers included sooner, evictions at capacity, full blocks; with fee ordering off the tier order fails naming the numbers', async () => {
    const on = await run('fee-pressure');
    expect(on.status, on.message).toBe('pass');
    const byName = Object.fromEntries(on.report.tiers.map((t) => [t.name, t]));
    expect(byName.high!.effectiveP50Ms!).toBeLessThan(byName.mid!.effectiveP50Ms ?? Infinity);
    expect(on.report.evictions.lowest_fee).toBeGreaterThan(0);
    expect(on.report.tiers.every((t) => t.curve.length >= 5)).toBe(true);
    const unordered = rejudge(on.runDir, [{ name: 'fee-priority', options: { maxTierLatencyRatio: 0 } }])['fee-priority']!;
    expect(unordered.status).toBe('fail');
    expect(unordered.message).toMatch(/^tier high \(fee 20\) inclusion p50 [\d.]+ ms > 0 × tier mid \(fee 5\) p50 /);

    process.env.LOADNET_DEFENSES = 'off:fee-ordering';
    try {
      const off = await run('fee-pressure-unordered');
      expect(off.status).toBe('fail');
      expect(off.message).toMatch(/tier \w+ \(fee \d+\) inclusion p(50|99) (∞|[\d.]+ ms) > (0.5 × )?tier \w+ \(fee \d+\) p(50|99) (∞|[\d.]+ ms)/);
    } finally {
      delete process.env.LOADNET_DEFENSES;
    }
  }, 180_000);
});
