/**
 * Reading a run's history back: events.jsonl as typed RunEvents, and the slice one checker judges (its
 * recorded observations and the events of the kinds it reads between them). The live run and `loadnet check`
 * hand checkers the same slice, so a saved run re-judged with the same options gets the live verdict.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoadnetError } from '../errors.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { HISTORY_FORMAT, type LoggedEvent, type RunEvent, type RunEventKind, type RunEventOf } from './run-events.js';

export interface RunHistory {
  runDir: string;
  format: number;
  scenario: ScenarioSpec;
  events: readonly LoggedEvent[];
}

/** What one checker judges: its observations at capture and evaluation, and the events of its kinds in between. */
export interface CheckerSlice {
  capture: Record<string, unknown>;
  evaluate: Record<string, unknown>;
  events: readonly RunEvent[];
}

/** Reads a run directory's history; clear errors for a directory that is not a run or an older record. */
export function readHistory(runDir: string): RunHistory {
  const eventsPath = join(runDir, 'events.jsonl');
  const scenarioPath = join(runDir, 'scenario.json');
  if (!existsSync(runDir)) throw new LoadnetError('LN_ERR_USAGE', `${runDir} does not exist`, { hint: 'pass a run directory, e.g. runs/<time>-<scenario>' });
  if (!existsSync(eventsPath) || !existsSync(scenarioPath)) {
    throw new LoadnetError('LN_ERR_USAGE', `${runDir} is not a run directory: it has no ${existsSync(eventsPath) ? 'scenario.json' : 'events.jsonl'}`, { hint: 'pass a directory loadnet run wrote, e.g. runs/<time>-<scenario>' });
  }
  const events: LoggedEvent[] = [];
  const lines = readFileSync(eventsPath, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as LoggedEvent);
    } catch {
      // The last line of a killed run may be cut short: every earlier line must parse.
      if (i < lines.length - 2) throw new LoadnetError('LN_ERR_USAGE', `${eventsPath}:${i + 1} is not a JSON line`, { hint: 'the run record is damaged' });
    }
  });
  const head = events.find((e) => e.kind === 'history') as RunEventOf<'history'> | undefined;
  if (!head) {
    throw new LoadnetError('LN_ERR_USAGE', `${runDir} was recorded by an older loadnet (no 'history' event: record format 1); it cannot be re-judged`, { hint: `re-run the scenario with this loadnet (record format ${HISTORY_FORMAT})` });
  }
  if (head.format !== HISTORY_FORMAT) {
    throw new LoadnetError('LN_ERR_USAGE', `${runDir} has record format ${head.format}; this loadnet reads format ${HISTORY_FORMAT}`, { hint: 'use the loadnet version that wrote the run' });
  }
  let scenario: ScenarioSpec;
  try {
    scenario = JSON.parse(readFileSync(scenarioPath, 'utf8')) as ScenarioSpec;
  } catch (e) {
    throw new LoadnetError('LN_ERR_USAGE', `${scenarioPath} is not valid JSON: ${(e as Error).message}`);
  }
  return { runDir, format: head.format, scenario, events };
}

/** The slice of `events` one checker judges; undefined when its capture was never recorded. */
export function checkerSlice(events: readonly LoggedEvent[], name: string, kinds: readonly RunEventKind[]): CheckerSlice | undefined {
  const at = (when: 'capture' | 'evaluate') => events.findIndex((e) => e.kind === 'expectation.observed' && e.name === name && e.at === when);
  const from = at('capture');
  const to = at('evaluate');
  if (from < 0 || to < 0) return undefined;
  const wanted = new Set<string>(kinds);
  const between = events.slice(from + 1, to).filter((e) => wanted.has(e.kind)) as RunEvent[];
  return {
    capture: (events[from] as RunEventOf<'expectation.observed'>).observed,
    evaluate: (events[to] as RunEventOf<'expectation.observed'>).observed,
    events: between,
  };
}

/** The events of one kind, typed. */
export function eventsOf<K extends RunEventKind>(events: readonly LoggedEvent[], kind: K): Array<RunEventOf<K>> {
  return events.filter((e) => e.kind === kind) as Array<RunEventOf<K>>;
}
