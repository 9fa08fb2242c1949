/**
 * Maximum signed-and-submitted tx/s into a null sink (bench/load-null-sink.mjs, own process): the load engine
 * against a bare sign-and-POST loop, and the HTTP ceiling (variants: bench/load-variants.ts).
 *   engine  the load engine (2 workers, sodium, 100 tx/POST) asked for far more than it can offer;
 *   bare    a bare sign-and-POST loop in 2 worker threads (bench/load-bare-worker.mjs): no pacing, no measurement;
 *   bare-packed  (with --bare-packed) the bare loop signing straight into each batch's body as the engine does:
 *           engine / bare-packed is the engine's own overhead with the signing technique taken out;
 *   before  with LOADNET_ENGINE_BEFORE=<an older build's dist/src/load/engine.js> (e.g. a git worktree of an
 *           earlier commit, built), that build's engine, same settings;
 *   replay, autocannon (sequential mode only): one pre-signed 100-tx batch POSTed over undici (8 connections) and by
 *           autocannon (c=8): the sink + HTTP ceiling with no signing.
 * Engine overhead = 1 - engine / bare, read by CPU per transaction (bare µs / engine µs: the same ratio where both
 * are CPU-bound, and the one the machine's other load moves least) and by throughput.
 *
 * Two modes:
 *   sequential (default)  each variant in turn in this process, one window each, every round;
 *   --paired              every variant at the same time, each in a process of its own with its own sink
 *                         (bench/load-max-rate-variant.ts): their windows open and close together, so each
 *                         round compares them under the same machine load (this shared machine's speed moves
 *                         from minute to minute more than the gap being measured).
 * Run: npx tsc -p tsconfig.build.json && [LOADNET_ENGINE_BEFORE=...] npx tsx bench/load-max-rate.ts [seconds] [rounds] [--paired] [--bare-packed]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import autocannon from 'autocannon';
import { fromHex } from '../src/util/bytes.js';
import { ed25519Backend } from '../src/adapters/devnet/wire/ed25519.js';
import { encodeTxBatch, signTransferFast } from '../src/adapters/devnet/wire/tx.js';
import { sleep, startNullSink, type NullSink } from './null-sink.js';
import { benchSeeds, loadBefore, measureAlone, type ThreadSplit, type VariantName, type Window } from './load-variants.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const paired = process.argv.includes('--paired');
const seconds = Number(args[0] ?? 5);
const rounds = Number(args[1] ?? 3);
if (!(seconds > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error(`usage: load-max-rate.ts [seconds > 0] [rounds ≥ 1] [--paired] [--bare-packed]; got ${args.join(' ')}`);
const seeds = benchSeeds();
const names: VariantName[] = ['engine', ...((await loadBefore()) ? ['before' as const] : []), 'bare', ...(process.argv.includes('--bare-packed') ? ['bare-packed' as const] : [])];
const loadavg = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
};

async function replay(sink: NullSink): Promise<number> {
  const key = ed25519Backend('sodium').keyFromSeed(fromHex(seeds[0]!, 32));
  const body = encodeTxBatch(Array.from({ length: 100 }, (_, i) => signTransferFast(key, i, 1, key.publicKey, 1).bytes));
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const pool = new Pool(sink.url, { connections: 8 });
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
async function cannon(sink: NullSink): Promise<number> {
  const key = ed25519Backend('sodium').keyFromSeed(fromHex(seeds[0]!, 32));
  const body = encodeTxBatch(Array.from({ length: 100 }, (_, i) => signTransferFast(key, i, 1, key.publicKey, 1).bytes));
  const result = await autocannon({ url: `${sink.url}/mempool/add/txs`, method: 'POST', body: Buffer.from(body), headers: { 'content-type': 'application/octet-stream' }, connections: 8, duration: seconds });
  return result.requests.average * 100;
}

const variantScript = fileURLToPath(new URL('./load-max-rate-variant.ts', import.meta.url));

/** One paired round: every variant in its own process, their windows opened and closed together. */
async function pairedRound(): Promise<Record<string, Window>> {
  const kids = names.map((name) => ({ name, proc: fork(variantScript, [name], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) }));
  const exited = kids.map((k) => new Promise<void>((resolve) => k.proc.once('exit', () => resolve())));
  const message = (type: string) =>
    Promise.all(
      kids.map(
        (k) =>
          new Promise<{ name: string; m: { type: string; window?: Window } }>((resolve, reject) => {
            const onMessage = (m: { type: string; window?: Window }) => {
              if (m.type !== type) return;
              k.proc.off('message', onMessage);
              k.proc.off('exit', onExit);
              resolve({ name: k.name, m });
            };
            const onExit = (code: number | null) => reject(new Error(`variant ${k.name} exited (${code}) before '${type}'`));
            k.proc.on('message', onMessage);
            k.proc.once('exit', onExit);
          }),
      ),
    );
  try {
    await message('ready');
    const opened = message('opened');
    for (const k of kids) k.proc.send('open');
    await opened;
    await sleep(seconds * 1000);
    const results = message('result');
    for (const k of kids) k.proc.send('close');
    const out: Record<string, Window> = {};
    // NaN crosses IPC (JSON) as null.
    for (const { name, m } of await results) out[name] = { ...m.window!, cpuUsPerSigned: m.window!.cpuUsPerSigned ?? NaN };
    await Promise.all(exited);
    return out;
  } finally {
    for (const k of kids) if (k.proc.exitCode === null) k.proc.kill();
  }
}

const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const medSplit = (xs: ThreadSplit[]): ThreadSplit => ({ workers: med(xs.map((x) => x.workers)), main: med(xs.map((x) => x.main)), others: med(xs.map((x) => x.others)) });
const fmtSplit = (s: ThreadSplit) => `workers ${s.workers.toFixed(2)}, main ${s.main.toFixed(2)}, others ${s.others.toFixed(2)}`;
const fmt = (w: Window) => `${Math.round(w.tps)} tx/s, ${w.cpuUsPerTx.toFixed(2)} µs CPU/tx${Number.isNaN(w.cpuUsPerSigned) ? '' : ` (${w.cpuUsPerSigned.toFixed(2)} per signed tx)`}; threads µs/tx: ${fmtSplit(w.split)}`;

/** What each round compares: every variant against the bare loop, and the engine against the packed bare loop. */
const pairs: [string, string][] = [...names.filter((n) => n !== 'bare').map((n): [string, string] => [n, 'bare']), ...(names.includes('bare-packed') ? [['engine', 'bare-packed'] as [string, string]] : [])];
const all: Record<string, Window[]> = Object.fromEntries(names.map((n) => [n, []]));
const http: { replay: number[]; cannon: number[] } = { replay: [], cannon: [] };
const sink = paired ? undefined : await startNullSink();
console.log(`${paired ? 'paired' : 'sequential'}: ${names.join(', ')}; ${rounds} rounds × ${seconds} s; load average ${loadavg()}`);
for (let r = 0; r < rounds; r++) {
  const load = loadavg();
  let got: Record<string, Window>;
  if (paired) got = await pairedRound();
  else {
    got = {};
    // The older engine right before the current one in even rounds, right after it in odd ones: no order bias.
    const order = names.filter((n) => n !== 'bare');
    if (r % 2 === 1) order.reverse();
    for (const n of [...order, 'bare' as const]) got[n] = await measureAlone(n, sink!, seeds, seconds);
    http.replay.push(await replay(sink!));
    http.cannon.push(await cannon(sink!));
  }
  for (const n of names) all[n]!.push(got[n]!);
  const ratio = ([n, base]: [string, string]) => `${n} / ${base} ${(got[base]!.cpuUsPerTx / got[n]!.cpuUsPerTx).toFixed(3)} by CPU, ${(got[n]!.tps / got[base]!.tps).toFixed(3)} by tx/s`;
  console.log(`round ${r + 1} (load ${load} → ${loadavg()}): ${pairs.map(ratio).join('; ')}`);
  for (const n of names) console.log(`  ${n}: ${fmt(got[n]!)}${got[n]!.bound ? ` (bound: ${got[n]!.bound})` : ''}`);
  if (!paired) console.log(`  replay ${Math.round(http.replay[r]!)} tx/s, autocannon ${Math.round(http.cannon[r]!)} tx/s`);
}
sink?.close();

const byCpu = (n: string, base = 'bare') => all[n]!.map((w, i) => all[base]![i]!.cpuUsPerTx / w.cpuUsPerTx);
const byRate = (n: string, base = 'bare') => all[n]!.map((w, i) => w.tps / all[base]![i]!.tps);
const steady = (xs: number[]) => `${xs.map((x) => x.toFixed(2)).join(', ')} (median ${med(xs).toFixed(3)}; ${xs.filter((x) => x >= 0.9).length} of ${xs.length} ≥ 0.9)`;
console.log(`\n${paired ? 'paired' : 'sequential'}, ${rounds} rounds × ${seconds} s, load average now ${loadavg()}`);
for (const [n, base] of pairs) {
  console.log(`${n} / ${base} per round by CPU per tx: ${steady(byCpu(n, base))}`);
  console.log(`${n} / ${base} per round by throughput: ${steady(byRate(n, base))}`);
}
if (all.before) {
  const e = byCpu('engine');
  const b = byCpu('before');
  console.log(`engine ≥ before (by CPU per tx) in ${e.filter((x, i) => x >= b[i]!).length} of ${rounds} rounds`);
}
for (const n of names) {
  const ws = all[n]!;
  const signed = ws.map((w) => w.cpuUsPerSigned).filter((x) => !Number.isNaN(x));
  console.log(`${n} medians: ${Math.round(med(ws.map((w) => w.tps)))} tx/s, ${med(ws.map((w) => w.cpuUsPerTx)).toFixed(2)} µs CPU/tx${signed.length ? `, ${med(signed).toFixed(2)} per signed tx` : ''}; threads µs/tx: ${fmtSplit(medSplit(ws.map((w) => w.split)))}`);
}
if (!paired) console.log(`HTTP only (medians): replay ${Math.round(med(http.replay))} tx/s, autocannon ${Math.round(med(http.cannon))} tx/s (${Math.round(med(http.cannon) / 100)} req/s)`);
