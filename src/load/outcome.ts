/**
 * The end of a load: every accepted transaction is included, still pending (in some node's mempool) or
 * dropped (in no block and no mempool: evicted, expired or lost with a restarted node). Dropped ids are
 * written to `<runDir>/dropped.txt`, so accepted = included + pending + dropped holds by id.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hex } from '../adapters/seam.js';
import type { RunNode } from '../runtime/contracts.js';
import { percentiles, type Percentiles } from './histogram.js';
import type { InclusionTracker } from './inclusion-tracker.js';
import type { LoadTotals } from './figures.js';

export interface InclusionOutcome {
  included: number;
  final: number;
  pending: number;
  dropped: number;
  repeatedAcceptances: number;
  reverted: number;
  inclusion: Percentiles;
  finality: Percentiles;
}

/** Ids in any node's mempool now (nodes that do not answer, or chains without a mempool view, are skipped). */
export async function mempoolIds(nodes: readonly RunNode[]): Promise<Set<Hex>> {
  const all = new Set<Hex>();
  const lists = await Promise.allSettled(nodes.map((n) => (n.client.mempoolIds ? n.client.mempoolIds(100_000) : Promise.resolve([]))));
  for (const l of lists) if (l.status === 'fulfilled' && Array.isArray(l.value)) for (const id of l.value) all.add(id);
  return all;
}

/** Split the tracker's unincluded ids into pending and dropped; write the dropped ones to `droppedFile`. */
export async function settleInclusion(tracker: InclusionTracker, nodes: readonly RunNode[], droppedFile?: string): Promise<InclusionOutcome> {
  const unincluded = tracker.pendingIds();
  const inPools = unincluded.length > 0 ? await mempoolIds(nodes) : new Set<Hex>();
  const dropped = unincluded.filter((id) => !inPools.has(id));
  if (droppedFile) writeFileSync(droppedFile, dropped.length ? dropped.join('\n') + '\n' : '');
  const c = tracker.counts();
  return {
    included: c.included,
    final: c.final,
    pending: unincluded.length - dropped.length,
    dropped: dropped.length,
    repeatedAcceptances: c.repeatedAcceptances,
    reverted: c.reverted,
    inclusion: percentiles(tracker.inclusion),
    finality: percentiles(tracker.finality),
  };
}

export const droppedPath = (runDir: string): string => join(runDir, 'dropped.txt');

/** The `load` summary section: engine totals plus the inclusion outcome, with the accounting checks spelled out. */
export function loadSummary(totals: LoadTotals, outcome: InclusionOutcome | undefined, target: { rate: unknown; users: number; threads: number }): Record<string, unknown> {
  // A lost load agent's shards took their in-flight transactions' answers with them (resolved from the chain: agent-loss.ts).
  const lostInFlight = (totals.lostShards ?? []).reduce((n, l) => n + l.inFlightAtLastReport, 0);
  const rejectedOk = totals.submitted === totals.accepted + totals.rejectedTotal + totals.errored + lostInFlight;
  const inclusionOk = outcome ? totals.accepted === outcome.included + outcome.pending + outcome.dropped + outcome.repeatedAcceptances : undefined;
  return {
    ...totals,
    rate: target.rate,
    users: target.users,
    threads: target.threads,
    ...(outcome ?? {}),
    ...(totals.lostShards ? { lostInFlight } : {}),
    accounting: {
      [lostInFlight > 0 || totals.lostShards ? 'submitted = accepted + rejected + errored + in flight at a lost agent' : 'submitted = accepted + rejected + errored']: rejectedOk,
      ...(inclusionOk === undefined ? {} : { 'accepted = included + pending + dropped': inclusionOk }),
    },
  };
}
