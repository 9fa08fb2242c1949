/**
 * Re-judge a saved run from its record alone (what `loadnet check` does) and assert every expectation gets
 * the live verdict and message: the checkers judge the history, live and afterwards alike.
 */
import { expect } from 'vitest';
import { recheckRun, type RecheckChange } from '../../../src/expectations/recheck.js';
import type { RunSummary } from '../../../src/runtime/contracts.js';
import { readHistory } from '../../../src/runtime/history.js';

export function rejudge(runDir: string, changes: RecheckChange[] = []) {
  return Object.fromEntries(recheckRun(readHistory(runDir), changes).outcomes.map((o) => [o.name, o]));
}

/** Every expectation of `summary` re-judged from `runDir` gets its live status and message; returns them. */
export function expectLiveVerdicts(runDir: string, summary: RunSummary, names: string[]) {
  const again = rejudge(runDir);
  const live = summary.expectations.filter((e) => !e.name.startsWith('workload '));
  expect(live.map((e) => e.name).sort()).toEqual([...names].sort());
  for (const e of live) {
    const r = again[e.name];
    expect(r?.rejudged, `${e.name} re-judged from the record`).toBe(true);
    expect({ name: e.name, status: r?.status, message: r?.message }).toEqual({ name: e.name, status: e.status, message: e.message });
  }
  return again;
}
