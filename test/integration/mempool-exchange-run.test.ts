/**
 * The mempool-converged expectation at scenario level, with the devnet's mempool exchange on and off (real
 * node processes, LocalDeployer, through the package build). The executor is cut off from 1 s to 4 s and its
 * batch of 25 transfers goes to it alone meanwhile: only it holds them, and an executor builds no block.
 * After the heal the exchange offers them to the validators on reconnection, so they are included and the
 * check passes (pending everywhere counts: blocksOnly off). With LOADNET_DEFENSES=off:mempool-exchange
 * (inherited by the node processes) gossip carries only what is new: at the window's end (3 s after the heal)
 * the whole batch is still on the executor alone and the check fails, naming how many of the 25. (In the
 * runs so far the batch reached blocks later, during the cooldown: by which path is not established.)
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, ScenarioBuilder } from 'loadnet';
import { disposedAfterAll, pidsOf } from './helpers/run-files.js';

const { outDir, cleanup, pids } = disposedAfterAll('loadnet-mempool-exchange-');

const scenario = (name: string) =>
  ScenarioBuilder.topology()
      .networkFull()
      .validators(3)
      .executors(1)
      .apply()
    .slotDuration('250ms')
    .securityParam(10)
    .enableNodeControl()
    .wallets(25)
    .chaos()
      .partition('isolate', { node: 'executor-0' })
      .at('1s')
      .for('3s')
      .convergeWithin('10s')
      .apply()
    .divergeMempools({ nodes: ['executor-0'], perNode: 25, at: '1500ms', jitter: '500ms', window: '3s', blocksOnly: false })
    .withRunDuration('8s')
    .withCooldown('1s')
    .named(name)
    .build();

async function run(name: string): Promise<{ status: string; message: string; figures: { convergenceMs: number | null; atEnd: { inBlocks: number; dropped: number; partial: number } } }> {
  const s = scenario(name);
  const runner = await new LocalDeployer({ outDir, reports: false }).deploy(s);
  cleanup.push(runner);
  const handle = await runner.run(s, { rejectOnFailure: false });
  cleanup.push(handle);
  pids.push(...pidsOf(handle.runDir));
  for (const e of handle.summary.expectations) console.log(`${name}: ${e.status} ${e.name}: ${e.message}`);
  const e = handle.summary.expectations.find((x) => x.name === 'mempool-converged')!;
  return { status: e.status, message: e.message, figures: e.figures as never };
}

describe('mempool-converged with the mempool exchange on and off', () => {
  it('on: the cut-off executor offers its batch at the heal and it is included; off: it stays there and the check fails naming the numbers', async () => {
    const on = await run('mempool-exchange-on');
    expect(on.status, on.message).toBe('pass');
    expect(on.figures.convergenceMs).not.toBeNull();

    process.env.LOADNET_DEFENSES = 'off:mempool-exchange';
    try {
      const off = await run('mempool-exchange-off');
      expect(off.status).toBe('fail');
      expect(off.message).toMatch(/not converged within 3000 ms of the divergence's end: 25 of 25 transactions not in a block or in every live node's mempool at the last reading/);
      expect(off.message).toMatch(/converged never/);
    } finally {
      delete process.env.LOADNET_DEFENSES;
    }
  }, 150_000);
});
