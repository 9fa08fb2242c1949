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
 * Sleep until nowMs() ≥ atMs (or the signal). The event loop's timer clock counts whole milliseconds, so one
 * setTimeout can wake up to 1 ms before atMs: loop until the clock has passed it.
 */
export async function sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
  for (let left = atMs - nowMs(); left > 0 && !signal?.aborted; left = atMs - nowMs()) await sleep(Math.ceil(left), signal);
}
