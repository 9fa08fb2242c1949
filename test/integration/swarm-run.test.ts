/**
 * The swarm deployer across a real two-engine Docker Swarm on this machine (helpers/test-swarm.ts: the main
 * engine as manager plus a dockerd in its own network namespace as worker), run through the built CLI as a
 * user runs it (`--deployer swarm`, LOADNET_SWARM_ENGINES): the seed's load progression (two rates) and its
 * aggressive chaos, shortened, each passing with nodes on both engines, the summary naming each node's host;
 * nothing labelled with the run is left on either engine afterwards, also after the coordinator is SIGKILLed
 * mid-run (the reaper removes services, secrets, containers, volumes and the overlay network).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { Labels } from '../../src/deployers/compose/engine.js';
import { engineAvailable, runIdOf } from './compose-helpers.js';
import { startTestSwarm, testSwarmUnavailable, type TestSwarm } from './helpers/test-swarm.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
const unavailable = testSwarmUnavailable() ?? ((await engineAvailable()) ? undefined : 'no Docker engine');
if (unavailable) console.warn(`[swarm tests] SKIPPED: ${unavailable}`);
let swarm: TestSwarm;
let out: string;

interface Summary {
  verdict: string;
  expectations: Array<{ name: string; status: string; message: string }>;
  swarm?: { network: string; nodes: Record<string, { host: string; hostname: string; addr: string }> };
}

beforeAll(async () => {
  if (unavailable) return;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p tsconfig.build.json\` first (npm test does)`);
  out = mkdtempSync(join(tmpdir(), 'loadnet-swarm-'));
  swarm = await startTestSwarm({ extraEngines: 1 });
}, 180_000);

afterAll(async () => {
  await swarm?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
}, 120_000);

function cliRun(args: string[]): { done: Promise<{ code: number | null; stderr: string }>; pid: number } {
  const env = { ...process.env, LOADNET_SWARM_ENGINES: swarm.engines.map((e) => e.socketPath).join(','), LOADNET_RATES: '5,10' };
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d) => (stderr += d));
  return { pid: child.pid!, done: new Promise((r) => child.on('close', (code) => r({ code, stderr }))) };
}

function runsIn(dir: string): Array<{ dir: string; summary: Summary; runId: string }> {
  return readdirSync(dir)
    .map((d) => join(dir, d))
    .filter((d) => existsSync(join(d, 'summary.json')))
    .map((d) => ({ dir: d, summary: JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Summary, runId: runIdOf(JSON.parse(readFileSync(join(d, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId) }));
}

/** Everything labelled with the run on the manager (services, secrets, networks) and on every engine. */
async function leftovers(runId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${Labels.run}=${runId}`] });
  const engines: Array<[string, Docker]> = [['manager', swarm.manager], ...swarm.engines.map((e): [string, Docker] => [e.hostname, e.docker])];
  const found: string[] = [];
  const services = (await swarm.manager.listServices({ filters })) as Array<{ Spec?: { Name?: string } }>;
  const secrets = (await swarm.manager.listSecrets({ filters })) as Array<{ Spec?: { Name?: string } }>;
  const networks = await swarm.manager.listNetworks({ filters });
  found.push(...services.map((s) => `service ${s.Spec?.Name}`), ...secrets.map((s) => `secret ${s.Spec?.Name}`), ...networks.map((n) => `network ${n.Name}`));
  for (const [name, d] of engines) {
    const containers = await d.listContainers({ all: true, filters });
    const volumes = (await d.listVolumes({ filters })).Volumes ?? [];
    found.push(...containers.map((c) => `${name}: container ${c.Names[0]}`), ...volumes.map((v) => `${name}: volume ${v.Name}`));
  }
  return found;
}

async function expectNothingLeft(runId: string, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  let left = await leftovers(runId);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    left = await leftovers(runId);
  }
  expect(left, `left on the swarm by run ${runId}`).toEqual([]);
}

async function expectPasses(example: string, timing: string[], runs: number) {
  const dir = mkdtempSync(join(out, `${example}-`));
  const r = await cliRun(['run', `examples/${example}.ts`, '--deployer', 'swarm', ...timing, '--out', dir]).done;
  const found = runsIn(dir);
  expect(found, `${example}: ${r.stderr.slice(-2000)}`).toHaveLength(runs);
  for (const f of found) {
    const failed = f.summary.expectations.filter((e) => e.status !== 'pass').map((e) => `${e.name}: ${e.message}`);
    expect(failed, `${example} ${f.dir}`).toEqual([]);
    expect(f.summary.verdict).toBe('pass');
    const hosts = Object.entries(f.summary.swarm?.nodes ?? {}).map(([node, h]) => `${node}@${h.hostname}`);
    console.log(`[swarm] ${example}: ${hosts.join(' ')}; ${f.summary.expectations.map((e) => `${e.name} ${e.status}`).join(', ')}`);
    // Spread: nodes on both engines (the manager's host and the namespaced one).
    expect(new Set(Object.values(f.summary.swarm!.nodes).map((h) => h.hostname))).toEqual(new Set(['lnsw-h2', (await swarm.manager.info()).Name as string]));
    await expectNothingLeft(f.runId, 10_000);
  }
  expect(r.code, `${example} exit code; stderr: ${r.stderr.slice(-1500)}`).toBe(0);
  return found;
}

describe.skipIf(unavailable !== undefined)('swarm deployer on a two-engine swarm', () => {
  it('runs the seed load progression (rates 5 and 10, 10 s each) with nodes on both engines', async () => {
    await expectPasses('load-progression', ['--duration', '10s'], 2);
  }, 240_000);

  it('runs the seed aggressive chaos (25 s): restarts of nodes on both engines through Swarm and the engines', async () => {
    const [run] = await expectPasses('aggressive-chaos', ['--duration', '25s'], 1);
    const events = readFileSync(join(run!.dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const restarts = events.filter((e) => e.kind === 'fault.end' && e.fault === 'restart' && e.ok === true).map((e) => String(e.target));
    expect(restarts.length, 'restarts that recovered').toBeGreaterThanOrEqual(1);
    // Every restart ran a new task of the node's service on the same host (its data volume is there).
    for (const node of restarts) {
      const placements = events.filter((e) => e.kind === 'swarm.placement' && e.node === node);
      expect(placements.length).toBeGreaterThanOrEqual(2);
      expect(new Set(placements.map((p) => p.host)).size).toBe(1);
    }
  }, 240_000);

  it('leaves nothing on either engine after the coordinator is SIGKILLed mid-run', async () => {
    const dir = mkdtempSync(join(out, 'killed-'));
    const run = cliRun(['run', 'examples/aggressive-chaos.ts', '--deployer', 'swarm', '--duration', '60s', '--out', dir]);
    let runDir: string | undefined;
    let exited: { code: number | null; stderr: string } | undefined;
    void run.done.then((r) => (exited = r));
    // Deploying (image onto the second engine, services, readiness) took up to ~90 s on a loaded machine.
    const until = Date.now() + 150_000;
    while (!runDir && !exited && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      runDir = readdirSync(dir).map((d) => join(dir, d)).find((d) => existsSync(join(d, 'events.jsonl')) && readFileSync(join(d, 'events.jsonl'), 'utf8').includes('"swarm.deploy"'));
    }
    expect(runDir, `the run deployed${exited ? `; it exited ${exited.code}: ${exited.stderr.slice(-1500)}` : ''}`).toBeDefined();
    const runId = runIdOf(JSON.parse(readFileSync(join(runDir!, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId);
    expect((await leftovers(runId)).some((l) => l.startsWith('lnsw-h2: container')), 'a node runs on the second engine').toBe(true);
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    await expectNothingLeft(runId, 45_000);
  }, 240_000);
});
