/**
 * Fee pressure judges block fill and throughput over the load span: from when every tier's engine offers load
 * (on a loaded machine seconds into the window) to the window's end.
 */
import { describe, expect, it } from 'vitest';
import { loadSpan } from '../../src/workloads/fee-pressure.js';

const w = { startMs: 1000, endMs: 13_000 };

describe('fee-pressure load span', () => {
  it('starts at the last tier to start, ends with the window', () => {
    expect(loadSpan(w, [3000, 8600, 4000])).toEqual({ startMs: 8600, endMs: 13_000 });
  });
  it('is the whole window when a tier never started, and never starts after the window', () => {
    expect(loadSpan(w, [3000, undefined])).toEqual(w);
    expect(loadSpan(w, [500, 900])).toEqual(w);
    expect(loadSpan(w, [14_000])).toEqual({ startMs: 13_000, endMs: 13_000 });
  });
});
