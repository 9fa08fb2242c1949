/**
 * The seed's churn: 4 validators in a full mesh under transaction load; 2 s in, a fresh node joins (a new
 * identity and address), is funded and declares 1000 stake on chain (as much as each genesis validator), so it
 * leads slots from k = 5 slots after its declaration; validator-3 leaves for good, its stake withdrawn
 * (deregistered) before it stops. Judged: the joiner synced and produced blocks of the canonical chain, the
 * leaver gone from every peer list (the bundled churn check), one chain after the churn, supply exact with the
 * stake bonded (balances + staked = genesis − burned), safety and liveness.
 *
 * The failing variant (`churn({ tinyStake: true })`, LOADNET_TINY_STAKE=1 as a script) declares a stake of 1
 * against the others' 3000: the joiner leads about 1 slot in 6000 and produces nothing in the window; the churn
 * check fails naming how many canonical blocks it produced of how many.
 *
 *   npm run loadnet -- run examples/churn.ts [--deployer compose]
 *   npx tsx examples/churn.ts       (as a script; LOADNET_DEPLOYER, LOADNET_TINY_STAKE)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export interface ChurnOptions {
  /** Declare a stake of 1 instead of 1000: the joiner (almost) never leads. */
  tinyStake?: boolean;
  /** When the churn happens (ms into the window). Default 2 s. */
  atMs?: number;
  /** The run window. Default 40 s. */
  durationMs?: number;
}

export function churn(options: ChurnOptions = {}): Scenario {
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(4)
      .apply()
    .slotDuration('250ms')
    .securityParam(5)
    .enableNodeControl()
    .wallets(20)
    .transactions()
      .rate(2)
      .users(10)
      .apply()
    .chaos()
      .churn({ join: 1, stake: options.tinyStake ? 1 : 1000, leave: ['validator-3'] })
      .at(options.atMs ?? 2000)
      .convergeWithin('20s')
      .apply()
    .expectSupplyConserved()
    .expectSafety()
    .expectConsensusLiveness()
    .withRunDuration(options.durationMs ?? 40_000)
    .named(options.tinyStake ? 'churn-tiny-stake' : 'churn')
    .build();
}

export default churn;

if (isMain(import.meta.url)) runAsScript(() => [churn({ tinyStake: process.env.LOADNET_TINY_STAKE === '1' })]);
