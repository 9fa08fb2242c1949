/**
 * ComposeDeployer on a real Docker engine: 3 validators + 2 executors (full mesh) in containers of the
 * FROM-scratch image, each on the run's bridge network with its API on 127.0.0.1. Node control through the
 * engine (restart, kill + start, pause + unpause, a joiner, removeNode), kernel network faults (a minority
 * partition that heals and converges without reverting anything final; a blocked peer; a lossy link), and
 * nothing labelled with the run id left in the engine after teardown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComposeDeployer } from '../../src/deployers/compose/index.js';
import { ensureNodeImage } from '../../src/deployers/compose/image.js';
import { installedRules } from '../../src/faults/appliers/iptables.js';
import type { Runner } from '../../src/runtime/contracts.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { readEvents, waitFor } from './helpers/run-files.js';
import { expectCaughtUpAndFollowing, heights } from './helpers/run-heights.js';
import { containerOf, docker, engineAvailable, leftovers, runIdOf } from './compose-helpers.js';

const hasEngine = await engineAvailable();
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-compose-deploy-'));
// k = 12 with 500 ms slots: a 2-node minority cannot finalise a branch of its own during a short partition.
const scenario = scenarioOf(localSpec({ name: 'compose-deploy', shape: 'full', nodeControl: true, slotDurationMs: 500, securityParam: 12 }));
let runner: Runner;
let runId: string;

/** The node's clock minus ours (its API reports the wall clock it runs on). */
async function clockSkewOf(node: string): Promise<number> {
  const res = await fetch(`${runner.context.node(node).descriptor.apiUrl}/cryptarchia/info`);
  const info = (await res.json()) as { clock: { now_ms: number } };
  return info.clock.now_ms - Date.now();
}

/** libfaketime re-reads its file every second: poll until the skew is near `want` (a loaded machine answers late). */
async function skewNear(node: string, want: number): Promise<number> {
  let last = NaN;
  for (let i = 0; i < 40 && !(Math.abs(last - want) < 200); i++) {
    last = await clockSkewOf(node);
    if (!(Math.abs(last - want) < 200)) await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

describe.skipIf(!hasEngine)('ComposeDeployer: 3 validators + 2 executors on a Docker engine', () => {
  beforeAll(async () => {
    // Every container under libfaketime (in loadnet's image): clock skew is tested with the restart below.
    runner = await new ComposeDeployer({ outDir, reports: false, clockSkew: true }).deploy(scenario);
    const cfg = JSON.parse(readFileSync(join(runner.context.runDir, 'nodes', 'validator-0', 'config.json'), 'utf8'));
    runId = runIdOf(cfg.genesis.chainId);
  });

  afterAll(async () => {
    await runner?.dispose();
    if (runId) expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
    rmSync(outDir, { recursive: true, force: true });
  });

  it('deploys one labelled container per node on the run network, APIs on 127.0.0.1 only', async () => {
    const ctx = runner.context;
    expect(ctx.nodes().map((n) => n.descriptor.name)).toEqual(['validator-0', 'validator-1', 'validator-2', 'executor-0', 'executor-1']);
    const network = `loadnet-${runId.toLowerCase()}`;
    for (const n of ctx.nodes()) {
      const info = await containerOf(runId, n.descriptor.name);
      expect(info.State.Running).toBe(true);
      expect(info.Config.Labels).toMatchObject({ 'loadnet.run': runId, 'loadnet.node': n.descriptor.name, 'loadnet.role': n.descriptor.role });
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([network]);
      expect(info.NetworkSettings.Networks[network]!.Aliases).toContain(n.descriptor.name);
      // Every published port (API, P2P, testing API) is bound to loopback; the client's URL and the P2P address
      // (what a flooding peer dials) are among them.
      const bound = Object.values(info.NetworkSettings.Ports ?? {}).flat().filter(Boolean) as Array<{ HostIp: string; HostPort: string }>;
      expect(bound.length).toBe(3);
      for (const b of bound) expect(b.HostIp).toBe('127.0.0.1');
      expect(bound.map((b) => `http://127.0.0.1:${b.HostPort}`)).toContain(n.descriptor.apiUrl);
      expect(n.descriptor.p2pAddress?.host).toBe('127.0.0.1');
      expect(bound.map((b) => Number(b.HostPort))).toContain(n.descriptor.p2pAddress?.port);
      // The config speaks container addresses: peers by alias, no coordinator pid.
      const cfg = JSON.parse(readFileSync(join(ctx.runDir, 'nodes', n.descriptor.name, 'config.json'), 'utf8'));
      expect(cfg.api.host).toBe('0.0.0.0');
      expect(cfg.parentPid).toBeNull();
      for (const p of cfg.peers) expect(p.host).toBe(p.name);
      expect((await n.client.head()).height).toBeGreaterThanOrEqual(1);
      expect((await n.client.peers()).count).toBe(4);
    }
    const net = await docker.getNetwork(network).inspect();
    expect(net.Labels?.['loadnet.run']).toBe(runId);
    // Logs are followed into node.log; the compose file names every node.
    await waitFor(() => readFileSync(join(ctx.runDir, 'nodes', 'executor-1', 'node.log'), 'utf8').includes('node started'), 5000, 'node.log to hold the start line');
    const compose = readFileSync(join(ctx.runDir, 'docker-compose.yml'), 'utf8');
    for (const n of ctx.nodes()) expect(compose).toContain(`"${n.descriptor.name}":`);
    expect(existsSync(join(ctx.runDir, 'reaper.log'))).toBe(true);
    // Node samples carry each container's resident memory (from its memory cgroup).
    await waitFor(async () => (await readEvents(ctx.runDir)).some((e) => e.kind === 'node.sample' && e.rssBytes > 10e6), 10_000, 'a node.sample with the container RSS');
  });

  it('reuses the content-hashed image: a second deploy builds nothing', async () => {
    const events = await readEvents(runner.context.runDir);
    const used = events.find((e) => e.kind === 'compose.image')!;
    expect(used.image).toMatch(/^loadnet-node:[0-9a-f]{16}$/);
    // Other builds may change dist/ meanwhile (a new hash, so one build); asked again, nothing is built.
    const first = await ensureNodeImage(docker, { progress: null });
    const again = await ensureNodeImage(docker, { progress: null });
    expect(again.built).toBe(false);
    expect(again.ref).toBe(first.ref);
    if (!first.built) expect(first.ref).toBe(used.image);
  });

  it('restarts validator-1 through the engine: it comes back and catches up, its libfaketime clock skew kept', async () => {
    const control = runner.context.nodeControl!;
    expect(control.capabilities!().clock?.offset).toMatch(/libfaketime/);
    await control.setClockSkew!('validator-1', { offsetMs: 1500 });
    expect(Math.abs((await skewNear('validator-1', 1500)) - 1500), 'validator-1 skewed').toBeLessThan(200);
    expect(Math.abs(await clockSkewOf('validator-0')), 'validator-0 not skewed').toBeLessThan(200);
    const before = (await containerOf(runId, 'validator-1')).State.StartedAt;
    await control.restart('validator-1');
    expect((await containerOf(runId, 'validator-1')).State.StartedAt).not.toBe(before);
    expect(Math.abs((await clockSkewOf('validator-1')) - 1500), 'validator-1 still skewed after its container restarted').toBeLessThan(200);
    await control.setClockSkew!('validator-1', undefined);
    expect(Math.abs(await skewNear('validator-1', 0)), 'skew cleared').toBeLessThan(200);
    await expectCaughtUpAndFollowing(runner.context, 'validator-1');
    const start = (await readEvents(runner.context.runDir)).find((e) => e.kind === 'fault.start' && e.fault === 'clock-skew');
    expect(start?.detail?.mechanism).toMatch(/^libfaketime: /);
  });

  it('kills executor-0 (SIGKILL, data kept) and starts it again', async () => {
    const ctrl = runner.context.nodeControl!;
    const heightBefore = (await runner.context.node('executor-0').client.head()).height;
    await ctrl.kill('executor-0');
    const dead = await containerOf(runId, 'executor-0');
    expect(dead.State.Running).toBe(false);
    expect(dead.State.ExitCode).toBe(137);
    await expect(runner.context.node('executor-0').client.head()).rejects.toThrow();
    await ctrl.start('executor-0');
    expect((await runner.context.node('executor-0').client.head()).height).toBeGreaterThanOrEqual(heightBefore);
    await expectCaughtUpAndFollowing(runner.context, 'executor-0');
  });

  it('pauses validator-2 (cgroup freezer): the others go on; unpause: it catches up', async () => {
    const ctrl = runner.context.nodeControl!;
    await ctrl.pause('validator-2');
    expect((await containerOf(runId, 'validator-2')).State.Paused).toBe(true);
    const others = runner.context.nodes().filter((n) => n.descriptor.name !== 'validator-2');
    const before = await heights(others);
    await waitFor(async () => [...(await heights(others))].every(([n, h]) => h > before.get(n)!), 15_000, 'the others to advance while one is paused');
    await ctrl.resume('validator-2');
    expect((await containerOf(runId, 'validator-2')).State.Paused).toBe(false);
    await expectCaughtUpAndFollowing(runner.context, 'validator-2');
  });

  it('partitions a minority in the kernel; after heal the chain converges without reverting anything final', async () => {
    const ctx = runner.context;
    const ctrl = ctx.nodeControl!;
    const minority = ['validator-2', 'executor-1'];
    const majority = ['validator-0', 'validator-1', 'executor-0'];
    const node = (n: string) => ctx.node(n).client;
    const startHeight = Math.max(...[...(await heights(ctx.nodes()))].map(([, h]) => h));

    await ctrl.partition(minority, majority);
    // The cut is in the kernel: DROP rules for every address of the other side, in every container.
    for (const name of [...minority, ...majority]) {
      const rules = await installedRules((await containerOf(runId, name)).State.Pid);
      expect(rules.filter((r) => r.includes('-j DROP')).length).toBe(2 * (minority.includes(name) ? majority.length : minority.length));
    }
    // Both sides extend their own branch: different blocks at one height above the cut.
    const h = await waitFor(async () => {
      const [a, b] = await Promise.all([node('validator-0').head(), node('validator-2').head()]);
      return a.height > startHeight + 3 && b.height > startHeight + 1 && a.tip !== b.tip;
    }, 30_000, 'both sides to grow their own branch').then(async () => Math.min((await node('validator-0').head()).height, (await node('validator-2').head()).height));
    const [ba] = await node('validator-0').blocksByHeight(h, h);
    const [bb] = await node('validator-2').blocksByHeight(h, h);
    expect(ba!.id).not.toBe(bb!.id);
    const libsBeforeHeal = await Promise.all(ctx.nodes().map((n) => n.client.head()));

    await ctrl.heal();
    for (const name of [...minority, ...majority]) expect(await installedRules((await containerOf(runId, name)).State.Pid)).toEqual([]);
    let low = 0;
    await waitFor(async () => {
      const infos = await Promise.all(ctx.nodes().map((n) => n.client.head()));
      low = Math.min(...infos.map((i) => i.height)) - 1;
      if (low <= h) return false;
      const ids = await Promise.all(ctx.nodes().map(async (n) => (await n.client.blocksByHeight(low, low))[0]?.id));
      return ids.every((id) => id && id === ids[0]);
    }, 60_000, 'one chain again', 500);
    // Nothing final was reverted: every LIB from before the heal is on the converged chain...
    for (const before of libsBeforeHeal) {
      if (before.finalHeight === 0) continue;
      const [b] = await node('validator-0').blocksByHeight(before.finalHeight, before.finalHeight);
      expect(b?.id).toBe(before.final);
    }
    const chains = await Promise.all(ctx.nodes().map((n) => n.client.blocksByHeight(1, low)));
    for (const c of chains) expect(c.map((b) => b.id)).toEqual(chains[0]!.map((b) => b.id));
    // ...and the block feed saw no reorg of a final block, while the losing side did reorg.
    await ctx.blockFeed.refresh();
    const events = await readEvents(ctx.runDir);
    const reorgs = events.filter((e) => e.kind === 'reorg');
    expect(reorgs.filter((e) => e.revertedFinal)).toEqual([]);
    const nodeReorgs = await Promise.all(minority.map(async (n) => Number(/consensus_reorgs_total\{[^}]*\} (\d+)/.exec(await node(n).metricsText!())?.[1] ?? 0)));
    expect(nodeReorgs.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    const start = events.find((e) => e.kind === 'fault.start' && e.fault === 'partition')!;
    expect(start.detail).toMatchObject({ groupA: minority, groupB: majority });
    expect(events.some((e) => e.kind === 'fault.end' && e.faultId === start.faultId && e.ok === true)).toBe(true);
  });

  it('blocks a peer and makes a link lossy with iptables; delay falls back to the testing API', async () => {
    const ctrl = runner.context.nodeControl!;
    const pidOf = async (n: string) => (await containerOf(runId, n)).State.Pid;
    const ipOf = async (n: string) => Object.values((await containerOf(runId, n)).NetworkSettings.Networks)[0]!.IPAddress;
    await ctrl.blockPeer('validator-1', 'executor-1');
    const ip = await ipOf('executor-1');
    expect(await installedRules(await pidOf('validator-1'))).toEqual([`-A INPUT -s ${ip}/32 -j DROP`, `-A OUTPUT -d ${ip}/32 -j DROP`]);
    await ctrl.unblockPeer('validator-1', 'executor-1');
    expect(await installedRules(await pidOf('validator-1'))).toEqual([]);

    await ctrl.setLinkFault('validator-0', 'validator-1', { loss: 0.3, delayMs: 50 });
    const v1 = await ipOf('validator-1');
    const rules = await installedRules(await pidOf('validator-0'));
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatch(new RegExp(`^-A OUTPUT -d ${v1.replace(/\./g, '\\.')}/32 -m statistic --mode random --probability 0\\.(3|29999)\\d* -j DROP$`));
    const state = await runner.context.node('validator-0').client.network!.state();
    expect(Object.values(state.faults)[0]).toMatchObject({ delay_ms: 50, loss: 0 });
    await ctrl.heal();
    expect(await installedRules(await pidOf('validator-0'))).toEqual([]);
    expect(Object.keys((await runner.context.node('validator-0').client.network!.state()).faults)).toEqual([]);
    const faults = (await readEvents(runner.context.runDir)).filter((e) => e.kind === 'fault.start' && e.target === 'validator-0');
    expect(faults.at(-1)!.detail).toMatchObject({ mechanism: { loss: expect.stringMatching(/^iptables: /), delay: expect.stringMatching(/^testing-api: /) } });
  });

  it('a node joining at runtime syncs; removeNode removes its container for good', async () => {
    const ctrl = runner.context.nodeControl!;
    const joined = await ctrl.startNode({ name: 'joiner-0', peers: ['validator-0', 'executor-1'] });
    expect(joined.name).toBe('joiner-0');
    expect((await containerOf(runId, 'joiner-0')).Config.Labels['loadnet.role']).toBe('validator');
    await expectCaughtUpAndFollowing(runner.context, 'joiner-0');
    await ctrl.removeNode('joiner-0');
    await expect(containerOf(runId, 'joiner-0')).rejects.toThrow(/no container/);
    expect(runner.context.nodes().map((n) => n.descriptor.name)).not.toContain('joiner-0');
    const before = await heights(runner.context.nodes());
    await waitFor(async () => [...(await heights(runner.context.nodes()))].every(([n, h]) => h >= before.get(n)! + 1), 20_000, 'every remaining node to gain a block');
  });
});
