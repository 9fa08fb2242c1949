/**
 * Compares runs: the first is the baseline, each other a candidate. Per figure: both points with their
 * confidence intervals, the difference with Welch's interval, and a verdict at the stated confidence
 * (better, worse, no significant difference, or not comparable when a run lacks the figure or its error).
 * A worse figure is a regression when it is worse by at least its threshold. What differs between the runs'
 * scenarios comes first. Pure: RunFigures and scenarios in, a plain JSON result out.
 */
import type { ScenarioSpec } from '../scenario/spec.js';
import { FIGURES, type FigureDef, type FigureEstimate, type FigureId, type RunFigures, type Threshold } from './figures.js';
import { confidenceInterval, difference } from '../util/stats.js';

export type Verdict = 'better' | 'worse' | 'no significant difference' | 'not comparable';

export interface FigureComparison {
  id: FigureId;
  label: string;
  unit: string;
  better: 'lower' | 'higher';
  baseline: (FigureEstimate & { ci: [number, number] | null }) | null;
  candidate: (FigureEstimate & { ci: [number, number] | null }) | null;
  /** candidate − baseline, with its interval. */
  diff: number | null;
  diffCi: [number, number] | null;
  /** diff / baseline (null when the baseline is 0 or missing). */
  relative: number | null;
  verdict: Verdict;
  /** Why a figure is not comparable, or how a max-rate verdict was reached. */
  reason?: string;
  threshold: Threshold;
  regression: boolean;
}

export interface ScenarioDifference {
  path: string;
  baseline: unknown;
  candidate: unknown;
}

export interface PairComparison {
  baseline: string;
  candidate: string;
  scenarioDifferences: ScenarioDifference[];
  figures: FigureComparison[];
  regressions: FigureId[];
}

export interface ComparisonResult {
  confidence: number;
  method: string;
  runs: Array<{ runDir: string; name: string; windowSeconds: number; batches: number; batchSeconds: number; notes: string[] }>;
  pairs: PairComparison[];
}

/** Fields that name or place a run rather than describe what it does. */
const IGNORED_SCENARIO_PATHS = new Set(['name']);

/** Every leaf that differs between two scenario specs, as dotted paths (arrays by index). */
export function scenarioDifferences(a: unknown, b: unknown, path = ''): ScenarioDifference[] {
  if (IGNORED_SCENARIO_PATHS.has(path)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => scenarioDifferences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: path || '(scenario)', baseline: a, candidate: b }];
}

/** worse-by amount in the figure's bad direction (positive = worse). */
function worsening(def: FigureDef, diff: number): number {
  return def.better === 'lower' ? diff : -diff;
}

function exceeds(threshold: Threshold, worseBy: number, baseline: number): boolean {
  if ('absolute' in threshold) return worseBy >= threshold.absolute;
  return baseline === 0 ? worseBy > 0 : worseBy / Math.abs(baseline) >= threshold.relative;
}

/** The found maximum of two max-rate searches: without several deployments, the brackets decide. */
function compareMaxRate(a: FigureEstimate, b: FigureEstimate): { verdict: Verdict; reason: string } {
  const ab = a.bracket;
  const bb = b.bracket;
  if (!ab || !bb) return { verdict: 'not comparable', reason: 'no search bracket' };
  if (bb.firstFailTps !== null && ab.lastPassTps !== null && bb.firstFailTps <= ab.lastPassTps) return { verdict: 'worse', reason: 'the candidate failed at a rate the baseline passed' };
  if (ab.firstFailTps !== null && bb.lastPassTps !== null && bb.lastPassTps >= ab.firstFailTps) return { verdict: 'better', reason: 'the candidate passed a rate the baseline failed' };
  return { verdict: 'no significant difference', reason: 'the search brackets overlap' };
}

export function compareFigures(def: FigureDef, a: FigureEstimate | undefined, b: FigureEstimate | undefined, confidence: number, threshold: Threshold = def.threshold): FigureComparison {
  const withCi = (e: FigureEstimate | undefined) => (e ? { ...e, ci: confidenceInterval(e, confidence) } : null);
  const base = { id: def.id, label: def.label, unit: def.unit, better: def.better, baseline: withCi(a), candidate: withCi(b), threshold };
  if (!a || !b) return { ...base, diff: null, diffCi: null, relative: null, verdict: 'not comparable', reason: `not measured in the ${!a ? 'baseline' : 'candidate'}`, regression: false };
  const relative = a.value === 0 ? null : (b.value - a.value) / Math.abs(a.value);
  let verdict: Verdict;
  let reason: string | undefined;
  let diffCi: [number, number] | null = null;
  if (def.id === 'maxRateTps' && (a.stdErr === null || b.stdErr === null)) {
    ({ verdict, reason } = compareMaxRate(a, b));
  } else {
    const d = difference(a, b, confidence);
    diffCi = d.ci;
    if (!d.ci) {
      verdict = 'not comparable';
      reason = 'fewer than two batches: no error estimate';
    } else if (!d.significant) verdict = 'no significant difference';
    else verdict = worsening(def, d.diff) > 0 ? 'worse' : 'better';
  }
  const diff = b.value - a.value;
  const regression = verdict === 'worse' && exceeds(threshold, worsening(def, diff), a.value);
  return { ...base, diff, diffCi, relative, verdict, ...(reason ? { reason } : {}), regression };
}

export interface CompareOptions {
  /** Two-sided confidence of every interval and verdict, 0–1 (default 0.95). */
  confidence?: number;
  /** Regression thresholds that replace the defaults, per figure. */
  thresholds?: Partial<Record<FigureId, Threshold>>;
}

export function compareRuns(runs: ReadonlyArray<{ figures: RunFigures; scenario?: ScenarioSpec }>, options: CompareOptions = {}): ComparisonResult {
  if (runs.length < 2) throw new RangeError('compare needs at least two runs');
  const confidence = options.confidence ?? 0.95;
  const [baseline, ...candidates] = runs;
  const pairs = candidates.map((c): PairComparison => {
    const figures = FIGURES.map((def) => compareFigures(def, baseline!.figures.figures[def.id], c.figures.figures[def.id], confidence, options.thresholds?.[def.id] ?? def.threshold)).filter((f) => f.baseline || f.candidate);
    return {
      baseline: baseline!.figures.runDir,
      candidate: c.figures.runDir,
      scenarioDifferences: scenarioDifferences(baseline!.scenario, c.scenario),
      figures,
      regressions: figures.filter((f) => f.regression).map((f) => f.id),
    };
  });
  return {
    confidence,
    method: `batch means: each run's measured window cut into consecutive batches of equal time (for a latency percentile, joined until each holds 100 transactions for a p99, 2 for a p50); standard error = sd(batch figures)/√batches; intervals from Student's t (batches − 1 df), differences by Welch's interval; ${Math.round(confidence * 1000) / 10} % confidence`,
    runs: runs.map(({ figures: f }) => ({ runDir: f.runDir, name: f.name, windowSeconds: Math.round((f.window.to - f.window.from) * 10) / 10, batches: f.batches, batchSeconds: Math.round(f.batchSeconds * 100) / 100, notes: f.notes })),
    pairs,
  };
}

/** Figures read best with a few significant digits; fractions as percentages. */
export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'fraction') return `${(v * 100).toFixed(2)} %`;
  const a = Math.abs(v);
  const s = a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
  return `${s} ${unit}`;
}

function formatCi(ci: [number, number] | null, unit: string): string {
  return ci ? `[${formatValue(ci[0], unit)}, ${formatValue(ci[1], unit)}]` : '';
}

export function formatThreshold(t: Threshold, unit: string): string {
  return 'relative' in t ? `${+(t.relative * 100).toFixed(2)} %` : formatValue(t.absolute, unit);
}

/** The terminal text: scenario differences first, then one line per figure. */
export function formatComparison(r: ComparisonResult): string {
  const out: string[] = [];
  const pct = `${Math.round(r.confidence * 1000) / 10} %`;
  out.push(`method: ${r.method}`);
  for (const [i, run] of r.runs.entries()) {
    out.push(`${i === 0 ? 'baseline ' : `run ${i}    `} ${run.runDir} (${run.name}): window ${run.windowSeconds} s in ${run.batches} batches of ${run.batchSeconds} s${run.notes.length ? `; ${run.notes.join('; ')}` : ''}`);
  }
  for (const p of r.pairs) {
    out.push('', `${p.candidate} against ${p.baseline}`);
    if (p.scenarioDifferences.length) {
      out.push(`  the scenarios differ (${p.scenarioDifferences.length}):`);
      for (const d of p.scenarioDifferences) out.push(`    ${d.path}: ${JSON.stringify(d.baseline) ?? '(absent)'} → ${JSON.stringify(d.candidate) ?? '(absent)'}`);
    } else out.push('  same scenario');
    const rows = p.figures.map((f) => [
      f.label,
      f.baseline ? `${formatValue(f.baseline.value, f.unit)} ${formatCi(f.baseline.ci, f.unit)}` : '—',
      f.candidate ? `${formatValue(f.candidate.value, f.unit)} ${formatCi(f.candidate.ci, f.unit)}` : '—',
      f.diff === null ? '—' : `${f.diff >= 0 ? '+' : ''}${formatValue(f.diff, f.unit)}${f.relative === null ? '' : ` (${f.relative >= 0 ? '+' : ''}${(f.relative * 100).toFixed(1)} %)`} ${formatCi(f.diffCi, f.unit)}`,
      `${f.verdict}${f.regression ? ` — REGRESSION (threshold ${formatThreshold(f.threshold, f.unit)})` : ''}${f.reason ? ` (${f.reason})` : ''}`,
    ]);
    const head = ['figure', `baseline [${pct} CI]`, `candidate [${pct} CI]`, `difference [${pct} CI]`, 'verdict'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`;
    out.push(line(head), ...rows.map(line));
    out.push(p.regressions.length ? `  regressions: ${p.regressions.join(', ')}` : '  no regression');
  }
  return out.join('\n');
}
