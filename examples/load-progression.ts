/**
 * The seed's Load Progression: consensus under a rising transaction rate, 3 validators + 2 executors, 50 wallets
 * of which 20 send, liveness judged at each rate, 60 s per rate. "Finding the maximum sustainable transaction rate
 * for a given topology" (for an SLO-defined search, see `loadnet max-rate`).
 *
 *   npm run loadnet -- run examples/load-progression.ts --duration 30s     (all rates, one deployment each)
 *   npx tsx examples/load-progression.ts                                    (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 *   LOADNET_RATES=5,10 …                                                   (choose the rates)
 *
 * rate(n) is n transactions per block on average, paced at n / meanBlockInterval per second (2 s blocks by
 * default: rate 5 = 2.5 tx/s). It ends with a table: rate → offered and included tx/s, inclusion p50/p99, verdict.
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export const rates: number[] = (process.env.LOADNET_RATES ?? '5,10,20,30').split(',').map(Number);

export function loadProgression(rate: number): Scenario {
  return ScenarioBuilder.topology()
      .networkStar()
      .validators(3)
      .executors(2)
      .apply()
    .wallets(50)
    .transactions()
      .rate(rate)
      .users(20)
      .apply()
    .expectConsensusLiveness()
    .withRunDuration('60s')
    .named(`load-progression-rate-${rate}`)
    .build();
}

/** `loadnet run` runs every rate in turn. */
export default function scenarios(): Scenario[] {
  return rates.map((rate) => loadProgression(rate));
}

if (isMain(import.meta.url)) {
  for (const rate of rates) console.log(`Testing with rate: ${rate}`);
  runAsScript(scenarios);
}
