/**
 * Nothing is left in the Docker engine, however the coordinator ends: SIGKILL of the coordinator (the
 * reaper removes its containers and network), a preserved stack (kept running, then removed by
 * `cleanComposeLeftovers()`, as `loadnet clean --docker` does), while a live run beside them is left alone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { ComposeDeployer, cleanComposeLeftovers } from '../../src/deployers/compose/index.js';
import type { Runner } from '../../src/runtime/contracts.js';
import { plantDeadRun } from './helpers/dead-run.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { waitFor } from './helpers/run-files.js';
import { startCoordinator, type Coordinator } from './helpers/spawn-coordinator.js';
import { containerOf, engineAvailable, leftovers, runIdOf } from './compose-helpers.js';

const hasEngine = await engineAvailable();
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-compose-cleanup-'));
const children: ChildProcess[] = [];
const runIds: string[] = [];

function runIdFrom(runDir: string): string {
  const cfg = JSON.parse(readFileSync(join(runDir, 'nodes', 'validator-0', 'config.json'), 'utf8'));
  const id = runIdOf(cfg.genesis.chainId);
  runIds.push(id);
  return id;
}

function startComposeCoordinator(mode: 'preserve' | 'faults'): Promise<Coordinator> {
  return startCoordinator(outDir, mode, { deployer: 'compose', onSpawn: (c) => children.push(c) });
}

/** Nothing listens on the port, on any address (a listener of ours on it would make this bind fail). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  // Whatever a failed assertion left: remove it by label, so the engine is clean for the next test file.
  const { removeRun } = await import('../../src/deployers/compose/cleanup.js');
  const { docker } = await import('./compose-helpers.js');
  if (hasEngine) for (const id of runIds) await removeRun(docker, id);
  rmSync(outDir, { recursive: true, force: true });
});

describe.skipIf(!hasEngine)('compose cleanup: nothing left behind', () => {
  it('SIGKILL of the coordinator with faults active: the reaper removes its containers (a joiner\'s too), network and faketime files; the shaper is gone', async () => {
    const { child, runDir, exited, output } = await startComposeCoordinator('faults');
    const runId = runIdFrom(runDir);
    const live = await leftovers(runId);
    // 3 planned nodes and the joiner the churn started, under its own container.
    const joiner = /JOINER (\S+)/.exec(output())![1]!;
    expect(live.containers).toHaveLength(4);
    expect((await containerOf(runId, joiner)).State.Running).toBe(true);
    expect(live.networks).toHaveLength(1);
    // The faults hold: validator-0 cut off in the kernel (matching the shaper's proxy ports where others dial
    // it through the shaper), a delayed link, a skewed clock read from a faketime file.
    const proxies = JSON.parse(/PROXIES (\S+)/.exec(output())![1]!) as Array<{ host: string; port: number }>;
    expect(proxies.length).toBeGreaterThan(0);
    const v1 = await containerOf(runId, 'validator-1');
    const { installedRules } = await import('../../src/faults/appliers/iptables.js');
    const v1Rules = await installedRules(v1.State.Pid);
    const toV0 = proxies.find((p) => v1Rules.some((r) => r.includes(`--dport ${p.port} `)));
    expect(toV0, `validator-1's rules name a proxy port: ${v1Rules.join('; ')}`).toBeDefined();
    const faketimeDir = join(runDir, 'faketime');
    expect(readdirSync(faketimeDir).sort()).toEqual(['executor-0.faketime', `${joiner}.faketime`, 'validator-0.faketime', 'validator-1.faketime'].sort());
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    await waitFor(async () => {
      const left = await leftovers(runId);
      return left.containers.length === 0 && left.networks.length === 0 && !existsSync(faketimeDir);
    }, 20_000, 'the reaper to remove the stack and the faketime files', 250);
    console.log(`[compose-cleanup] reaper removed the stack ${Date.now() - killedAt} ms after SIGKILL`);
    await waitFor(() => /removed 4 containers, 1 networks/.test(readFileSync(join(runDir, 'reaper.log'), 'utf8')), 5000, 'the reaper to log what it removed');
    // The shaper's proxies lived in the coordinator: nothing listens on their ports any more.
    for (const p of proxies) expect(await portFree(p.port), `proxy port ${p.port} free`).toBe(true);
  });

  it('a preserved stack outlives its coordinator; cleanComposeLeftovers removes it but not a live run', async () => {
    let runner: Runner | undefined;
    try {
      // This live run also carries the deployer's options: a network prefix and per-role resource limits.
      runner = await new ComposeDeployer({
        outDir,
        reports: false,
        log: null,
        networkPrefix: 'lntest',
        resources: ({ role }) => (role === 'validator' ? { cpus: 0.5, memoryBytes: 256 * 1024 * 1024 } : undefined),
      }).deploy(scenarioOf(localSpec({ name: 'compose-live', validators: 1, executors: 0, slotDurationMs: 500 })));
      const liveId = runIdFrom(runner.context.runDir);
      const info = await containerOf(liveId, 'validator-0');
      expect(info.Name).toBe(`/lntest-${liveId.toLowerCase()}-validator-0`);
      expect(info.HostConfig.NanoCpus).toBe(500_000_000);
      expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);

      const { runDir, exited, output } = await startComposeCoordinator('preserve');
      expect(await exited).toBe(0);
      expect(output()).toContain('preserved');
      expect(output()).toContain('loadnet clean --docker');
      const preservedId = runIdFrom(runDir);
      const kept = await leftovers(preservedId);
      expect(kept.containers).toHaveLength(3);
      // The preserved nodes still run, and the record says which containers were kept.
      const preserved = JSON.parse(readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').find((l) => l.includes('compose.preserved')) ?? '{}');
      expect(preserved.containers).toHaveLength(3);
      expect((await containerOf(preservedId, 'validator-1')).State.Running).toBe(true);

      const removed = await cleanComposeLeftovers();
      expect(removed.containers.length).toBeGreaterThanOrEqual(3);
      expect(await leftovers(preservedId)).toEqual({ containers: [], networks: [], volumes: [] });
      // The run of this (live) process is not a leftover.
      expect((await leftovers(liveId)).containers).toHaveLength(1);
      expect((await runner.context.node('validator-0').client.head()).height).toBeGreaterThanOrEqual(0);
      await runner.dispose();
      expect(await leftovers(liveId)).toEqual({ containers: [], networks: [], volumes: [] });
    } finally {
      await runner?.dispose();
    }
  });

  it('keep-on-failure: a deploy that fails readiness keeps its stack and says how to remove it', async () => {
    const lines: string[] = [];
    const failOut = mkdtempSync(join(outDir, 'fail-'));
    const deployer = new ComposeDeployer({ outDir: failOut, reports: false, keepOnFailure: true, log: (l) => lines.push(l), readiness: { httpTimeoutMs: 1, peersTimeoutMs: 1, producingTimeoutMs: 1 } });
    await expect(deployer.deploy(scenarioOf(localSpec({ name: 'compose-fail', validators: 2, executors: 0, slotDurationMs: 500 })))).rejects.toMatchObject({ code: 'LN_ERR_READINESS' });
    const [runDir] = readdirSync(failOut).map((d) => join(failOut, d));
    const runId = runIdFrom(runDir!);
    expect((await leftovers(runId)).containers).toHaveLength(2);
    expect(lines.join('\n')).toMatch(new RegExp(`preserved[\\s\\S]*docker ps --filter label=loadnet.run=${runId}[\\s\\S]*loadnet clean --docker`));
    // Its deployment is over, so it is a leftover now, though this process lives on.
    await cleanComposeLeftovers();
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('the run start sweeps a dead local run\'s leftovers (a stopped node, its port reservation, the registry entry) and says so', async () => {
    const dead = plantDeadRun('dead-compose-run', 4);
    try {
      const said: string[] = [];
      const failOut = mkdtempSync(join(outDir, 'sweep-'));
      // The sweep comes first: a deploy that then fails on its image has swept all the same.
      const deployer = new ComposeDeployer({ outDir: failOut, reports: false, log: (l) => said.push(l), image: 'loadnet-no-such-image:1' });
      await expect(deployer.deploy(scenarioOf(localSpec({ name: 'compose-sweep', validators: 1, executors: 0 })))).rejects.toMatchObject({ code: 'LN_ERR_DOCKER' });
      expect(said.join('\n')).toMatch(dead.sweptLine);
      expect(await dead.nodeExited).toBe('SIGKILL');
      expect(existsSync(dead.reservation)).toBe(false);
      expect(existsSync(dead.registryFile)).toBe(false);
    } finally {
      dead.restore();
    }
  });

  it('a missing user image fails with LN_ERR_DOCKER naming it, and leaves no reaper process', async () => {
    const failOut = mkdtempSync(join(outDir, 'noimage-'));
    const deployer = new ComposeDeployer({ outDir: failOut, reports: false, log: null, image: 'loadnet-no-such-image:1' });
    await expect(deployer.deploy(scenarioOf(localSpec({ name: 'compose-noimage', validators: 1, executors: 0 })))).rejects.toMatchObject({
      code: 'LN_ERR_DOCKER',
      message: expect.stringContaining('image loadnet-no-such-image:1 is not present'),
    });
    const [runDir] = readdirSync(failOut).map((d) => join(failOut, d));
    const runId = /reaper (\S+):/.exec(await waitForText(join(runDir!, 'reaper.log')))![1]!;
    await waitFor(() => !reaperRunning(runId), 5000, 'the reaper to exit');
  });
});

describe.skipIf(!hasEngine)('compose deploy failures', () => {
  it('a node that crashes at start fails the deploy fast, names it with its log, and leaves nothing', async () => {
    const { ensureNodeImage } = await import('../../src/deployers/compose/image.js');
    const { docker } = await import('./compose-helpers.js');
    const image = await ensureNodeImage(docker, { progress: null });
    const failOut = mkdtempSync(join(outDir, 'crash-'));
    const started = Date.now();
    const deployer = new ComposeDeployer({ outDir: failOut, reports: false, log: null, image: image.ref, imageCommand: ['-e', 'console.error("boom: bad config"); process.exit(3)'] });
    await expect(deployer.deploy(scenarioOf(localSpec({ name: 'compose-crash', validators: 2, executors: 0 })))).rejects.toMatchObject({
      code: 'LN_ERR_DEPLOY',
      message: expect.stringMatching(/validator-\d \(container \S+\) exited during deploy \(code 3\); last log lines:\n[\s\S]*boom: bad config/),
    });
    // Well before the 30 s HTTP readiness bound: the engine's 'die' event ends the wait.
    expect(Date.now() - started).toBeLessThan(20_000);
    const [runDir] = readdirSync(failOut).map((d) => join(failOut, d));
    expect(await leftovers(runIdFrom(runDir!))).toEqual({ containers: [], networks: [], volumes: [] });
  });
});

async function waitForText(file: string): Promise<string> {
  let text = '';
  await waitFor(() => {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    return text.length > 0;
  }, 5000, `${file} to be written`);
  return text;
}

/** Is a reaper for this run id still running? (/proc cmdlines) */
function reaperRunning(runId: string): boolean {
  return readdirSync('/proc').some((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.includes('reaper-main') && cmd.includes(runId);
    } catch {
      return false;
    }
  });
}
