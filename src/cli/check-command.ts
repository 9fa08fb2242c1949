/**
 * `loadnet check <runDir> [--scenario x.json] [--expect name.option=value …] [--json]`: re-judge a saved run
 * from its record alone (expectations/recheck.ts), with its recorded options, a scenario's, or changed ones;
 * writes check-<UTC time>/{summary.json, report.html, junit.xml} inside the run directory, never touching the
 * run's own files.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, LoadnetError } from '../errors.js';
import { adversaryBounds } from '../expectations/adversary.js';
import { recheckRun, recordedExpectations, type RecheckChange } from '../expectations/recheck.js';
import type { RunSummary } from '../runtime/contracts.js';
import { readHistory } from '../runtime/history.js';
import { combineVerdicts } from '../runtime/runner.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { parseCommandArgs, usageError, type CommandIo } from './command.js';
import { CHECK_USAGE } from './usage.js';

/** `name.option=value`: value as JSON when it parses (numbers, booleans), else the string; `name` alone adds it. */
export function parseExpect(arg: string): RecheckChange {
  const m = /^([a-z][a-z0-9-]*)(?:\.([A-Za-z][A-Za-z0-9]*)=(.+))?$/.exec(arg);
  if (!m) {
    throw usageError('check', `--expect ${JSON.stringify(arg)}: expected <expectation>.<option>=<value> (e.g. mempool-bounded.maxPending=500, tx-inclusion.threshold=0.99) or a built-in type to add (e.g. mempool-bounded)`);
  }
  const [, name, option, raw] = m;
  if (option === undefined) return { name: name!, options: {} };
  let value: unknown = raw;
  try {
    value = JSON.parse(raw!);
  } catch {
    // a plain string
  }
  return { name: name!, options: { [option]: value } };
}

/** The options a scenario file gives the run's recorded expectations. */
function changesFromScenario(path: string, recorded: Map<string, string>): RecheckChange[] {
  let spec: Partial<ScenarioSpec>;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8')) as Partial<ScenarioSpec>;
  } catch (e) {
    throw usageError('check', `--scenario ${path}: ${(e as Error).message} (a scenario JSON file, as scenario.json in a run directory)`);
  }
  const changes: RecheckChange[] = [];
  for (const e of spec.expectations ?? []) {
    if (e.type === 'custom') continue;
    changes.push({ name: e.type, options: (('options' in e ? e.options : undefined) ?? {}) as Record<string, unknown> });
  }
  for (const w of spec.workloads ?? []) {
    if (w.type === 'transactions' && w.inclusionThreshold !== undefined) changes.push({ name: 'tx-inclusion', options: { threshold: w.inclusionThreshold } });
    if (w.type === 'chaos' && w.recoveryTimeoutMs !== undefined) changes.push({ name: `chaos-${w.action}-recovery`, options: { recoveryTimeoutMs: w.recoveryTimeoutMs } });
    const bounds = adversaryBounds(w);
    if (bounds) changes.push({ name: bounds.name, options: Object.fromEntries(Object.entries(bounds.options).filter(([, v]) => v !== undefined)) });
  }
  // A scenario judges what the run recorded: entries for expectations the run did not have are added only
  // when named explicitly with --expect.
  return changes.filter((c) => recorded.has(c.name));
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export async function checkCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('check', argv, {
    help: { type: 'boolean', short: 'h' },
    scenario: { type: 'string' },
    expect: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  } as const);
  if (values.help) {
    io.stdout.write(`${CHECK_USAGE}\n`);
    return ExitCode.ok;
  }
  if (positionals.length !== 1) throw usageError('check', 'takes exactly one run directory');
  const runDir = positionals[0]!;
  const history = readHistory(runDir);
  const recorded = recordedExpectations(history);
  const changes = [...(values.scenario ? changesFromScenario(values.scenario, recorded) : []), ...(values.expect ?? []).map(parseExpect)];
  let result;
  try {
    result = recheckRun(history, changes);
  } catch (e) {
    // A bad option value names the field and what is allowed: say it is the --expect / --scenario value.
    if (e instanceof LoadnetError && e.code === 'LN_ERR_SCENARIO_INVALID') throw usageError('check', `${e.message} (from ${values.scenario ? '--scenario or ' : ''}--expect)`);
    throw e;
  }
  let original: Partial<RunSummary> = {};
  try {
    original = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  } catch {
    // an interrupted run without a summary: the check's summary stands alone
  }
  // Workload failures stay failures: they are not expectations and have no record to judge again.
  const workloadFailures = (original.expectations ?? []).filter((o) => o.name.startsWith('workload '));
  const expectations = [...result.outcomes.map(({ rejudged: _r, type: _t, options: _o, ...o }) => o), ...workloadFailures];
  const verdict = combineVerdicts(expectations.map((o) => o.status));
  const at = new Date();
  let outDir = join(runDir, `check-${stamp(at)}`);
  // Two checks in one second get -2, -3, …: mkdir fails when taken, so none overwrites another.
  for (let i = 2; ; i++) {
    try {
      mkdirSync(outDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      outDir = join(runDir, `check-${stamp(at)}-${i}`);
    }
  }
  const summary: RunSummary = {
    ...(original as RunSummary),
    scenario: original.scenario ?? history.scenario.name,
    runDir,
    verdict,
    interrupted: original.interrupted ?? false,
    startedAt: original.startedAt ?? at.toISOString(),
    endedAt: original.endedAt ?? at.toISOString(),
    expectations,
    chain: original.chain ?? {},
    check: { of: runDir, at: at.toISOString(), originalVerdict: original.verdict ?? null, changes, judged: result.outcomes.map((o) => ({ name: o.name, rejudged: o.rejudged, options: o.options ?? null })) },
  } as RunSummary;
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const { renderRunReports } = await import('../report/index.js');
  await renderRunReports(runDir, { into: outDir, summary });
  if (values.json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else {
    const live = new Map((original.expectations ?? []).map((o) => [o.name, o.status]));
    for (const o of expectations) io.stdout.write(`${o.status.toUpperCase().padEnd(7)} ${o.name}${live.has(o.name) && live.get(o.name) !== o.status ? ` (live: ${live.get(o.name)})` : ''}: ${o.message}\n`);
    io.stdout.write(`verdict: ${verdict}${original.verdict ? ` (live: ${original.verdict})` : ''}\nsummary: ${join(outDir, 'summary.json')}\nreport: ${join(outDir, 'report.html')}\n`);
  }
  return verdict === 'pass' ? ExitCode.ok : ExitCode.expectationsFailed;
}
