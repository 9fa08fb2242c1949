/**
 * The link shaper's own cost (src/shaper/link-shaper.ts): one-way message latency and throughput over one
 * directed link, direct vs through the shaper with no delay vs through it with 50 ms delay, at the devnet's
 * gossip rates: transaction gossip (200 B messages at 3,000 and 10,000 per second: the 4 + 2 network's
 * maximum is ~2,700 tx/s), blocks (256 KiB every 500 ms) and bulk (as fast as the socket takes 64 KiB
 * messages). The two ends run in their own process (bench/link-shaper-peers.mjs), as nodes do; the shaper
 * runs in this one, as in the coordinator. Added latency = shaped p50/p99 − configured delay. Shaper CPU = this
 * process's CPU time during the case (it does nothing else) per MB forwarded.
 *
 * Run: npx tsx bench/link-shaper.ts [seconds per case, default 8]
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LinkShaper } from '../src/shaper/link-shaper.js';

const seconds = Number(process.argv[2] ?? 8);
const peers = spawn(process.execPath, [fileURLToPath(new URL('./link-shaper-peers.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = readline.createInterface({ input: peers.stdout! });
const next = (): Promise<Record<string, number>> => new Promise((r) => lines.once('line', (l) => r(JSON.parse(l) as Record<string, number>)));
const { sinkPort } = await next();

interface Case {
  name: string;
  size: number;
  rate: number;
}
const cases: Case[] = [
  { name: 'tx gossip 200 B × 3,000/s', size: 200, rate: 3000 },
  { name: 'tx gossip 200 B × 10,000/s', size: 200, rate: 10_000 },
  { name: 'blocks 256 KiB × 2/s', size: 256 * 1024, rate: 2 },
  { name: 'bulk 64 KiB, unpaced', size: 64 * 1024, rate: 0 },
];
const modes = [
  { name: 'direct', delay: null },
  { name: 'shaper, no delay', delay: 0 },
  { name: 'shaper, 50 ms', delay: 50 },
] as const;

const shaper = new LinkShaper({ seed: 1 });
const proxy = await shaper.addLink('a', 'b', { host: '127.0.0.1', port: sinkPort! });
const fmt = (x: number | null | undefined, d = 2) => (x == null ? '—' : x.toFixed(d));
console.log(`load average before: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}; ${seconds} s per case`);
console.log('| traffic | path | msgs/s | MB/s | p50 ms | p99 ms | added p50 ms | added p99 ms | shaper CPU ms per MB |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const c of cases) {
  for (const m of modes) {
    if (m.delay !== null) shaper.set('a', 'b', { delayMs: m.delay });
    const cpu0 = process.cpuUsage();
    peers.stdin!.write(JSON.stringify({ port: m.delay === null ? sinkPort : proxy.port, size: c.size, rate: c.rate, seconds }) + '\n');
    const r = await next();
    const cpu = process.cpuUsage(cpu0);
    const mb = (r.mbPerSec! * (r.took! / 1000));
    const cpuPerMb = m.delay === null ? null : (cpu.user + cpu.system) / 1000 / mb;
    const d = m.delay ?? 0;
    const added = (x: number | undefined) => (m.delay === null || x == null ? null : x - d);
    console.log(`| ${c.name} | ${m.name} | ${fmt(r.msgsPerSec, 1)} | ${fmt(r.mbPerSec)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(added(r.p50))} | ${fmt(added(r.p99))} | ${fmt(cpuPerMb, 1)} |`);
    if (r.received !== r.sent) console.log(`  (received ${r.received} of ${r.sent})`);
  }
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
peers.stdin!.write(JSON.stringify({ exit: true }) + '\n');
await shaper.close();
