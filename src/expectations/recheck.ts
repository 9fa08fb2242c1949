/**
 * Re-judging a saved run from its history alone (`loadnet check`): every expectation that recorded its
 * observations is judged again by the same checker, with its recorded options or changed ones; a built-in
 * that reads only what every run records (the node sampler's samples) can be added after the fact.
 */
import { LoadnetError } from '../errors.js';
import type { ExpectationOutcome } from '../runtime/contracts.js';
import { eventsOf, type CheckerSlice, type RunHistory } from '../runtime/history.js';
import type { RunEvent } from '../runtime/run-events.js';
import { apiFloodCheck, feePriorityCheck, floodingPeerCheck, mempoolDivergenceCheck, propagationRaceCheck, txFuzzCheck } from './adversary.js';
import { blockTimingCheck } from './block-timing.js';
import { chaosRecoveryCheck, convergenceCheck, daInclusionCheck, txInclusionCheck } from './bundled.js';
import { churnCheck } from './churn.js';
import { clockRulesCheck } from './clock-rules.js';
import { forkRateCheck } from './fork-rate.js';
import { propagationCheck } from './propagation.js';
import { livenessCheck } from './liveness.js';
import { mempoolCheck } from './mempool-bounded.js';
import { nodeHealthCheck } from './node-health.js';
import { checkRecorded, type HistoryCheck } from './recorded.js';
import { safetyCheck } from './safety.js';
import { supplyCheck } from './supply.js';

/** Every built-in checker by type. */
export const BUILTIN_CHECKS: Readonly<Record<string, HistoryCheck<unknown>>> = Object.fromEntries(
  [livenessCheck, blockTimingCheck, safetyCheck, mempoolCheck, supplyCheck, txInclusionCheck, daInclusionCheck, chaosRecoveryCheck, forkRateCheck, propagationCheck, clockRulesCheck, churnCheck, convergenceCheck,
    apiFloodCheck, floodingPeerCheck, txFuzzCheck, feePriorityCheck, propagationRaceCheck, mempoolDivergenceCheck, nodeHealthCheck].map((c) => [c.type, c as HistoryCheck<unknown>]),
);

/** Checkers that read only streams every run records, so they can be added to a run that did not have them. */
const ADDABLE = new Set(['mempool-bounded']);

/** A change asked for: options of the expectation `name` (a recorded name, or a built-in type to add). */
export interface RecheckChange {
  name: string;
  options: Record<string, unknown>;
}

export interface RecheckResult {
  outcomes: Array<ExpectationOutcome & { rejudged: boolean; type?: string; options?: unknown }>;
  /** Names of the recorded expectations (in run order). */
  recorded: string[];
}

/** The expectations the run recorded: name → type, in the order they were captured. */
export function recordedExpectations(history: RunHistory): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of eventsOf(history.events, 'expectation.observed')) if (e.at === 'capture' && !out.has(e.name)) out.set(e.name, e.type);
  return out;
}

/** The slice an added checker judges: its kinds from the start of capture to evaluation, in the recorded window. */
function addedSlice(history: RunHistory, check: HistoryCheck<unknown>): CheckerSlice {
  const phases = eventsOf(history.events, 'run.phase');
  const window = phases.find((p) => p.phase === 'window');
  const capture = phases.find((p) => p.phase === 'capture');
  const evaluate = phases.find((p) => p.phase === 'evaluate');
  if (!window || window.startMs === undefined || window.endMs === undefined || !capture || !evaluate) {
    throw new LoadnetError('LN_ERR_USAGE', `${history.runDir}: the run never reached evaluation (no window or evaluate phase recorded), so ${check.type} cannot be added`);
  }
  const kinds = new Set<string>(check.kinds);
  const events = history.events.filter((e) => kinds.has(e.kind) && e.t >= capture.t && e.t <= evaluate.t) as RunEvent[];
  return { capture: {}, evaluate: { window: { startMs: window.startMs, endMs: window.endMs } }, events };
}

/** Re-judge every recorded expectation (and any added one) with the changes asked for. */
export function recheckRun(history: RunHistory, changes: readonly RecheckChange[]): RecheckResult {
  const recorded = recordedExpectations(history);
  const live = new Map(eventsOf(history.events, 'expectation').map((e) => [e.name, e]));
  const byName = new Map<string, Record<string, unknown>>();
  for (const c of changes) byName.set(c.name, { ...(byName.get(c.name) ?? {}), ...c.options });
  const outcomes: RecheckResult['outcomes'] = [];
  for (const [name, type] of recorded) {
    const check = BUILTIN_CHECKS[type];
    const changed = byName.get(name) ?? {};
    byName.delete(name);
    if (!check) {
      const l = live.get(name);
      outcomes.push({ name, status: l?.status ?? 'unknown', message: `not re-judged (no checker for type ${type}); live verdict: ${l?.message ?? 'none recorded'}`, durationMs: 0, rejudged: false });
      continue;
    }
    const started = performance.now();
    try {
      const r = checkRecorded(history, name, check, changed);
      if (!r) {
        outcomes.push({ name, status: 'unknown', message: 'not re-judged: its evaluation was never recorded (the run ended before it)', durationMs: 0, rejudged: false, type });
        continue;
      }
      outcomes.push({ name, ...r.result, durationMs: Math.round(performance.now() - started), rejudged: true, type, options: r.options });
    } catch (e) {
      if (e instanceof LoadnetError && e.code === 'LN_ERR_SCENARIO_INVALID') throw e;
      outcomes.push({ name, status: 'unknown', message: `re-judging threw: ${(e as Error).message}`, durationMs: 0, rejudged: true, type });
    }
  }
  // Expectations the run had that recorded nothing (custom ones): their live verdict stands, said so.
  for (const [name, l] of live) {
    if (recorded.has(name)) continue;
    outcomes.push({ name, status: l.status, message: `not re-judged (recorded no observations: a custom expectation); live verdict: ${l.message}`, durationMs: 0, rejudged: false });
  }
  // What is left names an expectation the run did not have: a built-in type that can be added.
  for (const [name, options] of byName) {
    const check = BUILTIN_CHECKS[name];
    if (!check || !ADDABLE.has(name)) {
      const known = [...recorded.keys()].join(', ') || 'none';
      throw new LoadnetError('LN_ERR_USAGE', `--expect ${name}: the run has no expectation of that name (it has: ${known}), and ${check ? `${name} reads the chain live during the run, so it cannot be added afterwards` : 'it is no built-in type'}; can be added: ${[...ADDABLE].join(', ')}`);
    }
    const o = check.options(options);
    outcomes.push({ name, ...check.judge(addedSlice(history, check), o), durationMs: 0, rejudged: true, type: name, options: o });
  }
  return { outcomes, recorded: [...recorded.keys()] };
}

