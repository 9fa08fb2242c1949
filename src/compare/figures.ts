/**
 * The figures `loadnet compare` judges, taken from one run directory (report/run-data.ts reads it): each as
 * a point with its batch-means standard error. The measured window (run.phase `window` → `cooldown`) is cut
 * into `batches` consecutive batches of equal time (joined for a percentile: tailBatches); a `load.interval` belongs to the batch holding its
 * middle. Rates are pooled counts over time; latency percentiles of a batch come from merging its intervals'
 * histograms (`hdr`; runs recorded before those existed: the count-weighted mean of the intervals'
 * percentiles, and the figure says so). Latency points are the run's own figures from summary.json (every
 * transaction, cooldown included); rates, block interval, reorgs and memory are pooled over the window.
 */
import { decodeHistogram, newHistogram, type Histogram } from '../load/histogram.js';
import type { MaxRateSummary } from '../jobs/max-rate-result.js';
import type { Point, RunData } from '../report/run-data.js';
import { batchEstimate, mean, type Estimate } from '../util/stats.js';

export type FigureId =
  | 'offeredTps'
  | 'includedTps'
  | 'inclusionP50'
  | 'inclusionP99'
  | 'finalityP50'
  | 'finalityP99'
  | 'submitP50'
  | 'submitP99'
  | 'errorRate'
  | 'rejectRate'
  | 'blockIntervalMs'
  | 'reorgsPerMin'
  | 'rssMbPerNode'
  | 'maxRateTps';

/** What counts as a regression: worse by at least this much (relative to the baseline, or in the figure's unit). */
export type Threshold = { relative: number } | { absolute: number };

export interface FigureDef {
  id: FigureId;
  label: string;
  unit: string;
  /** Which way is better. */
  better: 'lower' | 'higher';
  threshold: Threshold;
}

export const FIGURES: readonly FigureDef[] = [
  { id: 'offeredTps', label: 'throughput offered', unit: 'tx/s', better: 'higher', threshold: { relative: 0.05 } },
  { id: 'includedTps', label: 'throughput included', unit: 'tx/s', better: 'higher', threshold: { relative: 0.05 } },
  { id: 'inclusionP50', label: 'inclusion latency p50', unit: 'ms', better: 'lower', threshold: { relative: 0.1 } },
  { id: 'inclusionP99', label: 'inclusion latency p99', unit: 'ms', better: 'lower', threshold: { relative: 0.1 } },
  { id: 'finalityP50', label: 'finality latency p50', unit: 'ms', better: 'lower', threshold: { relative: 0.1 } },
  { id: 'finalityP99', label: 'finality latency p99', unit: 'ms', better: 'lower', threshold: { relative: 0.1 } },
  { id: 'submitP50', label: 'submit latency p50', unit: 'ms', better: 'lower', threshold: { relative: 0.25 } },
  { id: 'submitP99', label: 'submit latency p99', unit: 'ms', better: 'lower', threshold: { relative: 0.25 } },
  { id: 'errorRate', label: 'error rate (errored / sent)', unit: 'fraction', better: 'lower', threshold: { absolute: 0.01 } },
  { id: 'rejectRate', label: 'reject rate (rejected / sent)', unit: 'fraction', better: 'lower', threshold: { absolute: 0.01 } },
  { id: 'blockIntervalMs', label: 'block interval (mean)', unit: 'ms', better: 'lower', threshold: { relative: 0.05 } },
  { id: 'reorgsPerMin', label: 'reorgs seen per minute (all nodes)', unit: '/min', better: 'lower', threshold: { absolute: 1 } },
  { id: 'rssMbPerNode', label: 'memory per node (RSS, mean)', unit: 'MB', better: 'lower', threshold: { relative: 0.1 } },
  { id: 'maxRateTps', label: 'max-rate: found maximum', unit: 'tx/s', better: 'higher', threshold: { relative: 0.05 } },
];

export const FIGURE_IDS = FIGURES.map((f) => f.id);

export interface FigureEstimate extends Estimate {
  /** How the point and the batches were taken, when it is not the default for the figure. */
  note?: string;
  /** max-rate: the bracket [last pass, first fail] of the search, tx/s. */
  bracket?: { lastPassTps: number | null; firstFailTps: number | null };
}

export interface RunFigures {
  runDir: string;
  name: string;
  /** The measured window in seconds since the run's first event. */
  window: { from: number; to: number };
  batchSeconds: number;
  batches: number;
  figures: Partial<Record<FigureId, FigureEstimate>>;
  /** Latency distributions over the window: x = percentile (0–100), y = ms. */
  distributions: { inclusion: Point[]; finality: Point[] };
  notes: string[];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const field = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);

/** The window: from run.phase `window` to `cooldown` (or the first and last interval when a phase is missing). */
export function measuredWindow(data: RunData): { from: number; to: number } {
  const at = (phase: string) => data.phases.find((p) => p.phase === phase)?.x;
  const ivs = data.loadIntervals;
  const firstIv = ivs.length ? ivs[0]!.x - (num(ivs[0]!.event.intervalMs) ?? 1000) / 1000 : 0;
  const lastIv = ivs.length ? ivs[ivs.length - 1]!.x : data.span;
  const from = at('window') ?? firstIv;
  const to = at('cooldown') ?? Math.max(lastIv, from);
  return { from, to: to > from ? to : from + 1 };
}

type Lat = 'inclusion' | 'finality' | 'submit';
const LAT_FIELD: Record<Lat, string> = { inclusion: 'inclusion', finality: 'finality', submit: 'submitCorrected' };

/** Merged histogram of the intervals' `hdr` for one latency, or undefined when an interval lacks it. */
function mergedHistogram(events: ReadonlyArray<Readonly<Record<string, unknown>>>, lat: Lat): Histogram | undefined {
  const out = newHistogram(64);
  for (const e of events) {
    const enc = field(e.hdr, lat);
    if (typeof enc !== 'string') {
      out.destroy();
      return undefined;
    }
    const h = decodeHistogram(enc);
    if (h.totalCount > 0) out.add(h);
    h.destroy();
  }
  return out;
}

/** A batch's percentile: from merged histograms, else the count-weighted mean of the intervals' own. */
function batchPercentile(events: ReadonlyArray<Readonly<Record<string, unknown>>>, lat: Lat, q: 50 | 99): { value: number | undefined; exact: boolean } {
  const h = mergedHistogram(events, lat);
  if (h) {
    const value = h.totalCount > 0 ? h.getValueAtPercentile(q) / 1000 : undefined;
    h.destroy();
    return { value, exact: true };
  }
  let w = 0;
  let s = 0;
  for (const e of events) {
    const p = field(e, LAT_FIELD[lat]);
    const c = num(field(p, 'count')) ?? 0;
    const v = num(field(p, `p${q}`));
    if (c > 0 && v !== undefined) {
      w += c;
      s += c * v;
    }
  }
  return { value: w > 0 ? s / w : undefined, exact: false };
}

/**
 * A batch's percentile estimates the window's only when the batch holds enough of the tail: a p99 of 60
 * transactions is their largest one, whose spread between batches understates the spread of the pooled p99 (two
 * runs of one build differed by 336 ms at p99 with batch errors of ~65 ms, 1.5 s batches of 60). Consecutive
 * batches are joined until each holds TAIL_PER_BATCH transactions beyond the percentile (p99: 100 transactions;
 * p50: 2); a short run then gets fewer, longer batches for its p99 and a wider interval, which is what it knows.
 */
const TAIL_PER_BATCH = 1;

function tailBatches(batches: ReadonlyArray<ReadonlyArray<Readonly<Record<string, unknown>>>>, lat: Lat, q: 50 | 99): Array<Array<Readonly<Record<string, unknown>>>> {
  const need = Math.ceil(TAIL_PER_BATCH / (1 - q / 100));
  const count = (b: ReadonlyArray<Readonly<Record<string, unknown>>>) => b.reduce((s, e) => s + (num(field(field(e, LAT_FIELD[lat]), 'count')) ?? 0), 0);
  const out: Array<Array<Readonly<Record<string, unknown>>>> = [];
  let current: Array<Readonly<Record<string, unknown>>> = [];
  for (const b of batches) {
    current.push(...b);
    if (count(current) >= need) {
      out.push(current);
      current = [];
    }
  }
  // A short remainder joins the last batch rather than standing as a batch of its own.
  if (current.length) {
    if (out.length) out[out.length - 1]!.push(...current);
    else out.push(current);
  }
  return out;
}

/** Σ rate × interval over the batch, per workload, divided by that workload's time: pooled tx/s. */
function pooledRate(events: ReadonlyArray<Readonly<Record<string, unknown>>>, key: string): number {
  const byWorkload = new Map<string, { count: number; ms: number }>();
  for (const e of events) {
    const ms = num(e.intervalMs) ?? 1000;
    const w = byWorkload.get(String(e.workload)) ?? { count: 0, ms: 0 };
    w.count += ((num(e[key]) ?? 0) * ms) / 1000;
    w.ms += ms;
    byWorkload.set(String(e.workload), w);
  }
  let total = 0;
  for (const w of byWorkload.values()) total += w.ms > 0 ? (w.count * 1000) / w.ms : 0;
  return total;
}

function ratio(events: ReadonlyArray<Readonly<Record<string, unknown>>>, key: string): number | undefined {
  const sent = pooledRate(events, 'offeredTps');
  return sent > 0 ? pooledRate(events, key) / sent : undefined;
}

export interface FigureOptions {
  /** Batches the window is cut into (default 10; fewer when the window is shorter than that many seconds). */
  batches?: number;
}

export function runFigures(data: RunData, options: FigureOptions = {}): RunFigures {
  const name = data.summary?.scenario ?? data.scenario?.name ?? data.runDir;
  const notes: string[] = [];
  const maxRate = (data.summary as { maxRate?: MaxRateSummary } | undefined)?.maxRate;
  const window = measuredWindow(data);
  const length = window.to - window.from;
  const batches = Math.max(2, Math.min(options.batches ?? 10, Math.floor(length)));
  const batchSeconds = length / batches;
  const batchOf = (x: number) => Math.floor((x - window.from) / batchSeconds);
  const inWindow = (x: number) => x >= window.from && x < window.to;
  const figures: Partial<Record<FigureId, FigureEstimate>> = {};

  if (maxRate && Array.isArray(maxRate.curve)) {
    // One max-rate run holds steps at many rates: only the search's result compares.
    if (maxRate.maxRateTps !== null && maxRate.maxRateTps !== undefined) {
      figures.maxRateTps = { value: maxRate.maxRateTps, stdErr: null, batches: 1, bracket: maxRate.bracket, note: `search ${maxRate.status}; bracket [${maxRate.bracket.lastPassTps ?? '—'}, ${maxRate.bracket.firstFailTps ?? '—'}] tx/s` };
    } else notes.push(`the max-rate search found no maximum (${maxRate.status})`);
    notes.push('a max-rate run holds many rates: only its found maximum is compared');
    return { runDir: data.runDir, name, window, batchSeconds, batches, figures, distributions: { inclusion: [], finality: [] }, notes };
  }

  // Load intervals per batch (by the middle of each interval).
  const perBatch: Array<Array<Readonly<Record<string, unknown>>>> = Array.from({ length: batches }, () => []);
  const windowEvents: Array<Readonly<Record<string, unknown>>> = [];
  for (const iv of data.loadIntervals) {
    const mid = iv.x - (num(iv.event.intervalMs) ?? 1000) / 2000;
    if (!inWindow(mid)) continue;
    windowEvents.push(iv.event);
    perBatch[Math.min(batches - 1, batchOf(mid))]!.push(iv.event);
  }
  const filled = perBatch.filter((b) => b.length > 0);
  if (windowEvents.length === 0) notes.push('no load.interval events in the window: no throughput or latency figures');
  else {
    const rate = (key: string): FigureEstimate | null => batchEstimate(filled.map((b) => pooledRate(b, key)), pooledRate(windowEvents, key));
    const offered = rate('offeredTps');
    const included = rate('includedTps');
    if (offered) figures.offeredTps = offered;
    if (included) figures.includedTps = included;
    const fraction = (key: string): FigureEstimate | null => {
      const all = ratio(windowEvents, key);
      return all === undefined ? null : batchEstimate(filled.map((b) => ratio(b, key)).filter((v): v is number => v !== undefined), all);
    };
    const errors = fraction('erroredTps');
    const rejects = fraction('rejectedTps');
    if (errors) figures.errorRate = errors;
    if (rejects) figures.rejectRate = rejects;

    const load = data.summary?.load as Record<string, unknown> | undefined;
    const latencies: Array<[FigureId, Lat, 50 | 99]> = [
      ['inclusionP50', 'inclusion', 50],
      ['inclusionP99', 'inclusion', 99],
      ['finalityP50', 'finality', 50],
      ['finalityP99', 'finality', 99],
      ['submitP50', 'submit', 50],
      ['submitP99', 'submit', 99],
    ];
    for (const [id, lat, q] of latencies) {
      const per = tailBatches(filled, lat, q).map((b) => batchPercentile(b, lat, q));
      const values = per.map((p) => p.value).filter((v): v is number => v !== undefined);
      const whole = num(field(field(load, LAT_FIELD[lat]), `p${q}`));
      const pooled = batchPercentile(windowEvents, lat, q).value;
      const e = batchEstimate(values, whole ?? pooled);
      if (!e) continue;
      const notesHere: string[] = [];
      if (per.some((p) => !p.exact)) notesHere.push('batches: count-weighted mean of interval percentiles (run recorded without interval histograms)');
      if (whole === undefined) notesHere.push('point pooled over the window (no figure in summary.json)');
      figures[id] = notesHere.length ? { ...e, note: notesHere.join('; ') } : e;
    }
  }

  // Block intervals: mean time between consecutive heights, by the block's first sighting.
  const blockBatches: number[][] = Array.from({ length: batches }, () => []);
  const blocks = data.blockIntervals.filter((p) => inWindow(p.x));
  for (const p of blocks) blockBatches[Math.min(batches - 1, batchOf(p.x))]!.push(p.y);
  if (blocks.length) {
    const e = batchEstimate(blockBatches.filter((b) => b.length).map(mean), mean(blocks.map((p) => p.y)));
    if (e) figures.blockIntervalMs = e;
  }

  // Reorgs: every node's report counts (one fork seen by three nodes is three).
  const reorgCounts = new Array<number>(batches).fill(0);
  const reorgs = data.reorgs.filter((p) => inWindow(p.x));
  for (const p of reorgs) reorgCounts[Math.min(batches - 1, batchOf(p.x))]!++;
  const perMin = (count: number, seconds: number) => (count * 60) / seconds;
  const reorgEstimate = batchEstimate(reorgCounts.map((c) => perMin(c, batchSeconds)), perMin(reorgs.length, length));
  if (reorgEstimate) figures.reorgsPerMin = reorgEstimate;

  // Memory: mean RSS per node over the window's samples.
  const rssBatches: number[][] = Array.from({ length: batches }, () => []);
  const rssAll: number[] = [];
  for (const series of Object.values(data.rss)) {
    for (const p of series) {
      if (!inWindow(p.x)) continue;
      rssAll.push(p.y / 1e6);
      rssBatches[Math.min(batches - 1, batchOf(p.x))]!.push(p.y / 1e6);
    }
  }
  if (rssAll.length) {
    const e = batchEstimate(rssBatches.filter((b) => b.length).map(mean), mean(rssAll));
    if (e) figures.rssMbPerNode = e;
  } else notes.push('no memory samples (the deployer does not report node RSS)');

  return { runDir: data.runDir, name, window, batchSeconds, batches, figures, distributions: { inclusion: distribution(windowEvents, 'inclusion'), finality: distribution(windowEvents, 'finality') }, notes };
}

const QUANTILES = [...Array.from({ length: 99 }, (_, i) => i + 1), 99.5, 99.9];

/** The latency at each percentile over the window's intervals (empty without interval histograms). */
function distribution(events: ReadonlyArray<Readonly<Record<string, unknown>>>, lat: Lat): Point[] {
  const h = mergedHistogram(events, lat);
  if (!h) return [];
  const out = h.totalCount > 0 ? QUANTILES.map((q) => ({ x: q, y: h.getValueAtPercentile(q) / 1000 })) : [];
  h.destroy();
  return out;
}
