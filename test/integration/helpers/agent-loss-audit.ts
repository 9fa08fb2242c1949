/**
 * The accounting of a run that lost a load agent, checked against the chain itself (used on processes in
 * load-agents-run.test.ts and on the swarm in swarm-run.test.ts): nothing silently dropped (every submission
 * answered or in flight at the lost agent), the lost shard resolved per transaction (lost-shards.json), and an
 * audit of every block from a node that agrees exactly, per side: the lost shard's wallets hold on chain what the
 * resolution found, the other wallets what the coordinator counted included (beyond it only what was pending or
 * got no answer), every wallet's nonce agrees with the blocks, and no dropped id is on chain. Call it after the run settled and before the nodes are torn down.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ChainClient } from '../../../src/adapters/seam.js';

export interface LossAudit {
  load: Record<string, any>;
  lost: Record<string, any>;
  resolved: Record<string, any>;
  /** Ids of the lost shard's transactions the resolution found on chain (and the unreported ones among them). */
  file: { includedIds: string[]; includedUnreportedIds: string[] };
  inBlocks: number;
}

export async function auditAgentLoss(runDir: string, load: Record<string, any>, client: ChainClient, walletAddresses: readonly string[]): Promise<LossAudit> {
  expect(load.lostShards, 'one lost shard').toHaveLength(1);
  const lost = load.lostShards[0];
  // Nothing silently dropped: every submission is answered or was in flight at the lost agent.
  expect(load.submitted).toBe(load.accepted + load.rejectedTotal + load.errored + lost.inFlightAtLastReport);
  expect(Object.values(load.accounting as Record<string, boolean>).every(Boolean), JSON.stringify(load.accounting)).toBe(true);
  expect(load.accepted).toBe(load.included + load.pending + load.dropped);

  const [resolved] = load.lostShardsResolved;
  const file = JSON.parse(readFileSync(join(runDir, 'lost-shards.json'), 'utf8'))[0];
  expect(file.includedIds).toHaveLength(resolved.included);
  expect(file.includedUnreportedIds).toHaveLength(resolved.includedUnreported);
  expect(resolved.included).toBe(resolved.wallets.reduce((n: number, w: any) => n + w.endNonce - w.startNonce, 0));
  // Never reported accepted yet on chain: what the agent took with it (unknownAtLoss), or what it reported as
  // answered without acceptance (errored: under restarts a node may take a transaction and not answer).
  expect(resolved.includedUnreported, JSON.stringify({ lost, resolved: { ...resolved, wallets: undefined } })).toBeLessThanOrEqual(resolved.unknownAtLoss + lost.sent - lost.accepted - lost.inFlightAtLastReport);

  // Every block of the run, from the node, by height (the chain it is on).
  const tip = (await client.head()).height;
  const onChain = new Set<string>();
  for (let h = 1; h <= tip; h += 50) for (const b of await client.blocksByHeight(h, Math.min(tip, h + 49))) for (const id of b.txIds) onChain.add(id);
  // Every wallet sent only load transactions from nonce 0: the chain's nonces count its transactions.
  const nonces = await Promise.all(walletAddresses.map(async (a) => (await client.account(a)).nonce));
  const inBlocks = onChain.size;
  expect(nonces.reduce((a, b) => a + b, 0), 'Σ wallet nonces = transactions in blocks').toBe(inBlocks);
  // The lost shard's included ids (re-signed) are on chain, unreported ones included.
  for (const id of file.includedIds) expect(onChain.has(id), `lost shard's ${id} on chain`).toBe(true);
  // Exact, per side. The lost shard's wallets: on chain now what the resolution found (+ what a node still held
  // then and included since). The other shards': what the coordinator counted included, + what was pending at the
  // evaluation, + submissions that got no answer (errored: a node restarted or timed out mid-request) yet landed.
  const lostAddresses = new Set(resolved.wallets.map((w: any) => w.address));
  const lostNow = nonces.filter((_, i) => lostAddresses.has(walletAddresses[i]!)).reduce((a, b) => a + b, 0);
  const othersCounted = load.included - (resolved.included - resolved.includedUnreported);
  const othersNow = inBlocks - lostNow;
  const sides = JSON.stringify({ inBlocks, lostNow, lostResolved: resolved.included, pendingUnreported: resolved.pendingUnreported, reportedNotIncluded: resolved.reportedNotIncluded, othersNow, othersCounted, pending: load.pending, errored: load.errored });
  expect(lostNow, `the lost shard: on chain now vs resolved ${sides}`).toBeGreaterThanOrEqual(resolved.included);
  expect(lostNow - resolved.included, `the lost shard: landed since the resolution ${sides}`).toBeLessThanOrEqual(resolved.pendingUnreported + resolved.reportedNotIncluded);
  expect(othersNow, `the other shards: on chain vs counted included ${sides}`).toBeGreaterThanOrEqual(othersCounted);
  expect(othersNow - othersCounted, `the other shards: landed beyond the count ${sides}`).toBeLessThanOrEqual(load.pending + load.errored);
  const dropped = readFileSync(join(runDir, 'dropped.txt'), 'utf8').split('\n').filter(Boolean);
  for (const id of dropped) expect(onChain.has(id), `dropped ${id} is on chain`).toBe(false);
  return { load, lost, resolved, file, inBlocks };
}
