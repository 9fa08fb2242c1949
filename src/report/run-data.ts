/**
 * Reads a run directory (scenario.json, events.jsonl, summary.json — nothing else) into the series the
 * reports draw. events.jsonl is streamed line by line, keeping only the kinds the report uses, so a soak
 * run's log does not have to fit in memory as text.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LoadnetError } from '../errors.js';
import type { RunSummary } from '../runtime/contracts.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { HOST_EVENT_KINDS, hostsOf, type Hosts } from './hosts.js';

export interface Point {
  /** Seconds since the run's first event. */
  x: number;
  y: number;
}

export interface FaultBand {
  kind: string;
  target: string;
  from: number;
  /** Seconds; the end of the run when the fault never ended. */
  to: number;
  open: boolean;
  /** The fault record's detail (fault.start's), when it has one: what a network fault did, and how. */
  detail?: Record<string, unknown>;
}

/** One `expectation` record of the history: its verdict and the checker's figures. */
export interface JudgedExpectation {
  name: string;
  status: string;
  message: string;
  figures?: Record<string, unknown>;
}

export interface RunData {
  runDir: string;
  scenario?: ScenarioSpec;
  summary?: RunSummary;
  /** Unix ms of the first event (x = 0). */
  t0: number;
  /** Seconds from the first to the last event. */
  span: number;
  phases: Array<{ phase: string; x: number }>;
  throughput: { offered: Point[]; accepted: Point[]; included: Point[]; target: Point[]; rejected: Point[] };
  latency: { p50: Point[]; p90: Point[]; p99: Point[]; submitP99: Point[] };
  da: { offered: Point[]; included: Point[] };
  mempool: Record<string, Point[]>;
  height: Record<string, Point[]>;
  /** x = when the block at a height was first seen; y = ms since the previous height's block (slot difference × slot length). */
  blockIntervals: Point[];
  /** x = when the canonical block at a height was first seen; y = the transactions it holds (where the feed says). */
  blockTxs: Point[];
  faults: FaultBand[];
  /** The expectation records of events.jsonl (the summary's list is the same when the run finished). */
  expectations: JudgedExpectation[];
  /** Every `load.interval` event as written, with its x (the interval's end): what `loadnet compare` batches. */
  loadIntervals: Array<{ x: number; event: Readonly<Record<string, unknown>> }>;
  /** x = when a node reported a reorg, y = its depth. */
  reorgs: Point[];
  /** Resident memory per node, bytes, when the deployer knows it. */
  rss: Record<string, Point[]>;
  /** Where nodes and load agents ran (report/hosts.ts). */
  hosts: Hosts;
  eventCount: number;
  badLines: number;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new LoadnetError('LN_ERR_USAGE', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

type Ev = { t: number; kind: string; [k: string]: unknown };
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const pct = (v: unknown, k: string): number | undefined => (v && typeof v === 'object' ? num((v as Record<string, unknown>)[k]) : undefined);

export async function readRunData(runDir: string): Promise<RunData> {
  const [scenario, summary] = await Promise.all([readJson<ScenarioSpec>(join(runDir, 'scenario.json')), readJson<RunSummary>(join(runDir, 'summary.json')).then(async (s) => s ?? readJson<RunSummary>(join(runDir, 'summary.partial.json')))]);
  const events: Ev[] = [];
  let badLines = 0;
  let eventCount = 0;
  const wanted = new Set<string>(['run.phase', 'load.interval', 'da.interval', 'node.sample', 'block', 'block.final', 'reorg', 'fault.start', 'fault.end', 'expectation', ...HOST_EVENT_KINDS]);
  // fault events are kept by their faultId (see faultEvent)
  try {
    const lines = createInterface({ input: createReadStream(join(runDir, 'events.jsonl'), 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      let e: Ev;
      try {
        e = JSON.parse(line) as Ev;
      } catch {
        badLines++; // a run killed mid-write may leave one partial line
        continue;
      }
      eventCount++;
      if (typeof e.t === 'number' && (wanted.has(e.kind) || e.faultId !== undefined)) events.push(e);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    if (!scenario && !summary) {
      throw new LoadnetError('LN_ERR_USAGE', `${runDir} is not a run directory: no scenario.json, summary.json or events.jsonl`, { hint: 'pass a directory under runs/, e.g. loadnet report runs/<time>-<scenario>' });
    }
  }
  return deriveSeries(runDir, scenario, summary, events, eventCount, badLines);
}

export function deriveSeries(runDir: string, scenario: ScenarioSpec | undefined, summary: RunSummary | undefined, events: Ev[], eventCount = events.length, badLines = 0): RunData {
  events.sort((a, b) => a.t - b.t);
  const t0 = events[0]?.t ?? 0;
  const x = (t: number) => (t - t0) / 1000;
  const data: RunData = {
    runDir,
    scenario,
    summary,
    t0,
    span: events.length ? x(events[events.length - 1]!.t) : 0,
    phases: [],
    throughput: { offered: [], accepted: [], included: [], target: [], rejected: [] },
    latency: { p50: [], p90: [], p99: [], submitP99: [] },
    da: { offered: [], included: [] },
    mempool: {},
    height: {},
    blockIntervals: [],
    blockTxs: [],
    faults: [],
    expectations: [],
    loadIntervals: [],
    reorgs: [],
    rss: {},
    hosts: hostsOf(events),
    eventCount,
    badLines,
  };
  // Several load workloads report separately: sum their rates per interval end (rounded to 100 ms).
  const loadByTime = new Map<number, Ev[]>();
  const openFaults = new Map<string, FaultBand>();
  const blocksById = new Map<string, { height: number; slot: number; t: number; txs?: number }>();
  const byHeight = new Map<number, { height: number; slot: number; t: number; txs?: number }>();
  for (const e of events) {
    switch (e.kind) {
      case 'run.phase':
        if (typeof e.phase === 'string') data.phases.push({ phase: e.phase, x: x(e.t) });
        break;
      case 'load.interval': {
        const key = Math.round(e.t / 100);
        loadByTime.set(key, [...(loadByTime.get(key) ?? []), e]);
        data.loadIntervals.push({ x: x(e.t), event: e });
        break;
      }
      case 'da.interval': {
        const o = num(e.offeredTps ?? e.offeredBps ?? e.offered);
        const i = num(e.includedTps ?? e.includedBps ?? e.included);
        if (o !== undefined) data.da.offered.push({ x: x(e.t), y: o });
        if (i !== undefined) data.da.included.push({ x: x(e.t), y: i });
        break;
      }
      case 'node.sample': {
        const node = String(e.node);
        if (e.up === false) break;
        const h = num(e.height);
        const p = num(e.pending);
        const rss = num(e.rssBytes);
        if (h !== undefined) (data.height[node] ??= []).push({ x: x(e.t), y: h });
        if (p !== undefined) (data.mempool[node] ??= []).push({ x: x(e.t), y: p });
        if (rss !== undefined) (data.rss[node] ??= []).push({ x: x(e.t), y: rss });
        break;
      }
      case 'reorg': {
        data.reorgs.push({ x: x(e.t), y: num(e.depth) ?? 0 });
        break;
      }
      case 'block': {
        const h = num(e.height);
        if (h === undefined) break;
        const b = { height: h, slot: num(e.slot) ?? 0, t: e.t, txs: num(e.txCount) };
        blocksById.set(String(e.id), b);
        if (!byHeight.has(h)) byHeight.set(h, b);
        break;
      }
      case 'expectation': {
        if (typeof e.name === 'string') data.expectations.push({ name: e.name, status: String(e.status), message: String(e.message ?? ''), ...(e.figures && typeof e.figures === 'object' ? { figures: e.figures as Record<string, unknown> } : {}) });
        break;
      }
      case 'block.final': {
        const b = blocksById.get(String(e.id));
        if (b) byHeight.set(b.height, b); // the final block at a height replaces a fork's first sighting
        break;
      }
      default:
        if (e.faultId !== undefined) {
          const band = faultEvent(e, openFaults, x(e.t), data.span);
          if (band) data.faults.push(band);
        }
    }
  }
  for (const [key, list] of [...loadByTime].sort(([a], [b]) => a - b)) {
    const at = x(key * 100);
    const sum = (f: string) => list.reduce((s, e) => s + (num(e[f]) ?? 0), 0);
    const worst = (obj: string, k: string) => Math.max(...list.map((e) => pct(e[obj], k) ?? 0));
    data.throughput.offered.push({ x: at, y: sum('offeredTps') });
    data.throughput.accepted.push({ x: at, y: sum('acceptedTps') });
    data.throughput.included.push({ x: at, y: sum('includedTps') });
    data.throughput.target.push({ x: at, y: sum('targetTps') });
    data.throughput.rejected.push({ x: at, y: sum('rejectedTps') });
    // Percentiles do not add up across workloads: show the worst one.
    data.latency.p50.push({ x: at, y: worst('inclusion', 'p50') });
    data.latency.p90.push({ x: at, y: worst('inclusion', 'p90') });
    data.latency.p99.push({ x: at, y: worst('inclusion', 'p99') });
    data.latency.submitP99.push({ x: at, y: worst('submitCorrected', 'p99') });
  }
  // Block intervals from slots (exact production times) when the slot length is known, else first sightings.
  const slotMs = scenario?.consensus?.slotDurationMs;
  const heights = [...byHeight.values()].sort((a, b) => a.height - b.height);
  for (let i = 1; i < heights.length; i++) {
    const b = heights[i]!;
    const prev = heights[i - 1]!;
    if (b.height === prev.height + 1) data.blockIntervals.push({ x: x(b.t), y: Math.max(0, slotMs ? (b.slot - prev.slot) * slotMs : b.t - prev.t) });
  }
  for (const b of heights) if (b.txs !== undefined) data.blockTxs.push({ x: x(b.t), y: b.txs });
  for (const band of openFaults.values()) band.to = data.span;
  return data;
}

const FAULT_START = 'fault.start';
const FAULT_END = 'fault.end';

/**
 * A fault.start / fault.end event. The fault's own kind (restart, pause, …) is written as a `kind` field,
 * which collides with the event kind in the log line ({t, wall, kind, ...data}: the data's wins). So
 * accept both forms: a line whose kind is fault.start/fault.end (fault kind in `fault`), or one whose kind
 * is the fault kind, told apart by fault.end's `ok` / `durationMs`. Returns a band when one opens.
 */
function faultEvent(e: Ev, open: Map<string, FaultBand>, at: number, span: number): FaultBand | undefined {
  const id = String(e.faultId);
  const isEnd = e.kind === FAULT_END || (e.kind !== FAULT_START && (e.ok !== undefined || e.durationMs !== undefined));
  const kind = String(e.kind === FAULT_START || e.kind === FAULT_END ? (e.fault ?? 'fault') : e.kind);
  if (isEnd) {
    const band = open.get(id);
    if (band) {
      band.to = at;
      band.open = false;
      open.delete(id);
    }
    return undefined;
  }
  const band: FaultBand = { kind, target: String(e.target ?? ''), from: at, to: span, open: true, ...(e.detail && typeof e.detail === 'object' ? { detail: e.detail as Record<string, unknown> } : {}) };
  open.set(id, band);
  return band;
}
