/**
 * Cost of the supply-conserved check (src/expectations/supply.ts) on a real node: it reads every wallet's
 * account, then pages the whole canonical chain through GET /cryptarchia/blocks and replays it from genesis.
 * One node process (from dist/) produces blocks; N transfers are admitted in binary batches; once all are
 * included the check runs and its wall time is split into the account reads and the chain replay; then again
 * as the expectation runs it, with the final chain replayed beforehand (FinalChainReplayer).
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/supply-replay.ts [txs=50000] [wallets=100]
 */
import { DevnetChainClient } from '../src/adapters/devnet/client.js';
import * as os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTxBatch, fromHex, signTransferFast } from '../src/adapters/devnet/wire/index.js';
import { FinalChainReplayer, observeAndReplay, judgeSupply } from '../src/expectations/supply.js';
import type { RunContext, RunNode } from '../src/runtime/contracts.js';
import { planCluster, removeDir, spawnNode, stopProcess, waitFor } from '../test/integration/node-harness.js';

const total = Number(process.argv[2] ?? 50_000);
const walletCount = Number(process.argv[3] ?? 100);
const perWallet = Math.ceil(total / walletCount);

const plan = await planCluster({ nodes: 1, wallets: walletCount, walletBalance: 1e12, slotDurationMs: 500, activeSlotCoeff: 0.9, testing: false, mempool: { maxCount: total + 10, maxBytes: 1 << 30, maxNonceGap: perWallet + 10, ttlMs: 600_000, minFee: 1 } });
const cfg = plan.configs[0]!;
cfg.logLevel = 'info';
cfg.parentPid = null;
mkdirSync(join(plan.dir, 'nodes', cfg.name), { recursive: true });
writeFileSync(join(plan.dir, 'nodes', cfg.name, 'config.json'), JSON.stringify(cfg));
const node = await spawnNode(cfg);
try {
  const to = fromHex(plan.wallets[0]!.publicKey);
  const txs: Uint8Array[] = [];
  for (let n = 0; n < perWallet; n++) for (const w of plan.wallets) if (txs.length < total) txs.push(signTransferFast(w.key, n, 1, to, 1).bytes);
  for (let i = 0; i < txs.length; i += 1000) await node.client.submitBatch(encodeTxBatch(txs.slice(i, i + 1000)));
  await waitFor('every transaction included', async () => (await node.client.mempoolMetrics()).pending === 0, 600_000, 500);
  const runNode = { descriptor: { name: cfg.name, role: 'validator', apiUrl: '', peerId: '' }, client: new DevnetChainClient({ name: cfg.name, apiUrl: node.client.url }) } as unknown as RunNode;
  const wallets = plan.wallets.map((w, index) => ({ index, address: w.publicKey, secret: w.seed, initialBalance: 1e12 }));
  const ctx = { runDir: plan.dir, wallets, scenario: {}, nodes: () => [runNode] } as unknown as RunContext; // scenario {}: the devnet
  const info = await node.client.info();
  const t0 = performance.now();
  await Promise.all(wallets.map((w) => node.client.account(w.address)));
  const accountsMs = performance.now() - t0;
  const t1 = performance.now();
  const { replay, observed } = await observeAndReplay(ctx, runNode);
  const checkMs = performance.now() - t1;
  const verdict = judgeSupply(replay, observed, wallets);
  // As the expectation runs it: the final chain replayed during the run, only the blocks above the LIB at evaluation.
  const follower = new FinalChainReplayer(200);
  const followCtx = { ...ctx, signal: new AbortController().signal } as unknown as RunContext;
  follower.start(followCtx);
  await waitFor('the follower to reach the LIB', async () => (await node.client.info()).lib_height > 0, 60_000);
  await new Promise((r) => setTimeout(r, 3000));
  const base = await follower.stop();
  const t2 = performance.now();
  const withBase = await observeAndReplay(ctx, runNode, undefined, base);
  const baseMs = performance.now() - t2;
  console.log(`supply-replay: ${os.cpus().length} CPUs, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${replay.transactions} txs in ${info.height} blocks, ${walletCount} wallets: whole check ${(checkMs / 1000).toFixed(2)} s (${Math.round(replay.transactions / (checkMs / 1000))} tx/s replayed); the ${walletCount} account reads alone ${accountsMs.toFixed(0)} ms; verdict ${verdict.status}: ${verdict.message}`);
  console.log(`with the final chain replayed during the run (up to height ${base?.lastHeight ?? 0}): check at evaluation ${(baseMs / 1000).toFixed(2)} s, replaying from height ${withBase.fromHeight}; verdict ${judgeSupply(withBase.replay, withBase.observed, wallets).status}`);
} finally {
  await stopProcess(node);
  removeDir(plan.dir);
}
