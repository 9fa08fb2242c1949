/**
 * AttachDeployer against nodes that already run (here: a local deployment standing in for a user's own
 * devnet): readiness, block feed and run directory work the same; wallets come from the seed or a key
 * file with balances read from the chain; nothing is torn down; node control is refused clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachDeployer } from '../../src/deployers/attach/index.js';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import type { Expectation, Runner } from '../../src/runtime/contracts.js';
import { plantDeadRun } from './helpers/dead-run.js';
import { readEvents } from './helpers/run-files.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-attach-'));
let devnet: Runner;
const devnetSpec = localSpec({ name: 'users-devnet', validators: 2, executors: 1, wallets: 5, seed: 99 });

beforeAll(async () => {
  devnet = await new LocalDeployer({ outDir, reports: false }).deploy(scenarioOf(devnetSpec));
});

afterAll(async () => {
  await devnet?.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

/** The chain moved during the run: the best height at evaluation is above the one at capture. */
function heightGrows(): Expectation {
  let atCapture = 0;
  const best = (tips: { height: number }[]) => Math.max(0, ...tips.map((t) => t.height));
  return {
    name: 'height-grows',
    async startCapture(ctx) {
      await ctx.blockFeed.refresh();
      atCapture = best(ctx.blockFeed.tips());
    },
    async evaluate(ctx) {
      const now = best(ctx.blockFeed.tips());
      return { status: now > atCapture ? 'pass' : 'fail', message: `height ${atCapture} -> ${now}` };
    },
  };
}

describe('AttachDeployer', () => {
  it('runs a scenario against running nodes and leaves them running', async () => {
    const urls = devnet.context.nodes().map((n) => n.descriptor.apiUrl);
    const scenario = scenarioOf({ ...localSpec({ name: 'attached', durationMs: 2000, cooldownMs: 0, wallets: 5 }), seed: 99 }, [], [heightGrows()]);
    const runner = await new AttachDeployer({ nodes: urls, outDir, reports: false }).deploy(scenario);
    expect(runner.context.nodes().map((n) => n.descriptor.name).sort()).toEqual(['executor-0', 'validator-0', 'validator-1']);
    // Wallets derived from the same seed are the devnet's funded ones; balances come from the chain.
    expect(runner.context.wallets.map((w) => w.address)).toEqual(devnet.context.wallets.map((w) => w.address));
    expect(runner.context.wallets.every((w) => w.initialBalance === 1_000_000)).toBe(true);
    expect(runner.context.nodeControl).toBeUndefined();
    const handle = await runner.run(scenario);
    await handle.dispose();
    expect(handle.summary.verdict).toBe('pass');
    expect(handle.summary.deployer).toBe('attach');
    expect(existsSync(join(handle.runDir, 'events.jsonl'))).toBe(true);
    expect(JSON.parse(readFileSync(join(handle.runDir, 'summary.json'), 'utf8')).chain.blocksInWindow).toBeGreaterThan(0);
    // The deployer does not know an attached node's memory: the node sampler reads it from the node's Prometheus text.
    const rss = new Map((await readEvents(handle.runDir)).filter((e) => e.kind === 'node.sample' && typeof e.rssBytes === 'number').map((e) => [e.node as string, e.rssBytes as number]));
    expect([...rss.keys()].sort()).toEqual(['executor-0', 'validator-0', 'validator-1']);
    for (const bytes of rss.values()) expect(bytes).toBeGreaterThan(10 * 1024 * 1024);
    // The attached nodes still run.
    for (const n of devnet.context.nodes()) expect((await n.client.health()).ok).toBe(true);
  });

  it('sweeps the leftovers of a dead local run as it starts (a stopped node, a port reservation, the registry entry) and says so', async () => {
    const dead = plantDeadRun('dead-attach-run');
    try {
      const said: string[] = [];
      const scenario = scenarioOf(localSpec({ name: 'attached-sweep', durationMs: 1000, cooldownMs: 0 }));
      const runner = await new AttachDeployer({ nodes: [devnet.context.nodes()[0]!.descriptor.apiUrl], outDir, reports: false, log: (l) => said.push(l) }).deploy(scenario);
      await runner.dispose();
      expect(said.join('\n')).toMatch(dead.sweptLine);
      expect(await dead.nodeExited).toBe('SIGKILL');
      expect(existsSync(dead.reservation)).toBe(false);
      expect(existsSync(dead.registryFile)).toBe(false);
      const sweep = (await readEvents(runner.context.runDir)).find((e) => e.kind === 'run.sweep');
      expect(sweep?.runs).toEqual([{ runId: dead.runId, runDir: dead.runDir, coordinatorPid: dead.coordinatorPid, killed: [{ node: 'validator-0', pid: dead.nodePid, stopped: true }], reservations: expect.any(Number), summaryWritten: false }]);
    } finally {
      dead.restore();
    }
  });

  it('takes wallets from a key file', async () => {
    const keyFile = join(outDir, 'keys.json');
    writeFileSync(keyFile, JSON.stringify({ wallets: devnet.context.wallets.slice(0, 2).map((w) => ({ seed: w.secret })) }));
    const scenario = scenarioOf(localSpec({ name: 'attached-keys', durationMs: 1000, cooldownMs: 0 }));
    const runner = await new AttachDeployer({ nodes: [devnet.context.nodes()[0]!.descriptor.apiUrl], keyFile, outDir, reports: false }).deploy(scenario);
    try {
      expect(runner.context.wallets.map((w) => [w.address, w.initialBalance])).toEqual(devnet.context.wallets.slice(0, 2).map((w) => [w.address, 1_000_000]));
    } finally {
      await runner.dispose();
    }
  });

  it('refuses node control, bad URLs and unreachable nodes with clear errors', async () => {
    const url = devnet.context.nodes()[0]!.descriptor.apiUrl;
    await expect(new AttachDeployer({ nodes: [url], outDir }).deploy(scenarioOf(localSpec({ nodeControl: true })))).rejects.toMatchObject({ code: 'LN_ERR_NODE_CONTROL', message: expect.stringContaining('node control is unavailable') });
    expect(() => new AttachDeployer({ nodes: [] })).toThrow(expect.objectContaining({ code: 'LN_ERR_USAGE' }));
    expect(() => new AttachDeployer({ nodes: ['ftp://x'] })).toThrow(/nodes\[0\]/);
    await expect(new AttachDeployer({ nodes: ['http://127.0.0.1:9'], outDir, reports: false }).deploy(scenarioOf(localSpec()))).rejects.toMatchObject({ code: 'LN_ERR_DEPLOY', message: expect.stringContaining('http://127.0.0.1:9') });
  });
});
