/**
 * What the CLI and the DSL cost before any node starts: process start-up of `loadnet --help`, `loadnet run
 * <scenario> --dry-run` for a JSON file and for a .ts module (loaded through tsx), interleaved so machine load
 * hits each alike; and in-process DSL builds (resolve + validate) per second.
 *
 *   npm run build && npx tsx bench/cli-startup.ts [iterations=7]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScenarioBuilder } from '../src/scenario/builder.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/src/cli/main.js');
const n = Number(process.argv[2] ?? 7);
const dir = mkdtempSync(join(tmpdir(), 'loadnet-bench-cli-'));
const json = join(dir, 'scenario.json');
writeFileSync(json, JSON.stringify({ topology: { validators: 3, executors: 2 }, wallets: { count: 50 }, workloads: [{ type: 'transactions', rate: { kind: 'perBlock', perBlock: 5 }, users: 20 }] }));

// `node -e ''` is the floor: Node.js start-up on this machine at this moment.
const cases: Record<string, string[]> = {
  'node (empty script, the floor)': ['-e', ''],
  '--help': ['--help'],
  'run scenario.json --dry-run': ['run', json, '--dry-run'],
  'run examples/aggressive-chaos.ts --dry-run': ['run', 'examples/aggressive-chaos.ts', '--dry-run'],
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
try {
  for (let i = 0; i < n; i++) {
    for (const [name, args] of Object.entries(cases)) {
      const t0 = performance.now();
      const argv = args[0] === '-e' ? args : [cli, ...args];
      const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`);
      times[name]!.push(performance.now() - t0);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`| command | median | min | max | (n = ${n}) |\n|---|---:|---:|---:|---|`);
for (const [name, xs] of Object.entries(times)) console.log(`| ${name.startsWith('node') ? name : `loadnet ${name}`} | ${median(xs).toFixed(0)} ms | ${Math.min(...xs).toFixed(0)} ms | ${Math.max(...xs).toFixed(0)} ms | |`);

const build = () =>
  ScenarioBuilder.topology().networkStar().validators(4).executors(2).apply()
    .enableNodeControl().wallets(50)
    .transactions().rate(10).users(20).apply()
    .chaos().restart().minDelay('10s').maxDelay('20s').targetCooldown('15s').apply()
    .expectConsensusLiveness().withRunDuration('180s')
    .buildSpec();
for (let i = 0; i < 200; i++) build();
const t0 = performance.now();
let count = 0;
while (performance.now() - t0 < 1000) {
  build();
  count++;
}
console.log(`\nDSL: the aggressive-chaos chain built and validated (buildSpec) ${Math.round(count / ((performance.now() - t0) / 1000))} times per second`);
