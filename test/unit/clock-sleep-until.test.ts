import { describe, expect, it } from 'vitest';
import { nowMs, sleep, sleepUntil } from '../../src/util/clock.js';

const busy = (ms: number) => {
  const end = nowMs() + ms;
  while (nowMs() < end);
};

describe('sleepUntil', () => {
  it('never wakes before its time, though a timer set after synchronous work counts from the stale loop time', async () => {
    let plainEarly = 0;
    for (let i = 0; i < 8; i++) {
      await sleep(0); // a fresh loop iteration, so the cached loop time starts current
      const at = nowMs() + 40;
      busy(25);
      await sleepUntil(at);
      expect(nowMs()).toBeGreaterThanOrEqual(at);

      await sleep(0);
      const at2 = nowMs() + 40;
      busy(25);
      await sleep(Math.max(0, at2 - nowMs()));
      if (nowMs() < at2) plainEarly++;
    }
    // What sleepUntil guards against: one plain timer over the same span wakes early.
    expect(plainEarly).toBeGreaterThan(0);
  });

  it('returns at once for a time past, and on an aborted signal', async () => {
    const t0 = nowMs();
    await sleepUntil(t0 - 1);
    const ac = new AbortController();
    ac.abort();
    await sleepUntil(nowMs() + 10_000, ac.signal);
    expect(nowMs() - t0).toBeLessThan(1000);
  });
});
