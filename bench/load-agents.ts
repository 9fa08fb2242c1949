/**
 * Load agents against local worker threads, side by side in one run, into the null sink (bench/load-null-sink.mjs,
 * its own process). Each agent is a real `loadnet agent` process in its own network namespace with a veth pair to
 * the host (10.213.x.2 in the namespace, .1 on the host; default route through the host), so the coordinator ↔
 * agent link and the agent → sink traffic cross a veth as they would cross a NIC. Modes, interleaved over rounds so
 * machine load drifts equally on all:
 *   local     the engine's own worker threads (1 at the fixed rate; 2 at the max rate: the machine's cores)
 *   agents-N  N agents, one shard each
 * Two asks: a fixed rate (default 1000 tx/s, which every mode offers: CPU per transaction is the overhead) and a
 * rate far above what the box can sign (the max: throughput). CPU = this process (coordinator and, for local, its
 * threads) + the agent processes (/proc/<pid>/stat), over the same steady window; tx counted at the sink.
 * The 2 cores are shared by everything here (agents, coordinator, sink): more agents cannot add cores, so the
 * figures are CPU per transaction and ratios, not a scaling claim.
 * Root (ip netns). Run: npm run build && npx tsx bench/load-agents.ts [seconds] [rounds] [fixedTps]
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLoadEngine } from '../src/load/engine.js';
import { deriveSeed } from '../src/adapters/devnet/wire/keys.js';
import { toHex } from '../src/util/bytes.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const fixedTps = Number(process.argv[4] ?? 1000);
const MAX_ASK = 200_000;
const seeds = Array.from({ length: 240 }, (_, i) => toHex(deriveSeed('bench', 'wallet', i)));
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

// Namespaces and addresses unique to this process (other sessions may run the same bench).
const tag = process.pid % 10_000;
const octet = (i: number) => (process.pid % 60) * 4 + i;
const nets = [1, 2, 3].map((i) => ({ ns: `lnag${tag}-${i}`, host: `vag${tag}h${i}`, peer: `vag${tag}n${i}`, hostIp: `10.213.${octet(i)}.1`, nsIp: `10.213.${octet(i)}.2` }));
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

const agents: ChildProcess[] = [];
/** The sink, once started (cleanup may run before). */
const started: { sink?: ChildProcess } = {};
function cleanup(): void {
  for (const a of agents) a.kill('SIGKILL');
  started.sink?.kill();
  for (const n of nets) {
    try {
      ip('netns', 'del', n.ns);
    } catch {
      /* not created */
    }
    try {
      ip('link', 'del', n.host);
    } catch {
      /* gone with the namespace */
    }
  }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

for (const n of nets) {
  ip('netns', 'add', n.ns);
  ip('link', 'add', n.host, 'type', 'veth', 'peer', 'name', n.peer);
  ip('link', 'set', n.peer, 'netns', n.ns);
  ip('addr', 'add', `${n.hostIp}/30`, 'dev', n.host);
  ip('link', 'set', n.host, 'up');
  ip('-n', n.ns, 'addr', 'add', `${n.nsIp}/30`, 'dev', n.peer);
  ip('-n', n.ns, 'link', 'set', n.peer, 'up');
  ip('-n', n.ns, 'link', 'set', 'lo', 'up');
  ip('-n', n.ns, 'route', 'add', 'default', 'via', n.hostIp);
}

// The sink on every host address; everyone (local threads too) sends to the first veth's host side.
const sink = fork(fileURLToPath(new URL('./load-null-sink.mjs', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, SINK_HOST: '0.0.0.0', SINK_URL_HOST: nets[0]!.hostIp } });
started.sink = sink;
const url = await new Promise<string>((resolve) => sink.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
const sinkCount = () => new Promise<number>((resolve) => { sink.once('message', (m: { received: number }) => resolve(m.received)); sink.send('count'); });

const addresses: string[] = [];
for (const n of nets) {
  const child = spawn('ip', ['netns', 'exec', n.ns, process.execPath, CLI, 'agent', '--listen', `${n.nsIp}:7400`], { stdio: ['ignore', 'pipe', 'ignore'] });
  agents.push(child);
  addresses.push(await new Promise<string>((res) => child.stdout!.once('data', (d: Buffer) => res(/listening on (\S+)/.exec(d.toString())![1]!))));
}
// `ip netns exec` execs node in place: the child's pid is the agent's.
const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const procCpuUs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
};
const selfCpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Steady {
  tps: number;
  coordUsPerTx: number;
  agentsUsPerTx: number;
}

async function run(mode: string, ask: number): Promise<Steady> {
  const n = mode === 'local' ? 0 : Number(mode.split('-')[1]);
  const used = agents.slice(0, n).map((a) => a.pid!);
  const e = createLoadEngine({ targets: [url], wallets: seeds.map((secret) => ({ secret })), rate: ask, durationMs: (seconds + 2) * 1000, threads: n > 0 ? n : ask > 10_000 ? 2 : 1, batch: 100, connections: 4, ...(n > 0 ? { agents: addresses.slice(0, n) } : {}) });
  await e.start();
  await sleep(1000);
  const c0 = selfCpuUs();
  const a0 = used.map(procCpuUs);
  const s0 = await sinkCount();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const sent = (await sinkCount()) - s0;
  const c1 = selfCpuUs();
  const a1 = used.map(procCpuUs);
  const elapsed = (performance.now() - t0) / 1000;
  await e.finished();
  const agentsUs = a1.reduce((s, v, i) => s + v - a0[i]!, 0);
  return { tps: sent / elapsed, coordUsPerTx: (c1 - c0) / sent, agentsUsPerTx: agentsUs / sent };
}

const modes = ['local', 'agents-1', 'agents-2', 'agents-3'];
const results = new Map<string, Steady[]>();
for (let r = 0; r < rounds; r++) {
  for (const [label, ask] of [['fixed', fixedTps], ['max', MAX_ASK]] as const) {
    for (const mode of modes) {
      const m = await run(mode, ask);
      const key = `${label} ${mode}`;
      results.set(key, [...(results.get(key) ?? []), m]);
      console.log(`round ${r + 1} ${key.padEnd(15)} ${m.tps.toFixed(0).padStart(6)} tx/s  coordinator ${m.coordUsPerTx.toFixed(1).padStart(6)} µs/tx  agents ${m.agentsUsPerTx.toFixed(1).padStart(6)} µs/tx  total ${(m.coordUsPerTx + m.agentsUsPerTx).toFixed(1).padStart(6)} µs/tx`);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nmedians over ${rounds} rounds of ${seconds} s (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}):`);
console.log('| ask | mode | tx/s | coordinator µs/tx | agents µs/tx | total µs/tx | total vs local |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const label of ['fixed', 'max']) {
  const local = results.get(`${label} local`)!;
  const localTotal = median(local.map((m) => m.coordUsPerTx + m.agentsUsPerTx));
  for (const mode of modes) {
    const ms = results.get(`${label} ${mode}`)!;
    const total = median(ms.map((m) => m.coordUsPerTx + m.agentsUsPerTx));
    console.log(`| ${label === 'fixed' ? `${fixedTps} tx/s` : 'max'} | ${mode} | ${median(ms.map((m) => m.tps)).toFixed(0)} | ${median(ms.map((m) => m.coordUsPerTx)).toFixed(1)} | ${median(ms.map((m) => m.agentsUsPerTx)).toFixed(1)} | ${total.toFixed(1)} | ${(total / localTotal).toFixed(2)} |`);
  }
}
process.exit(0);
