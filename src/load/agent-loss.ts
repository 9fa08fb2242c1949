/**
 * A load agent lost mid-run (agentLoss 'continue') leaves transactions whose fate the coordinator never heard:
 * the ones in flight at its last report and the ones it sent after. They are resolved here from the chain, per
 * transaction, after the run settled. A chain's transactions are deterministic (same wallet and nonce, same id:
 * WorkerTxFactory.sign), and each wallet sends its nonces in order from where the chain stood at the start, so
 * for each lost wallet: every nonce from its start nonce up to its nonce on chain now is an included
 * transaction (its id is re-signed here), and no nonce beyond is on chain. Ids the agent reported accepted that
 * are not among them are still in a mempool or dropped (the load's own inclusion outcome lists them too);
 * included ids it never reported are listed as such, and unreported ids beyond the chain's nonce that a node
 * still holds are listed as pending. Everything goes to `<runDir>/lost-shards.json`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hex, TxFactoryModule, WorkerTxFactory } from '../adapters/seam.js';
import type { RunNode } from '../runtime/contracts.js';
import type { LostShardDetail } from './engine.js';
import { mempoolIds } from './outcome.js';

export interface LostShardResolution {
  agent: string;
  workerIndex: number;
  reason: string;
  /** Each wallet of the shard: its nonce when the load started and on chain after the run. */
  wallets: Array<{ address: string; startNonce: number; endNonce: number }>;
  /** Transactions of these wallets on chain since the load started (Σ endNonce − startNonce). */
  included: number;
  /** Of those, never reported accepted by the agent (answered after its last report, or sent in its last moments). */
  includedUnreported: number;
  /** Reported accepted, on no chain: still in a mempool or dropped (in the load's outcome as well). */
  reportedNotIncluded: number;
  /** Never reported, not on chain, in some node's mempool now (may still be included). */
  pendingUnreported: number;
  /**
   * The most transactions whose fate the agent took with it: in flight at its last report, plus its share of
   * the schedule from that report to the loss. Those not included nor pending above never reached a chain.
   */
  unknownAtLoss: number;
}

export interface LostShardIds {
  includedIds: Hex[];
  includedUnreportedIds: Hex[];
  reportedNotIncludedIds: Hex[];
  pendingUnreportedIds: Hex[];
}

export const lostShardsPath = (runDir: string): string => join(runDir, 'lost-shards.json');

async function factoryFor(d: LostShardDetail): Promise<WorkerTxFactory> {
  const url = d.txFactory.module.startsWith('file:') ? d.txFactory.module : pathToFileURL(d.txFactory.module).href;
  const mod = (await import(url)) as TxFactoryModule;
  return mod.createTxFactory({ wallets: d.wallets.map((w) => ({ index: w.index, secret: w.secret })), recipients: d.recipients, params: d.params, options: d.txFactory.options });
}

/** The highest confirmed nonce any node reports for the address (nodes that do not answer are skipped). */
async function chainNonce(nodes: readonly RunNode[], address: string): Promise<number | undefined> {
  const answers = await Promise.allSettled(nodes.map((n) => n.client.account(address)));
  const nonces = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value.nonce] : []));
  return nonces.length ? Math.max(...nonces) : undefined;
}

export async function resolveLostShard(d: LostShardDetail, nodes: readonly RunNode[], pools?: ReadonlySet<Hex>): Promise<LostShardResolution & LostShardIds> {
  const factory = await factoryFor(d);
  const { lost } = d;
  const since = Math.max(lost.lastReportAtMs, d.t0) - d.t0;
  const dueSince = Math.max(0, d.schedule.countAt(Math.max(since, lost.lostAtMs - d.t0)) - d.schedule.countAt(since));
  const unknownAtLoss = lost.inFlightAtLastReport + Math.ceil(dueSince / d.workerCount);
  const inPools = pools ?? (await mempoolIds(nodes));
  const wallets: LostShardResolution['wallets'] = [];
  const includedIds: Hex[] = [];
  const pendingUnreportedIds: Hex[] = [];
  for (const [slot, w] of d.wallets.entries()) {
    const endNonce = (await chainNonce(nodes, w.address)) ?? w.startNonce;
    wallets.push({ address: w.address, startNonce: w.startNonce, endNonce });
    for (let n = w.startNonce; n < endNonce; n++) includedIds.push(factory.sign(slot, n).id);
    // Beyond the chain's nonce: only what a node still holds exists anywhere; the agent sent at most unknownAtLoss more.
    for (let n = endNonce; n < endNonce + unknownAtLoss + 1; n++) {
      const id = factory.sign(slot, n).id;
      if (inPools.has(id) && !d.reportedAccepted.has(id)) pendingUnreportedIds.push(id);
    }
  }
  const included = new Set(includedIds);
  const includedUnreportedIds = includedIds.filter((id) => !d.reportedAccepted.has(id));
  const reportedNotIncludedIds = [...d.reportedAccepted].filter((id) => !included.has(id));
  return {
    agent: lost.agent,
    workerIndex: lost.workerIndex,
    reason: lost.reason,
    wallets,
    included: includedIds.length,
    includedUnreported: includedUnreportedIds.length,
    reportedNotIncluded: reportedNotIncludedIds.length,
    pendingUnreported: pendingUnreportedIds.length,
    unknownAtLoss,
    includedIds,
    includedUnreportedIds,
    reportedNotIncludedIds,
    pendingUnreportedIds,
  };
}

/** Resolves every lost shard and writes them with their ids to `file`; returns the figures (without ids). */
export async function resolveLostShards(details: readonly LostShardDetail[], nodes: readonly RunNode[], file: string): Promise<LostShardResolution[]> {
  if (details.length === 0) return [];
  const pools = await mempoolIds(nodes);
  const resolved = [];
  for (const d of details) resolved.push(await resolveLostShard(d, nodes, pools));
  writeFileSync(file, `${JSON.stringify(resolved, null, 1)}\n`);
  return resolved.map(({ includedIds: _a, includedUnreportedIds: _b, reportedNotIncludedIds: _c, pendingUnreportedIds: _d, ...figures }) => figures);
}
