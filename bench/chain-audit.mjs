/**
 * Audit a finished run against the chain itself: read one node's block log from the run directory, walk
 * its canonical chain from the highest block, and compare the transactions there with what the max-rate
 * steps (or the load engine) counted. Tells a measurement miss (on chain, not counted) from a real drop.
 *
 * Run: npx tsc -p tsconfig.build.json && node bench/chain-audit.mjs <run directory> [node name, default validator-0]
 */
import { readFileSync } from 'node:fs';
import { decodeBlock } from '../dist/src/node/block-codec.js';
const dir = process.argv[2];
const nodeName = process.argv[3] ?? 'validator-0';
if (!dir) {
  console.error('usage: node bench/chain-audit.mjs <run directory> [node name]');
  process.exit(2);
}
const buf = readFileSync(`${dir}/nodes/${nodeName}/data/blocks.log`);
const blocks = new Map();
for (let off = 0; off + 8 <= buf.length;) {
  const len = buf.readUInt32LE(off);
  const b = decodeBlock(new Uint8Array(buf.buffer, buf.byteOffset + off + 8, len));
  blocks.set(b.id, b);
  off += 8 + len;
}
let tip = null;
for (const b of blocks.values()) if (!tip || b.header.height > tip.header.height) tip = b;
let canon = 0;
let txs = 0;
const ids = new Set();
for (let b = tip; b; b = blocks.get(b.header.parent)) { canon++; for (const t of b.txs) { txs++; ids.add(t.id); } }
const all = new Set(); for (const b of blocks.values()) for (const t of b.txs) all.add(t.id);
const missingFromCanon = [...all].filter((id) => !ids.has(id)).length;
console.log({ blocksInLog: blocks.size, canonical: canon, tipHeight: tip.header.height, canonicalTxs: txs, distinctTxsInAnyBlock: all.size, inForksOnly: missingFromCanon });
const L = readFileSync(dir + '/events.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const steps = L.filter((e) => e.kind === 'maxrate.step');
const sum = (f) => steps.reduce((a, s) => a + f(s.result), 0);
console.log({ steps: steps.length, sent: sum((r) => r.sent), accepted: sum((r) => r.accepted), includedAsCounted: sum((r) => r.included), onChain: ids.size });
