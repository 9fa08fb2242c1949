/**
 * Pacing accuracy of the load engine into a null sink (a FAKE NODE in its own process, counting arrivals):
 * for each rate, the transactions that arrived in a 6 s window (from 1 s after the schedule started) against
 * rate × 6 s, the engine's schedule lag p99 (actual − intended send time), and the spread of per-second
 * offered rates. Run: npx tsc -p tsconfig.build.json && npx tsx bench/load-pacing.ts [rates...]
 */
import { createLoadEngine } from '../src/load/engine.js';
import { deriveSeed } from '../src/adapters/devnet/wire/keys.js';
import { toHex } from '../src/util/bytes.js';
import { startFakeNodeProcess } from '../test/integration/load-fake-node.js';

const rates = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1000, 5000, 10_000];
const wallets = Array.from({ length: 50 }, (_, i) => ({ secret: toHex(deriveSeed('bench-pacing', 'wallet', i)) }));
const windowMs = 6000;
console.log('| target tx/s | threads | received in window | pacing error | schedule lag p99 | lag max | per-second offered (min–max) | generator-bound |');
console.log('|---:|---:|---:|---:|---:|---:|---|---|');
for (const rate of rates) {
  const sink = await startFakeNodeProcess();
  const offered: number[] = [];
  const engine = createLoadEngine({ targets: [sink.url], wallets, rate, durationMs: windowMs + 2000, onInterval: (iv) => offered.push(iv.offeredTps) });
  await engine.start();
  const t = await engine.finished();
  const from = engine.startedAt + 1000;
  const { count } = await sink.receivedBetween(from, from + windowMs);
  const expected = (rate * windowMs) / 1000;
  const inner = offered.slice(1, -1);
  console.log(`| ${rate} | ${engine.threads} | ${count} / ${expected} | ${(((count - expected) / expected) * 100).toFixed(2)} % | ${t.scheduleLag.p99} ms | ${t.scheduleLag.max} ms | ${Math.min(...inner)}–${Math.max(...inner)} | ${t.generatorBound} |`);
  await sink.close();
}
