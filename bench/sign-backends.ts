/**
 * Signatures/s per ed25519 backend, signing devnet transfers through the codec fast path (signTransferFast:
 * encode + sign + SHA-256 id); bench/RESULTS.md has the figures and the reference rates of an idle box.
 *   one core: a loop in this thread;  2 threads: piscina, `batch` signatures per task, 8 tasks in flight.
 * Run: npx tsc -p tsconfig.build.json && npx tsx bench/sign-backends.ts [seconds]
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ed25519Backend, type Ed25519BackendName } from '../src/adapters/devnet/wire/ed25519.js';
import { signTransferFast } from '../src/adapters/devnet/wire/tx.js';
import { deriveSeed } from '../src/adapters/devnet/wire/keys.js';
import { toHex } from '../src/util/bytes.js';

const seconds = Number(process.argv[2] ?? 2);
const seed = toHex(deriveSeed('bench', 'wallet', 0));
const backends: Ed25519BackendName[] = ['sodium', 'node', 'noble'];

/** On a shared machine wall-clock rates drift with other load; per CPU-second of this process they hold. */
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function oneCore(name: Ed25519BackendName): { wall: number; cpu: number } {
  const key = ed25519Backend(name).keyFromSeed(deriveSeed('bench', 'wallet', 0));
  let n = 0;
  const c0 = cpuS();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) for (let i = 0; i < 16; i++) signTransferFast(key, n++, 1, key.publicKey, 1);
  return { wall: n / seconds, cpu: n / (cpuS() - c0) };
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
console.log(`| backend | one thread sig/s (wall) | one thread sig per CPU-second | 2 threads, 1/task | 2 threads, 64/task | 2 threads, 1024/task | 2 threads, 64/task, sig per CPU-second |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|`);
for (const b of backends) {
  const single = oneCore(b);
  const cells: string[] = [];
  let perCpu = 0;
  for (const batch of b === 'noble' ? [1, 64] : [1, 64, 1024]) {
    const c0 = cpuS();
    const rate = await threads(pool, b, batch);
    if (batch === 64) perCpu = (rate * seconds) / (cpuS() - c0);
    cells.push(Math.round(rate).toLocaleString('en'));
  }
  while (cells.length < 3) cells.push('–');
  const fmt = (x: number) => Math.round(x).toLocaleString('en');
  console.log(`| ${b} | ${fmt(single.wall)} | ${fmt(single.cpu)} | ${cells.join(' | ')} | ${fmt(perCpu)} |`);
}
await pool.destroy();
