/**
 * The seed's clock skew: 4 validators (500 ms slots, k = 4, clock tolerance half a slot: 250 ms, so
 * the future horizon is k slots = 2 s) under transaction load; validator-1's clock runs 1 s ahead and
 * validator-2's 1 s behind. The protocol's clock rules (docs/devnet-node.md, "Clock rules") absorb it: blocks from
 * the node ahead are held until their slot comes, the node behind misses slots; nothing is refused. Judged:
 * clock rules (no block refused), safety, liveness, one chain after the skew heals.
 *
 * The failing variant (`clockSkew({ beyondHorizon: true })`, LOADNET_SKEW_BEYOND=1 as a script) puts validator-1
 * 3 s ahead, beyond the 2 s horizon: the others refuse its blocks and the clock-rules check fails naming how
 * many were refused on which nodes.
 *
 *   npm run loadnet -- run examples/clock-skew.ts [--deployer compose]
 *   npx tsx examples/clock-skew.ts       (as a script; LOADNET_DEPLOYER, LOADNET_SKEW_BEYOND)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export interface ClockSkewOptions {
  /** validator-1 3 s ahead: beyond the future horizon (k × slot = 2 s). */
  beyondHorizon?: boolean;
  /** The run window; the skew heals at two thirds of it. Default 45 s. */
  durationMs?: number;
}

export function clockSkew(options: ClockSkewOptions = {}): Scenario {
  const durationMs = options.durationMs ?? 45_000;
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(4)
      .apply()
    .slotDuration('500ms')
    .securityParam(4)
    .enableNodeControl()
    .wallets(20)
    .transactions()
      .rate(2)
      .users(10)
      .apply()
    .chaos()
      .clockSkew({ 'validator-1': { offsetMs: options.beyondHorizon ? 3000 : 1000 }, 'validator-2': { offsetMs: -1000 } })
      .healAt(Math.round((durationMs * 2) / 3))
      .convergeWithin('20s')
      .apply()
    .expectClockRules()
    .expectSafety()
    .expectConsensusLiveness()
    .withRunDuration(durationMs)
    .named(options.beyondHorizon ? 'clock-skew-beyond-horizon' : 'clock-skew')
    .build();
}

export default clockSkew;

if (isMain(import.meta.url)) runAsScript(() => [clockSkew({ beyondHorizon: process.env.LOADNET_SKEW_BEYOND === '1' })]);
