/**
 * The sign-and-submit variants bench/load-max-rate.ts compares, each into a null sink, and the steady window
 * they are measured over:
 *   engine  the load engine (2 workers, sodium, 100 tx/POST, 4 connections) asked for far more than it can offer;
 *   before  the same from an older build (LOADNET_ENGINE_BEFORE=<its dist/src/load/engine.js>);
 *   bare    a bare sign-and-POST loop in 2 worker threads (bench/load-bare-worker.mjs): no pacing, no measurement;
 *   bare-packed  the same loop signing straight into each batch's body as the engine does (TransferSigner), so
 *           engine / bare-packed is the engine's own overhead with the signing technique taken out.
 * A window is the transactions the sink counted and the CPU of this process's threads over the same span
 * (/proc/self/task/<tid>/schedstat: on-CPU time, so a busy machine does not inflate it), split into the
 * variant's own threads, the main thread and the threads there before it started (V8's compiler and GC, libuv).
 * Engines are also charged per transaction they *signed* in the window (CPU between interval reports over the
 * transactions signed in them), which gives them no credit for their pre-signed head start.
 */
import { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLoadEngine } from '../src/load/engine.js';
import { deriveSeed } from '../src/adapters/devnet/wire/keys.js';
import { toHex } from '../src/util/bytes.js';
import { processCpuUs, sleep, type NullSink } from './null-sink.js';

export type VariantName = 'engine' | 'before' | 'bare' | 'bare-packed';
export const VARIANTS: readonly VariantName[] = ['engine', 'before', 'bare', 'bare-packed'];

export const benchSeeds = (): string[] => Array.from({ length: 200 }, (_, i) => toHex(deriveSeed('bench', 'wallet', i)));

/** Transactions the engines (2 workers, asked for 400k tx/s) may pre-sign before their schedule: the window opens after the sink counted them. */
const HEAD_START = 2 * 16_384;

export interface ThreadSplit {
  workers: number;
  main: number;
  others: number;
}

export interface Window {
  tps: number;
  cpuUsPerTx: number;
  /** Engines: CPU per transaction signed in the window (NaN for the bare loop). */
  cpuUsPerSigned: number;
  split: ThreadSplit;
  /** The engine's generatorBound reason (it is asked for more than it can offer: expected). */
  bound?: string;
}

/** On-CPU µs of each thread of this process so far (empty where there is no /proc). */
export function threadCpuUs(): Map<string, number> {
  const m = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return m; // not Linux
  }
  for (const t of tids) {
    try {
      m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1000);
    } catch {
      // the thread ended meanwhile
    }
  }
  return m;
}

/** All threads' on-CPU µs (process.cpuUsage() where there is no /proc). */
function cpuNowUs(): number {
  const m = threadCpuUs();
  if (m.size === 0) return processCpuUs();
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

type Engine = { start(): Promise<void>; stop(): Promise<unknown>; finished(): Promise<{ generatorBoundReason?: string }>; totals(): { signed: number } };
type CreateEngine = (o: Record<string, unknown>) => Engine;

/** A started variant: warm() resolves once its window may open; stop() ends it. */
interface Running {
  warm(): Promise<void>;
  /** Engines: CPU µs per transaction signed between the first and last interval report inside [from, to]. */
  perSigned(from: number, to: number): number;
  stop(): Promise<string | undefined>;
}

function startEngine(create: CreateEngine, sink: NullSink, wallets: Record<string, string>[]): Running {
  // Signed counts move at interval reports: CPU is read at each, so the two are taken at the same moments.
  const marks: { at: number; cpu: number; signed: number }[] = [];
  const e: Engine = create({ targets: [sink.url], wallets, rate: 400_000, threads: 2, batch: 100, connections: 4, onInterval: () => void marks.push({ at: performance.now(), cpu: cpuNowUs(), signed: e.totals().signed }) }); // runs until stopped
  const started = (async () => {
    const before = await sink.count();
    await e.start();
    return before;
  })();
  return {
    warm: async () => {
      const before = await started;
      await sleep(1000);
      while ((await sink.count()) < before + HEAD_START) await sleep(50);
    },
    perSigned: (from, to) => {
      const inside = marks.filter((m) => m.at >= from && m.at <= to);
      const a = inside[0];
      const b = inside[inside.length - 1];
      return a && b && b.signed > a.signed ? (b.cpu - a.cpu) / (b.signed - a.signed) : NaN;
    },
    stop: async () => {
      await e.stop();
      return (await e.finished()).generatorBoundReason;
    },
  };
}

function startBare(sink: NullSink, seeds: string[], packed: boolean): Running {
  const url = new URL('./load-bare-worker.mjs', import.meta.url);
  const workers = [0, 1].map((w) => new Worker(fileURLToPath(url), { workerData: { url: sink.url, seeds: seeds.filter((_, i) => i % 2 === w), batch: 100, inflight: 4, packed } }));
  // 'started' and the final count both listened for from the start (a count emitted with no listener would be lost).
  const started = workers.map((w) => new Promise<void>((s) => w.on('message', (m: unknown) => m === 'started' && s())));
  const counted = workers.map((w) => new Promise<void>((done) => w.on('message', (m: unknown) => typeof m === 'number' && done())));
  return {
    warm: async () => {
      await Promise.all(started);
      await sleep(1000);
    },
    perSigned: () => NaN,
    stop: async () => {
      for (const w of workers) w.postMessage('stop');
      await Promise.all(counted);
      await Promise.all(workers.map((w) => w.terminate()));
      return undefined;
    },
  };
}

let createBefore: CreateEngine | undefined;
/** The older build's createLoadEngine (LOADNET_ENGINE_BEFORE), or undefined when not asked for. */
export async function loadBefore(): Promise<CreateEngine | undefined> {
  const path = process.env.LOADNET_ENGINE_BEFORE;
  if (!path) return undefined;
  createBefore ??= ((await import(path)) as { createLoadEngine: CreateEngine }).createLoadEngine;
  return createBefore;
}

/**
 * Start a variant against `sink`; call before anything else of it runs in this process, so its threads are
 * told apart from those there before (split).
 */
export async function startVariant(name: VariantName, sink: NullSink, seeds: string[]): Promise<{ running: Running; threadsBefore: Set<string> }> {
  const threadsBefore = new Set(threadCpuUs().keys());
  if (name === 'bare' || name === 'bare-packed') return { running: startBare(sink, seeds, name === 'bare-packed'), threadsBefore };
  if (name === 'engine') return { running: startEngine(createLoadEngine as unknown as CreateEngine, sink, seeds.map((secret) => ({ secret }))), threadsBefore };
  const create = await loadBefore();
  if (!create) throw new Error('the "before" variant needs LOADNET_ENGINE_BEFORE=<an older build\'s dist/src/load/engine.js>');
  // The older build's wallets were { seed }; newer ones { secret }: both given.
  return { running: startEngine(create, sink, seeds.map((seed) => ({ seed, secret: seed }))), threadsBefore };
}

interface Snapshot {
  at: number;
  count: number;
  threads: Map<string, number>;
  cpu: number;
}

async function snapshot(sink: NullSink): Promise<Snapshot> {
  const threads = threadCpuUs();
  const cpu = threads.size === 0 ? processCpuUs() : 0;
  const count = await sink.count();
  return { at: performance.now(), count, threads, cpu };
}

/** A measurement window of a warm variant: open(), then close() gives its figures. */
export function windowOf(sink: NullSink, running: Running, threadsBefore: Set<string>) {
  let a: Snapshot | undefined;
  return {
    open: async () => void (a = await snapshot(sink)),
    close: async (): Promise<Omit<Window, 'bound'>> => {
      const b = await snapshot(sink);
      if (!a) throw new Error('window closed before it was opened');
      const n = b.count - a.count;
      const split: ThreadSplit = { workers: 0, main: 0, others: 0 };
      // Per thread, over the threads alive at the close (one that ended meanwhile is not subtracted).
      for (const [tid, us] of b.threads) {
        const d = (us - (a.threads.get(tid) ?? 0)) / n;
        if (tid === String(process.pid)) split.main += d;
        else if (threadsBefore.has(tid)) split.others += d;
        else split.workers += d;
      }
      const cpuUsPerTx = b.threads.size > 0 ? split.workers + split.main + split.others : (b.cpu - a.cpu) / n;
      return { tps: n / ((b.at - a.at) / 1000), cpuUsPerTx, cpuUsPerSigned: running.perSigned(a.at, b.at), split };
    },
  };
}

/** One variant measured alone in this process: start, warm up, a window of `seconds`, stop. */
export async function measureAlone(name: VariantName, sink: NullSink, seeds: string[], seconds: number): Promise<Window> {
  const { running, threadsBefore } = await startVariant(name, sink, seeds);
  await running.warm();
  const w = windowOf(sink, running, threadsBefore);
  await w.open();
  await sleep(seconds * 1000);
  const m = await w.close();
  const bound = await running.stop();
  return { ...m, ...(bound ? { bound } : {}) };
}
