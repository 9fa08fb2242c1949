/**
 * The benches' null sink (load-null-sink.mjs in its own process, so its CPU is not the measured process's) and
 * the steady-window measure they share: transactions counted at the sink and this process's CPU over the same span.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface NullSink {
  url: string;
  /** Transactions the sink has received so far. */
  count(): Promise<number>;
  close(): void;
}

/** Starts the sink; `env` reaches its process (SINK_HOST, SINK_URL_HOST). */
export async function startNullSink(env?: NodeJS.ProcessEnv): Promise<NullSink> {
  const sink = fork(fileURLToPath(new URL('./load-null-sink.mjs', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], ...(env ? { env } : {}) });
  const url = await new Promise<string>((resolve) => sink.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return {
    url,
    count: () => new Promise<number>((resolve) => { sink.once('message', (m: { received: number }) => resolve(m.received)); sink.send('count'); }),
    close: () => void sink.kill(),
  };
}

/** CPU time of this process (main thread and worker threads; the sink is another process), in µs. */
export function processCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Steady state: from 1 s after the load started (and not before the sink has counted `afterCount`, e.g. past a
 * generator's pre-signed head start), for `seconds`, counted at the sink; this process's CPU over the same span.
 * `from`/`to`: the window (performance.now()); `onEdge` is called at its start and end (e.g. per-thread CPU snapshots).
 */
export async function measureSteady(sink: NullSink, seconds: number, afterCount = 0, onEdge?: (edge: 'start' | 'end') => void): Promise<{ tps: number; cpuUsPerTx: number; from: number; to: number }> {
  await sleep(1000);
  while ((await sink.count()) < afterCount) await sleep(50);
  const c0 = processCpuUs();
  onEdge?.('start');
  const s0 = await sink.count();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const n = (await sink.count()) - s0;
  onEdge?.('end');
  const c1 = processCpuUs();
  const t1 = performance.now();
  return { tps: n / ((t1 - t0) / 1000), cpuUsPerTx: (c1 - c0) / n, from: t0, to: t1 };
}
