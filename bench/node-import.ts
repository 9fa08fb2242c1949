/**
 * Block import rate of the devnet node's chain (in process, no network): blocks of N transfers are
 * pre-built, then imported into a fresh chain from their encoded bytes (decode + header checks +
 * execution), once "cold" (transaction signatures not seen before: each is verified) and once "warm"
 * (ids already verified at mempool admission, the normal case: block import never verifies twice).
 *
 *   npx tsx bench/node-import.ts [blocks=20] [txsPerBlock=5000]
 */
import * as os from 'node:os';
import { deriveKeyPair, fastestEd25519, fromHex, signTransferFast, decodeTx } from '../src/adapters/devnet/wire/index.js';
import { buildBlock, decodeBlock, type Block } from '../src/node/block-codec.js';
import { Chain } from '../src/node/chain.js';
import { genesisBlock } from '../src/node/genesis.js';
import { Ledger } from '../src/node/ledger.js';
import { Lottery, StakeDistribution } from '../src/node/lottery.js';
import { genesisStakeTable } from '../src/node/stake.js';
import { TxVerifier } from '../src/node/tx-verifier.js';

const nBlocks = Number(process.argv[2] ?? 20);
const perBlock = Number(process.argv[3] ?? 5000);
const backend = fastestEd25519();
const validator = deriveKeyPair('bench-import', 'validator', 0);
const wallets = Array.from({ length: 1000 }, (_, i) => deriveKeyPair('bench-import', 'wallet', i));
const cfg = {
  genesis: { chainId: 'bench', timeMs: 0, epochNonce: '01'.repeat(32), accounts: wallets.map((w) => ({ publicKey: w.publicKey, balance: 1e12 })), validators: [{ publicKey: validator.publicKey, stake: 1 }] },
  consensus: { slotDurationMs: 1000, activeSlotCoeff: 1, securityParam: 10, clockToleranceMs: 500 },
  block: { maxTxs: perBlock, maxBytes: 64 * 1024 * 1024 },
};

function fresh() {
  const stake = new StakeDistribution(genesisStakeTable(cfg.genesis.validators), 1);
  const lottery = new Lottery(cfg.genesis.epochNonce, backend);
  const verifier = new TxVerifier(backend, (pk) => stake.isValidator(pk));
  const chain = new Chain(genesisBlock(cfg.genesis), new Ledger(cfg.genesis, 'burn'), lottery, verifier, backend, cfg, { persist: (b) => () => b.bytes, onCanonicalChange: () => undefined });
  return { chain, lottery, verifier, stake };
}

const { lottery, stake } = fresh();
const blocks: Block[] = [];
let parent = genesisBlock(cfg.genesis);
const nonces = new Array<number>(wallets.length).fill(0);
const to = fromHex(wallets[0]!.publicKey);
let w = 0;
for (let b = 0; b < nBlocks; b++) {
  const txs = [];
  for (let i = 0; i < perBlock; i++) {
    const idx = w++ % wallets.length;
    txs.push(decodeTx(signTransferFast(wallets[idx]!.key, nonces[idx]!++, 1, to, 1).bytes));
  }
  const slot = b + 1;
  parent = buildBlock({ parent: parent.id, slot, height: b + 1, proposer: validator.publicKey, leaderProof: lottery.tryLead(validator.key, slot, stake)!, timestamp: slot * 1000 }, txs, validator.key);
  blocks.push(parent);
}
const encoded = blocks.map((b) => b.bytes);

function importAll(warm: boolean): { secs: number; cpuUs: number } {
  const { chain, verifier } = fresh();
  if (warm) for (const b of blocks) for (const t of b.txs) verifier.verify(t);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const bytes of encoded) {
    const r = chain.import(decodeBlock(bytes, perBlock), 1e12);
    if (r.status !== 'imported') throw new Error(`import failed: ${JSON.stringify(r)}`);
  }
  const c = process.cpuUsage(c0);
  return { secs: (performance.now() - t0) / 1000, cpuUs: c.user + c.system };
}

console.log(`node-import: ${nBlocks} blocks × ${perBlock} transfers (${(encoded[0]!.length / 1024).toFixed(0)} KiB each); ${os.cpus().length} CPUs, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const warm of [true, false]) {
  const { secs, cpuUs } = importAll(warm);
  const txs = nBlocks * perBlock;
  console.log(`${warm ? 'warm (ids verified at admission)' : 'cold (every signature verified) '}: ${(nBlocks / secs).toFixed(2)} blocks/s = ${Math.round(txs / secs)} tx/s; CPU ${(cpuUs / txs).toFixed(2)} µs/tx`);
}
