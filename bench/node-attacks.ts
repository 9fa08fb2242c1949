/**
 * Issue 21's attacks on one node of a running loadnet run (3 validators + 1 executor, local deployer,
 * 100 tx/s, liveness and safety judged): 400 half-open P2P sockets, 3,000 idle API sockets, three
 * 100,000-transaction invalid-signature batches at once, a block-request flood and a PEERS flood, one
 * after the other. Prints each bound against what was measured, the victim's RSS over all of them and
 * the run's verdict. The lean versions of each attack are tests (test/integration/node-api-defense,
 * p2p-attack); this is the full set under a real run.
 *   npm run build && npx tsx bench/node-attacks.ts
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'undici';
import { deriveKeyPair, fromHex, signTransferFast } from '../src/adapters/devnet/wire/index.js';
import { MsgType, encodeBlockRequest } from '../src/node/p2p/frames.js';
import { halfOpen, randomPeers, rawPeer, rssMiB } from '../test/integration/p2p-attacker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'loadnet-attacks-'));
// The run is this script's child: stop it (it tears its nodes down) if the script fails or is interrupted.
const run = spawn(process.execPath, ['dist/src/cli/main.js', 'run', 'bench/node-attacks.scenario.json', '--out', out, '--no-progress'], { stdio: ['ignore', 'pipe', 'inherit'] });
let runOut = '';
run.stdout.on('data', (d) => (runOut += d));
const runExit = new Promise<number | null>((r) => run.once('exit', (c) => r(c)));
const stopRun = () => {
  if (run.exitCode === null) run.kill('SIGINT');
};
process.once('SIGINT', () => (stopRun(), process.exit(130)));
process.once('uncaughtException', (e) => {
  console.error(e);
  stopRun();
  setTimeout(() => process.exit(1), 10_000).unref();
});

async function until<T>(what: string, f: () => T | undefined | null | false, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      const v = f();
      if (v) return v;
    } catch {
      /* not there yet */
    }
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const runDir = await until('the run directory', () => fs.readdirSync(out).map((d) => path.join(out, d)).find((d) => fs.existsSync(path.join(d, 'nodes'))));
const nodeDir = await until('the victim node', () => {
  const d = fs.readdirSync(path.join(runDir, 'nodes')).sort()[0];
  return d && fs.existsSync(path.join(runDir, 'nodes', d, 'node.log')) && fs.readFileSync(path.join(runDir, 'nodes', d, 'node.log'), 'utf8').includes('"msg":"node started"') ? path.join(runDir, 'nodes', d) : null;
});
const started = JSON.parse(fs.readFileSync(path.join(nodeDir, 'node.log'), 'utf8').split('\n').find((l) => l.includes('"msg":"node started"'))!) as { api: string };
const config = JSON.parse(fs.readFileSync(path.join(nodeDir, 'config.json'), 'utf8')) as { name: string; p2p: { port: number }; genesis: { chainId: string } };
const pid = await until('the victim pid', () => {
  const ev = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; node?: string; pid?: number });
  return ev.find((x) => x.kind === 'node.spawn' && x.node === config.name)?.pid;
});
const api = new Pool(started.api, { connections: 1 });
const get = async (p: string) => {
  const t0 = performance.now();
  const res = await api.request({ method: 'GET', path: p });
  const text = await res.body.text();
  return { ms: performance.now() - t0, status: res.statusCode, text };
};
const peersNow = async () => (JSON.parse((await get('/network/info')).text) as { peers: string[] }).peers.length;
await sleep(5000);
const peers0 = await peersNow();
const rss0 = rssMiB(pid);
let peak = rss0;
const sample = () => (peak = Math.max(peak, rssMiB(pid)));
const rows: string[] = [];
const row = (attack: string, bound: string, measured: string) => {
  rows.push(`| ${attack} | ${bound} | ${measured} |`);
  console.log(`${attack}: ${measured}`);
};
console.log(`victim ${config.name} pid ${pid}, ${peers0} peers, RSS ${rss0.toFixed(0)} MiB; run dir ${runDir}`);

// 1. 400 half-open P2P sockets
{
  const t0 = Date.now();
  const h = await halfOpen(config.p2p.port, 400);
  while (Date.now() - t0 < 15_000 && h.closed() < 400) await sleep(100);
  sample();
  for (const s of h.sockets) s.destroy();
  row('400 half-open P2P sockets', '>= 95 % closed in 15 s, honest peers kept', `${h.closed()} closed after ${Date.now() - t0} ms; peers ${await peersNow()} of ${peers0}`);
}
// 2. 3,000 idle API sockets
{
  const port = Number(new URL(started.api).port);
  let closed = 0;
  const sockets: net.Socket[] = [];
  for (let i = 0; i < 3000; i += 200)
    await Promise.all(
      Array.from({ length: 200 }, (_, j) =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => {
            if ((i + j) % 2) s.write('GET /cryptarchia/info HTTP/1.1\r\nhost: x\r\n\r\n');
            resolve();
          });
          s.on('data', () => {});
          s.on('error', () => resolve());
          s.once('close', () => closed++);
          sockets.push(s);
        }),
      ),
    );
  const t0 = Date.now();
  const fresh = new Pool(started.api, { connections: 1 });
  const f0 = performance.now();
  const r = await fresh.request({ method: 'GET', path: '/cryptarchia/info' });
  await r.body.text();
  const freshMs = performance.now() - f0;
  await fresh.close();
  while (Date.now() - t0 < 20_000 && closed < 2850) await sleep(100);
  sample();
  for (const s of sockets) s.destroy();
  row('3,000 idle API sockets', 'fresh client <= 1 s; >= 95 % closed in 20 s', `fresh client ${r.statusCode} in ${freshMs.toFixed(0)} ms; ${closed} closed after ${Date.now() - t0} ms`);
}
// 3. three 100,000-tx invalid-signature batches at once, a control client polling
{
  const w = deriveKeyPair('attack', 'wallet', 0);
  const template = Buffer.from(signTransferFast(w.key, 0, 1, fromHex(w.publicKey), 1).bytes).toString('hex');
  const attacker = spawn(process.execPath, ['test/integration/invalid-batch-client.mjs', started.api, template, '3', '100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  let go!: () => void;
  const ready = new Promise<void>((r) => (go = r));
  attacker.stdout.on('data', (d) => {
    text += d;
    if (text.startsWith('ready\n')) go();
  });
  const exited = new Promise((r) => attacker.once('exit', r));
  await Promise.race([ready, exited]);
  const lat: number[] = [];
  let on = true;
  void exited.then(() => sleep(2000)).then(() => (on = false));
  while (on) {
    lat.push((await get('/cryptarchia/info')).ms);
    await sleep(10);
  }
  sample();
  lat.sort((a, b) => a - b);
  const answers = JSON.parse(text.slice(6)) as Array<{ ms: number; counts: Record<string, number> }>;
  row('three 100,000-tx invalid-signature batches at once', 'control GET /cryptarchia/info p99 <= 500 ms', `p99 ${lat[Math.floor(lat.length * 0.99)]!.toFixed(0)} ms (max ${lat[lat.length - 1]!.toFixed(0)}, ${lat.length} requests); answered in ${answers.map((a) => a.ms).join(', ')} ms, ${answers.map((a) => a.counts.bad_signature).join('/')} bad_signature, the rest batch_abandoned`);
}
// 4. block-request flood from a peer that never reads
{
  const before = rssMiB(pid);
  let p = before;
  const a = await rawPeer(config.p2p.port, config.genesis.chainId, 'bench-block-flood', Date.now() % 1000);
  a.socket.pause();
  for (let i = 0; i < 150_000 && !a.socket.destroyed; i++) {
    a.send(MsgType.blockReq, encodeBlockRequest(i, { fromHeight: 1, toHeight: 1_000_000, max: 200 }));
    if (i % 2000 === 0) {
      p = Math.max(p, rssMiB(pid));
      await sleep(10);
    }
  }
  for (let t = 0; t < 25; t++) {
    p = Math.max(p, rssMiB(pid));
    await sleep(200);
  }
  a.socket.destroy();
  peak = Math.max(peak, p);
  row('block-request flood (150,000 requests, never read)', 'RSS growth <= 200 MiB, honest peers kept', `RSS ${before.toFixed(0)} -> peak ${p.toFixed(0)} MiB; peers ${await peersNow()} of ${peers0}`);
}
// 5. PEERS flood
{
  const before = rssMiB(pid);
  let p = before;
  const a = await rawPeer(config.p2p.port, config.genesis.chainId, 'bench-peers-flood', Date.now() % 1000);
  const base = randomPeers(1024);
  let sent = 0;
  for (let i = 0; i < 4000 && !a.socket.destroyed; i++, sent++) {
    const payload = Buffer.from(base);
    for (let e = 0; e < 1024; e++) payload.writeUInt32LE(i, 2 + e * 44);
    if (!a.send(MsgType.peers, payload)) await Promise.race([new Promise((r) => a.socket.once('drain', r)), a.closed]);
    if (i % 200 === 0) p = Math.max(p, rssMiB(pid));
  }
  await sleep(3000);
  p = Math.max(p, rssMiB(pid));
  const cut = a.socket.destroyed;
  a.socket.destroy();
  peak = Math.max(peak, p);
  row('PEERS flood (4,000 × 1,024 new identities)', 'RSS growth <= 200 MiB, honest peers kept', `RSS ${before.toFixed(0)} -> peak ${p.toFixed(0)} MiB; flooder cut off after ${sent} messages: ${cut}; peers ${await peersNow()} of ${peers0}`);
}
row('all of the above, one victim', 'RSS growth <= 200 MiB', `RSS ${rss0.toFixed(0)} -> peak ${peak.toFixed(0)} MiB`);
await api.close();
const code = await runExit;
const verdict = /verdict[^\n]*|PASS[^\n]*|FAIL[^\n]*/i.exec(runOut)?.[0] ?? '(see the run directory)';
row('the run under these attacks', 'liveness and safety pass', `exit code ${code}; ${verdict.trim()}`);
console.log(['', '| attack | bound | measured |', '|---|---|---|', ...rows].join('\n'));
console.log(runOut.split('\n').slice(-25).join('\n'));
fs.rmSync(out, { recursive: true, force: true });
