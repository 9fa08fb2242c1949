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

/**
 * Every expectation of `summary` re-judged from `runDir` gets its live status and message; returns them.
 * `names`: the expectations the run must have had (absent: whatever it had, each re-judged).
 */
export function expectLiveVerdicts(runDir: string, summary: RunSummary, names?: string[]) {
  const again = rejudge(runDir);
  const live = summary.expectations.filter((e) => !e.name.startsWith('workload '));
  if (names) expect(live.map((e) => e.name).sort()).toEqual([...names].sort());
  for (const e of live) {
    const r = again[e.name];
    expect(r?.rejudged, `${e.name} re-judged from the record`).toBe(true);
    expect({ name: e.name, status: r?.status, message: r?.message }).toEqual({ name: e.name, status: e.status, message: e.message });
  }
  return again;
}

type Mutable = Record<string, unknown>;

/**
 * Re-judge a copy of the run's record after `alter` edits it the way a broken run would have recorded it (a node
 * lagging, a final block that differs, a balance the chain disagrees with). The run directory is not touched:
 * this shows that the verdict comes from the record, for checkers that have no threshold to change.
 */
export function rejudgeAltered(runDir: string, alter: (events: Mutable[]) => void, changes: RecheckChange[] = []) {
  const history = readHistory(runDir);
  const events = structuredClone(history.events) as unknown as Mutable[];
  alter(events);
  return Object.fromEntries(recheckRun({ ...history, events: events as unknown as typeof history.events }, changes).outcomes.map((o) => [o.name, o]));
}

/** The observation `name` recorded at `at`, for `alter` to edit in place. */
export function observedOf(events: Mutable[], name: string, at: 'capture' | 'evaluate'): Mutable {
  const e = events.find((x) => x.kind === 'expectation.observed' && x.name === name && x.at === at);
  if (!e) throw new Error(`the record has no ${at} observation of ${name}`);
  return e.observed as Mutable;
}
