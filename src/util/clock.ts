/**
 * One clock for the whole run: Unix milliseconds read from the monotonic clock
 * (performance.timeOrigin + performance.now()), so intervals never jump with NTP and
 * timestamps from worker threads and the coordinator compare directly.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Sleep until nowMs() ≥ atMs (or the signal). A timer counts from the event loop's cached time, which lags the
 * clock by the synchronous work done in the tick that set it, so one setTimeout can wake before atMs.
 */
export async function sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
  for (let left = atMs - nowMs(); left > 0 && !signal?.aborted; left = atMs - nowMs()) await sleep(Math.ceil(left), signal);
}
