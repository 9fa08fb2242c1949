/** `loadnet compare <runA> <runB> [more…]`: saved runs against the first, with intervals and verdicts (src/compare). */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode } from '../errors.js';
import { FIGURE_IDS, type FigureId, type Threshold } from '../compare/figures.js';
import { parseCommandArgs, usageError, type CommandIo } from './command.js';
import { COMPARE_USAGE } from './usage.js';

/** "95%", "95" or "0.95" → 0.95. */
function parseConfidence(text: string): number {
  const t = text.trim();
  const n = Number(t.endsWith('%') ? t.slice(0, -1) : t);
  const p = t.endsWith('%') || n > 1 ? n / 100 : n;
  if (!(p >= 0.5 && p < 1)) throw usageError('compare', `--confidence ${JSON.stringify(text)}; allowed: a confidence from 50% to below 100%, e.g. 95% or 0.99`);
  return p;
}

/** "inclusionP99=10%" (relative) or "errorRate=0.02" (in the figure's unit). */
function parseThreshold(text: string): [FigureId, Threshold] {
  const m = /^([A-Za-z0-9]+)=(.+)$/.exec(text.trim());
  if (!m) throw usageError('compare', `--threshold ${JSON.stringify(text)}; allowed: <figure>=<relative %> or <figure>=<amount>, e.g. inclusionP99=10%`);
  const id = m[1] as FigureId;
  if (!FIGURE_IDS.includes(id)) throw usageError('compare', `--threshold: unknown figure ${JSON.stringify(m[1])}; allowed: ${FIGURE_IDS.join(', ')}`);
  const v = m[2]!.trim();
  const n = Number(v.endsWith('%') ? v.slice(0, -1) : v);
  if (!Number.isFinite(n) || n < 0) throw usageError('compare', `--threshold ${id}: ${JSON.stringify(v)}; allowed: a number ≥ 0, with % for a share of the baseline`);
  return [id, v.endsWith('%') ? { relative: n / 100 } : { absolute: n }];
}

export async function compareCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('compare', argv, {
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
    confidence: { type: 'string' },
    batches: { type: 'string' },
    'fail-on': { type: 'string' },
    threshold: { type: 'string', multiple: true },
    html: { type: 'string' },
    'no-html': { type: 'boolean' },
  } as const);
  if (values.help) {
    io.stdout.write(`${COMPARE_USAGE}\n`);
    return ExitCode.ok;
  }
  if (positionals.length < 2) throw usageError('compare', `needs at least two run directories (got ${positionals.length}): the baseline first`);
  for (const dir of positionals) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw usageError('compare', `${dir} is not a directory; allowed: run directories under runs/`);
    if (!['summary.json', 'events.jsonl', 'max-rate-deployments.json'].some((f) => existsSync(resolve(dir, f)))) throw usageError('compare', `${dir} is not a run directory (no summary.json, events.jsonl or max-rate-deployments.json)`);
  }
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'regression') throw usageError('compare', `--fail-on ${JSON.stringify(failOn)}; allowed: regression`);
  let batches: number | undefined;
  if (values.batches !== undefined) {
    batches = Number(values.batches);
    if (!Number.isInteger(batches) || batches < 2 || batches > 1000) throw usageError('compare', `--batches ${JSON.stringify(values.batches)}; allowed: an integer from 2 to 1000`);
  }
  if (values.html !== undefined && values['no-html']) throw usageError('compare', '--html and --no-html exclude each other');
  const confidence = values.confidence === undefined ? undefined : parseConfidence(values.confidence);
  const thresholds = Object.fromEntries((values.threshold ?? []).map(parseThreshold));
  const htmlPath = values['no-html'] ? undefined : resolve(values.html ?? 'compare.html');
  const { compareRunDirs } = await import('../compare/run-compare.js');
  const { formatComparison } = await import('../compare/compare.js');
  const result = await compareRunDirs(positionals, { confidence, thresholds, batches, htmlPath });
  if (values.json) io.stdout.write(`${JSON.stringify(htmlPath ? { ...result, html: htmlPath } : result, null, 2)}\n`);
  else io.stdout.write(`${formatComparison(result)}${htmlPath ? `\npage: ${htmlPath}` : ''}\n`);
  const regressions = result.pairs.some((p) => p.regressions.length > 0);
  return failOn === 'regression' && regressions ? ExitCode.expectationsFailed : ExitCode.ok;
}
