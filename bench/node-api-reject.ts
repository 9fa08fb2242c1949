/**
 * What a request costs a real devnet node process (from dist/), by answer: the ApiFlooder sends GET
 * /cryptarchia/info at `rate` for `seconds` from 127.0.0.3, (1) with a per-client budget of 10 requests/s, so
 * nearly every answer is a 429, (2) without a budget (every answer a 200), (3) unknown paths (404). Reported:
 * the node's CPU µs per answered request (/proc/<pid>/stat), which does not depend on the machine's load.
 * The node is not a validator (no block production competes).
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/node-api-reject.ts [rate=10000] [seconds=4]
 */
import { readFileSync } from 'node:fs';
import { ApiFlooder, type FloodRequestKind } from '../src/adversary/api-flood.js';
import { planCluster, removeDir, spawnNode, stopProcess } from '../test/integration/node-harness.js';

const rate = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 4);

function cpuOfPid(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

async function measure(name: string, requestsPerSec: number, requests: FloodRequestKind[]): Promise<void> {
  const plan = await planCluster({ nodes: 1, wallets: 1, testing: false });
  const cfg = plan.configs[0]!;
  cfg.logLevel = 'info'; // the harness reads the bound API port from the 'node started' line
  cfg.parentPid = null;
  cfg.genesis.validators = [{ publicKey: 'ee'.repeat(32), stake: 1 }];
  cfg.api.limits = { ...cfg.api.limits, requestsPerSec, requestBurst: requestsPerSec };
  const node = await spawnNode(cfg, 40_000, process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []);
  try {
    const pid = node.child.pid!;
    // A second of warm-up (JIT) before the measured flood.
    await new ApiFlooder({ url: `http://127.0.0.1:${node.apiPort}`, rate, durationMs: 1000, invalidShare: 0, requests, pattern: { kind: 'steady' }, connections: 8, pipelining: 64, timeoutMs: 2000, localAddress: '127.0.0.3', seed: 1 }).run();
    const c0 = cpuOfPid(pid);
    const f0 = process.cpuUsage();
    const s = await new ApiFlooder({ url: `http://127.0.0.1:${node.apiPort}`, rate, durationMs: seconds * 1000, invalidShare: 0, requests, pattern: { kind: 'steady' }, connections: 8, pipelining: 64, timeoutMs: 2000, localAddress: '127.0.0.3', seed: 2 }).run();
    const nodeCpu = cpuOfPid(pid) - c0;
    const f = process.cpuUsage(f0);
    const answered = s.s2xx + s.s4xx + s.s429 + s.s5xx;
    console.log(JSON.stringify({ case: name, rate, sentPerSec: s.sentPerSec, answeredPerSec: s.answeredPerSec, s2xx: s.s2xx, s4xx: s.s4xx, s429: s.s429, s5xx: s.s5xx, timeouts: s.timeouts, errors: s.errors, nodeCpuUsPerAnswer: +(nodeCpu / Math.max(1, answered)).toFixed(1), flooderCpuUsPerRequest: +((f.user + f.system) / Math.max(1, s.sent)).toFixed(1) }));
  } finally {
    await stopProcess(node);
    removeDir(plan.dir);
  }
}

await measure('429 (budget 10/s)', 10, ['info']);
if (!process.env.BENCH_PROF) await measure('200 info (no budget)', 0, ['info']);
if (!process.env.BENCH_PROF) await measure('404 unknown path (no budget)', 0, ['not-found']);
