/**
 * What the link shaper costs a 4 + 2 network, in CPU per transaction (a measure that a machine shared with other
 * work does not move the way it moves throughput). The 4 + 2 devnet of bench/max-rate-4x2.scenario.json under a
 * fixed transaction rate, alternating a deployment with every peer link through the shaper and one without, each
 * round both. Over each run: the coordinator's main thread (where the shaper's proxies run, beside the block feed
 * and the load engine's coordination), the whole coordinator process (with the load engine's signing threads), and
 * the node containers (their cgroup CPU, through the engine), each divided by the transactions accepted (the work
 * offered; a run that fell behind includes fewer in its cooldown, which would inflate a per-included figure).
 *
 * The shaper's cost per transaction is the main thread's shaped − direct; the nodes' cost is what the network itself
 * needs. The shaper limits the network only if its cost per transaction, on the one core its thread can use, is
 * near the nodes' on the cores they share: the ratio says how far it is.
 *
 * Run: npm run build && npx tsx bench/link-shaper-cpu.ts [rounds, default 3] [tx/s, default 100] [window s, default 20]
 * LOADNET_BENCH_DEPLOYER=local runs the nodes as processes (their CPU from /proc) instead of containers.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ComposeDeployer } from '../src/deployers/compose/index.js';
import { LocalDeployer } from '../src/deployers/local/index.js';
import { connectEngine, Labels } from '../src/deployers/compose/engine.js';
import { scenarioFromSpec } from '../src/index.js';

const rounds = Number(process.argv[2] ?? 3);
const rate = Number(process.argv[3] ?? 100);
const windowS = Number(process.argv[4] ?? 20);
const compose = process.env.LOADNET_BENCH_DEPLOYER !== 'local';
const base = JSON.parse(readFileSync(fileURLToPath(new URL('./max-rate-4x2.scenario.json', import.meta.url)), 'utf8')) as Record<string, unknown>;
const spec = { ...base, name: 'shaper-cpu-4x2', durationMs: windowS * 1000, cooldownMs: 5000, workloads: [{ type: 'transactions', rate: { kind: 'perSecond', perSecond: rate }, users: 100 }] };
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-shaper-cpu-'));
const docker = connectEngine();
const TICK_US = 1e6 / 100; // /proc times are in clock ticks (USER_HZ 100 on Linux)
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');

/** utime + stime of a /proc stat line, µs. */
function procCpuUs(path: string): number {
  const s = readFileSync(path, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

/** CPU µs of this run's nodes: container cgroups (compose) or the node processes (local). */
async function nodesCpuUs(runDir: string): Promise<number> {
  if (!compose) {
    const pids = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"node.spawn"')).map((l) => (JSON.parse(l) as { pid: number }).pid);
    return pids.reduce((sum, pid) => sum + procCpuUs(`/proc/${pid}/stat`), 0);
  }
  const filters = JSON.stringify({ label: [`${Labels.ownerPid}=${process.pid}`] });
  const list = await docker.listContainers({ filters });
  const stats = await Promise.all(list.map((c) => docker.getContainer(c.Id).stats({ stream: false })));
  return stats.reduce((sum, s) => sum + s.cpu_stats.cpu_usage.total_usage / 1000, 0);
}

interface Row { round: number; shaped: boolean; accepted: number; included: number; mainUs: number; processUs: number; nodesUs: number; proxied: number; load: string }
const rows: Row[] = [];
console.log(`deployer: ${compose ? 'compose' : 'local'}; ${rate} tx/s for ${windowS} s; load average before: ${load()}`);
for (let round = 1; round <= rounds; round++) {
  for (const shaped of [true, false]) {
    const scenario = scenarioFromSpec(spec);
    const options = { outDir, reports: false, log: null, linkShaper: shaped };
    const runner = await (compose ? new ComposeDeployer(options) : new LocalDeployer(options)).deploy(scenario);
    try {
      const runDir = runner.context.runDir;
      const configs = readdirSync(join(runDir, 'nodes')).map((n) => JSON.parse(readFileSync(join(runDir, 'nodes', n, 'config.json'), 'utf8')) as { p2p: { port: number }; peers: Array<{ port: number }> });
      const p2p = new Set(configs.map((c) => c.p2p.port));
      const proxied = configs.flatMap((c) => c.peers).filter((p) => !p2p.has(p.port)).length;
      const main0 = procCpuUs(`/proc/self/task/${process.pid}/stat`);
      const proc0 = process.cpuUsage();
      const nodes0 = await nodesCpuUs(runDir);
      const handle = await runner.run(scenario, { rejectOnFailure: false });
      const nodes1 = await nodesCpuUs(runDir);
      const proc = process.cpuUsage(proc0);
      const main1 = procCpuUs(`/proc/self/task/${process.pid}/stat`);
      const included = Number(handle.summary.load?.included ?? 0);
      const accepted = Number(handle.summary.load?.accepted ?? 0);
      await handle.dispose();
      const row = { round, shaped, accepted, included, mainUs: main1 - main0, processUs: proc.user + proc.system, nodesUs: nodes1 - nodes0, proxied, load: load() };
      rows.push(row);
      const per = (us: number) => (accepted > 0 ? (us / accepted).toFixed(0) : '—');
      console.log(`round ${round} ${shaped ? 'shaper' : 'direct'}: accepted ${accepted}, included ${included}, main thread ${per(row.mainUs)} µs/tx, coordinator ${per(row.processUs)} µs/tx, nodes ${per(row.nodesUs)} µs/tx, ${proxied} proxied peer dials, load ${row.load}`);
    } finally {
      await runner.dispose();
    }
  }
}

const perTx = (r: Row, k: 'mainUs' | 'processUs' | 'nodesUs') => r[k] / Math.max(1, r.accepted);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log('\n| round | peer links | accepted / included | main thread s (µs/tx) | coordinator µs/tx | nodes µs/tx | proxied dials | load after |');
console.log('|---|---|---:|---:|---:|---:|---:|---|');
for (const r of rows) console.log(`| ${r.round} | ${r.shaped ? 'through the shaper' : 'direct'} | ${r.accepted} / ${r.included} | ${(r.mainUs / 1e6).toFixed(2)} (${perTx(r, 'mainUs').toFixed(0)}) | ${perTx(r, 'processUs').toFixed(0)} | ${perTx(r, 'nodesUs').toFixed(0)} | ${r.proxied} | ${r.load} |`);
const shaperPerRound = rows.filter((r) => r.shaped).map((s) => perTx(s, 'mainUs') - perTx(rows.find((d) => !d.shaped && d.round === s.round)!, 'mainUs'));
const nodes = median(rows.map((r) => perTx(r, 'nodesUs')));
const shaper = median(shaperPerRound);
console.log(`\nshaper (main thread, shaped − direct) per round: ${shaperPerRound.map((x) => x.toFixed(0)).join(', ')} µs/tx; median ${shaper.toFixed(0)}`);
console.log(`nodes (all 6) median ${nodes.toFixed(0)} µs/tx`);
console.log(`the shaper's thread alone, on one core, could carry ~${(1e6 / Math.max(1, shaper)).toFixed(0)} tx/s; the 6 nodes on the 2 cores ~${(2e6 / nodes).toFixed(0)} tx/s`);
rmSync(outDir, { recursive: true, force: true });
