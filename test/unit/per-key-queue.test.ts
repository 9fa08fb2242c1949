import { describe, expect, it } from 'vitest';
import { PerKeyQueue } from '../../src/util/per-key-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PerKeyQueue', () => {
  it('runs one key\'s actions in order, other keys alongside, and goes on after a failure', async () => {
    const q = new PerKeyQueue();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name}+`);
      await sleep(ms);
      log.push(`${name}-`);
      if (fail) throw new Error(name);
      return name;
    };
    const a1 = q.run('a', step('a1', 30, true));
    const a2 = q.run('a', step('a2', 5));
    const b1 = q.run('b', step('b1', 5));
    await expect(a1).rejects.toThrow('a1');
    expect(await a2).toBe('a2');
    expect(await b1).toBe('b1');
    // a2 starts only after a1 ended (its failure included); b1 ran while a1 was still going.
    expect(log.indexOf('a2+')).toBeGreaterThan(log.indexOf('a1-'));
    expect(log.indexOf('b1-')).toBeLessThan(log.indexOf('a1-'));
  });
});
