/** The heights of a run's nodes, and the check that a node back from a fault is caught up and follows the chain. */
import { expect } from 'vitest';
import type { RunContext, RunNode } from '../../../src/runtime/contracts.js';
import { waitFor } from './run-files.js';

/** Each node's head height, by node name. */
export async function heights(nodes: readonly RunNode[]): Promise<Map<string, number>> {
  const entries = await Promise.all(nodes.map(async (n) => [n.descriptor.name, (await n.client.head()).height] as const));
  return new Map(entries);
}

/** The node is at most one block behind the best other node, and its height moves on within 15 s. */
export async function expectCaughtUpAndFollowing(ctx: RunContext, name: string): Promise<void> {
  const h = await heights(ctx.nodes());
  const best = Math.max(...[...h].filter(([n]) => n !== name).map(([, v]) => v));
  expect(h.get(name)!).toBeGreaterThanOrEqual(best - 1);
  const before = h.get(name)!;
  await waitFor(async () => (await ctx.node(name).client.head()).height > before, 15_000, `${name} height to move past ${before}`);
}
