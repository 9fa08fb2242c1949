/**
 * Network faults on a two-engine swarm (helpers/test-swarm.ts) are set through the engine that runs each node
 * (faults/appliers/engine-iptables.ts: a fault-tools container in the node container's namespace, on that
 * engine, no nsenter from the coordinator), and what they leave goes after the coordinator is SIGKILLed
 * mid-partition together with its reaper: `loadnet clean --docker` against the worker's engine removes the
 * run's containers there, fault-tools ones included, and the reaper program, started again as the coordinator
 * starts it and its pipe closed, removes the rest from the manager. (That a partition set this way takes effect
 * across engines, and that a finished run leaves nothing, is swarm-run.test.ts's partition test.)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { Labels } from '../../src/deployers/compose/engine.js';
import { ensureNodeImage } from '../../src/deployers/compose/image.js';
import { FAULT_TOOLS_LABEL } from '../../src/faults/appliers/engine-iptables.js';
import { ensureFaultToolsImage } from '../../src/deployers/swarm/fault-tools-image.js';
import { engineAvailable, runIdOf } from './compose-helpers.js';
import { startTestSwarm, testSwarmUnavailable, type TestSwarm } from './helpers/test-swarm.js';
import { swarmLeftovers, swarmLeftoversAfter } from './helpers/swarm-leftovers.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
const unavailable = testSwarmUnavailable() ?? ((await engineAvailable()) ? undefined : 'no Docker engine');
if (unavailable) console.warn(`[swarm fault tests] SKIPPED: ${unavailable}`);
let swarm: TestSwarm;
let out: string;

/** Four nodes (two per engine), cut into halves half a second into the window and held past the kill. */
const SCENARIO = {
  name: 'swarm-partition-held',
  topology: { shape: 'full', validators: 2, executors: 2 },
  consensus: { slotDurationMs: 250, securityParam: 10 },
  nodeControl: true,
  wallets: { count: 4 },
  durationMs: '120s',
  workloads: [{ type: 'partition', shape: 'halves', atMs: '500ms', durationMs: '100s', convergeWithinMs: '20s' }],
};

beforeAll(async () => {
  if (unavailable) return;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p tsconfig.build.json\` first (npm test does)`);
  out = mkdtempSync(join(tmpdir(), 'loadnet-swarm-faults-'));
  writeFileSync(join(out, 'scenario.json'), JSON.stringify(SCENARIO));
  swarm = await startTestSwarm({ extraEngines: 1 });
  // Both runs start at once: the images they need are built and on both engines first, not twice at a time.
  for (const ref of [(await ensureNodeImage(swarm.manager, { progress: null })).ref, (await ensureFaultToolsImage(swarm.manager, () => undefined)).ref]) await swarm.loadImage(ref);
}, 180_000);

afterAll(async () => {
  await swarm?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
}, 120_000);

function cliProcess(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, LOADNET_SWARM_ENGINES: swarm.engines.map((e) => e.socketPath).join(','), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { pid: child.pid!, done: new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.on('close', (code) => r({ code, stdout, stderr }))) };
}

type Applied = { kind: string; applier: string; nodes: Array<{ node: string; hostname: string; rules: number }> };

/** Starts the held partition; resolves once its cut is set on every node (run id and directory). */
async function partitioned(name: string) {
  const dir = mkdtempSync(join(out, `${name}-`));
  const run = cliProcess(['run', join(out, 'scenario.json'), '--deployer', 'swarm', '--out', dir]);
  let exited: { code: number | null; stderr: string } | undefined;
  void run.done.then((r) => (exited = r));
  const until = Date.now() + 150_000;
  while (!exited && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    const runDir = readdirSync(dir).map((d) => join(dir, d)).find((d) => existsSync(join(d, 'events.jsonl')));
    if (!runDir) continue;
    const applied = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"network.applied"')).map((l) => JSON.parse(l) as Applied);
    const cut = applied.find((a) => a.nodes.length === 4 && a.nodes.every((n) => n.rules > 0));
    if (cut) return { ...run, runDir, cut, runId: runIdOf(JSON.parse(readFileSync(join(runDir, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId) };
  }
  throw new Error(`${name}: the partition was not set on every node${exited ? `; the run exited ${exited.code}: ${exited.stderr.slice(-1500)}` : ''}`);
}

/** The run's fault-tools containers, as `<engine>: <image>` per container. */
async function toolsContainers(runId: string): Promise<string[]> {
  const engines: Array<[string, Docker]> = [['manager', swarm.manager], ...swarm.engines.map((e): [string, Docker] => [e.hostname, e.docker])];
  const filters = JSON.stringify({ label: [`${Labels.run}=${runId}`, FAULT_TOOLS_LABEL] });
  const found = await Promise.all(engines.map(async ([name, d]) => (await d.listContainers({ all: true, filters })).map((c) => `${name}: ${c.Image.replace(/:.*/, '')}`)));
  return found.flat().sort();
}

/** A run's reaper (a detached `reaper-main.js <runId> …`): its pid and command line. */
function reaperOf(runId: string): { pid: number; argv: string[] } {
  for (const p of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.some((a) => a.endsWith('reaper-main.js')) && argv.includes(runId)) return { pid: Number(p), argv };
    } catch {
      // exited meanwhile
    }
  }
  throw new Error(`no reaper process for run ${runId}`);
}

/** Runs the reaper program as the coordinator starts it, then closes its pipe as a dying coordinator does. */
async function reapAsIfCoordinatorDied(argv: string[]): Promise<string> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((r) => child.stdout.once('data', r));
  child.stdin.end();
  await new Promise((r) => child.on('close', r));
  return stderr;
}

describe.skipIf(unavailable !== undefined)('network faults on a two-engine swarm, through the engines', () => {
  it('a coordinator SIGKILLed mid-partition leaves fault-tools containers on both engines: `loadnet clean --docker` on the worker\'s engine and the run\'s reaper remove them', async () => {
    const run = await partitioned('killed');
    expect(run.cut.applier).toBe('engine-iptables');
    // Two nodes per engine, each cut from the other side's two: DROP in and out per peer, read back.
    expect(run.cut.nodes.map((n) => n.rules)).toEqual([4, 4, 4, 4]);
    const worker = swarm.engines[0]!;
    expect(new Set(run.cut.nodes.map((n) => n.hostname)), 'set on both engines').toEqual(new Set([(await swarm.manager.info()).Name as string, worker.hostname]));
    expect(await toolsContainers(run.runId), 'a fault-tools container per node, on its engine').toEqual(['manager', 'manager', worker.hostname, worker.hostname].map((e) => `${e}: loadnet-fault-tools`).sort());

    // The coordinator dies with its reaper: nobody removes the run.
    const reaper = reaperOf(run.runId);
    process.kill(reaper.pid, 'SIGKILL');
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    expect((await toolsContainers(run.runId)).length).toBe(4);

    // `loadnet clean --docker` against the worker's engine removes what the run has there, tools containers included.
    const clean = await cliProcess(['clean', '--docker'], { DOCKER_HOST: `unix://${worker.socketPath}` }).done;
    expect(clean.code, clean.stderr).toBe(0);
    console.log(`[swarm faults] loadnet clean --docker on ${worker.hostname}: ${clean.stdout.trim().split('\n').pop()}`);
    expect((await swarmLeftovers(swarm, run.runId)).filter((l) => l.startsWith(`${worker.hostname}:`)), `left on ${worker.hostname}`).toEqual([]);
    expect(await toolsContainers(run.runId)).toEqual(['manager: loadnet-fault-tools', 'manager: loadnet-fault-tools']);

    // The reaper program, started as the coordinator started it, removes the rest when its pipe closes.
    const log = await reapAsIfCoordinatorDied(reaper.argv);
    console.log(`[swarm faults] reaper: ${log.trim().split('\n').find((l) => l.includes('removed')) ?? log.trim()}`);
    expect(await swarmLeftoversAfter(swarm, run.runId, 20_000), `left by ${run.runId}`).toEqual([]);
  }, 300_000);
});
