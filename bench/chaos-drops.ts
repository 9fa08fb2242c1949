/**
 * Accepted-but-dropped transactions under chaos: a 3-validator + 1-executor local network under
 * transaction load while chaos restarts (graceful) or kills (SIGKILL) one node at a time; prints, per run,
 * accepted / included / pending / dropped and how many transactions the load engine re-submitted for
 * stalled wallets. Run by hand (after `npx tsc -p tsconfig.build.json`: nodes and load workers run from dist/):
 *
 *   npx tsx bench/chaos-drops.ts [restart|kill] [runs=2] [rate=40]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../src/deployers/local/index.js';
import { ScenarioBuilder } from '../src/scenario/builder.js';

const action = (process.argv[2] ?? 'restart') as 'restart' | 'kill';
const runs = Number(process.argv[3] ?? 2);
const rate = Number(process.argv[4] ?? 40);

function scenario(i: number) {
  const chaos = ScenarioBuilder.topology()
    .networkFull()
    .validators(3)
    .executors(1)
    .apply()
    .wallets(40)
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .enableNodeControl()
    .transactions()
    .ratePerSecond(rate)
    .users(20)
    .apply()
    .chaos();
  return (action === 'restart' ? chaos.restart() : chaos.kill().downtime('1s'))
    .minDelay('800ms')
    .maxDelay('1500ms')
    .targetCooldown('4s')
    .maxDown(1)
    .recoveryTimeout('20s')
    .apply()
    .withRunDuration('30s')
    .withCooldown('15s')
    .withSeed(1000 + i)
    .named(`chaos-drops-${action}-${i}`)
    .build();
}

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-chaos-drops-'));
try {
  for (let i = 0; i < runs; i++) {
    const s = scenario(i);
    const runner = await new LocalDeployer({ outDir }).deploy(s);
    try {
      const handle = await runner.run(s, { rejectOnFailure: false });
      const load = handle.summary.load as Record<string, number>;
      const chaos = handle.summary.chaos as { faults: number };
      console.log(
        `${action} run ${i}: faults ${chaos.faults}, accepted ${load.accepted}, included ${load.included}, pending ${load.pending}, dropped ${load.dropped}` +
          ` (${((100 * load.dropped) / Math.max(1, load.accepted)).toFixed(2)} %), errored ${load.errored}, resent ${load.resent ?? 'n/a'} (taken as new ${load.resentAccepted ?? 'n/a'}, of them accepted before = lost and recovered ${load.recoveredAccepted ?? 'n/a'}), stalled-lane recoveries ${load.resyncs}`,
      );
      await handle.dispose();
    } finally {
      await runner.dispose();
    }
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
