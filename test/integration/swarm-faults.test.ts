/**
 * Network faults on a two-engine swarm (helpers/test-swarm.ts) are set through the engine that runs each node
 * (faults/appliers/engine-iptables.ts: a fault-tools container in the node container's namespace, on that
 * engine, no nsenter from the coordinator), and what they leave goes after the coordinator is SIGKILLed
 * mid-partition together with its reaper: `loadnet clean --docker` against the worker's engine removes the
 * run's containers there, fault-tools ones included, and the reaper program, started again as the coordinator
 * starts it and its pipe closed, removes the rest from the manager. (That a partition set this way takes effect
 * across engines, and that a finished run leaves nothing, is swarm-run.test.ts's partition test.)
 * A bandwidth limit from a scenario's link fault (faults/appliers/engine-tc.ts: an htb class in the sending
 * node's namespace, set the same way) slows a bulk transfer between two node containers on different engines
 * to the limit, leaves the sender's other link alone, and the heal gives the link its speed back.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { Labels } from '../../src/deployers/compose/engine.js';
import { ensureNodeImage } from '../../src/deployers/compose/image.js';
import { execIn, FAULT_TOOLS_LABEL } from '../../src/faults/appliers/engine-fault-tools.js';
import { htbBurstBytes } from '../../src/faults/appliers/engine-tc.js';
import { SwarmDeployer } from '../../src/deployers/swarm/index.js';
import { scenarioFromSpec } from '../../src/scenario/build.js';
import type { RunHandle } from '../../src/runtime/contracts.js';
import { nowMs } from '../../src/util/clock.js';
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

  it('a scenario\'s bandwidth limit (kernel htb in the sender\'s namespace, through its engine) slows a bulk transfer across engines to the limit, not the sender\'s other link; the heal restores it', async () => {
    const LIMIT = 65_536;
    const BYTES = 4 * LIMIT;
    const spec = {
      name: 'swarm-bandwidth',
      topology: { shape: 'full', validators: 2, executors: 1 },
      consensus: { slotDurationMs: 500, securityParam: 10 },
      nodeControl: true,
      wallets: { count: 2 },
      durationMs: '12s',
      cooldownMs: '1s',
      workloads: [{ type: 'link-fault', from: ['validator-0'], to: ['validator-1'], bothWays: false, rateBytesPerSec: LIMIT, atMs: '1s', durationMs: '9s' }],
    };
    const scenario = scenarioFromSpec(spec);
    const dir = mkdtempSync(join(out, 'bandwidth-'));
    const runner = await new SwarmDeployer({ outDir: dir, log: null, engines: swarm.engines.map((e) => ({ socketPath: e.socketPath })) }).deploy(scenario);
    const engineOf = async (hostname: string) => ((await swarm.manager.info()).Name === hostname ? swarm.manager : swarm.engines.find((e) => e.hostname === hostname)!.docker);
    type Placed = { node: string; hostname: string; container: string };
    const runDir = runner.context.runDir;
    // Written at deploy, before anything here listens: read from the run's events.
    const deployed = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const placed = new Map(deployed.filter((e) => e.kind === 'swarm.placement').map((e) => [String(e.node), e as unknown as Placed]));
    const network = String(deployed.find((e) => e.kind === 'swarm.deploy')!.network);
    /** A node container's overlay address, and a sink there that answers 'ok' once a connection's bytes all arrived. */
    const sinkOn = async (p: Placed) => {
      const engine = await engineOf(p.hostname);
      const ip = (await engine.getContainer(p.container).inspect()).NetworkSettings.Networks[network]!.IPAddress;
      const sink = "require('net').createServer((s) => { s.resume(); s.on('end', () => s.end('ok')); }).listen(9477); setTimeout(() => process.exit(0), 40000)";
      const exec = await engine.getContainer(p.container).exec({ Cmd: ['/usr/local/bin/node', '-e', sink] });
      await exec.start({ Detach: true });
      return ip;
    };
    /** Sends BYTES from a node container to `ip`'s sink: bytes per second until the sink has them all. */
    const send = async (from: Placed, ip: string): Promise<number> => {
      const script = "const t0 = performance.now(); const s = require('net').connect(9477, process.argv[1], () => s.end(Buffer.alloc(Number(process.argv[2]), 7))); s.on('data', () => { console.log(Math.round(Number(process.argv[2]) / ((performance.now() - t0) / 1000))); s.destroy(); })";
      return Number((await execIn(await engineOf(from.hostname), from.container, ['/usr/local/bin/node', '-e', script, ip, String(BYTES)])).trim());
    };
    const rates: { limited?: number; other?: number; healed?: number } = {};
    let limitedDoneAt = Infinity;
    let targets: Promise<{ b: string; c: string }> | undefined;
    const measured: Promise<void>[] = [];
    const off = runner.context.events.on((e) => {
      const ev = e as unknown as { kind: string } & Record<string, unknown>;
      if (ev.kind !== 'network.applied' || ev.applier !== 'engine-tc') return;
      const a = (ev.nodes as Array<{ node: string; classes: number }>).find((n) => n.node === 'validator-0');
      const [from, b, c] = ['validator-0', 'validator-1', 'executor-0'].map((n) => placed.get(n)!);
      if (a?.classes === 1 && !targets) {
        targets = Promise.all([sinkOn(b!), sinkOn(c!)]).then(([b, c]) => ({ b, c }));
        measured.push(targets.then(async (t) => {
          await new Promise((r) => setTimeout(r, 300)); // the sinks listen
          rates.limited = await send(from!, t.b);
          limitedDoneAt = nowMs();
          rates.other = await send(from!, t.c);
        }));
      } else if (a?.classes === 0 && targets) measured.push(targets.then(async (t) => void (rates.healed = await send(from!, t.b))));
    });
    let handle: RunHandle | undefined;
    try {
      handle = await runner.run(scenario, { rejectOnFailure: false });
      off();
      await Promise.all(measured);
    } finally {
      off();
      await handle?.dispose();
      await runner.dispose();
    }
    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    const start = events.find((e) => e.kind === 'fault.start' && e.fault === 'link-fault')!;
    expect(start.detail.mechanism.bandwidth).toMatch(/^engine-tc: /);
    expect(start.detail.applier).toBe('engine-tc');
    expect(start.detail.applierReason).toMatch(/htb/);
    expect(events.find((e) => e.kind === 'fault.end' && e.fault === 'link-fault')?.ok).toBe(true);
    const hosts = new Set(['validator-0', 'validator-1'].map((n) => placed.get(n)!.hostname));
    expect(hosts.size, 'the limited link runs between the two engines').toBe(2);
    const tc = events.filter((e) => e.kind === 'network.applied' && e.applier === 'engine-tc');
    // Set and healed on validator-0 only (the sending end), through its own engine, read back as one class, then none.
    expect(tc.map((e) => e.nodes.map((n: { node: string; hostname: string; classes: number }) => `${n.node}@${n.hostname}:${n.classes}`).join(' '))).toEqual([`validator-0@${placed.get('validator-0')!.hostname}:1`, `validator-0@${placed.get('validator-0')!.hostname}:0`]);
    expect(limitedDoneAt, 'the limited transfer ended before the heal began').toBeLessThan(tc[1]!.t - tc[1]!.ms);
    console.log(`[swarm faults] bandwidth limit ${LIMIT} B/s on validator-0@${placed.get('validator-0')!.hostname} → validator-1@${placed.get('validator-1')!.hostname}, ${BYTES} bytes: limited ${rates.limited} B/s, other link ${rates.other} B/s, healed ${rates.healed} B/s; set in ${tc[0]!.ms} ms, healed in ${tc[1]!.ms} ms`);
    // The limit holds: ahead of it by a one-off amount, not at a faster rate (3-55 KiB here; ~40 KiB at 3 and 10 times the
    // limit alike between two namespaces: the 16 KiB burst, and htb lets a packet out while its tokens are not negative and charges it
    // after); allowed: the burst and 64 KiB. And the link still gets it (its queue does not starve TCP).
    expect(rates.limited).toBeLessThanOrEqual((BYTES / (BYTES - htbBurstBytes(LIMIT) - 65_536)) * LIMIT);
    expect(rates.limited).toBeGreaterThanOrEqual(0.6 * LIMIT);
    expect(rates.other, 'the sender\'s link to another peer is not limited').toBeGreaterThanOrEqual(4 * LIMIT);
    expect(rates.healed, 'the heal gave the link its speed back').toBeGreaterThanOrEqual(4 * LIMIT);
    expect(await swarmLeftoversAfter(swarm, runIdOf(JSON.parse(readFileSync(join(runDir, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId), 10_000)).toEqual([]);
  }, 180_000);
});
