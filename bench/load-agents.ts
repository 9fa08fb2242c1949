/**
 * Load agents against local worker threads, side by side in one run, into the null sink (bench/null-sink.ts: its
 * own process). Where the agents run (5th argument):
 *   netns    (default) real `loadnet agent` processes, each in its own network namespace with a veth pair to the
 *            host (10.213.x.2 in the namespace, .1 on the host; default route through the host), so the
 *            coordinator ↔ agent link and the agent → sink traffic cross a veth as they would cross a NIC.
 *   engines  the agent from the node image as a container (host network) on a Docker engine of its own: the test
 *            swarm's engines (test/integration/helpers/test-swarm.ts: dockerds in network namespaces joined to
 *            the main engine's swarm), agents 1 and 2 on the namespaced engines lnsw-h2, lnsw-h3, agent 3 on the
 *            main engine (it shares the coordinator's network namespace). The sink listens on the swarm bridge's
 *            host address (10.231.0.1), which every engine reaches.
 * Modes, interleaved over rounds so machine load drifts equally on all:
 *   local     the engine's own worker threads (1 at the fixed rate; 2 at the max rate: the machine's cores)
 *   agents-N  N agents, one shard each
 * Two asks: a fixed rate (default 1000 tx/s, which every mode offers: CPU per transaction is the overhead) and a
 * rate far above what the box can sign (the max: throughput). CPU = this process (coordinator and, for local, its
 * threads) + the agent processes (/proc/<pid>/stat), over the same steady window; tx counted at the sink.
 * The 2 cores are shared by everything here (agents, coordinator, sink): more agents cannot add cores, so the
 * figures are CPU per transaction and ratios, not a scaling claim.
 * Root (ip netns, dockerd). Run: npm run build && npx tsx bench/load-agents.ts [seconds] [rounds] [fixedTps] [netns|engines]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { createLoadEngine } from '../src/load/engine.js';
import { deriveSeed } from '../src/adapters/devnet/wire/keys.js';
import { connectEngine, runLabels } from '../src/deployers/compose/engine.js';
import { ensureNodeImage } from '../src/deployers/compose/image.js';
import { toHex } from '../src/util/bytes.js';
import { startTestSwarm } from '../test/integration/helpers/test-swarm.js';
import { processCpuUs, sleep, startNullSink, type NullSink } from './null-sink.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const fixedTps = Number(process.argv[4] ?? 1000);
const where = process.argv[5] ?? 'netns';
if (where !== 'netns' && where !== 'engines') throw new Error(`where the agents run: ${JSON.stringify(where)}; allowed: netns, engines`);
const MAX_ASK = 200_000;
const seeds = Array.from({ length: 240 }, (_, i) => toHex(deriveSeed('bench', 'wallet', i)));
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

interface Placed {
  sink: NullSink;
  /** host:port of each agent, and the host pid of its process (for its CPU). */
  addresses: string[];
  pids: number[];
  cleanup(): Promise<void>;
}

/** Agents as processes in network namespaces of their own. */
async function inNamespaces(): Promise<Placed> {
  // Namespaces and addresses unique to this process (other sessions may run the same bench).
  const tag = process.pid % 10_000;
  const octet = (i: number) => (process.pid % 60) * 4 + i;
  const nets = [1, 2, 3].map((i) => ({ ns: `lnag${tag}-${i}`, host: `vag${tag}h${i}`, peer: `vag${tag}n${i}`, hostIp: `10.213.${octet(i)}.1`, nsIp: `10.213.${octet(i)}.2` }));
  const agents: ChildProcess[] = [];
  let sink: NullSink | undefined;
  const cleanup = async () => {
    for (const a of agents) a.kill('SIGKILL');
    sink?.close();
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
  };
  try {
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
    sink = await startNullSink({ ...process.env, SINK_HOST: '0.0.0.0', SINK_URL_HOST: nets[0]!.hostIp });
    const addresses: string[] = [];
    for (const n of nets) {
      const child = spawn('ip', ['netns', 'exec', n.ns, process.execPath, CLI, 'agent', '--listen', `${n.nsIp}:7400`], { stdio: ['ignore', 'pipe', 'ignore'] });
      agents.push(child);
      addresses.push(await new Promise<string>((res) => child.stdout!.once('data', (d: Buffer) => res(/listening on (\S+)/.exec(d.toString())![1]!))));
    }
    // `ip netns exec` execs node in place: the child's pid is the agent's.
    return { sink, addresses, pids: agents.map((a) => a.pid!), cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

const listens = (host: string, port: number) =>
  new Promise<boolean>((res) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => (s.destroy(), res(ok));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });

/** Agents as containers of the node image on three Docker engines (two in namespaces, joined as a swarm). */
async function onEngines(): Promise<Placed> {
  const swarm = await startTestSwarm({ extraEngines: 2 });
  const containers: Docker.Container[] = [];
  let sink: NullSink | undefined;
  const cleanup = async () => {
    sink?.close();
    for (const c of containers) await c.remove({ force: true }).catch(() => undefined);
    await swarm.stop();
  };
  try {
    const image = await ensureNodeImage(connectEngine(), { progress: null });
    await swarm.loadImage(image.ref);
    // The bridge's host address: the coordinator's and the main engine's side, reached from every namespace.
    const hostAddr = '10.231.0.1';
    sink = await startNullSink({ ...process.env, SINK_HOST: hostAddr });
    const engines: Array<{ docker: Docker; addr: string }> = [...swarm.engines.map((e) => ({ docker: e.docker, addr: e.addr })), { docker: swarm.manager, addr: hostAddr }];
    const addresses: string[] = [];
    const pids: number[] = [];
    for (const e of engines) {
      const address = `${e.addr}:${7400 + (process.pid % 500)}`;
      const c = await e.docker.createContainer({ Image: image.ref, Cmd: [...image.agentCommand.slice(0, -1), address], Labels: runLabels(`bench-agents-${process.pid}`), HostConfig: { NetworkMode: 'host' } });
      containers.push(c);
      await c.start();
      pids.push((await c.inspect()).State.Pid);
      addresses.push(address);
    }
    // Each agent listens once its node process started.
    for (const address of addresses) {
      const cut = address.lastIndexOf(':');
      for (let i = 0; !(await listens(address.slice(0, cut), Number(address.slice(cut + 1)))); i++) {
        if (i > 150) throw new Error(`agent ${address} does not listen`);
        await sleep(200);
      }
    }
    return { sink, addresses, pids, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

const placed = where === 'engines' ? await onEngines() : await inNamespaces();
let cleaning: Promise<void> | undefined;
const cleanup = () => (cleaning ??= placed.cleanup());
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));
const { sink, addresses } = placed;
const url = sink.url;

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const procCpuUs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
};

interface Steady {
  tps: number;
  coordUsPerTx: number;
  agentsUsPerTx: number;
}

async function run(mode: string, ask: number): Promise<Steady> {
  const n = mode === 'local' ? 0 : Number(mode.split('-')[1]);
  const used = placed.pids.slice(0, n);
  const e = createLoadEngine({ targets: [url], wallets: seeds.map((secret) => ({ secret })), rate: ask, durationMs: (seconds + 2) * 1000, threads: n > 0 ? n : ask > 10_000 ? 2 : 1, batch: 100, connections: 4, ...(n > 0 ? { agents: addresses.slice(0, n) } : {}) });
  await e.start();
  await sleep(1000);
  const c0 = processCpuUs();
  const a0 = used.map(procCpuUs);
  const s0 = await sink.count();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const sent = (await sink.count()) - s0;
  const c1 = processCpuUs();
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
console.log(`\nagents in ${where}; medians over ${rounds} rounds of ${seconds} s (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}):`);
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
await cleanup();
process.exit(0);
