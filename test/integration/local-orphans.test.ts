/**
 * Nothing left behind: after `kill -9` of a coordinator, its node processes exit by themselves (parent-pid
 * watchdog) within 10 s; `cleanLeftovers()` then finds that run by its registry entry and removes it,
 * and kills only processes that carry the dead run's label (never an unrelated process with a listed pid).
 * A node paused (SIGSTOP) when its coordinator is killed cannot run its watchdog: the next run's start
 * sweeps it, with the dead run's port reservations and registry entry, and says so.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { cleanLeftovers, LocalDeployer } from '../../src/deployers/local/index.js';
import { RUN_LABEL_ENV, writeRegistration, type RunRegistration } from '../../src/deployers/local/leftovers.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { alive, pidsOf, waitFor } from './helpers/run-files.js';
import { startCoordinator } from './helpers/spawn-coordinator.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-orphans-'));
const registry = mkdtempSync(join(tmpdir(), 'loadnet-orphans-registry-'));
const strays: ChildProcess[] = [];
let previousRegistry: string | undefined;

beforeAll(() => {
  previousRegistry = process.env.LOADNET_REGISTRY_DIR;
  process.env.LOADNET_REGISTRY_DIR = registry;
});

afterEach(() => {
  for (const c of strays.splice(0)) if (c.pid && alive(c.pid)) process.kill(c.pid, 'SIGKILL');
});

afterAll(() => {
  if (previousRegistry === undefined) delete process.env.LOADNET_REGISTRY_DIR;
  else process.env.LOADNET_REGISTRY_DIR = previousRegistry;
  rmSync(outDir, { recursive: true, force: true });
  rmSync(registry, { recursive: true, force: true });
});

/** Nothing listens on the port (a listener on it would make this bind fail). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0']);
  return new Promise((resolve) => c.once('exit', () => resolve(c.pid!)));
}

describe('no orphans', () => {
  it('kill -9 of the coordinator with faults active: every node process is gone within 10 s, clean removes the run and its faketime files, no shaper port stays', async () => {
    // A partition, a delayed link and a skewed clock, through the link shaper (proxies in the coordinator) and
    // libfaketime, and a joiner (churn) with its clock skewed too.
    const coord = await startCoordinator(outDir, 'faults', { env: { LOADNET_REGISTRY_DIR: registry } });
    const proxies = readdirSync(join(coord.runDir, 'nodes')).flatMap((n) => (JSON.parse(readFileSync(join(coord.runDir, 'nodes', n, 'config.json'), 'utf8')) as { peers: Array<{ port: number }> }).peers.map((p) => p.port));
    expect(proxies.length).toBeGreaterThan(0);
    const faketimeDir = join(coord.runDir, 'faketime');
    expect(readFileSync(join(faketimeDir, 'executor-0.faketime'), 'utf8')).toBe('+2.000s\n');
    expect(readFileSync(join(faketimeDir, `${/JOINER (\S+)/.exec(coord.output())![1]}.faketime`), 'utf8')).toBe('+1.000s\n');
    const pids = pidsOf(coord.runDir);
    expect(pids).toHaveLength(4);
    for (const pid of pids) expect(alive(pid)).toBe(true);
    expect(readdirSync(registry)).toHaveLength(1);
    const killedAt = Date.now();
    coord.child.kill('SIGKILL');
    await coord.exited;
    await waitFor(() => pids.every((p) => !alive(p)), 10_000, 'node processes to exit after the coordinator died');
    const took = Date.now() - killedAt;
    expect(took).toBeLessThan(10_000);
    // The registry entry is still there (the coordinator never tore down): clean finds it.
    const report = cleanLeftovers();
    expect(report.runs.map((r) => r.runDir)).toEqual([coord.runDir]);
    expect(report.runs[0]!.killed).toEqual([]);
    expect(readdirSync(registry)).toHaveLength(0);
    expect(existsSync(faketimeDir), 'the dead run\'s faketime files').toBe(false);
    // The proxies lived in the coordinator: their ports listen no more.
    for (const port of proxies) expect(await portFree(port), `proxy port ${port}`).toBe(true);
  });

  it('clean kills labelled leftovers of dead coordinators only, and leaves live runs alone', async () => {
    const labelled = spawn('sleep', ['300'], { detached: true, env: { ...process.env, [RUN_LABEL_ENV]: 'dead-run' } });
    const unrelated = spawn('sleep', ['300'], { detached: true });
    const liveRunNode = spawn('sleep', ['300'], { detached: true, env: { ...process.env, [RUN_LABEL_ENV]: 'live-run' } });
    strays.push(labelled, unrelated, liveRunNode);
    const dead = await deadPid();
    writeRegistration({ runId: 'dead-run', runDir: '/nonexistent/dead-run', coordinatorPid: dead, coordinatorStart: null, nodes: { 'validator-0': { pid: labelled.pid! }, 'validator-1': { pid: unrelated.pid! } }, ports: [] });
    writeRegistration({ runId: 'live-run', runDir: '/nonexistent/live-run', coordinatorPid: process.pid, coordinatorStart: null, nodes: { 'validator-0': { pid: liveRunNode.pid! } }, ports: [] });
    const report = cleanLeftovers();
    expect(report.runs).toEqual([{ runId: 'dead-run', runDir: '/nonexistent/dead-run', coordinatorPid: dead, killed: [{ node: 'validator-0', pid: labelled.pid, stopped: false }], reservations: 0, summaryWritten: false }]);
    expect(report.active).toEqual(['live-run']);
    await waitFor(() => !alive(labelled.pid!) || isZombieOf(labelled), 5_000, 'the labelled leftover to die');
    expect(alive(unrelated.pid!)).toBe(true);
    expect(alive(liveRunNode.pid!)).toBe(true);
    expect(existsSync(join(registry, 'live-run.json'))).toBe(true);
    expect(existsSync(join(registry, 'dead-run.json'))).toBe(false);
  });
});

describe('the next run sweeps a killed run', () => {
  it('kill -9 of the coordinator with a node paused: the next run kills it and removes the reservations and the registry entry', async () => {
    const coord = await startCoordinator(outDir, 'deploy', { env: { LOADNET_REGISTRY_DIR: registry } });
    const pids = pidsOf(coord.runDir);
    const [entry] = readdirSync(registry);
    const reg = JSON.parse(readFileSync(join(registry, entry!), 'utf8')) as RunRegistration;
    const reservations = reg.ports.map((p) => join(tmpdir(), 'loadnet-ports', String(p)));
    expect(reservations.length).toBeGreaterThan(0);
    for (const f of reservations) expect(existsSync(f)).toBe(true);
    const paused = pids[1]!;
    process.kill(-paused, 'SIGSTOP');
    await waitFor(() => /^T/.test(stateOf(paused)), 5_000, 'the node to be stopped');
    coord.child.kill('SIGKILL');
    await coord.exited;
    // The others follow their coordinator (watchdog); the paused one cannot.
    await waitFor(() => pids.filter((p) => p !== paused).every((p) => !alive(p)), 10_000, 'the running nodes to exit');
    await new Promise((r) => setTimeout(r, 1500));
    expect(alive(paused)).toBe(true);

    const said: string[] = [];
    const scenario = scenarioOf(localSpec({ name: 'after-a-killed-run', validators: 1, executors: 0, durationMs: 1000, cooldownMs: 0 }));
    const runner = await new LocalDeployer({ outDir, reports: false, log: (l) => said.push(l) }).deploy(scenario);
    try {
      const handle = await runner.run(scenario);
      await handle.dispose();
    } finally {
      await runner.dispose();
    }
    console.log(`local-orphans: ${said.join(" / ")}`);
    expect(said.join('\n')).toContain(`[loadnet] swept run ${reg.runId} (coordinator pid ${reg.coordinatorPid} gone, ${coord.runDir}): killed `);
    expect(said.join('\n')).toMatch(new RegExp(`\\(pid ${paused}, stopped\\).*removed \\d+ port reservations? and its registry entry; wrote its summary.json \\(verdict unknown, interrupted\\)`));
    // (How many reservations this sweep removed varies: another process's run start may have swept the
    // dead coordinator's reservations first. None is left either way: checked below.)
    // The killed run's record is valid like any other: a summary saying what happened.
    const summary = JSON.parse(readFileSync(join(coord.runDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ scenario: 'coordinator-deploy', runDir: coord.runDir, verdict: 'unknown', interrupted: true, expectations: [] });
    expect(summary.error).toMatch(new RegExp(`^the coordinator \\(pid ${reg.coordinatorPid}\\) died without ending the run; a later run swept its leftovers at `));
    await waitFor(() => !alive(paused), 5_000, 'the paused node to be gone');
    for (const pid of pids) expect(alive(pid), `pid ${pid} of the killed run`).toBe(false);
    for (const f of reservations) expect(existsSync(f), f).toBe(false);
    expect(existsSync(join(registry, entry!))).toBe(false);
  });
});

/** State letter of a process (R, S, T = stopped, Z ...), or '' when it is gone. */
function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2);
  } catch {
    return '';
  }
}

/** Our own child stays a zombie until reaped: killed is what matters. */
function isZombieOf(c: ChildProcess): boolean {
  return c.signalCode === 'SIGKILL' || c.exitCode !== null;
}
