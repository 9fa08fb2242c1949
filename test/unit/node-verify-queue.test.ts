import { describe, expect, it } from 'vitest';
import { VerifyQueueBound } from '../../src/node/verify-queue.js';
import { apiLimitsWith, offSet } from '../../src/node/defenses.js';

describe('VerifyQueueBound', () => {
  it('takes a client up to its bound, refuses past it naming the numbers, and takes it again once released', () => {
    const q = new VerifyQueueBound(16_384, 65_536);
    const a = q.reserve('127.0.0.3', 8192);
    const b = q.reserve('127.0.0.3', 8192);
    expect(typeof a).toBe('object');
    expect(typeof b).toBe('object');
    expect(q.reserve('127.0.0.3', 64)).toBe('this client has 16384 transactions waiting for signature verification; 64 more would pass its bound of 16384');
    expect(q.refused).toBe(1);
    // another address has its own share
    expect(typeof q.reserve('127.0.0.2', 64)).toBe('object');
    if (typeof a === 'string') throw new Error(a);
    a.release(512);
    expect(q.pending).toBe(16_384 - 512 + 64);
    a.done();
    a.done();
    expect(q.pending).toBe(8192 + 64);
    expect(typeof q.reserve('127.0.0.3', 8192)).toBe('object');
  });

  it('bounds all clients together, and always takes a batch alone in the queue whatever its size', () => {
    const q = new VerifyQueueBound(16_384, 20_000);
    const big = q.reserve('a', 100_000);
    expect(typeof big).toBe('object');
    expect(q.reserve('a', 1)).toMatch(/^this client has 100000 /);
    expect(q.reserve('b', 1)).toBe('the node has 100000 transactions waiting for signature verification; 1 more would pass its bound of 20000');
    if (typeof big === 'string') throw new Error(big);
    big.done();
    expect(q.pending).toBe(0);
    expect(typeof q.reserve('b', 16_384)).toBe('object');
  });

  it('has no bound at 0, which is what switching the defense off sets', () => {
    const limits = apiLimitsWith({ verifyPendingPerClient: 10, verifyPendingMax: 10 }, offSet(['verify-queue-bound']));
    expect(limits).toMatchObject({ verifyPendingPerClient: 0, verifyPendingMax: 0 });
    const q = new VerifyQueueBound(limits.verifyPendingPerClient!, limits.verifyPendingMax!);
    for (let i = 0; i < 10; i++) expect(typeof q.reserve('a', 8192)).toBe('object');
    expect(q.pending).toBe(81_920);
    expect(q.refused).toBe(0);
  });
});
