/**
 * Signatures/s per ed25519 backend, signing devnet transfers through the codec fast path (signTransferFast:
 * encode + sign + SHA-256 id), beside the anchors (perf-anchors §1/§4: sodium 79k/s/core, node:crypto 46k/s/core,
 * noble 5k/s/core; 2 piscina threads at ≥ 64 per task: sodium ~146–154k/s, node ~85k/s).
 *   one core: a loop in this thread;  2 threads: piscina, `batch` signatures per task, 8 tasks in flight.
 * Run: npx tsc -p tsconfig.build.json && npx tsx bench/sign-backends.ts [seconds]
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ed25519Backend, type Ed25519BackendName } from '../src/chain/ed25519.js';
import { signTransferFast } from '../src/chain/tx.js';
import { deriveSeed } from '../src/chain/keys.js';
import { toHex } from '../src/chain/bytes.js';

const seconds = Number(process.argv[2] ?? 2);
const seed = toHex(deriveSeed('bench', 'wallet', 0));
const backends: Ed25519BackendName[] = ['sodium', 'node', 'noble'];

function oneCore(name: Ed25519BackendName): number {
  const key = ed25519Backend(name).keyFromSeed(deriveSeed('bench', 'wallet', 0));
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) for (let i = 0; i < 16; i++) signTransferFast(key, n++, 1, key.publicKey, 1);
  return n / seconds;
}

async function threads(pool: Piscina, name: Ed25519BackendName, batch: number): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (performance.now() < end) {
      await pool.run({ backend: name, seed, count: batch });
      if (performance.now() <= end) n += batch;
    }
  }));
  return n / seconds;
}

const pool = new Piscina({ filename: fileURLToPath(new URL('./sign-batch-worker.mjs', import.meta.url)), minThreads: 2, maxThreads: 2, atomics: 'disabled' });
await threads(pool, 'sodium', 64); // warm-up
console.log(`| backend | one core sig/s | 2 threads, 1/task | 2 threads, 64/task | 2 threads, 1024/task |`);
console.log(`|---|---:|---:|---:|---:|`);
for (const b of backends) {
  const single = oneCore(b);
  const cells = [];
  for (const batch of b === 'noble' ? [1, 64] : [1, 64, 1024]) cells.push(Math.round(await threads(pool, b, batch)).toLocaleString('en'));
  while (cells.length < 3) cells.push('–');
  console.log(`| ${b} | ${Math.round(single).toLocaleString('en')} | ${cells.join(' | ')} |`);
}
await pool.destroy();
