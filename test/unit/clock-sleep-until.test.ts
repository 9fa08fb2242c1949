import { describe, expect, it } from 'vitest';
import { nowMs, sleep, sleepUntil } from '../../src/util/clock.js';

// A timer's due time is counted on the event loop's clock, which has whole milliseconds: a timer for the rest of a
// span can fire up to 1 ms before nowMs() reaches the span's end (runtime-custom's window once lasted 2999.86 ms).
// Short spans back to back show it even on a loaded machine (40-90 % of 3 ms timers woke early at load 9 and
// with 3 busy loops); the earlier form, one 40 ms span after 25 ms of busy work, 8 times, saw no early wake in 6
// of 8 runs with 3 busy loops: its process lost the core during the busy work and woke late every time.
const SPAN_MS = 3;

describe('sleepUntil', () => {
  it('never wakes before its time, though a plain timer over the same span does', async () => {
    for (let i = 0; i < 100; i++) {
      const at = nowMs() + SPAN_MS;
      await sleepUntil(at);
      expect(nowMs(), `try ${i}`).toBeGreaterThanOrEqual(at);
    }
    // What sleepUntil guards against, shown on this machine now: plain timers, until one wakes early (up to 500).
    let tries = 0;
    let early = false;
    while (!early && tries < 500) {
      tries++;
      const at = nowMs() + SPAN_MS;
      await sleep(Math.max(0, at - nowMs()));
      early = nowMs() < at;
    }
    expect(early, `no plain ${SPAN_MS} ms timer woke early in ${tries} tries`).toBe(true);
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
