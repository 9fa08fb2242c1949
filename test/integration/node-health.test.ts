/**
 * node-health on real devnet nodes (LocalDeployer), added by default to a fuzzing scenario: it fails when a node is
 * SIGKILLed from outside loadnet (the crash named: node, signal, time) and when its RSS bound is set below what the
 * nodes use (peak and bound named); the passing run is the fuzzer's own test (adversary-fuzz.test.ts), whose
 * expectations all pass, node-health among them.
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, ScenarioBuilder, type Workload } from 'loadnet';
import { readEvents } from './helpers/run-files.js';
import { runsForFile } from './helpers/file-runs.js';

const runs = runsForFile('loadnet-node-health-', (outDir) => new LocalDeployer({ outDir, reports: false }));

/** A short fuzzing run: the adversary workload brings node-health with it. */
const fuzzing = (name: string) =>
  ScenarioBuilder.topology().validators(2).apply().named(name).wallets(4).slotDuration('500ms').activeSlotCoeff(0.8).securityParam(3).fuzzTransactions({ rate: 10 }).withRunDuration('5s').withCooldown('1s');

async function run(builder: ReturnType<typeof fuzzing>) {
  const handle = await runs.run(builder.build());
  const health = handle.summary.expectations.find((e) => e.name === 'node-health')!;
  return { handle, health };
}

describe('node-health on real nodes', () => {
  it('fails when a node is killed from outside loadnet, naming the node, the signal and when', async () => {
    const crasher: Workload = {
      name: 'crasher',
      async start(ctx) {
        await new Promise((r) => setTimeout(r, 1500));
        const spawn = (await readEvents(ctx.runDir)).find((e) => e.kind === 'node.spawn' && e.node === 'validator-1')!;
        process.kill(spawn.pid, 'SIGKILL');
      },
    };
    const { health } = await run(fuzzing('health-crash').withWorkload(crasher));
    expect(health.status).toBe('fail');
    expect(health.message).toMatch(/^validator-1 exited unasked \(code -, signal SIGKILL\) at 20\d\d-\d\d-\d\dT[\d:.]+Z \(\d+(\.\d)? s into the window\) — 1 node exited unasked;/);
    expect(health.message).not.toContain('RSS peaked');
    const crashes = (health.figures as { crashes: Array<{ node: string; atWindowMs: number }> }).crashes;
    expect(crashes.map((c) => c.node)).toEqual(['validator-1']);
    expect(crashes[0]!.atWindowMs).toBeGreaterThanOrEqual(1400);
  }, 60_000);

  it('fails when the RSS bound is below what the nodes use, naming each peak and the bound', async () => {
    const { health } = await run(fuzzing('health-rss').expectNodeHealth({ maxRssMiB: 16 }));
    expect(health.status).toBe('fail');
    const nodes = (health.figures as { nodes: Record<string, { peakMiB: number; samples: number }> }).nodes;
    expect(Object.keys(nodes)).toEqual(['validator-0', 'validator-1']);
    for (const [node, f] of Object.entries(nodes)) {
      expect(f.samples, node).toBeGreaterThan(3);
      expect(f.peakMiB, node).toBeGreaterThan(16);
      expect(health.message).toMatch(new RegExp(`${node} RSS peaked at ${f.peakMiB} MiB at -?\\d+(\\.\\d)? s, above the bound 16 MiB`));
    }
    expect(health.message).toContain('0 nodes exited unasked');
    expect(health.message).toMatch(/0 of the invalid transactions \(\d+ from tx-fuzz\) in \d+ blocks checked/);
  }, 60_000);
});
