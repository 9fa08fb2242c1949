/**
 * The short transaction load that the saved-run tests (compare, replay) run on real devnet nodes, and the
 * built CLI they judge the saved runs with.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ScenarioBuilder, type Scenario } from 'loadnet';

/** Two validators, 500 ms slots at f = 0.8, k = 3, 40 tx/s from 20 wallets, a 4 s cooldown. */
export function shortLoad(name: string, window: string): Scenario {
  return ScenarioBuilder.topology()
      .networkStar()
      .validators(2)
      .apply()
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .wallets(20)
    .transactions()
      .ratePerSecond(40)
      .apply()
    .withRunDuration(window)
    .withCooldown('4s')
    .named(name)
    .build();
}

const CLI = resolve('dist/src/cli/main.js');

/** `loadnet <args>` through the built CLI. */
export function loadnetCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
