/**
 * Maximum signed-and-submitted tx/s into a null sink (bench/load-null-sink.mjs, own process), three ways in
 * the same run, interleaved over rounds so machine load drifts equally on all of them:
 *   engine  the load engine (2 workers, sodium, 100 tx/POST) asked for far more than it can offer;
 *   bare    a bare sign-and-POST loop in 2 worker threads (bench/load-bare-worker.mjs): no pacing, no measurement;
 *   replay  an HTTP-only loop replaying one pre-signed 100-tx batch over undici: the sink + HTTP ceiling
 *           with no signing at all;
 *   autocannon  autocannon (c=8) POSTing the same pre-signed batch: the reference HTTP load tool's rate.
 * Engine overhead = 1 - engine / bare. Run: npx tsc -p tsconfig.build.json && npx tsx bench/load-max-rate.ts [seconds] [rounds]
 * With LOADNET_ENGINE_BEFORE=<an older build's dist/src/load/engine.js> each round also runs that engine
 * ("before": e.g. a git worktree of an earlier commit, built), so a change's effect on engine / bare is
 * measured side by side in one run.
 * Engines are also charged per transaction they *signed* (CPU between interval reports over the transactions
 * signed in them): each worker pre-signs up to 16,384 transactions before the schedule starts (lookaheadMs of it, no
 * more than it signs in lookaheadMs), and on a loaded
 * machine that head start drains for seconds, so a count at the sink credits the engine with signatures made
 * before the window (engine / bare above 1 under load). So an engine's window opens only once the sink has
 * counted that head start (HEAD_START), and both figures are taken over that window.
 * On Linux each window's CPU is also split by thread (per transaction at the sink): the variant's own worker
 * threads, the main thread, and the threads that were there before it started (V8's compiler and GC threads,
 * libuv's pool), so a gap between the engine and the bare loop shows where it is spent.
 */
import { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import autocannon from 'autocannon';
import { createLoadEngine } from '../src/load/engine.js';
import { deriveSeed } from '../src/adapters/devnet/wire/keys.js';
import { toHex, fromHex } from '../src/util/bytes.js';
import { ed25519Backend } from '../src/adapters/devnet/wire/ed25519.js';
import { encodeTxBatch, signTransferFast } from '../src/adapters/devnet/wire/tx.js';
import { measureSteady, processCpuUs, startNullSink } from './null-sink.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const seeds = Array.from({ length: 200 }, (_, i) => toHex(deriveSeed('bench', 'wallet', i)));

const sink = await startNullSink();
const url = sink.url;
const cpuUs = processCpuUs;

interface Steady {
  tps: number;
  cpuUsPerTx: number;
}

type Engine = { start(): Promise<void>; stop(): Promise<unknown>; finished(): Promise<{ generatorBoundReason?: string }>; totals(): { signed: number } };

/** CPU and signatures at each interval of an engine, to charge it per transaction signed between the first and last interval inside the window. */
function signedMarks() {
  const marks: { at: number; cpu: number; signed: number }[] = [];
  let engine: Engine | undefined;
  return {
    bind: (e: Engine) => (engine = e),
    onInterval: () => void (engine && marks.push({ at: performance.now(), cpu: cpuUs(), signed: engine.totals().signed })),
    cpuUsPerSigned: (w: { from: number; to: number }) => {
      const inside = marks.filter((m) => m.at >= w.from && m.at <= w.to);
      const a = inside[0], b = inside[inside.length - 1];
      return a && b && b.signed > a.signed ? (b.cpu - a.cpu) / (b.signed - a.signed) : NaN;
    },
  };
}

/** Transactions the engines (2 workers, asked for 400k tx/s) pre-sign before their schedule starts: 16,384 each. */
const HEAD_START = 2 * 16_384;
const measure = (afterCount = 0, onEdge?: (edge: 'start' | 'end') => void) => measureSteady(sink, seconds, afterCount, onEdge);

/** On-CPU µs of each thread of this process so far (/proc/self/task/<tid>/schedstat; empty where there is none). */
function threadCpuUs(): Map<string, number> {
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

interface ThreadSplit {
  workers: number;
  main: number;
  others: number;
}

/** A window's CPU per transaction by thread; call before the variant starts its threads (they are the ones not seen here). */
function threadSplit() {
  const before = new Set(threadCpuUs().keys());
  let a = new Map<string, number>();
  let b = a;
  return {
    onEdge: (edge: 'start' | 'end') => void (edge === 'start' ? (a = threadCpuUs()) : (b = threadCpuUs())),
    perTx: (m: Steady & { from: number; to: number }): ThreadSplit => {
      const n = (m.tps * (m.to - m.from)) / 1000;
      const s: ThreadSplit = { workers: 0, main: 0, others: 0 };
      for (const [tid, us] of b) {
        const d = (us - (a.get(tid) ?? 0)) / n;
        if (tid === String(process.pid)) s.main += d;
        else if (before.has(tid)) s.others += d;
        else s.workers += d;
      }
      return s;
    },
  };
}
const fmtSplit = (s: ThreadSplit) => `threads µs/tx: workers ${s.workers.toFixed(2)}, main ${s.main.toFixed(2)}, others ${s.others.toFixed(2)}`;

async function bare(): Promise<Steady & { split: ThreadSplit }> {
  const split = threadSplit();
  const workers = [0, 1].map((w) => new Worker(fileURLToPath(new URL('./load-bare-worker.mjs', import.meta.url)), { workerData: { url, seeds: seeds.filter((_, i) => i % 2 === w), batch: 100, inflight: 4, durationMs: (seconds + 2) * 1000 } }));
  // Both messages ('started', then the count) listened for from the start: on a loaded machine the measure can
  // outlast a worker, whose count would otherwise be emitted with no listener and the bench wait forever.
  const started: Promise<unknown>[] = [];
  const counted = workers.map((w, i) => new Promise<number>((done) => {
    started[i] = new Promise((s) => w.on('message', (m: unknown) => (m === 'started' ? s(m) : done(m as number))));
  }));
  await Promise.all(started);
  const m = await measure(0, split.onEdge);
  await Promise.all(counted);
  await Promise.all(workers.map((w) => w.terminate()));
  return { ...m, split: split.perTx(m) };
}

async function engine(): Promise<Steady & { bound: string | undefined; cpuUsPerSigned: number; split: ThreadSplit }> {
  const marks = signedMarks();
  const split = threadSplit();
  const e = createLoadEngine({ targets: [url], wallets: seeds.map((secret) => ({ secret })), rate: 400_000, threads: 2, batch: 100, connections: 4, onInterval: marks.onInterval }); // runs until stopped: the window may open late
  marks.bind(e);
  const before = await sink.count();
  await e.start();
  const m = await measure(before + HEAD_START, split.onEdge);
  await e.stop();
  const t = await e.finished();
  return { ...m, bound: t.generatorBoundReason, cpuUsPerSigned: marks.cpuUsPerSigned(m), split: split.perTx(m) };
}

const beforePath = process.env.LOADNET_ENGINE_BEFORE;
const createBefore = beforePath ? ((await import(beforePath)) as { createLoadEngine: (o: Record<string, unknown>) => Engine }).createLoadEngine : undefined;

/** The older build's engine, same settings (its wallets were { seed }). */
async function engineBefore(): Promise<Steady & { cpuUsPerSigned: number; split: ThreadSplit }> {
  const marks = signedMarks();
  const split = threadSplit();
  const e = createBefore!({ targets: [url], wallets: seeds.map((seed) => ({ seed, secret: seed })), rate: 400_000, threads: 2, batch: 100, connections: 4, onInterval: marks.onInterval }); // runs until stopped: the window may open late
  marks.bind(e);
  const before = await sink.count();
  await e.start();
  const m = await measure(before + HEAD_START, split.onEdge);
  await e.stop();
  await e.finished();
  return { ...m, cpuUsPerSigned: marks.cpuUsPerSigned(m), split: split.perTx(m) };
}

async function replay(): Promise<number> {
  const key = ed25519Backend('sodium').keyFromSeed(fromHex(seeds[0]!, 32));
  const body = encodeTxBatch(Array.from({ length: 100 }, (_, i) => signTransferFast(key, i, 1, key.publicKey, 1).bytes));
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const pool = new Pool(url, { connections: 8 });
  let done = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        const res = await pool.request({ method: 'POST', path: '/mempool/add/txs', body: buf, headers: { 'content-type': 'application/octet-stream' } });
        await res.body.text();
        if (performance.now() <= end) done += 100;
      }
    }),
  );
  await pool.close();
  return done / seconds;
}

/** autocannon on the same sink and the same pre-signed 100-tx batch (its own connections, c=8). */
async function cannon(): Promise<number> {
  const key = ed25519Backend('sodium').keyFromSeed(fromHex(seeds[0]!, 32));
  const body = encodeTxBatch(Array.from({ length: 100 }, (_, i) => signTransferFast(key, i, 1, key.publicKey, 1).bytes));
  const result = await autocannon({ url: `${url}/mempool/add/txs`, method: 'POST', body: Buffer.from(body), headers: { 'content-type': 'application/octet-stream' }, connections: 8, duration: seconds });
  return result.requests.average * 100;
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const splits: Record<'engine' | 'before' | 'bare', ThreadSplit[]> = { engine: [], before: [], bare: [] };
const medSplit = (xs: ThreadSplit[]): ThreadSplit => ({ workers: med(xs.map((x) => x.workers)), main: med(xs.map((x) => x.main)), others: med(xs.map((x) => x.others)) });
const rows: Record<string, number[]> = { engine: [], bare: [], replay: [], cannon: [], engineCpu: [], bareCpu: [], before: [], beforeCpu: [], engineSigned: [], beforeSigned: [] };
const runBefore = async (r: number) => {
  const eb = await engineBefore();
  rows.before!.push(eb.tps);
  rows.beforeCpu!.push(eb.cpuUsPerTx);
  rows.beforeSigned!.push(eb.cpuUsPerSigned);
  splits.before.push(eb.split);
  console.log(`round ${r + 1}: engine (before) ${Math.round(eb.tps)} tx/s (${eb.cpuUsPerTx.toFixed(2)} µs CPU/tx; ${eb.cpuUsPerSigned.toFixed(2)} µs per signed tx; ${fmtSplit(eb.split)})`);
};
for (let r = 0; r < rounds; r++) {
  // The older engine right before the current one in even rounds, right after it in odd ones: no order bias.
  if (createBefore && r % 2 === 0) await runBefore(r);
  const e = await engine();
  if (createBefore && r % 2 === 1) await runBefore(r);
  const b = await bare();
  const rp = await replay();
  const ac = await cannon();
  rows.cannon!.push(ac);
  rows.engine!.push(e.tps);
  rows.engineCpu!.push(e.cpuUsPerTx);
  rows.engineSigned!.push(e.cpuUsPerSigned);
  rows.bare!.push(b.tps);
  rows.bareCpu!.push(b.cpuUsPerTx);
  rows.replay!.push(rp);
  splits.engine.push(e.split);
  splits.bare.push(b.split);
  console.log(`round ${r + 1}: engine ${Math.round(e.tps)} tx/s (${e.cpuUsPerTx.toFixed(2)} µs CPU/tx, ${e.cpuUsPerSigned.toFixed(2)} per signed tx; bound: ${e.bound}), bare ${Math.round(b.tps)} tx/s (${b.cpuUsPerTx.toFixed(2)} µs CPU/tx), replay ${Math.round(rp)} tx/s, autocannon ${Math.round(ac)} tx/s`);
  console.log(`round ${r + 1}: engine ${fmtSplit(e.split)}; bare ${fmtSplit(b.split)}`);
}
const eng = med(rows.engine!), b = med(rows.bare!), rp = med(rows.replay!);
// Round by round, by throughput and by CPU per transaction (bare µs / engine µs: the same ratio where both are
// CPU-bound, and less sensitive to the machine's other load, which moves throughput more than CPU per transaction).
const byRate = rows.engine!.map((e, i) => e / rows.bare![i]!);
const byCpu = rows.engineCpu!.map((e, i) => rows.bareCpu![i]! / e);
const steady = (xs: number[]) => `${xs.map((x) => x.toFixed(2)).join(', ')} (${xs.filter((x) => x >= 0.9).length} of ${xs.length} ≥ 0.9)`;
console.log(`engine / bare per round: by throughput ${steady(byRate)}; by CPU per tx ${steady(byCpu)}`);
console.log(`\nmedian of ${rounds} rounds × ${seconds} s: engine ${Math.round(eng)} tx/s, bare sign+POST ${Math.round(b)} tx/s, HTTP-only replay ${Math.round(rp)} tx/s, autocannon ${Math.round(med(rows.cannon!))} tx/s (${Math.round(med(rows.cannon!) / 100)} req/s)`);
console.log(`engine / bare = ${(eng / b).toFixed(3)} (overhead ${((1 - eng / b) * 100).toFixed(1)} %)`);
if (createBefore) {
  const eb = med(rows.before!);
  console.log(`engine (before) / bare = ${(eb / b).toFixed(3)}; engine (now) / bare = ${(eng / b).toFixed(3)}; CPU per tx: before ${med(rows.beforeCpu!).toFixed(2)} µs, now ${med(rows.engineCpu!).toFixed(2)} µs`);
}
const ec = med(rows.engineCpu!), bc = med(rows.bareCpu!);
console.log(`client CPU per transaction (this process, all threads): engine ${ec.toFixed(2)} µs, bare ${bc.toFixed(2)} µs: engine overhead ${((ec / bc - 1) * 100).toFixed(1)} % (load-independent measure)`);
const es = med(rows.engineSigned!);
console.log(`engine CPU per transaction signed (no credit for its pre-signed head start): ${es.toFixed(2)} µs${createBefore ? `, before ${med(rows.beforeSigned!).toFixed(2)} µs` : ''}; bare ${bc.toFixed(2)} µs: engine overhead ${((es / bc - 1) * 100).toFixed(1)} %`);
if (splits.bare.some((s) => s.workers > 0)) {
  console.log(`CPU per transaction by thread (medians; others = V8's compiler and GC threads, libuv's pool): engine ${fmtSplit(medSplit(splits.engine))}${createBefore ? `; before ${fmtSplit(medSplit(splits.before))}` : ''}; bare ${fmtSplit(medSplit(splits.bare))}`);
}
sink.close();
