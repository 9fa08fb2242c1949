/**
 * Churn judged (bundled with each churn fault): every joiner is synced (its chain holds the final block of the
 * most advanced live node) and, when it staked, produced at least one block of the canonical chain after it
 * joined; every leaver is gone from every live node's peer list. The numbers come from the nodes at evaluation
 * and the churn's record (faults/nemeses/churn.ts).
 */
import type { ChainBlock, ChainClient, PeerInfo } from '../adapters/seam.js';
import type { ExpectationResult, RunContext } from '../runtime/contracts.js';
import type { ChurnSpec } from '../scenario/spec.js';
import type { FaultWorkload } from '../faults/fault-workload.js';
import type { ChurnRecord } from '../faults/nemeses/churn.js';
import { mapLimit } from './common.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';

export interface JoinerObservation {
  name: string;
  joinedAt: number;
  /** null: not live at evaluation. */
  height: number | null;
  /** Its chain holds the reference node's final block. */
  synced: boolean;
  /** Canonical blocks it proposed after it joined, and all canonical blocks since then. */
  produced: number;
  blocksSince: number;
}

export interface LeaverObservation {
  name: string;
  /** Live nodes that still list it as a peer. */
  seenBy: string[];
}

/** `stake`: what each joiner declared (0: not staked, not required to produce). */
export function judgeChurn(stake: number, joiners: readonly JoinerObservation[], leavers: readonly LeaverObservation[], reference: string, injections: number): ExpectationResult {
  const problems: string[] = [];
  for (const j of joiners) {
    if (j.height === null) problems.push(`joiner ${j.name} is not live`);
    else if (!j.synced) problems.push(`joiner ${j.name} is not synced (height ${j.height}, ${reference}'s final block not on its chain)`);
    if (stake > 0 && j.produced === 0) problems.push(`joiner ${j.name} (stake ${stake}) produced 0 of the ${j.blocksSince} canonical blocks since it joined`);
  }
  for (const l of leavers) if (l.seenBy.length > 0) problems.push(`leaver ${l.name} is still a peer of ${l.seenBy.join(', ')}`);
  const figures = {
    injections,
    joiners: joiners.length,
    synced: joiners.filter((j) => j.synced).length,
    producing: joiners.filter((j) => j.produced > 0).length,
    blocksByJoiner: Object.fromEntries(joiners.map((j) => [j.name, j.produced])),
    leavers: leavers.length,
    leaversGone: leavers.filter((l) => l.seenBy.length === 0).length,
    reference,
  };
  if (injections === 0) return { status: 'fail', message: 'the churn was never injected', figures };
  if (problems.length > 0) return { status: 'fail', message: problems.join('; '), figures };
  const produced = stake > 0 ? `, each produced blocks (${joiners.map((j) => `${j.name} ${j.produced} of ${j.blocksSince}`).join(', ')})` : ' (not staked: not required to produce)';
  return { status: 'pass', message: `${joiners.length} joiner(s) synced with ${reference}${joiners.length ? produced : ''}; ${leavers.length} leaver(s) gone from every peer list`, figures };
}

/** Canonical blocks of `client` from height 1, a page at a time, that were made at or after `sinceMs`. */
async function blocksSince(client: ChainClient, tipHeight: number, sinceMs: number): Promise<ChainBlock[]> {
  const out: ChainBlock[] = [];
  for (let from = 1; from <= tipHeight; ) {
    const page = await client.blocksByHeight(from, tipHeight);
    if (page.length === 0) break;
    for (const b of page) if (b.timestamp >= sinceMs) out.push(b);
    from = page[page.length - 1]!.height + 1;
  }
  return out;
}

/** What the churn check read at evaluation: the joiners and leavers observed, or why none could be. */
type ChurnObserved =
  | { stake: number; joiners: JoinerObservation[]; leavers: LeaverObservation[]; reference: string; injections: number }
  | { problem: string; figures: Record<string, unknown> };

/** Churn over the history: what was read from the nodes at evaluation (no options: the bar is the fault's own). */
export const churnCheck: HistoryCheck<Record<string, never>> = {
  type: 'churn',
  kinds: [],
  options: () => ({}),
  judge(slice) {
    const o = slice.evaluate as unknown as ChurnObserved;
    if ('problem' in o) return { status: 'fail', message: o.problem, figures: o.figures };
    return judgeChurn(o.stake, o.joiners, o.leavers, o.reference, o.injections);
  },
};

export class ChurnExpectation extends RecordedExpectation<Record<string, never>> {
  readonly name: string;

  constructor(private readonly fault: FaultWorkload) {
    super(churnCheck, {});
    this.name = `${fault.name}-churn`;
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<ChurnObserved> {
    const spec = this.fault.spec as ChurnSpec;
    const records = this.fault.injections.map((i) => ({ at: i.injectedAt, rec: i.detail as unknown as ChurnRecord | undefined, error: i.error }));
    const failed = records.find((r) => r.error);
    if (failed) return { problem: `a churn injection failed: ${failed.error}`, figures: { injections: records.length } };
    const joined = records.flatMap((r) => (r.rec?.joined ?? []).map((j) => ({ ...j, at: r.at })));
    const left = records.flatMap((r) => r.rec?.left ?? []);
    const joinedNames = new Set(joined.map((j) => j.name));
    const live = ctx.nodes();
    const heads = await mapLimit(live, 8, async (n) => ({ n, head: await n.client.head().catch(() => null) }));
    // The reference: the live original node with the highest final block.
    const ref = heads.filter((h) => h.head && !joinedNames.has(h.n.descriptor.name)).sort((a, b) => b.head!.finalHeight - a.head!.finalHeight)[0];
    if (!ref) return { problem: 'no live node of the original topology answers', figures: {} };
    const refHead = ref.head!;
    const since = joined.length ? await blocksSince(ref.n.client, refHead.height, Math.min(...joined.map((j) => j.at))) : [];
    const joiners: JoinerObservation[] = await mapLimit(joined, 4, async (j) => {
      const h = heads.find((x) => x.n.descriptor.name === j.name);
      const mine = since.filter((b) => b.timestamp >= j.at);
      const produced = mine.filter((b) => b.proposer === j.peerId).length;
      if (!h?.head) return { name: j.name, joinedAt: j.at, height: null, synced: false, produced, blocksSince: mine.length };
      const atFinal = refHead.finalHeight === 0 ? [] : await h.n.client.blocksByHeight(refHead.finalHeight, refHead.finalHeight);
      const synced = refHead.finalHeight === 0 || atFinal[0]?.id === refHead.final;
      return { name: j.name, joinedAt: j.at, height: h.head.height, synced, produced, blocksSince: mine.length };
    });
    const peerLists = await mapLimit(live, 8, async (n) => ({ name: n.descriptor.name, ids: (await n.client.peers().catch((): PeerInfo => ({ count: 0 }))).ids }));
    const leavers: LeaverObservation[] = left.map((l) => ({ name: l.name, seenBy: peerLists.filter((p) => p.ids?.includes(l.peerId)).map((p) => p.name) }));
    return { stake: spec.stake, joiners, leavers, reference: ref.n.descriptor.name, injections: records.length };
  }
}
