/**
 * Node control on the LocalDeployer: how long each action takes until its promised outcome (the node
 * answers, has a peer and caught up), for a validator and an executor of a 3 + 2 network with 1 s slots.
 * Figures come from the fault.end events (durationMs) the actions record.
 *
 *   npm run build && npx tsx bench/deploy-control.ts [rounds=3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../src/deployers/local/index.js';
import type { Scenario } from '../src/runtime/contracts.js';
import type { ScenarioSpec } from '../src/scenario/spec.js';

const rounds = Number(process.argv[2] ?? 3);
const spec: ScenarioSpec = {
  version: 1,
  name: 'bench-control',
  seed: 1,
  topology: { shape: 'star', validators: 3, executors: 2 },
  consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.9, securityParam: 10 },
  wallets: { count: 10, fundsPerWallet: 1_000_000 },
  nodeControl: true,
  durationMs: 10_000,
  cooldownMs: 0,
  workloads: [],
  expectations: [],
};
const mean = 1000 / 0.9;
const scenario: Scenario = { spec, metrics: { durationMs: 10_000, cooldownMs: 0, slotDurationMs: 1000, activeSlotCoeff: 0.9, securityParam: 10, meanBlockIntervalMs: mean, expectedBlocks: 10_000 / mean }, workloads: [], expectations: [] };

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-control-'));
console.log(`loadavg before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
const ctrl = runner.context.nodeControl!;
try {
  for (let r = 0; r < rounds; r++) {
    for (const node of ['validator-1', 'executor-0']) {
      await ctrl.restart(node);
      await ctrl.kill(node);
      await ctrl.start(node);
      await ctrl.pause(node);
      await new Promise((res) => setTimeout(res, 2000)); // two slots down
      await ctrl.resume(node);
    }
    await ctrl.startNode({ name: `joiner-${r}` });
    await ctrl.removeNode(`joiner-${r}`);
  }
  const ends = readFileSync(join(runner.context.runDir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.kind === 'fault.end' && e.ok);
  const rows = new Map<string, number[]>();
  for (const e of ends) {
    const role = String(e.target).startsWith('executor') ? 'executor' : String(e.target).startsWith('joiner') ? 'joiner' : 'validator';
    const key = `${e.fault} (${role})`;
    (rows.get(key) ?? rows.set(key, []).get(key)!).push(e.fault === 'start' || e.fault === 'kill' || e.fault === 'pause' ? Number(e.detail?.recoveryMs ?? e.durationMs) : Number(e.durationMs));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`loadavg after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('\n| action (target) | n | median | max | measured |');
  console.log('|---|---:|---:|---:|---|');
  for (const [key, xs] of [...rows].sort()) {
    const what = key.startsWith('kill') || key.startsWith('pause') ? 'from start/resume to recovered' : key.startsWith('remove') ? 'until the process exited' : 'action to recovered';
    console.log(`| ${key} | ${xs.length} | ${median(xs)} ms | ${Math.max(...xs)} ms | ${what} |`);
  }
} finally {
  await runner.dispose();
  rmSync(outDir, { recursive: true, force: true });
}
