/**
 * The seed's Adaptive Mempool Pressure Test: three fee tiers (fee 1, 5, 20), each from its own 10 wallets,
 * ramped over 10 s to 240 tx/s and held, about three times what the blocks hold (a block holds 60
 * transactions here, ~96 tx/s at 625 ms per block; the top tier's 80 tx/s alone fits) into a 500-transaction
 * mempool. The devnet builds blocks highest fee first (each sender in nonce order) and evicts the lowest
 * fee when full. Expectations (fee-priority): evictions at capacity, each tier's inclusion p50 at most half the
 * next lower tier's and its p99 no later, the median block full, throughput held; the mempool bounded. Per-tier
 * curves are in the run's `feePressure` summary section.
 *
 *   npm run loadnet -- run examples/fee-pressure.ts [--duration 20s]
 *   npx tsx examples/fee-pressure.ts         (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 *   LOADNET_DEFENSES=off:fee-ordering npx tsx examples/fee-pressure.ts   (blocks by arrival: the tier order fails)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export interface FeePressureOptions {
  /** The ramp to 240 tx/s (default 10 s). A shortened run needs a shorter ramp: the tier order is judged over the
   * whole window, and a window that is mostly ramp (every tier fits) says little about priority. */
  rampMs?: number;
  /** The rate ramped to (default 240 tx/s, shared by the tiers alike). */
  perSecond?: number;
  /** The run window (default 40 s). */
  durationMs?: number;
}

export function feePressure(options: FeePressureOptions = {}): Scenario {
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(3)
      .apply()
    .onChain({ type: 'devnet', mempool: { maxCount: 500 }, block: { maxTxs: 60 } })
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .wallets(30)
    .feePressure({
      tiers: [
        { name: 'low', fee: 1, users: 10 },
        { name: 'mid', fee: 5, users: 10 },
        { name: 'high', fee: 20, users: 10 },
      ],
      stages: [{ duration: options.rampMs ?? 10_000, perSecond: options.perSecond ?? 240 }],
    })
    .expectMempoolBounded({ maxPending: 500 })
    .expectConsensusLiveness()
    .withRunDuration(options.durationMs ?? 40_000)
    .named('fee-pressure')
    .build();
}

export default feePressure;

if (isMain(import.meta.url)) runAsScript(() => [feePressure()]);
