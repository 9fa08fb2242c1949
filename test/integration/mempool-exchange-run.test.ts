/**
 * The mempool-converged expectation at scenario level, with the devnet's mempool exchange on and off (real
 * node processes, LocalDeployer, through the package build). The executor is cut off from 1 s to 4 s and its
 * batch of 25 transfers goes to it alone meanwhile: only it holds them. After the heal the exchange offers them
 * to the validators on reconnection, so they are pending in the validators' mempools (or included) and the
 * check passes (pending everywhere counts: blocksOnly off). With LOADNET_DEFENSES=off:mempool-exchange
 * (inherited by the node processes) gossip carries only what is new, so no validator's mempool ever holds
 * the batch after the heal. Whether the check then fails depends on the leader lottery: the executor is a
 * staked block producer too (the devnet stakes every node equally), and when it leads a slot within the 3 s
 * window it can include its own batch in a block, which converges without the exchange (in a CI run and three
 * reruns the off run converged 485–585 ms after the heal, the batch never in a validator's mempool; the including
 * block's proposer was not checked). So the off run asserts what the defense decides — the batch never
 * reaches a validator's mempool — and, when the executor led no slot in time, the failure naming the numbers.
 * The check failing on an impossible window is shown by re-judging (adversary-races.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, ScenarioBuilder } from 'loadnet';
import { runsForFile } from './helpers/file-runs.js';

const runs = runsForFile('loadnet-mempool-exchange-', (outDir) => new LocalDeployer({ outDir, reports: false }));

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

interface Figures {
  convergenceMs: number | null;
  atEnd: { inBlocks: number; dropped: number; partial: number };
  samples: Array<{ ms: number; sizes: Record<string, number> }>;
}

/** The most transactions any validator's mempool held at a reading after the divergence ended. */
const validatorsHeldAfter = (f: Figures) => Math.max(0, ...f.samples.filter((x) => x.ms >= 0).flatMap((x) => Object.entries(x.sizes).filter(([n]) => n.startsWith('validator-')).map(([, k]) => k)));

async function run(name: string): Promise<{ status: string; message: string; figures: Figures }> {
  const handle = await runs.run(scenario(name), { label: name });
  const e = handle.summary.expectations.find((x) => x.name === 'mempool-converged')!;
  return { status: e.status, message: e.message, figures: e.figures as never };
}

describe('mempool-converged with the mempool exchange on and off', () => {
  it('on: the cut-off executor offers its batch at the heal and it is included; off: no validator is offered it, and the check fails naming the numbers unless the executor includes it itself', async () => {
    const on = await run('mempool-exchange-on');
    expect(on.status, on.message).toBe('pass');
    expect(on.figures.convergenceMs).not.toBeNull();

    process.env.LOADNET_DEFENSES = 'off:mempool-exchange';
    try {
      const off = await run('mempool-exchange-off');
      // The defense's effect: without the exchange no validator is ever offered the batch (the readings name every node).
      expect(Object.keys(off.figures.samples.at(-1)?.sizes ?? {}).sort()).toEqual(['executor-0', 'validator-0', 'validator-1', 'validator-2']);
      expect(validatorsHeldAfter(off.figures), off.message).toBe(0);
      console.log(`validators held after the heal: on ${validatorsHeldAfter(on.figures)}, off ${validatorsHeldAfter(off.figures)}`);
      if (off.status === 'pass') {
        // The executor led a slot within the window and included its own batch: converged through its block.
        expect(off.figures.atEnd.inBlocks, off.message).toBe(25);
      } else {
        expect(off.message).toMatch(/not converged within 3000 ms of the divergence's end: 25 of 25 transactions not in a block or in every live node's mempool at the last reading/);
        expect(off.message).toMatch(/converged never/);
      }
    } finally {
      delete process.env.LOADNET_DEFENSES;
    }
  }, 150_000);
});
