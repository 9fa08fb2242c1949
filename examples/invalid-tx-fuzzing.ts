/**
 * The seed's Invalid Transaction Fuzzing: beside valid transfers (20 wallets, 20 tx/s), 50 crafted invalid
 * transactions per second, one case per devnet reject reason (malformed, bad_signature, nonce_too_low,
 * nonce_gap, insufficient_funds, fee_too_low, mempool_full, duplicate, too_large), a transaction signed for
 * another chain, and seeded mutations (bit flips, truncation, field swaps) of valid ones. The mempool is
 * small (400) with a minimum fee of 1 so that mempool_full and fee_too_low can be reached on purpose.
 * Expectations: every case rejected with its reason and none in any block, the valid load included, the
 * chain live and safe. 60 s.
 *
 *   npm run loadnet -- run examples/invalid-tx-fuzzing.ts [--duration 20s] [--deployer compose]
 *   npx tsx examples/invalid-tx-fuzzing.ts         (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export function invalidTxFuzzing(): Scenario {
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(3)
      .executors(0)
      .apply()
    .onChain({ type: 'devnet', mempool: { maxCount: 400, minFee: 1 } })
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .wallets(22)
    .transactions()
      .ratePerSecond(20)
      .users(20)
      .fee(5)
      .apply()
    .fuzzTransactions({ rate: 50 })
    .expectConsensusLiveness()
    .expectSafety()
    .withRunDuration('60s')
    .named('invalid-tx-fuzzing')
    .build();
}

export default invalidTxFuzzing;

if (isMain(import.meta.url)) runAsScript(() => [invalidTxFuzzing()]);
