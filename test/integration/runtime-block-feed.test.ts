/**
 * The block feed on real nodes under faults: a partition makes two branches; after healing, the losing
 * side's nodes switch branch and the feed reports it as reorgs (nothing final reverted, k being larger
 * than the partition); every block is emitted once; final blocks agree across nodes; the feed follows a
 * node through a kill and restart (down, then up again).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import type { FeedBlock, ReorgEvent, Runner } from '../../src/runtime/contracts.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { keepRunsOnFailure, readEvents, waitFor } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-block-feed-'));
let runner: Runner;
const reorgs: ReorgEvent[] = [];
const blocks: FeedBlock[] = [];
const finals: FeedBlock[] = [];

keepRunsOnFailure(afterEach, outDir, 'block-feed');

beforeAll(async () => {
  const scenario = scenarioOf(localSpec({ name: 'block-feed', validators: 4, executors: 0, shape: 'full', nodeControl: true, slotDurationMs: 500, activeSlotCoeff: 0.9, securityParam: 20 }));
  runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
  runner.context.blockFeed.subscribe({ onReorg: (r) => reorgs.push(r), onBlock: (b) => blocks.push(b), onFinal: (b) => finals.push(b) });
});

afterAll(async () => {
  await runner?.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

describe('block feed', () => {
  it('sees both branches of a partition and the reorg when it heals, without reverting anything final', async () => {
    const ctx = runner.context;
    const ctrl = ctx.nodeControl!;
    await ctrl.partition(['validator-0', 'validator-1'], ['validator-2', 'validator-3']);
    const tipsDiffer = async () => {
      const [a, b] = await Promise.all([ctx.node('validator-0').client.head(), ctx.node('validator-2').client.head()]);
      return a.tip !== b.tip && a.height > 0 && b.height > 0;
    };
    await waitFor(async () => {
      if (!(await tipsDiffer())) return false;
      // Each side has built at least two blocks of its own since the cut.
      const ids = new Set(blocks.map((b) => b.id));
      return ids.size > 0 && (await Promise.all(['validator-0', 'validator-2'].map((n) => ctx.node(n).client.head()))).every((i) => i.height >= 3);
    }, 20_000, 'the two sides to diverge');
    await new Promise((r) => setTimeout(r, 2000));
    const [sideA, sideB] = await Promise.all([ctx.node('validator-0').client.head(), ctx.node('validator-2').client.head()]);
    await ctrl.heal();
    await waitFor(async () => {
      const infos = await Promise.all(ctx.nodes().map((n) => n.client.head()));
      return new Set(infos.map((i) => i.tip)).size === 1;
    }, 30_000, 'all nodes to converge on one tip');
    await ctx.blockFeed.refresh();
    // The losing side's pre-heal tip is off the final chain, and the feed reported it reverted.
    const onChain = async (tip: string, height: number) => (await ctx.node('validator-1').client.blocksByHeight(height, height))[0]?.id === tip;
    const losers = [];
    for (const side of [sideA, sideB]) if (!(await onChain(side.tip, side.height))) losers.push(side.tip);
    expect(losers.length).toBeGreaterThan(0);
    for (const tip of losers) expect(reorgs.some((r) => r.reverted.includes(tip))).toBe(true);
    expect(reorgs.every((r) => !r.revertedFinal && r.depth === r.reverted.length && r.depth > 0)).toBe(true);
    // Every block once, by id.
    expect(new Set(blocks.map((b) => b.id)).size).toBe(blocks.length);
    // Every block of the converged chain was emitted (first seen on some node), with its transactions list.
    const tip = await ctx.node('validator-1').client.head();
    const canonical = await ctx.node('validator-1').client.blocksByHeight(1, tip.height);
    for (const b of canonical) expect(ctx.blockFeed.block(b.id), `height ${b.height}`).toMatchObject({ height: b.height, parent: b.parent, txIds: [] });
    // Followed nodes are read by id lists; each block body is fetched about once, not once per node.
    const feed = ctx.blockFeed as unknown as { reads: { headers: number; ranges: number; blockBodies: number }; stats: { blocks: number } };
    expect(feed.reads.headers).toBeGreaterThan(feed.reads.ranges);
    expect(feed.reads.blockBodies).toBeLessThan(2 * feed.stats.blocks);
    // The reverted blocks were real blocks the feed had emitted.
    for (const r of reorgs) for (const id of r.reverted) expect(ctx.blockFeed.block(id)).toBeDefined();
  });

  it('final blocks are k deep, agree across nodes and carry first-seen and final times', async () => {
    const ctx = runner.context;
    await waitFor(() => finals.length >= 2, 40_000, 'two blocks to become final');
    for (const b of finals) {
      expect(ctx.blockFeed.finalAt(b.height)).toBe(b.id);
      expect(b.finalAt!).toBeGreaterThanOrEqual(b.firstSeenAt);
      const onNode = await ctx.node('validator-3').client.blocksByHeight(b.height, b.height);
      expect(onNode[0]!.id).toBe(b.id);
    }
    const events = await readEvents(ctx.runDir);
    expect(events.filter((e) => e.kind === 'block.final').map((e) => e.id)).toEqual(expect.arrayContaining(finals.map((b) => b.id)));
    expect(events.filter((e) => e.kind === 'reorg').length).toBe(reorgs.length);
  });

  it('follows a node through kill and restart: reported down, then up and at the tip', async () => {
    const ctx = runner.context;
    const ctrl = ctx.nodeControl!;
    await ctrl.kill('validator-3');
    await waitFor(() => ctx.blockFeed.tips().some((t) => t.node === 'validator-3' && !t.up), 5_000, 'the feed to see validator-3 down');
    await ctrl.start('validator-3');
    await waitFor(() => {
      const tips = ctx.blockFeed.tips();
      const v3 = tips.find((t) => t.node === 'validator-3');
      const best = Math.max(...tips.map((t) => t.height));
      return !!v3 && v3.up && v3.height >= best - 1;
    }, 10_000, 'the feed to see validator-3 back at the tip');
  });
});
