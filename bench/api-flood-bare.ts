/**
 * The API flooder's own ceiling: ApiFlooder against a bare HTTP server in a child process that answers `{}`
 * to everything, so what is measured is the generator (and the machine), not a devnet node.
 *
 *   npx tsx bench/api-flood-bare.ts [rate=10000] [seconds=4]
 */
import { spawn } from 'node:child_process';
import { ApiFlooder } from '../src/adversary/api-flood.js';

const rate = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 4);
const server = spawn(process.execPath, ['-e', "const s=require('http').createServer((q,r)=>{q.resume();r.end('{}')});s.listen(0,'127.0.0.1',()=>console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const port = await new Promise<number>((ok) => server.stdout!.once('data', (d) => ok(Number(String(d).trim()))));
  const cpu0 = process.cpuUsage();
  const stats = await new ApiFlooder({ url: `http://127.0.0.1:${port}`, rate, durationMs: seconds * 1000, invalidShare: 0, requests: ['info'], pattern: { kind: 'steady' }, connections: 32, pipelining: 8, timeoutMs: 2000, seed: 1 }).run();
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ rate, sentPerSec: stats.sentPerSec, answeredPerSec: stats.answeredPerSec, shed: stats.shed, timeouts: stats.timeouts, errors: stats.errors, generatorCpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, stats.sent)) }));
} finally {
  server.kill();
}
