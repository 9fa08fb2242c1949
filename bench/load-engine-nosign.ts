/**
 * The load engine's own CPU per transaction, without signing: the engine (2 workers, 100 tx/POST, asked for
 * 400k tx/s) with a FAKE factory (bench/load-fake-signer.mjs: one pre-signed transaction per wallet) into the
 * null sink, CPU of this process per transaction counted at the sink. With LOADNET_ENGINE_BEFORE=<an older
 * build's dist/src/load/engine.js> (a built git worktree, seam or later) the older engine runs in every round too,
 * alternately before and after the current one, so a change's effect is read side by side in one run.
 * Run: npx tsc -p tsconfig.build.json && npx tsx bench/load-engine-nosign.ts [seconds] [rounds]
 */
import { fileURLToPath } from 'node:url';
import { measureSteady, startNullSink } from './null-sink.js';
import { createLoadEngine } from '../src/load/engine.js';
import { devnetAdapter } from '../src/adapters/devnet/index.js';
import type { ChainAdapter } from '../src/adapters/seam.js';
import { deriveSeed } from '../src/adapters/devnet/wire/keys.js';
import { toHex } from '../src/util/bytes.js';

const seconds = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 4);
const seeds = Array.from({ length: 200 }, (_, i) => toHex(deriveSeed('bench', 'wallet', i)));
const fakeSigner = fileURLToPath(new URL('./load-fake-signer.mjs', import.meta.url));

const sink = await startNullSink();
const url = sink.url;

type Create = (o: Record<string, unknown>) => { start(): Promise<void>; finished(): Promise<unknown> };
const engines: Record<string, { create: Create; chain: ChainAdapter }> = { now: { create: createLoadEngine as unknown as Create, chain: devnetAdapter } };
const beforePath = process.env.LOADNET_ENGINE_BEFORE;
if (beforePath) {
  const devnetPath = new URL('../adapters/devnet/index.js', new URL(beforePath, 'file:///')).href;
  engines.before = { create: ((await import(beforePath)) as { createLoadEngine: Create }).createLoadEngine, chain: ((await import(devnetPath)) as { devnetAdapter: ChainAdapter }).devnetAdapter };
}

async function run(name: string): Promise<{ tps: number; cpuUsPerTx: number }> {
  const { create, chain } = engines[name]!;
  const fake: ChainAdapter = { ...chain, txFactory: () => ({ module: fakeSigner, options: {} }) };
  const e = create({ chain: fake, targets: [url], wallets: seeds.map((secret) => ({ secret })), rate: 400_000, durationMs: (seconds + 2) * 1000, threads: 2, batch: 100, connections: 4 });
  await e.start();
  const m = await measureSteady(sink, seconds);
  await e.finished();
  return m;
}

const cpu: Record<string, number[]> = { now: [], before: [] };
for (let r = 0; r < rounds; r++) {
  const order = Object.keys(engines);
  if (r % 2 === 1) order.reverse();
  const line: string[] = [];
  for (const name of order) {
    const m = await run(name);
    cpu[name]!.push(m.cpuUsPerTx);
    line.push(`${name} ${Math.round(m.tps)} tx/s, ${m.cpuUsPerTx.toFixed(2)} µs CPU/tx`);
  }
  console.log(`round ${r + 1}: ${line.join('; ')}`);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`engine CPU per transaction without signing, median of ${rounds}: now ${med(cpu.now!).toFixed(2)} µs${beforePath ? `, before ${med(cpu.before!).toFixed(2)} µs` : ''}`);
sink.close();
