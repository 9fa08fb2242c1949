/**
 * The example's forged API flood (examples/api-flood.ts `forged`) run twice in one scenario, for a defense's A/B on
 * real nodes: 3 validators, the flood at validator-0 for 10 s, then the same flood at validator-1 from 11 s in; the
 * chain options say what validator-1 lacks. The flood: chain reads, block pages, unknown paths and 1 % batches of
 * 8,192 forged signatures over 64 connections; its control client reads the chain's info every 50 ms and submits 64
 * transfers every 500 ms; control p99 bound 3 s. The rate is this machine's (minRateFraction 0).
 */
import { ScenarioBuilder, type ChainSpec, type FloodRequestKind, type Scenario } from 'loadnet';

export const FORGED_FLOOD = { rate: 10_000, requests: ['info', 'health', 'blocks', 'not-found', 'bad-signatures'] as FloodRequestKind[], invalidShare: 0.01, forgedBatch: 8192, connections: 64, minRateFraction: 0, minBlocks: 1, controlBatch: 64, duration: '10s', timeout: '10s', controlP99: '3s' };

export function forgedFloodTwice(name: string, chain: Omit<ChainSpec, 'type'>): Scenario {
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(3)
      .apply()
    .onChain({ type: 'devnet', ...chain })
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .wallets(4)
    .floodApi({ ...FORGED_FLOOD, target: 'validator-0' })
    .floodApi({ ...FORGED_FLOOD, target: 'validator-1', startAfter: '11s' })
    .withRunDuration('22s')
    .withCooldown('1s')
    .named(name)
    .build();
}
