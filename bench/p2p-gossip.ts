/**
 * P2P gossip throughput and latency: a line of three P2PNetworks on loopback TCP (A → B → C, B relays
 * like the node core does), all in ONE process and thread, so the figures are a floor: one core carries
 * the sending, relaying and receiving of all three nodes. Transactions are 156-byte stand-ins for signed
 * transfers (the network does not decode them) carrying their send time. A offers each rate open-loop for
 * `seconds` (a batch every 5 ms); we report what reaches C, the A→C latency, and CPU per transaction.
 *
 * A second part runs a full mesh of six networks (the 4 + 2 devnet shape) in the same single thread, with
 * transactions entering round-robin at every node (as the load generator submits), every node relaying
 * what is new: that is the flooding cost of the real topology (each transaction crosses ~n(n-1) links).
 *
 *   npx tsx bench/p2p-gossip.ts [seconds=5] [rates=2000,5000,10000,20000,40000] [meshRates=2000,5000]
 */
import { randomBytes } from 'node:crypto';
import { deriveKeyPair } from '../src/adapters/devnet/wire/keys.js';
import { P2PNetwork, type P2PHandlers } from '../src/node/p2p/network.js';
import type { PeerAddress } from '../src/node/config.js';

const seconds = Number(process.argv[2] ?? 5);
const rates = (process.argv[3] ?? '2000,5000,10000,20000,40000').split(',').map(Number);
const meshRates = (process.argv[4] ?? '2000,5000').split(',').map(Number);
const TICK_MS = 5;

function node(i: number, peers: PeerAddress[], onTx: (b: Uint8Array, from: string) => void): P2PNetwork {
  const handlers: P2PHandlers = { onTx, onBlock: () => {}, onBlockRequest: () => [], onDaShare: () => null };
  return new P2PNetwork({ identity: deriveKeyPair('bench', 'node', i).key, chainId: 'bench', listen: { host: '127.0.0.1', port: 0 }, peers, handlers });
}

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

async function run(rate: number): Promise<string> {
  const latencies: number[] = [];
  const a = node(0, [], () => {});
  await a.start();
  const b: P2PNetwork = node(1, [{ host: '127.0.0.1', port: a.port }], (bytes, from) => b.broadcastTx(bytes, from));
  await b.start();
  const c = node(2, [{ host: '127.0.0.1', port: b.port }], (bytes) => {
    latencies.push(performance.now() - new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0, true));
  });
  await c.start();
  while (b.info().n_peers < 2) await new Promise((r) => setTimeout(r, 10));
  const total = Math.round(rate * seconds);
  const pad = randomBytes(156);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) {
      const tx = new Uint8Array(156);
      tx.set(pad);
      const dv = new DataView(tx.buffer);
      dv.setFloat64(0, performance.now(), true);
      dv.setUint32(8, sent, true);
      a.broadcastTx(tx);
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  // Drain: wait until C has everything or nothing more arrives for a second.
  let last = -1;
  while (latencies.length < total && latencies.length !== last) {
    last = latencies.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const cpu = process.cpuUsage(cpu0);
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all([a.stop(), b.stop(), c.stop()]);
  latencies.sort((x, y) => x - y);
  const dropped = a.metrics.droppedOut + b.metrics.droppedOut;
  return `  offered ${String(rate).padStart(6)} tx/s: delivered ${latencies.length}/${total} (${((latencies.length / total) * 100).toFixed(1)}%), dropped ${dropped}, A→C latency p50 ${pct(latencies, 50).toFixed(1)} ms p99 ${pct(latencies, 99).toFixed(1)} ms max ${pct(latencies, 100).toFixed(1)} ms, CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(0)}% of a core, ${((cpu.user + cpu.system) / latencies.length).toFixed(1)} µs/tx (3 nodes, 2 hops)`;
}

async function mesh(rate: number, n = 6): Promise<string> {
  const got = new Array<number>(n).fill(0);
  const latencies: number[] = [];
  const nets: P2PNetwork[] = [];
  for (let i = 0; i < n; i++) {
    const peers = nets.map((x) => ({ host: '127.0.0.1', port: x.port }));
    const me: P2PNetwork = node(10 + i, peers, (bytes, from) => {
      got[i]!++;
      latencies.push(performance.now() - new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0, true));
      me.broadcastTx(bytes, from);
    });
    await me.start();
    nets.push(me);
  }
  while (!nets.every((x) => x.info().n_peers === n - 1)) await new Promise((r) => setTimeout(r, 10));
  const total = Math.round(rate * seconds);
  const pad = randomBytes(156);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) {
      const tx = new Uint8Array(156);
      tx.set(pad);
      const dv = new DataView(tx.buffer);
      dv.setFloat64(0, performance.now(), true);
      dv.setUint32(8, sent, true);
      nets[sent % n]!.broadcastTx(tx);
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const want = total * (n - 1);
  let last = -1;
  while (latencies.length < want && latencies.length !== last) {
    last = latencies.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const cpu = process.cpuUsage(cpu0);
  const sends = nets.reduce((s2, x) => s2 + x.metrics.gossipOut, 0);
  const dups = nets.reduce((s2, x) => s2 + x.metrics.duplicates, 0);
  await Promise.all(nets.map((x) => x.stop()));
  latencies.sort((x, y) => x - y);
  return `  offered ${String(rate).padStart(6)} tx/s: delivered ${latencies.length}/${want} node-copies (${((latencies.length / want) * 100).toFixed(1)}%), ${(sends / total).toFixed(1)} link sends and ${(dups / total).toFixed(1)} duplicates per tx, latency to each node p50 ${pct(latencies, 50).toFixed(1)} ms p99 ${pct(latencies, 99).toFixed(1)} ms, ${((cpu.user + cpu.system) / total).toFixed(1)} µs CPU per tx for all ${n} nodes`;
}

console.log(`p2p gossip, line A→B→C in one thread, 156-byte tx, ${seconds} s per rate`);
for (const r of rates) console.log(await run(r));
console.log(`p2p gossip, full mesh of 6 in one thread, tx entering round-robin at every node, ${seconds} s per rate`);
for (const r of meshRates) console.log(await mesh(r));
