/**
 * Single-node mempool admission rate through POST /mempool/add/txs (binary batches), with signature
 * verification, against a real node process from dist/. The node's key is not a validator, so no
 * block production competes with admission. Runs: inline verification only (verifyThreads 0), the
 * default worker pool, and the pool with block production on.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/node-admission.ts [totalTxs=100000] [batch=1000] [inFlight=2]
 */
import * as os from 'node:os';
import { Pool } from 'undici';
import { encodeTxBatch, fastestEd25519, fromHex, signTransferFast } from '../src/adapters/devnet/wire/index.js';
import { planCluster, removeDir, spawnNode, stopProcess } from '../test/integration/node-harness.js';

const total = Number(process.argv[2] ?? 100_000);
const batchSize = Number(process.argv[3] ?? 1000);
const inFlight = Number(process.argv[4] ?? 2);
const perWallet = 500;

async function run(produceBlocks: boolean, verifyThreads?: number): Promise<void> {
  const wallets = Math.ceil(total / perWallet);
  const plan = await planCluster({ nodes: 1, wallets, walletBalance: 1e12, testing: false, mempool: { maxCount: total + 10, maxBytes: 1 << 30, maxNonceGap: perWallet + 10, ttlMs: 600_000, minFee: 1 } });
  const cfg = plan.configs[0]!;
  cfg.logLevel = 'info'; // the harness reads the bound API port from the 'node started' line
  cfg.parentPid = null;
  cfg.verifyThreads = verifyThreads;
  if (!produceBlocks) cfg.genesis.validators = [{ publicKey: 'ee'.repeat(32), stake: 1 }];
  const to = fromHex(plan.wallets[0]!.publicKey);
  const txs: Uint8Array[] = [];
  for (let n = 0; n < perWallet; n++) for (const w of plan.wallets) if (txs.length < total) txs.push(signTransferFast(w.key, n, 1, to, 1).bytes);
  const batches: Uint8Array[] = [];
  for (let i = 0; i < txs.length; i += batchSize) batches.push(encodeTxBatch(txs.slice(i, i + batchSize)));
  const node = await spawnNode(cfg);
  const pool = new Pool(`http://127.0.0.1:${node.apiPort}`, { connections: inFlight });
  try {
    let next = 0;
    let ok = 0;
    const other: Record<string, number> = {};
    const cpu0 = await node.client.metricsText().then((t) => Number(/process_cpu_seconds_total\{[^}]*\} ([\d.]+)/.exec(t)?.[1] ?? 0));
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < batches.length) {
          const b = batches[next++]!;
          const res = await pool.request({ method: 'POST', path: '/mempool/add/txs', body: Buffer.from(b.buffer, b.byteOffset, b.byteLength), headers: { 'content-type': 'application/octet-stream' } });
          const { results } = (await res.body.json()) as { results: string[] };
          for (const r of results) {
            if (r === 'ok') ok++;
            else other[r] = (other[r] ?? 0) + 1;
          }
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu1 = await node.client.metricsText().then((t) => Number(/process_cpu_seconds_total\{[^}]*\} ([\d.]+)/.exec(t)?.[1] ?? 0));
    const info = await node.client.info();
    console.log(
      `${produceBlocks ? 'with block production' : 'admission only      '}, verifyThreads ${verifyThreads ?? 'default'}: ${txs.length} txs in ${secs.toFixed(2)} s = ${Math.round(txs.length / secs)} tx/s accepted ok=${ok} ${JSON.stringify(other)}; node CPU ${(cpu1 - cpu0).toFixed(2)} s = ${(((cpu1 - cpu0) * 1e6) / txs.length).toFixed(1)} µs/tx; height ${info.height}`,
    );
  } finally {
    await pool.close();
    await stopProcess(node);
    removeDir(plan.dir);
  }
}

/** Bare sodium verify cost in this process right now: the yardstick for the node's µs/tx under today's load. */
function verifyCostUs(): number {
  const be = fastestEd25519();
  const k = be.keyFromSeed(new Uint8Array(32).fill(1));
  const m = new Uint8Array(140);
  const sig = k.sign(m);
  const c0 = process.cpuUsage();
  for (let i = 0; i < 5000; i++) be.verify(sig, m, k.publicKey);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 5000;
}

console.log(`node-admission: ${total} txs, batches of ${batchSize}, ${inFlight} in flight; ${os.cpus().length} CPUs, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`reference: one sodium ed25519 verify costs ${verifyCostUs().toFixed(1)} µs CPU in this process now`);
await run(false, 0);
await run(false);
await run(true);
console.log(`reference: one sodium ed25519 verify costs ${verifyCostUs().toFixed(1)} µs CPU in this process now`);
