/**
 * What users hand-write today beside loadnet, against the same anvil in one run: a plain ethers
 * `wallet.sendTransaction` loop (N wallets, each awaiting its send, as tutorials write it), then the load
 * engine offering the rate that loop reached, then the engine at a higher rate. For each: offered tx/s
 * (counted), client CPU per transaction (this process, all threads) and what it can say about latency.
 *
 *   npm run build && npx tsx bench/evm-plain-loop.ts [seconds=15] [wallets=20] [engineTps=1200]
 */
import { ethers } from 'ethers';
import { LocalDeployer } from '../src/deployers/local/index.js';
import { createLoadEngine } from '../src/load/engine.js';
import { percentiles } from '../src/load/histogram.js';
import { chainOf } from '../src/adapters/registry.js';
import { scenarioFromSpec } from '../src/scenario/build.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.argv[2] ?? 15);
const walletsN = Number(process.argv[3] ?? 20);
const engineTps = Number(process.argv[4] ?? 1200);
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const scenario = scenarioFromSpec({
  name: 'evm-plain-loop',
  chain: { type: 'evm' },
  topology: { validators: 1 },
  consensus: { slotDurationMs: 1000, activeSlotCoeff: 1, securityParam: 3 },
  wallets: { count: 3 * walletsN, fundsPerWallet: 1_000_000 },
  durationMs: '10m',
});
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-evm-'));
const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
try {
  const ctx = runner.context;
  const url = ctx.nodes()[0]!.descriptor.apiUrl;
  const w = ctx.wallets;

  // 1. The plain loop: one ethers Wallet per sender, each `await wallet.sendTransaction(...)` in turn.
  const provider = new ethers.JsonRpcProvider(url, 31337, { staticNetwork: true });
  // NonceManager: without it the loop fails within seconds ('transaction already imported': the pending
  // nonce it asks for lags the send it just made), which is the first thing a hand-written loop meets.
  const senders = w.slice(0, walletsN).map((x) => new ethers.NonceManager(new ethers.Wallet(x.secret, provider)));
  let sent = 0;
  let failed = 0;
  const sendMs: number[] = [];
  const c0 = cpuUs();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    senders.map(async (s, i) => {
      const to = w[(i + 1) % walletsN]!.address;
      while (performance.now() < end) {
        const a = performance.now();
        try {
          await s.sendTransaction({ to, value: 1n });
          sendMs.push(performance.now() - a);
          sent++;
        } catch {
          failed++;
          s.reset();
        }
      }
    }),
  );
  const loopS = (performance.now() - t0) / 1000;
  const loopCpu = (cpuUs() - c0) / sent;
  sendMs.sort((x, y) => x - y);
  const q = (p: number) => sendMs[Math.min(sendMs.length - 1, Math.floor(p * sendMs.length))]!.toFixed(1);
  console.log(`plain ethers loop (${walletsN} wallets, NonceManager): ${Math.round(sent / loopS)} tx/s sent (${failed} sends failed), ${loopCpu.toFixed(0)} µs CPU/tx; it knows only how long each send call took (p50 ${q(0.5)} ms, p99 ${q(0.99)} ms: estimateGas, nonce, fees and the send), not when a transaction was included (tx.wait() per transaction would serialise each wallet on its block)`);
  provider.destroy();
  await new Promise((r) => setTimeout(r, 3000)); // let the pool drain into blocks

  // 2. The engine at the loop's rate, then at engineTps: other wallets, inclusion tracked from the intended send time.
  for (const [label, rate, from] of [['engine at the loop rate', Math.max(1, Math.round(sent / loopS)), walletsN], ['engine', engineTps, 2 * walletsN]] as const) {
    const engine = createLoadEngine({ chain: chainOf(scenario.spec), targets: [url], wallets: w.slice(from, from + walletsN), rate, durationMs: seconds * 1000, feed: ctx.blockFeed, meanBlockIntervalMs: 1000 });
    const e0 = cpuUs();
    await engine.start();
    const totals = await engine.finished();
    const cpu = (cpuUs() - e0) / Math.max(1, totals.submitted);
    for (let waited = 0; engine.tracker!.counts().pending > 0 && waited < 20_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
    const p = percentiles(engine.tracker!.inclusion);
    console.log(`${label} (${walletsN} wallets): ${Math.round(totals.offeredTps)} tx/s offered (target ${rate}), ${cpu.toFixed(0)} µs CPU/tx; accepted ${totals.accepted}, included ${engine.tracker!.counts().included}; inclusion latency from the intended send time p50 ${p.p50.toFixed(0)} ms, p99 ${p.p99.toFixed(0)} ms; submit p99 ${totals.submitCorrected.p99.toFixed(1)} ms`);
  }
} finally {
  await runner.dispose();
  rmSync(outDir, { recursive: true, force: true });
}
