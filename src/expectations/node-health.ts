/**
 * Node health under attack: no node crashed, none used memory without bound, none included an invalid
 * transaction. Attached by default to every scenario with an adversary workload (scenario/resolve.ts).
 *  - crashes: `node.exit` events loadnet did not ask for (chaos and faults stop nodes with `expected: true`);
 *  - memory: each node's RSS from the node sampler's `node.sample` events (the one place memory is measured):
 *    the peak below `maxRssMiB`, and over the second half of the run (window start to evaluation: the
 *    cooldown shows whether memory settles once the attack ends) the Theil–Sen slope (util/trend.ts, as the
 *    soak monitor judges leaks) at most `maxRssSlopeMiBPerMin`; a half shorter than MIN_SLOPE_SPAN_MS or
 *    with fewer than MIN_SLOPE_SAMPLES samples is reported as not judged, and so is a node (re)started within
 *    it (chaos): a fresh process growing to its working size is no leak;
 *  - invalid transactions: the ids the workloads that send them recorded (SendsInvalidTxs: the fuzzer, the API
 *    flood's forged-signature batches, the flooding peer's invalid gossip), looked up in every block the
 *    block feed saw on any node (runtime/invalid-txs.ts, the fuzzer's own check).
 */
import type { ExpectationResult, RunContext, Workload } from '../runtime/contracts.js';
import type { RunEvent } from '../runtime/run-events.js';
import { InvalidInclusionWatch, sendsInvalidTxs, type SendsInvalidTxs } from '../runtime/invalid-txs.js';
import { nowMs } from '../util/clock.js';
import type { Hex } from '../util/bytes.js';
import { checkTrend } from '../util/trend.js';
import { checkNumber, round, shortId, stripUndefined } from './common.js';
import { RecordedExpectation, windowOf, type HistoryCheck } from './recorded.js';

export interface NodeHealthOptions {
  /** Each node's peak RSS must stay at or below this, MiB. */
  maxRssMiB: number;
  /** Each node's RSS slope over the second half of the run, MiB per minute (Theil–Sen). */
  maxRssSlopeMiBPerMin: number;
}

/** Kept equal to DEFAULT_NODE_HEALTH (scenario/defaults.ts), which says why. */
export const NODE_HEALTH_DEFAULTS: NodeHealthOptions = { maxRssMiB: 1024, maxRssSlopeMiBPerMin: 60 };

/** A slope over less than this, or fewer samples, is noise (a GC, a heap growing to its working size): not judged. */
export const MIN_SLOPE_SPAN_MS = 10_000;
export const MIN_SLOPE_SAMPLES = 5;

const MiB = 1024 * 1024;

export interface NodeMemoryFigures {
  samples: number;
  peakMiB: number;
  /** Window-relative time of the peak, ms. */
  peakAtMs: number;
  /** MiB/min over the second half (null: not judged). */
  slopeMiBPerMin: number | null;
  slopeSamples: number;
  slopeSpanMs: number;
}

export interface NodeCrash {
  node: string;
  code: number | null;
  signal: string | null;
  /** Unix ms, and ms from the window's start. */
  at: number;
  atWindowMs: number;
}

/** What node-health read at evaluation (besides the collected events). */
export interface NodeHealthObserved {
  /** When the judged span ends (evaluation). */
  evaluatedAt: number;
  invalid: {
    /** Each workload that sends invalid transactions, with the distinct ids it recorded. */
    sources: Array<{ workload: string; ids: number }>;
    blocksChecked: number;
    included: number;
    /** The first few found, for the message. */
    first: Array<{ id: Hex; workload: string; kind: string; height: number }>;
  };
}

function nodeHealthOptions(raw: Record<string, unknown>): NodeHealthOptions {
  const o = { ...NODE_HEALTH_DEFAULTS, ...stripUndefined(raw) };
  return {
    maxRssMiB: checkNumber('node-health', 'maxRssMiB', o.maxRssMiB, 0, Number.MAX_SAFE_INTEGER, `a non-negative number of MiB (default ${NODE_HEALTH_DEFAULTS.maxRssMiB})`),
    maxRssSlopeMiBPerMin: checkNumber('node-health', 'maxRssSlopeMiBPerMin', o.maxRssSlopeMiBPerMin, 0, Number.MAX_SAFE_INTEGER, `a non-negative number of MiB per minute (default ${NODE_HEALTH_DEFAULTS.maxRssSlopeMiBPerMin})`),
  };
}

/** The judge: crashes, memory per node, invalid transactions included; every problem named with its numbers. */
export function judgeNodeHealth(events: readonly RunEvent[], window: { startMs: number; endMs: number }, observed: NodeHealthObserved, o: NodeHealthOptions): ExpectationResult {
  const crashes: NodeCrash[] = [];
  const rss = new Map<string, Array<{ t: number; value: number }>>();
  const lastStart = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'node.spawn') lastStart.set(e.node, e.t);
    else if (e.kind === 'node.exit' && !e.expected) crashes.push({ node: e.node, code: e.code, signal: e.signal ?? null, at: e.t, atWindowMs: Math.round(e.t - window.startMs) });
    else if (e.kind === 'node.sample' && e.rssBytes !== undefined && e.t >= window.startMs && e.t <= observed.evaluatedAt) {
      let list = rss.get(e.node);
      if (!list) rss.set(e.node, (list = []));
      list.push({ t: e.t, value: e.rssBytes / MiB });
    }
  }
  const problems: string[] = [];
  const notes: string[] = [];
  for (const c of crashes) {
    problems.push(`${c.node} exited unasked (code ${c.code ?? '-'}, signal ${c.signal ?? '-'}) at ${new Date(c.at).toISOString()} (${round(c.atWindowMs / 1000, 1)} s into the window)`);
  }

  const half = window.startMs + (observed.evaluatedAt - window.startMs) / 2;
  const nodes: Record<string, NodeMemoryFigures> = {};
  const unjudged: string[] = [];
  const restarted: string[] = [];
  for (const [node, list] of [...rss].sort(([a], [b]) => a.localeCompare(b))) {
    const peak = list.reduce((m, p) => (p.value > m.value ? p : m), list[0]!);
    const tail = list.filter((p) => p.t >= half);
    const trend = checkTrend(`${node}.rss`, tail, { maxSlopePerHour: o.maxRssSlopeMiBPerMin * 60, minPoints: MIN_SLOPE_SAMPLES, minSpanMs: MIN_SLOPE_SPAN_MS });
    const startedAt = lastStart.get(node);
    const fresh = startedAt !== undefined && startedAt >= half;
    const slope = fresh || trend.status === 'unknown' || trend.slopePerHour === null ? null : round(trend.slopePerHour / 60, 2);
    nodes[node] = { samples: list.length, peakMiB: round(peak.value, 1), peakAtMs: Math.round(peak.t - window.startMs), slopeMiBPerMin: slope, slopeSamples: trend.points, slopeSpanMs: Math.round(trend.spanMs) };
    if (peak.value > o.maxRssMiB) problems.push(`${node} RSS peaked at ${round(peak.value, 1)} MiB at ${round((peak.t - window.startMs) / 1000, 1)} s, above the bound ${o.maxRssMiB} MiB`);
    if (fresh) restarted.push(`${node} at ${round((startedAt - window.startMs) / 1000, 1)} s`);
    else if (slope === null) unjudged.push(node);
    else if (trend.status === 'fail') problems.push(`${node} RSS grew ${slope} MiB/min over the run's second half (${trend.points} samples over ${round(trend.spanMs / 1000, 1)} s), above ${o.maxRssSlopeMiBPerMin} MiB/min`);
  }
  if (rss.size === 0) notes.push('memory not judged: no node reported its RSS');
  if (restarted.length > 0) notes.push(`RSS slope not judged on nodes started within the run's second half: ${restarted.join(', ')}`);
  if (unjudged.length > 0) notes.push(`RSS slope not judged on ${unjudged.join(', ')} (the run's second half holds fewer than ${MIN_SLOPE_SAMPLES} samples over ${MIN_SLOPE_SPAN_MS / 1000} s)`);

  const inv = observed.invalid;
  if (inv.included > 0) {
    const shown = inv.first.map((x) => `${shortId(x.id)} (${x.workload} ${x.kind}) at height ${x.height}`).join(', ');
    problems.push(`${inv.included} invalid transactions included in blocks: ${shown}`);
  }

  const memory = Object.entries(nodes)
    .map(([n, f]) => `${n} peak ${f.peakMiB} MiB, slope ${f.slopeMiBPerMin === null ? 'not judged' : `${f.slopeMiBPerMin} MiB/min`}`)
    .join('; ');
  const sent = inv.sources.map((s) => `${s.ids} from ${s.workload}`).join(', ');
  const invalidLine = inv.sources.length > 0 ? `${inv.included} of the invalid transactions (${sent}) in ${inv.blocksChecked} blocks checked` : 'no workload sent invalid transactions';
  const line = `${crashes.length} node${crashes.length === 1 ? '' : 's'} exited unasked; memory (bounds ${o.maxRssMiB} MiB, ${o.maxRssSlopeMiBPerMin} MiB/min): ${memory || '–'}; ${invalidLine}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
  const figures = { crashes, nodes, maxRssMiB: o.maxRssMiB, maxRssSlopeMiBPerMin: o.maxRssSlopeMiBPerMin, slopeFromMs: Math.round(half - window.startMs), invalid: inv };
  return { status: problems.length === 0 ? 'pass' : 'fail', message: problems.length === 0 ? line : `${problems.join('; ')} — ${line}`, figures };
}

export const nodeHealthCheck: HistoryCheck<NodeHealthOptions> = {
  type: 'node-health',
  kinds: ['node.exit', 'node.sample', 'node.spawn'],
  options: nodeHealthOptions,
  judge: (slice, o) => judgeNodeHealth(slice.events, windowOf(slice), slice.evaluate as unknown as NodeHealthObserved, o),
};

/** How many included invalid transactions a message and the record name. */
const FIRST_SHOWN = 5;

export class NodeHealth extends RecordedExpectation<NodeHealthOptions> {
  readonly name = 'node-health';
  private readonly sources: SendsInvalidTxs[];
  private readonly watch: InvalidInclusionWatch;

  /** `workloads`: the scenario's; those that send invalid transactions (SendsInvalidTxs) are watched for. */
  constructor(options: Partial<NodeHealthOptions> = {}, workloads: readonly Workload[] = []) {
    super(nodeHealthCheck, nodeHealthOptions(options));
    this.sources = workloads.filter(sendsInvalidTxs);
    // The watch's kind carries the sender too (workload names hold ':', hence the NUL between).
    this.watch = new InvalidInclusionWatch((id) => {
      for (const s of this.sources) {
        const kind = s.invalidTxKind(id);
        if (kind !== undefined) return `${s.name}\u0000${kind}`;
      }
      return undefined;
    });
  }

  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    this.watch.start(ctx.blockFeed);
    return {};
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<NodeHealthObserved & Record<string, unknown>> {
    const evaluatedAt = nowMs();
    const { blocksChecked, included } = await this.watch.finish(ctx.blockFeed);
    return {
      evaluatedAt,
      invalid: {
        sources: this.sources.map((s) => ({ workload: s.name, ids: s.invalidTxCount })),
        blocksChecked,
        included: included.length,
        first: included.slice(0, FIRST_SHOWN).map((x) => {
          const [workload, kind] = x.kind.split('\u0000') as [string, string];
          return { id: x.id, workload, kind, height: x.height };
        }),
      },
    };
  }
}
