/**
 * Memory over a long load: the engine at a constant rate into the null sink (FAKE NODE, own process), with
 * per-transaction records on (rotated files in a temp dir), printing this process's RSS (coordinator + worker
 * threads) and the coordinator heap after GC every `every` seconds. Flat = interval histograms and rotated
 * records, no per-sample arrays. Run: npx tsc -p tsconfig.build.json && node --expose-gc --import tsx bench/load-memory.ts [seconds] [rate]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoadEngine } from '../src/load/engine.js';
import { deriveSeed } from '../src/adapters/devnet/wire/keys.js';
import { toHex } from '../src/util/bytes.js';
import { startFakeNodeProcess } from '../test/integration/load-fake-node.js';

const seconds = Number(process.argv[2] ?? 60);
const rate = Number(process.argv[3] ?? 2000);
const every = Math.max(5, Math.round(seconds / 8));
const dir = mkdtempSync(join(tmpdir(), 'loadnet-bench-memory-'));
const sink = await startFakeNodeProcess();
const gc = (globalThis as { gc?: () => void }).gc;
try {
  const engine = createLoadEngine({ targets: [sink.url], wallets: Array.from({ length: 100 }, (_, i) => ({ secret: toHex(deriveSeed('bench-memory', 'wallet', i)) })), rate, durationMs: seconds * 1000, recordsDir: dir, recordsPerFile: 50_000, recordsMaxFiles: 4 });
  await engine.start();
  console.log('| elapsed | submitted | RSS (process) | coordinator heap after GC | record files |');
  console.log('|---:|---:|---:|---:|---:|');
  const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
  for (let s = every; s <= seconds; s += every) {
    await new Promise((r) => setTimeout(r, every * 1000));
    gc?.();
    const m = process.memoryUsage();
    console.log(`| ${s} s | ${engine.totals().submitted} | ${mb(m.rss)} | ${mb(m.heapUsed)} | ${readdirSync(dir).length} |`);
  }
  const t = await engine.finished();
  console.log(`\nsubmitted ${t.submitted}, offered ${t.offeredTps} tx/s of ${t.targetTps}, generator-bound: ${t.generatorBound}`);
} finally {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
}
