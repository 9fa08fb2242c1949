/**
 * The seed's Sustained Load: high transaction and DA load for an extended period, 4 validators + 2 executors,
 * 100 wallets of which 50 send at 15 transactions per block, DA on 2 channels at 3 blobs per block, 300 s.
 *
 *   npm run loadnet -- run examples/sustained-load.ts [--duration 60s] [--deployer compose]
 *   npx tsx examples/sustained-load.ts            (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export function sustainedLoad(): Scenario {
  return ScenarioBuilder.topology()
      .networkStar()
      .validators(4)
      .executors(2)
      .apply()
    .wallets(100)
    .transactions()
      .rate(15)
      .users(50)
      .apply()
    .da()
      .channelRate(2)
      .blobRate(3)
      .apply()
    .expectConsensusLiveness()
    .withRunDuration('300s')
    .named('sustained-load')
    .build();
}

export default sustainedLoad;

if (isMain(import.meta.url)) runAsScript(() => [sustainedLoad()]);
