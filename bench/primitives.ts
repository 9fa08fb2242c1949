/**
 * The figures behind the choices in src/adapters/devnet/wire, src/util and src/load, side by side in one process: SHA-256 of 128 B
 * (crypto.hash one-shot, createHash, @noble/hashes), ed25519 sign/verify per backend and the cost of
 * re-deriving a key per signature, the HTTP client's CPU per request (undici Pool vs the global fetch, against a
 * node:http server in a child process), and hdr-histogram-js (compressed encode of a 64k-sample histogram; the
 * `packed` array against the default one over 10M wide-range values).
 * Rates are per CPU-second of this process (wall rates drift with other load on a shared machine).
 * Run: npx tsx bench/primitives.ts [seconds per figure, default 1]
 */
import { fork } from 'node:child_process';
import * as crypto from 'node:crypto';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { ed25519Backend, type Ed25519BackendName } from '../src/adapters/devnet/wire/ed25519.js';
import { newHistogram, recordMs, encodeHistogram } from '../src/load/histogram.js';
import { seededRandom } from '../src/util/random.js';

const seconds = Number(process.argv[2] ?? 1);
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Calls `fn` in chunks for `seconds`; returns calls per CPU-second. */
function rate(fn: () => void): number {
  for (let i = 0; i < 1000; i++) fn(); // warm-up
  let n = 0;
  const c0 = cpuUs();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
  }
  return n / ((cpuUs() - c0) / 1e6);
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const msg = crypto.randomBytes(128);

console.log(`# SHA-256, 128 B, one core (per CPU-second)`);
const oneShot = (crypto as unknown as { hash: (a: string, d: Uint8Array, e: 'buffer') => Buffer }).hash;
const hashRates = {
  'crypto.hash()': rate(() => oneShot('sha256', msg, 'buffer')),
  'createHash()': rate(() => crypto.createHash('sha256').update(msg).digest()),
  '@noble/hashes': rate(() => nobleSha256(msg)),
};
for (const [k, v] of Object.entries(hashRates)) console.log(`${k.padEnd(16)} ${fmt(v).padStart(12)}/s  ${(1e6 / v).toFixed(2)} µs  one-shot ×${(hashRates['crypto.hash()'] / v).toFixed(2)}`);

console.log(`\n# ed25519, 128 B message, one core (per CPU-second)`);
const seed = crypto.randomBytes(32);
for (const name of ['sodium', 'node', 'noble'] as Ed25519BackendName[]) {
  const backend = ed25519Backend(name);
  const key = backend.keyFromSeed(seed);
  const sig = key.sign(msg);
  const sign = rate(() => key.sign(msg));
  const verify = rate(() => backend.verify(sig, msg, key.publicKey));
  const rederive = rate(() => backend.keyFromSeed(seed).sign(msg));
  console.log(`${name.padEnd(7)} sign ${fmt(sign).padStart(8)}/s  verify ${fmt(verify).padStart(8)}/s  key re-derived per signature ${fmt(rederive).padStart(8)}/s (kept key ×${(sign / rederive).toFixed(1)})`);
}

console.log(`\n# hdr-histogram-js (pure JS, 1 µs .. 1 h, 3 digits)`);
{
  const h = newHistogram(32);
  for (let i = 0; i < 65_536; i++) recordMs(h, 0.05 + Math.random() * 5000);
  const n = 200;
  const t0 = performance.now();
  let size = 0;
  for (let i = 0; i < n; i++) size = encodeHistogram(h).length;
  console.log(`encode 64k samples (compressed base64): ${(((performance.now() - t0) / n) * 1000).toFixed(0)} µs, ${size} chars`);
  // Log-uniform values from 1 µs to 60 s (seeded: the same values every run) into the 32-bit array and into
  // `packed`, side by side; percentiles after every 2M values.
  const opts = { autoResize: false, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 as const, useWebAssembly: false };
  const plain = hdr.build({ ...opts, bitBucketSize: 32 });
  const packed = hdr.build({ ...opts, bitBucketSize: 'packed' });
  const random = seededRandom(1);
  const show = (hh: hdr.Histogram) => `p50 ${hh.getValueAtPercentile(50)}, p99 ${hh.getValueAtPercentile(99)}`;
  for (let i = 1; i <= 10_000_000; i++) {
    const v = Math.max(1, Math.round(Math.exp(random() * Math.log(60_000_000))));
    plain.recordValue(v);
    packed.recordValue(v);
    if (i % 2_000_000 === 0) console.log(`${i / 1e6}M log-uniform values (µs): 32-bit ${show(plain)}; packed ${show(packed)}`);
  }
}

console.log(`\n# HTTP client CPU per request: ~300 B JSON POST to a node:http server in a child process, 8 in flight`);
{
  const server = fork('-e', [
    `const http=require('node:http');const s=http.createServer((q,r)=>{let b='';q.on('data',c=>b+=c);q.on('end',()=>{JSON.parse(b);r.writeHead(200,{'content-type':'application/json'});r.end('{"ok":true}')})});s.listen(0,'127.0.0.1',()=>process.send(s.address().port));process.on('disconnect',()=>process.exit(0));`,
  ], { execArgv: [] });
  const port = await new Promise<number>((r) => server.once('message', (p) => r(p as number)));
  const body = JSON.stringify({ from: 'a'.repeat(64), to: 'b'.repeat(64), amount: 1, nonce: 1, sig: 'c'.repeat(128) });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
  const clients: Record<string, () => Promise<unknown>> = {
    'undici Pool.request': async () => (await pool.request({ method: 'POST', path: '/', body, headers: { 'content-type': 'application/json' } })).body.text(),
    'global fetch': async () => (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).text(),
  };
  const perReq: Record<string, number> = {};
  for (const [name, call] of Object.entries(clients)) {
    const count = 4000;
    for (let i = 0; i < 200; i++) await call(); // warm-up
    let next = 0;
    const c0 = cpuUs();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < count) await call();
    }));
    perReq[name] = (cpuUs() - c0) / count;
    console.log(`${name.padEnd(20)} ${perReq[name]!.toFixed(1)} µs CPU/request, ${fmt(count / ((performance.now() - t0) / 1000))} req/s`);
  }
  console.log(`fetch / Pool.request CPU: ×${(perReq['global fetch']! / perReq['undici Pool.request']!).toFixed(1)}`);
  await pool.close();
  server.kill();
}
