/**
 * The report's fee-pressure section: per fee tier over time, inclusion latency (p50 and p99 of each second's
 * inclusions) and transactions included against offered, from the tiers' load.interval records; the fill of
 * each canonical block (its transactions over a block's capacity) from the block records; the evictions by
 * the chain's reason and each tier's totals from the fee-pressure figures (the summary's `feePressure`
 * section, else the fee-priority expectation's figures in the history). Empty when the run had no fee tiers.
 */
import type { FaultBand, Point, RunData } from './run-data.js';
import { judgedExpectations } from './network-faults.js';
import { escapeXml as esc, PALETTE, renderBarChart, renderChart, type Series } from './svg-chart.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** What the section reads of a tier's figures (the fee-pressure workload's FeeTierReport, as recorded). */
interface TierTotals {
  name: string;
  fee: number;
  submitted: number;
  included: number;
  dropped: number;
  inclusionP50Ms: number | null;
  inclusionP99Ms: number | null;
  effectiveP50Ms: number | null;
  effectiveP99Ms: number | null;
}

/** What the section reads of the recorded fee-pressure figures (the workload's FeePressureReport). */
interface RecordedFigures {
  tiers: TierTotals[];
  evictions: Record<string, number>;
  blockFill: { median: number | null; capacityTxs: number | null };
}

/** A tier as the section draws it: name and fee, its figures at the end when the run has them, its curves. */
export interface FeeTierCurves {
  name: string;
  fee: number;
  totals?: TierTotals;
  p50: Point[];
  p99: Point[];
  offered: Point[];
  included: Point[];
}

export interface FeePressureView {
  tiers: FeeTierCurves[];
  evictions: Record<string, number>;
  blockFill: Point[];
  /** A block's capacity in transactions (null: unknown; the fill chart then shows transactions per block). */
  capacityTxs: number | null;
  medianFill: number | null;
  verdict?: { status: string; message: string };
}

/** The fee-pressure figures: the summary's section, else the fee-priority expectation's (same shape, no curves). */
function figuresOf(data: RunData): Partial<RecordedFigures> | undefined {
  const s = data.summary?.feePressure;
  if (isObj(s) && Array.isArray(s.tiers)) return s as unknown as RecordedFigures;
  const judged = judgedExpectations(data).find((e) => e.name === 'fee-priority' && Array.isArray(e.figures?.tiers));
  return judged?.figures as Partial<RecordedFigures> | undefined;
}

/** The run's fee tiers with their curves; null when the scenario had no fee-pressure workload. */
export function feePressureView(data: RunData): FeePressureView | null {
  const figures = figuresOf(data);
  const workload = (data.scenario?.workloads ?? []).find((w) => (w as { type?: string }).type === 'fee-pressure') as { tiers?: Array<{ name: string; fee: number }> } | undefined;
  const named = figures?.tiers?.map((t) => ({ name: t.name, fee: t.fee })) ?? workload?.tiers?.map((t) => ({ name: t.name, fee: t.fee }));
  if (!named?.length) return null;
  const tiers: FeeTierCurves[] = named.map(({ name, fee }) => {
    const totals = figures?.tiers?.find((t) => t.name === name);
    const curves: FeeTierCurves = { name, fee, ...(totals ? { totals } : {}), p50: [], p99: [], offered: [], included: [] };
    for (const { x, event } of data.loadIntervals) {
      if (event.workload !== `fee-pressure:${name}`) continue;
      const inclusion = isObj(event.inclusion) ? event.inclusion : {};
      // A second with no inclusion has no percentile: no point rather than a 0 ms one.
      if ((num(inclusion.count) ?? 0) > 0) {
        curves.p50.push({ x, y: num(inclusion.p50) ?? 0 });
        curves.p99.push({ x, y: num(inclusion.p99) ?? 0 });
      }
      curves.offered.push({ x, y: num(event.offeredTps) ?? 0 });
      curves.included.push({ x, y: num(event.includedTps) ?? 0 });
    }
    return curves;
  });
  const chain = data.scenario?.chain as { block?: { maxTxs?: number } } | undefined;
  const capacityTxs = figures?.blockFill?.capacityTxs ?? num(chain?.block?.maxTxs) ?? null;
  const judged = judgedExpectations(data).find((e) => e.name === 'fee-priority');
  return {
    tiers,
    evictions: isObj(figures?.evictions) ? (figures.evictions as Record<string, number>) : {},
    blockFill: capacityTxs ? data.blockTxs.map((p) => ({ x: p.x, y: Math.round((p.y / capacityTxs) * 1000) / 1000 })) : data.blockTxs,
    capacityTxs,
    medianFill: figures?.blockFill?.median ?? null,
    ...(judged ? { verdict: { status: judged.status, message: judged.message } } : {}),
  };
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '∞' : String(Math.round(v)));

/** The section: latency and inclusion per tier over time, block fill, evictions by reason, each tier's totals. */
export function feePressureSection(data: RunData, common: { bands: FaultBand[]; markers: Array<{ x: number; label: string }>; xMax: number }): string {
  const view = feePressureView(data);
  if (!view) return '';
  // Highest fee first, one colour per tier in every chart.
  const tiers = [...view.tiers].sort((a, b) => b.fee - a.fee);
  const color = (i: number) => PALETTE[i % PALETTE.length]!;
  const label = (t: FeeTierCurves) => `${t.name} (fee ${t.fee})`;
  const latency: Series[] = tiers.flatMap((t, i) => [
    { name: `${label(t)} p50`, points: t.p50, color: color(i) },
    { name: `${label(t)} p99`, points: t.p99, color: color(i), dashed: true },
  ]);
  const inclusion: Series[] = tiers.flatMap((t, i) => [
    { name: `${label(t)} included`, points: t.included, color: color(i) },
    { name: `${label(t)} offered`, points: t.offered, color: color(i), dashed: true },
  ]);
  const charts = [
    renderChart({ id: 'chart-fee-latency', title: 'Inclusion latency per fee tier (p50 solid, p99 dashed; each second’s inclusions)', yUnit: 'ms', ...common, series: latency }),
    renderChart({ id: 'chart-fee-included', title: 'Included (solid) and offered (dashed) per fee tier', yUnit: 'tx/s', ...common, series: inclusion }),
    renderChart({
      id: 'chart-block-fill',
      title: view.capacityTxs ? `Block fill: each canonical block’s transactions over its capacity (${view.capacityTxs})` : 'Transactions per canonical block (capacity unknown)',
      yUnit: view.capacityTxs ? 'fill' : 'transactions',
      ...common,
      dots: true,
      series: [{ name: view.capacityTxs ? 'fill' : 'transactions', points: view.blockFill, color: '#9333ea' }],
    }),
  ];
  const reasons = Object.entries(view.evictions);
  if (reasons.length) {
    charts.push(renderBarChart({ id: 'chart-evictions', title: 'Mempool evictions during the run, by reason (all nodes)', yUnit: 'transactions', bars: [{ name: 'evicted', color: '#dc2626' }], groups: reasons.map(([r, n]) => ({ label: r, values: [n] })) }));
  }
  const rows = tiers.map((t) => {
    const x = t.totals;
    return `<tr data-tier="${esc(t.name)}"><td>${esc(t.name)}</td><td>${t.fee}</td><td>${x?.submitted ?? '—'}</td><td>${x?.included ?? '—'}</td><td>${x?.dropped ?? '—'}</td><td>${x ? ms(x.inclusionP50Ms) : '—'}</td><td>${x ? ms(x.inclusionP99Ms) : '—'}</td><td>${x ? ms(x.effectiveP50Ms) : '—'}</td><td>${x ? ms(x.effectiveP99Ms) : '—'}</td></tr>`;
  });
  const evicted = reasons.reduce((s, [, n]) => s + n, 0);
  const headline = `${evicted} evicted${reasons.length ? ` (${reasons.map(([r, n]) => `${esc(r)} ${n}`).join(', ')})` : ''}; median block fill ${view.medianFill ?? '—'}${view.verdict ? `; fee-priority <span class="verdict ${esc(view.verdict.status)}">${esc(view.verdict.status)}</span>` : ''}.`;
  const table = `<table class="fee-tiers"><tr><th>tier</th><th>fee</th><th>submitted</th><th>included</th><th>dropped</th><th>p50 ms, included</th><th>p99 ms, included</th><th>p50 ms, whole tier (not included by the end = ∞)</th><th>p99 ms, whole tier</th></tr>${rows.join('')}</table>`;
  return `<h2 id="fee-pressure">Fee pressure by tier</h2><p>${headline}</p>${charts.join('')}${table}`;
}
