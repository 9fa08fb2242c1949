/**
 * Races built from a fixed batch of transactions: independent devnet transfers (one per sender), a plan of
 * which node gets which transactions when (the same batch to every node in its own seeded order, or disjoint
 * batches), running that plan against the nodes, and reading their mempools to compare them. The propagation
 * race and the mempool divergence workloads are made of these; they are exported from 'loadnet' so that a
 * user's own race is a few lines.
 */
import { devnetApi } from '../adapters/devnet/client.js';
import type { ChainClient } from '../adapters/seam.js';
import type { SigningKey } from '../adapters/devnet/wire/ed25519.js';
import { encodeTxBatch, signTransferFast } from '../adapters/devnet/wire/tx.js';
import type { RunNode } from '../runtime/contracts.js';
import { toHex, type Hex } from '../util/bytes.js';
import { nowMs, sleep } from '../util/clock.js';
import { sha256 } from '../util/hash.js';
import { seededRandom } from '../util/random.js';

/** A signed transaction as a race sends it. */
export interface BatchTx {
  id: Hex;
  bytes: Uint8Array;
}

/** An independent transfer: its sender's only transaction in the batch. */
export interface BatchTransfer extends BatchTx {
  from: Hex;
  to: Hex;
  nonce: number;
  fee: number;
  amount: number;
}

/** One request of a plan: these transactions to this node, `atMs` after the plan starts. */
export interface PlannedSend {
  node: string;
  atMs: number;
  txs: BatchTx[];
}

/** What one planned request got: the node's answer per transaction ('error' when the request failed). */
export interface SendOutcome {
  node: string;
  atMs: number;
  /** Unix ms (util/clock) when the request went out and when it was answered. */
  sentAt: number;
  answeredAt: number;
  ids: Hex[];
  results: string[];
  error?: string;
}

/** Sends transactions to a node, answering one result per transaction in order (devnet: 'ok', 'duplicate', …). */
export type BatchSubmitter = (node: string, txs: readonly BatchTx[]) => Promise<string[]>;

/** A devnet recipient that holds nothing before the race: derived from `salt` and an index. */
export function raceRecipient(salt: string, i: number): Hex {
  return toHex(sha256(new TextEncoder().encode(`loadnet/race/recipient/${salt}/${i}`)));
}

/**
 * One transfer from each sender at its next nonce to a fresh recipient (raceRecipient(salt, i)): no
 * transaction of the batch depends on another, so any order of arrival must include them all.
 */
export function independentTransfers(senders: ReadonlyArray<{ key: SigningKey; nonce: number }>, opts: { fee: number; amount: (i: number) => number; salt: string }): BatchTransfer[] {
  return senders.map((s, i) => {
    const to = raceRecipient(opts.salt, i);
    const amount = opts.amount(i);
    const { bytes, id } = signTransferFast(s.key, s.nonce, opts.fee, Buffer.from(to, 'hex'), amount);
    return { id, bytes, from: toHex(s.key.publicKey), to, nonce: s.nonce, fee: opts.fee, amount };
  });
}

export interface PlanTiming {
  seed: number;
  /** When the first node starts, from the plan's start. */
  atMs: number;
  /** Each node starts at atMs plus its own seeded offset in [0, jitterMs). */
  jitterMs: number;
  /** Transactions per request. */
  chunk: number;
  /** Between one node's consecutive requests. */
  spacingMs: number;
}

function shuffled<T>(xs: readonly T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function chunked(node: string, start: number, txs: readonly BatchTx[], t: PlanTiming): PlannedSend[] {
  const out: PlannedSend[] = [];
  for (let i = 0, k = 0; i < txs.length; i += t.chunk, k++) out.push({ node, atMs: start + k * t.spacingMs, txs: txs.slice(i, i + t.chunk) });
  return out;
}

/** The same batch to every node, each in its own seeded order from its own seeded offset. */
export function racePlan(batch: readonly BatchTx[], nodes: readonly string[], t: PlanTiming): PlannedSend[] {
  const random = seededRandom(t.seed);
  return nodes.flatMap((node) => {
    const start = t.atMs + Math.floor(random() * t.jitterMs);
    return chunked(node, start, shuffled(batch, random), t);
  });
}

/** Each node its own batch (none shared), from its own seeded offset. */
export function disjointPlan(batches: ReadonlyMap<string, readonly BatchTx[]>, t: PlanTiming): PlannedSend[] {
  const random = seededRandom(t.seed);
  return [...batches].flatMap(([node, txs]) => chunked(node, t.atMs + Math.floor(random() * t.jitterMs), txs, t));
}

/**
 * Run a plan from `startAt` (Unix ms, util/clock): one node's requests in order of `atMs`, each when due and
 * not before the previous one was answered; the nodes concurrently. A failed request is an outcome too.
 */
export async function submitPlan(plan: readonly PlannedSend[], submit: BatchSubmitter, startAt: number, signal?: AbortSignal): Promise<SendOutcome[]> {
  const byNode = new Map<string, PlannedSend[]>();
  for (const p of plan) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
  const outcomes: SendOutcome[] = [];
  await Promise.all(
    [...byNode.values()].map(async (sends) => {
      for (const p of sends.sort((a, b) => a.atMs - b.atMs)) {
        const wait = startAt + p.atMs - nowMs();
        if (wait > 0) await sleep(wait, signal);
        if (signal?.aborted) return;
        const sentAt = nowMs();
        const ids = p.txs.map((t) => t.id);
        try {
          const results = await submit(p.node, p.txs);
          outcomes.push({ node: p.node, atMs: p.atMs, sentAt, answeredAt: nowMs(), ids, results });
        } catch (e) {
          outcomes.push({ node: p.node, atMs: p.atMs, sentAt, answeredAt: nowMs(), ids, results: ids.map(() => 'error'), error: (e as Error).message });
        }
      }
    }),
  );
  return outcomes.sort((a, b) => a.sentAt - b.sentAt);
}

/** Submits through each devnet node's binary batch endpoint. */
export function devnetSubmitter(nodes: readonly RunNode[], feature: string): BatchSubmitter {
  const apis = new Map(nodes.map((n) => [n.descriptor.name, devnetApi(n.client, feature)]));
  return async (node, txs) => {
    const api = apis.get(node);
    if (!api) throw new Error(`no devnet node named ${node}`);
    return (await api.submitBatch(encodeTxBatch(txs.map((t) => t.bytes)))).results;
  };
}

/** Each node's pending transaction ids (ChainClient.mempoolIds); null for a node that did not answer. */
export async function readMempools(nodes: ReadonlyArray<{ name: string; client: ChainClient }>, limit = 100_000): Promise<Map<string, Set<Hex> | null>> {
  const pools = await Promise.all(nodes.map((n) => (n.client.mempoolIds ? n.client.mempoolIds(limit).then((ids) => new Set(ids), () => null) : Promise.resolve(null))));
  return new Map(nodes.map((n, i) => [n.name, pools[i]!]));
}

/** |A Δ B| for every pair of nodes that answered, keyed 'a|b' (names in the map's order). */
export function pairwiseDifferences(pools: ReadonlyMap<string, ReadonlySet<Hex> | null>): Record<string, number> {
  const live = [...pools].filter((e): e is [string, ReadonlySet<Hex>] => e[1] !== null);
  const out: Record<string, number> = {};
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const [a, pa] = live[i]!;
      const [b, pb] = live[j]!;
      let n = 0;
      for (const id of pa) if (!pb.has(id)) n++;
      for (const id of pb) if (!pa.has(id)) n++;
      out[`${a}|${b}`] = n;
    }
  }
  return out;
}
