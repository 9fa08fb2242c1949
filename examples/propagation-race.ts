/**
 * The seed's Transaction Propagation & Inclusion Test: 4 validators in a full mesh under light transfer load
 * (20 wallets, 20 tx/s); 2 s into the run one batch of 100 independent transfers goes to every node, each
 * node getting the whole batch in its own seeded order, its start offset below 300 ms, 5 per request, so the
 * copies race each other through gossip and every node answers duplicate for the copies it already had.
 * Judged: every transaction in exactly one block on every node, the state roots (GET /ledger/state_root)
 * and the 200 touched accounts equal on every node, inclusion p99 within 5 s; reported: the time from
 * a transaction's first submission to its block, and each node's duplicate answers. 20 s.
 *
 *   npm run loadnet -- run examples/propagation-race.ts [--duration 10s] [--deployer compose]
 *   npx tsx examples/propagation-race.ts         (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export function propagationRace(): Scenario {
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(4)
      .executors(0)
      .apply()
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(5)
    .wallets(120)
    .transactions()
      .ratePerSecond(20)
      .users(20)
      .apply()
    .raceTransactions({ batch: 100, at: '2s', jitter: '300ms', chunk: 5, maxInclusion: '5s' })
    .expectConsensusLiveness()
    .expectSafety()
    .withRunDuration('20s')
    .named('propagation-race')
    .build();
}

export default propagationRace;

if (isMain(import.meta.url)) runAsScript(() => [propagationRace()]);
