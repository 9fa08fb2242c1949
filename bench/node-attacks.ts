/**
 * Issue 21's attacks on one node of a running loadnet run (3 validators + 1 executor, local deployer,
 * 100 tx/s, liveness and safety judged): 400 half-open P2P sockets, 3,000 idle API sockets, three
 * 100,000-transaction invalid-signature batches at once, an API request flood, a block-request flood and
 * a PEERS flood, one after the other, against validator-0 (a block producer, so the figures show whether
 * its consensus work kept up). Prints each bound against what was measured, how late the victim's slot
 * handling ran and how many blocks it produced during each attack, its RSS over all of them and the
 * run's verdict. The lean versions of each attack are tests (test/integration/node-api-defense,
 * p2p-attack); this is the full set under a real run.
 *   npm run build && npx tsx bench/node-attacks.ts
 *   npm run build && LOADNET_DEFENSES=off npx tsx bench/node-attacks.ts   # the same with every defense off (docs/SECURITY.md)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'undici';
import { deriveKeyPair, fromHex, signTransferFast } from '../src/adapters/devnet/wire/index.js';
import { MsgType, encodeBlockRequest } from '../src/adapters/devnet/wire/p2p-frames.js';
import { halfOpen, randomPeers } from '../src/adversary/devnet-peer.js';
import { rawPeer, rssMiB } from '../test/integration/helpers/hostile-peer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'loadnet-attacks-'));
// The run is this script's child: stop it (it tears its nodes down) if the script fails or is interrupted.
const OFF = (process.env.LOADNET_DEFENSES ?? 'on') !== 'on';
const VICTIM = 'validator-0';
// With defenses off some attacks take minutes (they are cut off at a limit): a longer run keeps the chain going under all of them.
const run = spawn(process.execPath, ['dist/src/cli/main.js', 'run', 'bench/node-attacks.scenario.json', '--out', out, '--no-progress', ...(OFF ? ['--duration', '300s'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const d = path.join(runDir, 'nodes', VICTIM);
  return fs.existsSync(path.join(d, 'node.log')) && fs.readFileSync(path.join(d, 'node.log'), 'utf8').includes('"msg":"node started"') ? d : null;
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
  try {
    const res = await api.request({ method: 'GET', path: p, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const text = await res.body.text();
    return { ms: performance.now() - t0, status: res.statusCode, text };
  } catch {
    // Not answered in 30 s (possible with defenses off): counted as such a request.
    return { ms: performance.now() - t0, status: 0, text: '' };
  }
};
const peersNow = async (): Promise<number | string> => {
  const r = await get('/network/info');
  return r.status === 200 ? (JSON.parse(r.text) as { peers: string[] }).peers.length : `? (the API did not answer in ${(r.ms / 1000).toFixed(0)} s)`;
};
/** Sum of a metric's series, or of one histogram bucket (`le`), in the victim's /metrics. */
const metric = (text: string, name: string, le?: string) => {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) if (le === undefined || m[1]?.includes(`le="${le}"`)) sum += Number(m[2]);
  return sum;
};
/** The victim's consensus work over one attack: slots handled, how many late by > 100 / > 500 ms, blocks it produced. */
const consensus = async () => {
  // One scrape for all figures, so they agree with each other (a failed scrape is retried).
  let text = '';
  for (let i = 0; i < 10 && !text; i++) text = (await get('/metrics')).text;
  return {
    slots: metric(text, 'consensus_slot_delay_seconds_count'),
    within100: metric(text, 'consensus_slot_delay_seconds_bucket', '0.1'),
    within500: metric(text, 'consensus_slot_delay_seconds_bucket', '0.5'),
    produced: metric(text, 'consensus_blocks_produced_total'),
    missed: metric(text, 'consensus_slots_missed_total'),
    at: Date.now(),
    logAt: fs.statSync(path.join(nodeDir, 'node.log')).size,
  };
};
// validator-0 holds 1/3 of the stake: it leads a slot with probability 1 - (1 - f)^(1/3) (f = 0.8), 2 slots a second.
const LEADS_PER_SEC = (1 - Math.pow(1 - 0.8, 1 / 3)) * 2;
const consensusSince = async (a: Awaited<ReturnType<typeof consensus>>) => {
  const b = await consensus();
  const slots = b.slots - a.slots;
  const s = (b.at - a.at) / 1000;
  // Why a leader did not propose: its own log says so.
  const fd = fs.openSync(path.join(nodeDir, 'node.log'), 'r');
  const buf = Buffer.alloc(b.logAt - a.logAt);
  fs.readSync(fd, buf, 0, buf.length, a.logAt);
  fs.closeSync(fd);
  const log = buf.toString('utf8');
  const count = (msg: string) => log.split(msg).length - 1;
  return `slots ${slots}, late > 100 ms ${slots - (b.within100 - a.within100)}, > 500 ms ${slots - (b.within500 - a.within500)}; produced ${b.produced - a.produced} blocks in ${s.toFixed(0)} s (≈ ${(LEADS_PER_SEC * s).toFixed(0)} led; ${b.missed - a.missed} led slots missed: another leader's block for that slot came first; ${count('leader but catching up')} times leader while catching up)`;
};
const withConsensus = async (attack: () => Promise<[string, string, string]>) => {
  const c0 = await consensus();
  const [a, b, m] = await attack();
  row(a, b, m, await consensusSince(c0));
};
await sleep(5000);
const peers0 = await peersNow();
const rss0 = rssMiB(pid);
let peak = rss0;
const sample = () => (peak = Math.max(peak, rssMiB(pid)));
const rows: string[] = [];
const row = (attack: string, bound: string, measured: string, consensusWork = '') => {
  rows.push(`| ${attack} | ${bound} | ${measured} | ${consensusWork} |`);
  console.log(`${attack}: ${measured} ${consensusWork}`);
};
console.log(`victim ${config.name} pid ${pid}, ${peers0} peers, RSS ${rss0.toFixed(0)} MiB; defenses ${OFF ? `OFF (${process.env.LOADNET_DEFENSES})` : 'on'}; run dir ${runDir}`);
const runC0 = await consensus();

// 1. 400 half-open P2P sockets
await withConsensus(async () => {
  const t0 = Date.now();
  const h = await halfOpen(config.p2p.port, 400);
  while (Date.now() - t0 < 15_000 && h.closed() < 400) await sleep(100);
  sample();
  for (const s of h.sockets) s.destroy();
  return ['400 half-open P2P sockets', '>= 95 % closed in 15 s, honest peers kept', `${h.closed()} closed after ${Date.now() - t0} ms; peers ${await peersNow()} of ${peers0}`];
});
// 2. 3,000 idle API sockets
await withConsensus(async () => {
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
  return ['3,000 idle API sockets', 'fresh client <= 1 s; >= 95 % closed in 20 s', `fresh client ${r.statusCode} in ${freshMs.toFixed(0)} ms; ${closed} closed after ${Date.now() - t0} ms`];
});
// 3. three 100,000-tx invalid-signature batches at once, a control client polling
await withConsensus(async () => {
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
  // Without its defenses the node may not answer for minutes: the attack is cut off after 60 s.
  const limit = setTimeout(() => attacker.kill(), 60_000);
  const lat: number[] = [];
  let on = true;
  void exited.then(() => sleep(2000)).then(() => (on = false));
  while (on) {
    lat.push((await get('/cryptarchia/info')).ms);
    await sleep(10);
  }
  sample();
  lat.sort((a, b) => a - b);
  clearTimeout(limit);
  const json = text.slice(6).trim();
  const answers = json ? (JSON.parse(json) as Array<{ ms: number; counts: Record<string, number> }>) : null;
  const how = answers ? `answered in ${answers.map((a) => a.ms).join(', ')} ms, ${answers.map((a) => a.counts.bad_signature).join('/')} bad_signature, the rest ${answers.map((a) => a.counts.batch_abandoned ?? 0).join('/')} batch_abandoned` : 'not answered within 60 s (attack cut off)';
  return ['three 100,000-tx invalid-signature batches at once', 'control GET /cryptarchia/info p99 <= 500 ms', `p99 ${lat[Math.floor(lat.length * 0.99)]!.toFixed(0)} ms (max ${lat[lat.length - 1]!.toFixed(0)}, ${lat.length} requests); ${how}`];
});
// 3b. an API request flood from one other client address (64 requests in flight for 20 s), a control client polling
await withConsensus(async () => {
  const flood = new Pool(started.api, { connections: 64, pipelining: 1, localAddress: '127.0.0.2' });
  const statuses = new Map<number, number>();
  let flooding = true;
  const workers = Array.from({ length: 64 }, async () => {
    while (flooding) {
      try {
        const res = await flood.request({ method: 'GET', path: '/cryptarchia/info' });
        await res.body.text();
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      } catch {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      }
    }
  });
  const lat: number[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < 20_000) {
    lat.push((await get('/cryptarchia/info')).ms);
    await sleep(10);
  }
  flooding = false;
  await Promise.all(workers);
  await flood.close();
  sample();
  lat.sort((a, b) => a - b);
  const answered = [...statuses].map(([st, n]) => `${n} × ${st || 'error'}`).join(', ');
  return ['API flood: 64 requests in flight from 127.0.0.2 for 20 s', 'control p99 <= 500 ms; the victim keeps producing', `control p99 ${lat[Math.floor(lat.length * 0.99)]!.toFixed(0)} ms (max ${lat[lat.length - 1]!.toFixed(0)}, ${lat.length} requests); flood answers: ${answered}`];
});
// 4. block-request flood from a peer that never reads
await withConsensus(async () => {
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
  return ['block-request flood (150,000 requests, never read)', 'RSS growth <= 200 MiB, honest peers kept', `RSS ${before.toFixed(0)} -> peak ${p.toFixed(0)} MiB; peers ${await peersNow()} of ${peers0}`];
});
// 5. PEERS flood
await withConsensus(async () => {
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
  return ['PEERS flood (4,000 × 1,024 new identities)', 'RSS growth <= 200 MiB, honest peers kept', `RSS ${before.toFixed(0)} -> peak ${p.toFixed(0)} MiB; flooder cut off after ${sent} messages: ${cut}; peers ${await peersNow()} of ${peers0}`];
});
row('all of the above, one victim', 'RSS growth <= 200 MiB', `RSS ${rss0.toFixed(0)} -> peak ${peak.toFixed(0)} MiB`, await consensusSince(runC0));
await api.close();
const code = await runExit;
const verdict = /verdict[^\n]*|PASS[^\n]*|FAIL[^\n]*/i.exec(runOut)?.[0] ?? '(see the run directory)';
row('the run under these attacks', 'liveness and safety pass', `exit code ${code}; ${verdict.trim()}`);
const header = `defenses ${OFF ? `off (${process.env.LOADNET_DEFENSES})` : 'on'}`;
console.log(['', header, "| attack | bound | measured | victim's consensus work meanwhile |", '|---|---|---|---|', ...rows].join('\n'));
console.log(runOut.split('\n').slice(-25).join('\n'));
fs.rmSync(out, { recursive: true, force: true });
