/**
 * Compose deployer figures, printed as a table (run by hand; needs a Docker engine):
 *   - node image build: cold (no loadnet image or layer in the engine: base + dist/ image), after a dist/
 *     change (base cached, only the dist/ image is built), cached (content hash matches: no build);
 *   - deploy-to-ready of 3 validators + 2 executors (deploy() until readiness passed) and teardown,
 *     ComposeDeployer beside LocalDeployer, alternating, same scenario.
 *
 *   npx tsx bench/compose-deploy.ts [rounds=3]
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComposeDeployer } from '../src/deployers/compose/index.js';
import { connectEngine, Labels, pingEngine } from '../src/deployers/compose/engine.js';
import { ensureNodeImage } from '../src/deployers/compose/image.js';
import { packageRoot } from '../src/deployers/compose/image-contents.js';
import { LocalDeployer } from '../src/deployers/local/index.js';
import type { Deployer, Scenario } from '../src/runtime/contracts.js';
import type { ScenarioSpec } from '../src/scenario/spec.js';

const rounds = Number(process.argv[2] ?? 3);
const docker = connectEngine();
await pingEngine(docker);

const spec: ScenarioSpec = {
  version: 1,
  name: 'bench-deploy',
  seed: 7,
  topology: { shape: 'star', validators: 3, executors: 2 },
  consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.9, securityParam: 3 },
  wallets: { count: 10, fundsPerWallet: 1_000_000 },
  nodeControl: false,
  durationMs: 4000,
  cooldownMs: 1000,
  workloads: [],
  expectations: [],
};
const scenario: Scenario = {
  spec,
  metrics: { durationMs: 4000, cooldownMs: 1000, slotDurationMs: 1000, activeSlotCoeff: 0.9, securityParam: 3, meanBlockIntervalMs: 1000 / 0.9, expectedBlocks: 3.6 },
  workloads: [],
  expectations: [],
};

const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => `median ${(median(xs) / 1000).toFixed(2)} s (${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;

console.log(`# compose-deploy bench: ${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, Node ${process.version}`);

// A frozen copy of the package (dist/ + package.json, node_modules linked): on a shared machine dist/ is
// rebuilt by others at any moment, which would change the content hash in the middle of a measurement.
const root = packageRoot();
const frozen = mkdtempSync(join(tmpdir(), 'loadnet-bench-pkg-'));
process.on('exit', () => rmSync(frozen, { recursive: true, force: true }));
cpSync(join(root, 'dist'), join(frozen, 'dist'), { recursive: true });
cpSync(join(root, 'package.json'), join(frozen, 'package.json'));
symlinkSync(join(root, 'node_modules'), join(frozen, 'node_modules'));
const imageOpts = { progress: null, root: frozen } as const;

// Cold: no loadnet image, so no cached layer either (layers go with the images that hold them).
for (const img of await docker.listImages({ filters: JSON.stringify({ label: [Labels.image] }) })) {
  await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
}
const cold: number[] = [];
const warm: number[] = [];
const cached: number[] = [];
let t = performance.now();
const built = await ensureNodeImage(docker, imageOpts);
cold.push(ms(t));
for (let i = 0; i < rounds; i++) {
  // What a code change costs: the dist/ image is gone, the base (Node.js + dependencies) is cached.
  // (Other builds may change dist/ meanwhile: remove whatever the current hash names.)
  await docker.getImage((await ensureNodeImage(docker, imageOpts)).ref).remove({ force: true });
  t = performance.now();
  const rebuilt = await ensureNodeImage(docker, imageOpts);
  warm.push(ms(t));
  if (!rebuilt.built) throw new Error('the dist/ image was not rebuilt as expected');
  t = performance.now();
  const again = await ensureNodeImage(docker, imageOpts);
  cached.push(ms(t));
  if (again.built) throw new Error('a cached image was rebuilt');
}
const size = (await docker.getImage(built.ref).inspect()).Size;
console.log(`image ${built.ref}: ${(size / 1e6).toFixed(0)} MB`);
console.log(`image build cold:           ${fmt(cold)}`);
console.log(`image rebuild after a dist/ change (base cached): ${fmt(warm)}`);
console.log(`image cached (hash + inspect): ${fmt(cached)}`);

async function deployOnce(deployer: Deployer): Promise<{ readyMs: number; teardownMs: number }> {
  const t0 = performance.now();
  const runner = await deployer.deploy(scenario);
  const readyMs = ms(t0);
  const t1 = performance.now();
  await runner.dispose();
  return { readyMs, teardownMs: ms(t1) };
}

const results = { local: { ready: [] as number[], teardown: [] as number[] }, compose: { ready: [] as number[], teardown: [] as number[] } };
for (let i = 0; i < rounds; i++) {
  for (const kind of ['local', 'compose'] as const) {
    const outDir = mkdtempSync(join(tmpdir(), `loadnet-bench-${kind}-`));
    // Compose runs the frozen image (as a user image), so no build lands inside a deploy measurement.
    const deployer = kind === 'local' ? new LocalDeployer({ outDir, reports: false }) : new ComposeDeployer({ outDir, reports: false, log: null, image: built.ref });
    try {
      const r = await deployOnce(deployer);
      results[kind].ready.push(r.readyMs);
      results[kind].teardown.push(r.teardownMs);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }
}
console.log(`3+2 deploy-to-ready, local:   ${fmt(results.local.ready)}`);
console.log(`3+2 deploy-to-ready, compose: ${fmt(results.compose.ready)}  (image cached)`);
console.log(`compose / local ready ratio:  ${(median(results.compose.ready) / median(results.local.ready)).toFixed(2)}`);
console.log(`teardown, local:   ${fmt(results.local.teardown)}`);
console.log(`teardown, compose: ${fmt(results.compose.teardown)}`);
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
