/**
 * The seed's partition recovery: 4 validators and 2 executors in a full mesh split into halves (3 and 3) under
 * transaction load, held for less than the chain needs to finalize a side's own branch (k = 10 blocks on each
 * side's half rate), then healed. Judged: every live node on one tip and one LIB within 20 s of the heal (the
 * time is reported), fork rate, safety (no final block reverted, no two nodes with different final blocks at
 * one height) and liveness.
 *
 * The failing variant (`partitionRecovery({ heldPastFinality: true })`, LOADNET_HELD_PAST_FINALITY=1 as a
 * script) makes k = 3 and holds the partition for 12 s: both sides finalize their own branch, and after the
 * heal neither can take the other's: convergence and safety fail, naming the heights and blocks.
 *
 *   npm run loadnet -- run examples/partition-recovery.ts [--deployer compose]
 *   npx tsx examples/partition-recovery.ts       (as a script; LOADNET_DEPLOYER, LOADNET_HELD_PAST_FINALITY)
 */
import { ScenarioBuilder, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export interface PartitionRecoveryOptions {
  /** Hold the partition well past the point where each side finalizes its own branch. */
  heldPastFinality?: boolean;
  /**
   * When the partition starts and how long it holds (ms). Defaults: 10 s and 3 s; 12 s held past finality. Each half
   * makes about 1.2 blocks/s at 250 ms slots, so a 10 s hold already passes k = 10 (measured: it fails safety).
   */
  atMs?: number;
  holdMs?: number;
  /** The run window. Default 45 s. */
  durationMs?: number;
}

export function partitionRecovery(options: PartitionRecoveryOptions = {}): Scenario {
  const past = options.heldPastFinality === true;
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(4)
      .executors(2)
      .apply()
    .slotDuration('250ms')
    .securityParam(past ? 3 : 10)
    .enableNodeControl()
    .wallets(20)
    .transactions()
      .rate(2)
      .users(10)
      .apply()
    .chaos()
      .partition('halves')
      .at(options.atMs ?? 10_000)
      .for(options.holdMs ?? (past ? 12_000 : 3_000))
      .convergeWithin('20s')
      .apply()
    .expectForkRate({ maxReorgsPerBlock: 0.5, maxOrphansPerBlock: 0.5, maxDepth: past ? 3 : 10 })
    .expectSafety()
    .expectConsensusLiveness()
    .withRunDuration(options.durationMs ?? 45_000)
    .named(past ? 'partition-past-finality' : 'partition-recovery')
    .build();
}

export default partitionRecovery;

if (isMain(import.meta.url)) runAsScript(() => [partitionRecovery({ heldPastFinality: process.env.LOADNET_HELD_PAST_FINALITY === '1' })]);
