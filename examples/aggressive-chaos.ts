/**
 * The seed's Aggressive Chaos: frequent node restarts under traffic, 4 validators + 2 executors with node control,
 * 50 wallets of which 20 send at 10 transactions per block, a restart every 10–20 s with a 15 s cooldown per node,
 * liveness judged over 180 s. Unlike the framework we replace, the local deployer supports node control too, at
 * most a minority of validators is down at once, and each restart waits until the node has caught up.
 *
 *   npm run loadnet -- run examples/aggressive-chaos.ts [--duration 60s] [--deployer compose]
 *   npx tsx examples/aggressive-chaos.ts            (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export function aggressiveChaos(): Scenario {
  return ScenarioBuilder.topology()
      .networkStar()
      .validators(4)
      .executors(2)
      .apply()
    .enableNodeControl()
    .wallets(50)
    .transactions()
      .rate(10)
      .users(20)
      .apply()
    .chaos()
      .restart()
      .minDelay('10s')
      .maxDelay('20s')
      .targetCooldown('15s')
      .apply()
    .expectConsensusLiveness()
    .withRunDuration('180s')
    .named('aggressive-chaos')
    .build();
}

export default aggressiveChaos;

if (isMain(import.meta.url)) runAsScript(() => [aggressiveChaos()]);
