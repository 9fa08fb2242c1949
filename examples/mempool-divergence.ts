/**
 * The seed's Cross-Validator Mempool Divergence & Convergence: 4 validators in a full mesh under light transfer
 * load; the last one is cut off (a partition, 'isolate') from 2 s to 5 s, and meanwhile every node gets its own
 * batch of 25 independent transfers (from a seeded offset below 1 s after 2.5 s), so the isolated node's
 * mempool and the others' diverge (it even builds its own blocks with its batch, lost at the heal). Judged:
 * within 4 s of the heal every transaction is in a block every node holds or pending on every node, and none
 * is dropped; reported: pairwise mempool differences every 100 ms and the time to convergence. The devnet's
 * mempool exchange does the catching up: pending transactions are offered on reconnection and re-gossiped when
 * a reorg puts them back (LOADNET_DEFENSES=off:mempool-exchange switches it off). 15 s.
 *
 *   npm run loadnet -- run examples/mempool-divergence.ts [--deployer compose]
 *   npx tsx examples/mempool-divergence.ts       (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export function mempoolDivergence(): Scenario {
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(4)
      .executors(0)
      .apply()
    .slotDuration('250ms')
    .securityParam(10)
    .enableNodeControl()
    .wallets(110)
    .transactions()
      .ratePerSecond(5)
      .users(10)
      .apply()
    .chaos()
      .partition('isolate')
      .at('2s')
      .for('3s')
      .convergeWithin('10s')
      .apply()
    .divergeMempools({ perNode: 25, at: '2500ms', jitter: '1s', window: '4s' })
    .expectSafety()
    .expectConsensusLiveness()
    .withRunDuration('15s')
    .named('mempool-divergence')
    .build();
}

export default mempoolDivergence;

if (isMain(import.meta.url)) runAsScript(() => [mempoolDivergence()]);
