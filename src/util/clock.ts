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
