/**
 * The API flooder's own cost, side by side with the undici client it replaced: each candidate floods a bare
 * HTTP server in a child process (node:http answering `{}` to everything) at the same rate for the same time,
 * and the bench reports requests sent and answered per second and CPU µs per request of the flooding process
 * and of the server (from /proc). CPU per request does not depend on how loaded the machine is; the rate does.
 *
 *   npx tsx bench/api-flood-bare.ts [rate=10000] [seconds=4] [connections=8] [pipelining=64]
 *
 * raw:    ApiFlooder (pre-serialized requests on raw keep-alive sockets, pipelined, status lines counted)
 * undici: undici Pool.dispatch with the same connections × pipelining and the same open-loop schedule
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Pool, type Dispatcher } from 'undici';
import { ApiFlooder } from '../src/adversary/api-flood.js';
import { nowMs, sleep } from '../src/util/clock.js';

const rate = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 4);
const connections = Number(process.argv[4] ?? 8);
const pipelining = Number(process.argv[5] ?? 64);

/** utime + stime of a process in µs (Linux /proc; clock ticks of 10 ms). */
function cpuOfPid(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

async function undiciFlood(url: string): Promise<{ sent: number; answered: number; onMs: number }> {
  const pool = new Pool(url, { connections, pipelining, keepAliveTimeout: 10_000 });
  let sent = 0;
  let answered = 0;
  let inflight = 0;
  const handler = {
    onConnect: () => undefined,
    onHeaders: () => true,
    onData: () => true,
    onComplete: () => {
      inflight--;
      answered++;
    },
    onError: () => inflight--,
  } as unknown as Dispatcher.DispatchHandler;
  const start = nowMs();
  let last = start;
  let due = 0;
  while (nowMs() < start + seconds * 1000) {
    const now = nowMs();
    due += (rate * (now - last)) / 1000;
    last = now;
    for (; due >= 1 && inflight < connections * pipelining; due--) {
      inflight++;
      sent++;
      pool.dispatch({ method: 'GET', path: '/cryptarchia/info', headersTimeout: 2000, bodyTimeout: 2000 }, handler);
    }
    due -= Math.floor(due);
    await sleep(1);
  }
  const onMs = nowMs() - start;
  while (inflight > 0 && nowMs() < start + seconds * 1000 + 3000) await sleep(10);
  await pool.destroy();
  return { sent, answered, onMs };
}

const server = spawn(process.execPath, ['-e', "const s=require('http').createServer((q,r)=>{q.resume();r.end('{}')});s.listen(0,'127.0.0.1',()=>console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const port = await new Promise<number>((ok) => server.stdout!.once('data', (d) => ok(Number(String(d).trim()))));
  const url = `http://127.0.0.1:${port}`;
  const candidates: Record<string, () => Promise<{ sent: number; answered: number; onMs: number }>> = {
    raw: async () => {
      const s = await new ApiFlooder({ url, rate, durationMs: seconds * 1000, invalidShare: 0, requests: ['info'], pattern: { kind: 'steady' }, connections, pipelining, timeoutMs: 2000, seed: 1 }).run();
      return { sent: s.sent, answered: s.s2xx + s.s4xx + s.s429 + s.s5xx, onMs: s.onMs };
    },
    undici: () => undiciFlood(url),
  };
  // Each candidate twice, interleaved, so that a change in the machine's load hits both alike.
  for (const round of [1, 2]) {
    for (const [name, run] of Object.entries(candidates)) {
      const c0 = process.cpuUsage();
      const s0 = cpuOfPid(server.pid!);
      const r = await run();
      const c = process.cpuUsage(c0);
      const sCpu = cpuOfPid(server.pid!) - s0;
      console.log(JSON.stringify({ candidate: name, round, rate, connections, pipelining, sentPerSec: Math.round(r.sent / (r.onMs / 1000)), answeredPerSec: Math.round(r.answered / (r.onMs / 1000)), unanswered: r.sent - r.answered, flooderCpuUsPerRequest: +((c.user + c.system) / Math.max(1, r.sent)).toFixed(1), flooderSystemUsPerRequest: +(c.system / Math.max(1, r.sent)).toFixed(1), serverCpuUsPerRequest: +(sCpu / Math.max(1, r.answered)).toFixed(1) }));
    }
  }
} finally {
  server.kill();
}
