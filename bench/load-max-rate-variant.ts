/**
 * One variant of bench/load-max-rate.ts in a process of its own, for its paired mode (forked by it with
 * `--import tsx`; argv[2] = engine | before | bare): its own null sink, the variant started and warmed up, then
 * over IPC: 'ready' → (the parent's 'open') the window opens → 'opened' → (the parent's 'close') the window closes
 * → { type: 'result', window }, and the process ends. So several variants run at the same time, each one's CPU
 * per transaction read from its own threads, under the same machine load.
 */
import { startNullSink } from './null-sink.js';
import { benchSeeds, startVariant, VARIANTS, windowOf, type VariantName } from './load-variants.js';

const name = process.argv[2] as VariantName;
if (!VARIANTS.includes(name)) throw new Error(`variant: ${String(name)}; allowed: ${VARIANTS.join(', ')}`);
if (!process.send) throw new Error('load-max-rate-variant runs as a child of bench/load-max-rate.ts --paired (it needs an IPC channel)');
const send = (m: unknown) => process.send!(m);

const sink = await startNullSink();
const { running, threadsBefore } = await startVariant(name, sink, benchSeeds());
await running.warm();
const w = windowOf(sink, running, threadsBefore);
const next = (what: string) => new Promise<void>((resolve) => process.on('message', (m) => m === what && resolve()));
const open = next('open');
const close = next('close');
send({ type: 'ready' });
await open;
await w.open();
send({ type: 'opened' });
await close;
const window = await w.close();
const bound = await running.stop();
sink.close();
send({ type: 'result', window: { ...window, ...(bound ? { bound } : {}) } });
process.disconnect();
