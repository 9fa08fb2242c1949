/**
 * Fee pressure (`.feePressure({ tiers, ... })`, JSON `{ "type": "fee-pressure" }`): one transaction stream
 * per fee tier, each from its own wallet range and at its share of one offered rate, ramped past what the
 * blocks hold. Each tier is a TransactionWorkload of its own (load engine, inclusion tracking) named
 * `fee-pressure:<tier>`. Bundles FeePriority, which records the report and is judged by feePriorityCheck
 * (expectations/adversary.ts), at the end:
 *  - evictions active at capacity: the nodes' mempools evicted ≥ minEvictions transactions during the run;
 *  - higher tiers included sooner: inclusion p50 and p99 ordered by fee (each tier's p99 no later than the
 *    next lower one's, its p50 at most maxTierLatencyRatio × the next lower one's). A percentile counts the tier's dropped
 *    (evicted) transactions as never included: a tier that lost over half of its decided transactions
 *    (included + dropped) has no p50 (∞), one that lost over 1 % has no p99; included-only latencies would
 *    flatter the low tiers, whose few survivors were the early ones;
 *  - block fill at saturation: the median block of the load span's second half holds ≥ minBlockFill of a
 *    block's capacity;
 *  - throughput stable or degrading gracefully: transactions included per second (canonical blocks) over the
 *    last third of the load span ≥ minThroughputFraction × over the middle third (two equal spans, so block
 *    timing noise weighs alike on both; a ramp belongs in the first third).
 * The tiers' engines are prepared before the window (worker threads spawned, nonces synced, transactions
 * pre-signed) and start on its start: started in the window, a loaded machine took seconds to spawn the three
 * tiers' workers (8.5 s of a 15 s window on containers), leaving the mid tier too little time to queue. The
 * load span still runs from the moment every tier's engine offers load to the window's end (started without
 * `prepare`, the engines spawn in the window): the empty blocks before are no evidence about saturation.
 * The `feePressure` summary section holds each tier's figures and its curve (per second: offered, included,
 * inclusion p50/p99). The mempool's bound is the `mempool-bounded` expectation's (expectMempoolBounded).
 */
import { chainOf } from '../adapters/registry.js';
import { LoadnetError } from '../errors.js';
import type { LoadInterval } from '../load/figures.js';
import type { Histogram } from '../load/histogram.js';
import { adversaryBounds, feePriorityCheck, type FeePressureObserved, type FeePriorityOptions, type FeeTierObserved } from '../expectations/adversary.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { Expectation, FeedBlock, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import type { FeePressureWorkloadSpec, FeeTierSpec, RateSpec, ScenarioSpec } from '../scenario/spec.js';
import { nowMs } from '../util/clock.js';
import { TransactionWorkload } from './transactions.js';

/** One second of a tier's curve (from its load engine's interval). */
export interface FeeTierPoint {
  /** Seconds since the run window started. */
  t: number;
  offeredTps: number;
  acceptedTps: number;
  includedTps: number;
  inclusionP50Ms: number;
  inclusionP99Ms: number;
}

/** A tier's figures at the end of the run. */
export interface FeeTierReport extends FeeTierObserved {
  /** Its wallet range [first, first + users). */
  wallets: { first: number; users: number };
  submitted: number;
  rejected: Record<string, number>;
  pending: number;
  /** Of the included transactions only (effectiveP50Ms / effectiveP99Ms are the whole tier's). */
  inclusionP50Ms: number | null;
  inclusionP99Ms: number | null;
  curve: FeeTierPoint[];
}

/** The fee-pressure record (fields in FeePressureObserved, as feePriorityCheck reads them) with each tier's curve. */
export interface FeePressureReport extends FeePressureObserved {
  tiers: FeeTierReport[];
}

/** The rate scaled by `factor` (a tier's share of the offered rate). */
export function scaleRate(rate: RateSpec, factor: number): RateSpec {
  if (rate.kind === 'perBlock') return { kind: 'perBlock', perBlock: rate.perBlock * factor };
  if (rate.kind === 'perSecond') return { kind: 'perSecond', perSecond: rate.perSecond * factor };
  return { kind: 'stages', stages: rate.stages.map((s) => ({ ...s, perSecond: s.perSecond * factor })) };
}

interface Tier {
  spec: FeeTierSpec;
  load: TransactionWorkload;
  curve: FeeTierPoint[];
}

export class FeePressureWorkload implements Workload {
  readonly name = 'fee-pressure';
  readonly tiers: Tier[];
  private readonly expectation: FeePriority;
  /** Each node's eviction counters before the load (read in prepare, else at the start). */
  private evictionsBefore?: Map<string, Record<string, number>>;
  private readonly blocks: Array<{ id: string; seenAt: number; txs: number }> = [];
  private unsubscribe?: () => void;
  private window?: { startMs: number; endMs: number };
  report?: FeePressureReport;

  constructor(readonly spec: FeePressureWorkloadSpec) {
    const shares = spec.tiers.reduce((s, t) => s + t.share, 0);
    this.tiers = spec.tiers.map((t) => {
      const curve: FeeTierPoint[] = [];
      const load = new TransactionWorkload(
        { type: 'transactions', rate: scaleRate(spec.rate, t.share / shares), users: t.users, firstWallet: t.firstWallet ?? 0, fee: t.fee, amount: spec.amount, targets: spec.targets, batch: spec.batch, inclusionThreshold: 0 },
        { name: `fee-pressure:${t.name}`, summary: false, onInterval: (iv) => curve.push(this.point(iv)) },
      );
      return { spec: t, load, curve };
    });
    this.expectation = new FeePriority(this);
  }

  private point(iv: LoadInterval): FeeTierPoint {
    const t = this.window ? Math.round((nowMs() - this.window.startMs) / 100) / 10 : 0;
    return { t, offeredTps: iv.offeredTps, acceptedTps: iv.acceptedTps, includedTps: iv.includedTps, inclusionP50Ms: iv.inclusion.p50, inclusionP99Ms: iv.inclusion.p99 };
  }

  init(metrics: RunMetrics, scenario: ScenarioSpec): void {
    if (!chainOf(scenario).capabilities.has('fee-market')) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `fee-pressure needs a chain with a fee market (fee-ordered blocks, counted evictions), not '${scenario.chain?.type}'`, { issues: [{ field: 'fee-pressure', value: scenario.chain?.type, allowed: "a chain with the 'fee-market' capability (the devnet)" }] });
    }
    for (const t of this.tiers) t.load.init(metrics, scenario);
  }

  expectations(): Expectation[] {
    return [this.expectation];
  }

  /** Before the window: each tier's engine made and prepared, so that every tier offers load from the window's start. */
  async prepare(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const [before] = await Promise.all([evictionsByNode(ctx), ...this.tiers.map((t) => t.load.prepare(ctx, signal))]);
    this.evictionsBefore = before;
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    this.window = ctx.window;
    this.unsubscribe = ctx.blockFeed.subscribe({ onBlock: (b: FeedBlock) => this.blocks.push({ id: b.id, seenAt: b.firstSeenAt, txs: b.txIds.length }) });
    this.evictionsBefore ??= await evictionsByNode(ctx);
    await Promise.all(this.tiers.map((t) => t.load.start(ctx, signal)));
  }

  async finish(ctx: RunContext): Promise<void> {
    this.unsubscribe?.();
    await Promise.all(this.tiers.map((t) => t.load.finish(ctx)));
    const after = await evictionsByNode(ctx);
    const evictions: Record<string, number> = {};
    for (const [node, counts] of after) {
      const before = this.evictionsBefore?.get(node) ?? {};
      for (const [reason, n] of Object.entries(counts)) evictions[reason] = (evictions[reason] ?? 0) + Math.max(0, n - (before[reason] ?? 0));
    }
    const capacity = chainOf(ctx.scenario).blockCapacity?.(ctx.runDir, ctx.nodes().map((n) => n.descriptor.name));
    const w = loadSpan(ctx.window, this.tiers.map((t) => t.load.startedAt));
    // Blocks some node holds on its canonical chain now (forks left out), where the feed can tell.
    const canonical = (id: string) => ctx.blockFeed.canonicalOn?.(id).length !== 0;
    const inSpan = this.blocks.filter((b) => b.seenAt >= w.startMs && b.seenAt <= w.endMs && canonical(b.id));
    const late = inSpan.filter((b) => b.seenAt >= (w.startMs + w.endMs) / 2);
    const fills = capacity ? late.map((b) => b.txs / capacity.maxTxs).sort((a, b) => a - b) : [];
    this.report = {
      tiers: this.tiers.map((t) => tierReport(t)),
      evictions,
      evictionsTotal: Object.values(evictions).reduce((s, n) => s + n, 0),
      blockFill: { median: fills.length > 0 ? round3(fills[Math.floor(fills.length / 2)]!) : null, blocks: late.length, capacityTxs: capacity?.maxTxs ?? null },
      throughput: throughput(inSpan, w),
      loadSpan: { fromMs: Math.round(w.startMs - ctx.window.startMs), toMs: Math.round(w.endMs - ctx.window.startMs) },
    };
    ctx.summary.set('feePressure', this.report);
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function tierReport(t: Tier): FeeTierReport {
  const r = t.load.result;
  const o = r?.outcome;
  const counts = { included: o?.included ?? 0, pending: o?.pending ?? 0, dropped: o?.dropped ?? 0 };
  const h = t.load.inclusionHistogram;
  const whole = (q: number) => (h ? wholeTierPercentile(h, q, counts) : null);
  return {
    name: t.spec.name,
    fee: t.spec.fee,
    wallets: { first: t.spec.firstWallet ?? 0, users: t.spec.users },
    submitted: r?.totals.submitted ?? 0,
    accepted: r?.totals.accepted ?? 0,
    rejected: { ...(r?.totals.rejected ?? {}) },
    ...counts,
    inclusionP50Ms: o && counts.included > 0 ? o.inclusion.p50 : null,
    inclusionP99Ms: o && counts.included > 0 ? o.inclusion.p99 : null,
    effectiveP50Ms: whole(50),
    effectiveP99Ms: whole(99),
    curve: t.curve,
  };
}

/**
 * The q-th percentile of inclusion latency over the whole tier: every transaction accepted, the ones never
 * included by the end (still pending, or dropped) counted as later than any included one (censored, ∞). Null
 * (∞) when that rank falls among them; else the included latency at that rank, from `included` (their
 * histogram, ms). Included-only percentiles would flatter a tier that lost many: its survivors are the lucky ones.
 */
export function wholeTierPercentile(included: Histogram, q: number, n: { included: number; pending: number; dropped: number }): number | null {
  const total = n.included + n.pending + n.dropped;
  const rank = Math.ceil((q / 100) * total);
  if (total === 0 || n.included === 0 || rank > n.included || included.totalCount === 0) return null;
  return Math.round(included.getValueAtPercentile(Math.min(100, (100 * rank) / n.included))) / 1000;
}

/** Each node's eviction counters now (nodes that do not answer are left out). */
async function evictionsByNode(ctx: RunContext): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  await Promise.all(
    ctx.nodes().map(async (n) => {
      const counts = await n.client.mempoolEvictions?.().catch(() => undefined);
      if (counts) out.set(n.descriptor.name, counts);
    }),
  );
  return out;
}

/** From when every tier offers load (the window's start if one never started) to the window's end. */
export function loadSpan(window: { startMs: number; endMs: number }, tierStarts: ReadonlyArray<number | undefined>): { startMs: number; endMs: number } {
  const started = tierStarts.every((t) => t !== undefined) ? Math.max(window.startMs, ...(tierStarts as number[])) : window.startMs;
  return { startMs: Math.min(started, window.endMs), endMs: window.endMs };
}

/** Included transactions per second over the span's middle and last thirds. */
function throughput(blocks: ReadonlyArray<{ seenAt: number; txs: number }>, w: { startMs: number; endMs: number }): FeePressureReport['throughput'] {
  const third = (w.endMs - w.startMs) / 3;
  const rate = (from: number, to: number) => Math.round((blocks.filter((b) => b.seenAt >= from && b.seenAt < to).reduce((s, b) => s + b.txs, 0) / ((to - from) / 1000)) * 10) / 10;
  return { middleThirdTps: rate(w.startMs + third, w.endMs - third), lastThirdTps: rate(w.endMs - third, w.endMs + 1) };
}

/** Fee pressure's verdict (feePriorityCheck over the report it records): evictions active, tiers ordered by fee in inclusion latency, blocks full, throughput held. */
export class FeePriority extends RecordedExpectation<FeePriorityOptions> {
  readonly name = 'fee-priority';

  constructor(private readonly workload: FeePressureWorkload) {
    super(feePriorityCheck, feePriorityCheck.options(adversaryBounds(workload.spec)!.options));
  }

  /** The report without the tiers' curves (the summary section keeps them; the judge does not read them). */
  protected override async observeEvaluate(): Promise<Record<string, unknown>> {
    const r = this.workload.report;
    return { report: r ? { ...r, tiers: r.tiers.map(({ curve: _curve, ...rest }) => rest) } : null };
  }
}
