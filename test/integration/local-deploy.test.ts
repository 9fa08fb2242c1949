/**
 * LocalDeployer on real node processes: 3 validators + 2 executors to readiness, then node control on each
 * kind of node (restart, kill + start, pause + resume), a node joining at runtime, a node removed for
 * good, a blocked peer; every action must come back healthy and caught up, and leave fault intervals in
 * events.jsonl. Teardown must leave no process, port reservation or registry entry behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import { registryDir } from '../../src/deployers/local/leftovers.js';
import type { Runner } from '../../src/runtime/contracts.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { keepRunsOnFailure, pidsOf, readEvents, waitFor } from './helpers/run-files.js';
import { expectCaughtUpAndFollowing, heights } from './helpers/run-heights.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-local-deploy-'));
let runner: Runner;
const scenario = scenarioOf(localSpec({ name: 'local-deploy', nodeControl: true, securityParam: 3 }));

keepRunsOnFailure(afterEach, outDir, 'local-deploy');

beforeAll(async () => {
  runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
});

afterAll(async () => {
  const pids = runner ? pidsOf(runner.context.runDir) : [];
  await runner?.dispose();
  for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  rmSync(outDir, { recursive: true, force: true });
});

describe('LocalDeployer: 3 validators + 2 executors', () => {
  it('deploys to readiness with a run directory as documented', async () => {
    const ctx = runner.context;
    expect(ctx.nodes().map((n) => n.descriptor.name)).toEqual(['validator-0', 'validator-1', 'validator-2', 'executor-0', 'executor-1']);
    for (const n of ctx.nodes()) {
      const dir = join(ctx.runDir, 'nodes', n.descriptor.name);
      expect(existsSync(join(dir, 'config.json'))).toBe(true);
      expect(existsSync(join(dir, 'node.log'))).toBe(true);
      const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect(cfg.parentPid).toBe(process.pid);
      expect(cfg.testing).not.toBeNull();
      expect((await n.client.head()).height).toBeGreaterThanOrEqual(1);
    }
    expect(JSON.parse(readFileSync(join(ctx.runDir, 'scenario.json'), 'utf8')).name).toBe('local-deploy');
    const phases = (await readEvents(ctx.runDir)).filter((e) => e.kind === 'run.phase').map((e) => e.phase);
    expect(phases.slice(0, 2)).toEqual(['deploy', 'ready']);
    expect(existsSync(join(registryDir(), `${JSON.parse(readFileSync(join(ctx.runDir, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId.replace(/^loadnet-/, '')}.json`))).toBe(true);
    // Wallets as the spec says: 10 wallets funded with 1,000,000 each, visible on chain.
    expect(ctx.wallets).toHaveLength(10);
    const acct = await ctx.node('executor-1').client.account(ctx.wallets[3]!.address);
    expect(acct.balance).toBe(1_000_000n);
  });

  for (const name of ['validator-1', 'executor-0']) {
    it(`restarts ${name}: it comes back and catches up`, async () => {
      await runner.context.nodeControl!.restart(name);
      await expectCaughtUpAndFollowing(runner.context, name);
    });

    it(`kills ${name} (SIGKILL, data kept) and starts it again`, async () => {
      const ctrl = runner.context.nodeControl!;
      const heightBefore = (await runner.context.node(name).client.head()).height;
      await ctrl.kill(name);
      await expect(runner.context.node(name).client.head()).rejects.toThrow();
      await ctrl.start(name);
      // Data kept: it restarts from disk, never below what it had.
      expect((await runner.context.node(name).client.head()).height).toBeGreaterThanOrEqual(heightBefore);
      await expectCaughtUpAndFollowing(runner.context, name);
    });
  }

  for (const name of ['validator-2', 'executor-1']) {
    it(`pauses ${name} (SIGSTOP): the others go on; resume: it catches up`, async () => {
      const ctrl = runner.context.nodeControl!;
      await ctrl.pause(name);
      const others = runner.context.nodes().filter((n) => n.descriptor.name !== name);
      const before = await heights(others);
      await waitFor(async () => [...(await heights(others))].every(([n, h]) => h > before.get(n)!), 15_000, 'the other nodes to advance while one is paused');
      await ctrl.resume(name);
      await expectCaughtUpAndFollowing(runner.context, name);
    });
  }

  it('a node joining at runtime with a fresh identity syncs to the tip', async () => {
    const ctrl = runner.context.nodeControl!;
    const joined = await ctrl.startNode({ name: 'joiner-0', peers: ['validator-0', 'executor-1'] });
    expect(joined.name).toBe('joiner-0');
    const peerIds = runner.context.nodes().filter((n) => n.descriptor.name !== 'joiner-0').map((n) => n.descriptor.peerId);
    expect(peerIds).not.toContain(joined.peerId);
    expect(runner.context.nodes().map((n) => n.descriptor.name)).toContain('joiner-0');
    await expectCaughtUpAndFollowing(runner.context, 'joiner-0');
    // The block feed follows the joiner too.
    await waitFor(async () => runner.context.blockFeed.tips().some((t) => t.node === 'joiner-0' && t.up && t.height > 0), 5_000, 'the feed to report the joiner');
    // Unnamed, as an executor, with the shape's default peers (star: the hub).
    const exec = await ctrl.startNode({ role: 'executor' });
    expect(exec).toMatchObject({ name: 'executor-join-1', role: 'executor' });
    const hub = runner.context.node('validator-0');
    expect((await runner.context.node(exec.name).client.peers()).ids).toContain(hub.descriptor.peerId);
    await expectCaughtUpAndFollowing(runner.context, exec.name);
  });

  it('removeNode shrinks the topology and the chain stays live', async () => {
    const ctrl = runner.context.nodeControl!;
    await ctrl.removeNode('validator-2');
    expect(runner.context.nodes().map((n) => n.descriptor.name)).not.toContain('validator-2');
    expect(() => runner.context.node('validator-2')).toThrow(/no node named/);
    await waitFor(() => !runner.context.blockFeed.tips().some((t) => t.node === 'validator-2'), 3_000, 'the feed to stop reporting the removed node');
    const before = await heights(runner.context.nodes());
    await waitFor(async () => [...(await heights(runner.context.nodes()))].every(([n, h]) => h >= before.get(n)! + 2), 20_000, 'every remaining node to gain two blocks');
  });

  it('blocks and unblocks a peer through the testing API', async () => {
    const ctrl = runner.context.nodeControl!;
    const v0 = runner.context.node('validator-0');
    const e1 = runner.context.node('executor-1');
    await ctrl.blockPeer('validator-0', 'executor-1');
    const state = await v0.client.network!.state();
    expect(state.blocked).toContain(e1.descriptor.peerId);
    await ctrl.heal();
    expect((await v0.client.network!.state()).blocked).toEqual([]);
  });

  it('records every action as a fault interval, and refuses unknown nodes clearly', async () => {
    await expect(runner.context.nodeControl!.restart('validator-9')).rejects.toMatchObject({ code: 'LN_ERR_NODE_CONTROL', message: expect.stringContaining('validator-9') });
    const events = await readEvents(runner.context.runDir);
    const starts = events.filter((e) => e.kind === 'fault.start');
    const ends = events.filter((e) => e.kind === 'fault.end');
    const summary = starts.map((e) => `${e.fault}:${e.target}`);
    for (const expected of ['restart:validator-1', 'kill:validator-1', 'pause:validator-2', 'restart:executor-0', 'kill:executor-0', 'pause:executor-1', 'start-node:joiner-0', 'start-node:executor-join-1', 'remove-node:validator-2', 'block-peer:validator-0']) {
      expect(summary).toContain(expected);
    }
    for (const s of starts) expect(ends.some((e) => e.faultId === s.faultId && e.ok === true)).toBe(true);
  });
});
