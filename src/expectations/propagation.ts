/**
 * Block propagation by tier: for each block and each node that showed it as its tip, the lag from the
 * block's origin to that node. The origin is when loadnet first saw the block on any node, or the
 * proposer's own timestamp when earlier (the feed polls, so it sees a block up to one poll late; the
 * timestamp is the production time, on the proposer's clock: a skewed proposer shifts it). The node where
 * the block was first seen is left out (its lag is the feed's polling, not propagation). A lag is as fine as
 * the feed's poll interval (a quarter slot, 100–500 ms). Nodes are grouped by the scenario's latency tiers
 * (or `tiers` given here); nodes in no tier are the tier '-'. p50/p99 per tier, judged against the bounds.
 *
 * With the scenario's latency tiers, only blocks that originated while the tiers held count (from each
 * latency-tiers fault.start to its fault.end): a tier's figure is its propagation under its delay. Blocks after
 * the heal travel undelayed, and counted with the rest they pulled tier C's median down to one feed poll (a
 * 700 ms tier measured p50 125–150 ms in 2 of 6 short runs, where the cooldown's blocks outnumbered the tiers').
 */
import type { Hex } from '../adapters/seam.js';
import { LoadnetError } from '../errors.js';
import type { ExpectationResult, RunContext, RunMetrics } from '../runtime/contracts.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { quantile } from '../util/quantile.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';

export interface PropagationBounds {
  maxP50Ms?: number;
  maxP99Ms?: number;
}

export interface PropagationOptions extends PropagationBounds {
  /** Per-tier bounds (override the overall ones). */
  tiers?: Record<string, PropagationBounds>;
  /** Node → tier; default: the scenario's latency-tiers workload. */
  tierOf?: Record<string, string>;
}

export interface TierLag {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function lagByTier(lags: ReadonlyArray<{ node: string; lagMs: number }>, tierOf: Record<string, string>): Record<string, TierLag> {
  const by = new Map<string, number[]>();
  for (const l of lags) {
    const t = tierOf[l.node] ?? '-';
    by.set(t, [...(by.get(t) ?? []), l.lagMs]);
  }
  const out: Record<string, TierLag> = {};
  for (const [t, xs] of [...by].sort(([a], [b]) => a.localeCompare(b))) {
    const s = [...xs].sort((a, b) => a - b);
    out[t] = { samples: s.length, p50Ms: Math.round(quantile(s, 0.5)), p99Ms: Math.round(quantile(s, 0.99)), maxMs: Math.round(s.at(-1)!) };
  }
  return out;
}

export function judgePropagation(tiers: Record<string, TierLag>, o: PropagationOptions): ExpectationResult {
  const over: string[] = [];
  for (const [t, lag] of Object.entries(tiers)) {
    const b = { maxP50Ms: o.maxP50Ms, maxP99Ms: o.maxP99Ms, ...(o.tiers?.[t] ?? {}) };
    if (b.maxP50Ms !== undefined && lag.p50Ms > b.maxP50Ms) over.push(`tier ${t}: p50 ${lag.p50Ms} ms above ${b.maxP50Ms} ms`);
    if (b.maxP99Ms !== undefined && lag.p99Ms > b.maxP99Ms) over.push(`tier ${t}: p99 ${lag.p99Ms} ms above ${b.maxP99Ms} ms`);
  }
  const line = Object.entries(tiers).map(([t, l]) => `${t} p50 ${l.p50Ms} / p99 ${l.p99Ms} ms (${l.samples})`).join(', ');
  const figures = { tiers, bounds: { maxP50Ms: o.maxP50Ms, maxP99Ms: o.maxP99Ms, tiers: o.tiers } };
  if (Object.keys(tiers).length === 0) return { status: 'fail', message: 'no block reached a second node: no propagation to judge', figures };
  if (over.length) return { status: 'fail', message: `${over.join('; ')} (${line})`, figures };
  return { status: 'pass', message: `propagation lag ${line}`, figures };
}

function bound(field: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `expectations.propagation.${field}: ${JSON.stringify(v)} is not allowed; allowed: a non-negative number of milliseconds`, { issues: [{ field: `expectations.propagation.${field}`, value: v, allowed: 'a non-negative number of milliseconds' }] });
  }
  return v;
}

function withBounds(o: PropagationBounds, prefix = ''): PropagationBounds {
  const out: PropagationBounds = {};
  const p50 = bound(`${prefix}maxP50Ms`, o.maxP50Ms);
  const p99 = bound(`${prefix}maxP99Ms`, o.maxP99Ms);
  if (p50 !== undefined) out.maxP50Ms = p50;
  if (p99 !== undefined) out.maxP99Ms = p99;
  return out;
}

export function propagationOptions(raw: Record<string, unknown>): PropagationOptions {
  const o = raw as PropagationOptions;
  const tiers = o.tiers ? Object.fromEntries(Object.entries(o.tiers).map(([t, b]) => [t, withBounds(b, `tiers.${t}.`)])) : undefined;
  return { ...withBounds(o), ...(tiers ? { tiers } : {}), ...(o.tierOf ? { tierOf: { ...o.tierOf } } : {}) };
}

/** Propagation over the history: the per-node lags and the node → tier map, recorded at evaluation. */
export const propagationCheck: HistoryCheck<PropagationOptions> = {
  type: 'propagation',
  kinds: [],
  options: propagationOptions,
  judge(slice, options) {
    const e = slice.evaluate as { lags: Array<{ node: string; lagMs: number }>; tierOf: Record<string, string> };
    return judgePropagation(lagByTier(e.lags, options.tierOf ?? e.tierOf), options);
  },
};

export class Propagation extends RecordedExpectation<PropagationOptions> {
  readonly name = 'propagation';
  private tierOf: Record<string, string> = {};
  private readonly lastTip = new Map<string, Hex>();
  private readonly seen: Array<{ node: string; id: Hex; at: number }> = [];
  /** While the scenario's latency tiers held (start, end; end open while they hold), when judged by them. */
  private readonly held: Array<{ faultId: string; from: number; to: number }> = [];
  private byScenarioTiers = false;
  private unsubscribeTips?: () => void;
  private unwatch?: () => void;

  constructor(options: PropagationOptions = {}) {
    super(propagationCheck, propagationOptions(options as Record<string, unknown>));
  }

  init(_metrics: RunMetrics, scenario: ScenarioSpec): void {
    if (this.options.tierOf) {
      this.tierOf = { ...this.options.tierOf };
      return;
    }
    this.tierOf = {};
    for (const w of scenario.workloads) if (w.type === 'latency-tiers') for (const [t, tier] of Object.entries(w.tiers)) for (const n of tier.nodes) this.tierOf[n] ??= t;
    this.byScenarioTiers = Object.keys(this.tierOf).length > 0;
  }

  override async startCapture(ctx: RunContext): Promise<void> {
    await super.startCapture(ctx);
    if (this.byScenarioTiers) {
      this.unwatch = ctx.events.on((e) => {
        if (e.kind === 'fault.start' && e.fault === 'latency-tiers') this.held.push({ faultId: e.faultId, from: e.t, to: Infinity });
        if (e.kind === 'fault.end') for (const h of this.held) if (h.faultId === e.faultId && h.to === Infinity) h.to = e.t;
      });
    }
    for (const t of ctx.blockFeed.tips()) this.lastTip.set(t.node, t.tip);
    this.unsubscribeTips = ctx.blockFeed.subscribe({
      onTip: (t) => {
        if (!t.up || this.lastTip.get(t.node) === t.tip) return;
        this.lastTip.set(t.node, t.tip);
        this.seen.push({ node: t.node, id: t.tip, at: t.at });
      },
    });
  }

  /** Lags so far (for tests and reports). */
  lags(ctx: RunContext): Array<{ node: string; lagMs: number }> {
    const firstOnNode = new Map<string, number>();
    for (const s of this.seen) {
      const k = `${s.node}:${s.id}`;
      if (!firstOnNode.has(k)) firstOnNode.set(k, s.at);
    }
    const out: Array<{ node: string; lagMs: number }> = [];
    for (const [k, at] of firstOnNode) {
      const [node, id] = k.split(':') as [string, Hex];
      const b = ctx.blockFeed.block(id);
      if (!b || b.firstSeenOn === node) continue;
      const origin = Math.min(b.firstSeenAt, b.timestamp);
      if (this.byScenarioTiers && !this.held.some((h) => origin >= h.from && origin < h.to)) continue;
      out.push({ node, lagMs: Math.max(0, at - origin) });
    }
    return out;
  }

  /** The lags and tiers, recorded: a re-judge reads them back (the feed's tip changes are not in the history). */
  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    this.unsubscribeTips?.();
    this.unwatch?.();
    return { lags: this.lags(ctx).map((l) => ({ node: l.node, lagMs: Math.round(l.lagMs) })), tierOf: this.tierOf };
  }
}
