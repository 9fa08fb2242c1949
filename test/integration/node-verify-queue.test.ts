/**
 * The verification queue bound (defense `verify-queue-bound`) against real devnet nodes (LocalDeployer): the
 * forged API flood (chain reads, unknown paths and 1 % batches of 8,192 forged signatures, 64 connections) at the
 * node's default request budget, at validator-0 with the bound and at validator-1 without it, at the same time
 * from this process. Without the bound the forged batches queue for verification faster than the pool takes
 * them, each holding its body and the pipelined answers behind it on its socket, and validator-1's memory grows
 * to 680-810 MiB within seconds (on a quiet machine it then levels off, so the slopes are not compared): node-health
 * fails on its peak, naming the numbers. With the bound validator-0 answers
 * the batches past it 503 and its memory stays below the peak bound and below validator-1's. The signature price
 * is off on both (LOADNET_DEFENSES), so that the flooder's debt does not skip the verification of its batches, and
 * so is the overload shed, which would hold the flooder to a fair share at both and so keep the batches from queuing.
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, ScenarioBuilder, type FloodReport, type FloodRequestKind, type RunHandle } from 'loadnet';
import { disposedAfterAll, pidsOf } from './helpers/run-files.js';

const { outDir, cleanup, pids } = disposedAfterAll('loadnet-verify-queue-');

interface MemoryFigures {
  peakMiB: number;
  slopeMiBPerMin: number | null;
}

describe('verify-queue-bound on real nodes', () => {
  it('at the default budget the forged flood grows the memory of the node without the bound (node-health fails on it) and not of the node with it', async () => {
    // The rate is this machine's (minRateFraction 0); the control bound is not what is judged here (10 s).
    const flood = { rate: 10_000, requests: ['info', 'health', 'not-found', 'bad-signatures'] as FloodRequestKind[], invalidShare: 0.02, forgedBatch: 8192, connections: 64, minRateFraction: 0, minBlocks: 1, duration: '20s', timeout: '10s', controlP99: '10s' };
    const scenario = ScenarioBuilder.topology()
        .networkFull()
        .validators(3)
        .apply()
      .onChain({ type: 'devnet', defensesOff: { defenses: ['verify-queue-bound'], nodes: ['validator-1'] } })
      .slotDuration('500ms')
      .activeSlotCoeff(0.8)
      .securityParam(3)
      .wallets(4)
      .floodApi({ ...flood, target: 'validator-0' })
      .floodApi({ ...flood, target: 'validator-1' })
      // 512 MiB: on a quiet machine the node without the bound peaked at 713 MiB growing 38 MiB/min over the second
      // half (passing the default 1024 MiB, 60 MiB/min), at load 14 at 814 MiB; the node with it at 246-314 MiB.
      .expectNodeHealth({ maxRssMiB: 512 })
      .withRunDuration('20s')
      .withCooldown('8s')
      .named('verify-queue')
      .build();
    // The nodes take the environment when spawned: the signature price is off on every node of this run, so
    // that every forged batch is verified (priced, the flooder's debt skips the verification of most of them), and
    // the overload shed, so that the flooder is not held to a fair share: this test is the queue bound's alone.
    const env = process.env.LOADNET_DEFENSES;
    process.env.LOADNET_DEFENSES = 'off:http-signature-price,http-overload-shed';
    let handle: RunHandle;
    try {
      const runner = await new LocalDeployer({ outDir }).deploy(scenario);
      cleanup.push(runner);
      handle = await runner.run(scenario, { rejectOnFailure: false });
      cleanup.push(handle);
    } finally {
      if (env === undefined) delete process.env.LOADNET_DEFENSES;
      else process.env.LOADNET_DEFENSES = env;
    }
    pids.push(...pidsOf(handle.runDir));
    for (const e of handle.summary.expectations) console.log(`${e.status} ${e.name}: ${e.message}`);
    const floods = handle.summary.apiFlood as Record<string, FloodReport>;
    const bounded = floods['validator-0']!.flood;
    const open = floods['validator-1']!.flood;
    console.log(JSON.stringify({ bounded, open }));
    const health = handle.summary.expectations.find((e) => e.name === 'node-health')!;
    const mem = (health.figures as { nodes: Record<string, MemoryFigures> }).nodes;
    // Without the bound: node-health fails on validator-1's memory, naming its figures.
    expect(health.status, health.message).toBe('fail');
    const problems = health.message.split(' — ')[0]!;
    expect(problems).toMatch(/validator-1 RSS (peaked at [\d.]+ MiB at [\d.]+ s, above the bound 512 MiB|grew [\d.]+ MiB\/min over the run's second half \(\d+ samples over [\d.]+ s\), above 60 MiB\/min)/);
    // With it: validator-0 answered the batches past its bound 503 and its memory stayed below the 512 MiB bound and below
    // validator-1's. (Its slope is not required to be within 60 MiB/min here: with the signature price off, the
    // invalid signatures it verified fill their bounded memory, 200,000 entries, within the run.)
    expect(mem['validator-0']!.peakMiB).toBeLessThanOrEqual(512);
    expect(problems).not.toMatch(/validator-0 RSS peaked/);
    expect(mem['validator-0']!.peakMiB).toBeLessThan(mem['validator-1']!.peakMiB);
    expect(bounded.s5xx, JSON.stringify(bounded)).toBeGreaterThan(0);
    expect(open.s5xx, JSON.stringify(open)).toBe(0);
  }, 120_000);
});
