/**
 * The figures of a run summary that `Then <figure> is below|above <value>` compares: a name as a reader says
 * it, where it lives in summary.json, its unit (which decides how the value is written) and the workload that
 * must be in the scenario for the figure to be measured at all (checked before anything deploys).
 */
import type { RunSummary } from '../runtime/contracts.js';
import { durationMs, StepValueError } from './parameters.js';

export type FigureUnit = 'ms' | 'count' | 'tx/s';
export type FigureSource = 'transactions' | 'da' | 'chaos';

export interface SummaryFigure {
  name: string;
  unit: FigureUnit;
  /** The workload whose summary section holds it; undefined for chain figures every run has. */
  needs?: FigureSource;
  /** Where in summary.json, for the docs and the failure message. */
  path: string;
  example: string;
}

const at = (summary: RunSummary, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), summary);

const latency = (section: 'load' | 'da', what: string, label: string, needs: FigureSource): SummaryFigure[] =>
  ['p50', 'p90', 'p99', 'max'].map((q) => ({ name: `${label} ${q}`, unit: 'ms', needs, path: `${section}.${what}.${q}`, example: `${label} ${q} is below 5s` }));

export const SUMMARY_FIGURES: readonly SummaryFigure[] = [
  ...latency('load', 'inclusion', 'inclusion', 'transactions'),
  ...latency('load', 'finality', 'finality', 'transactions'),
  ...latency('load', 'submitCorrected', 'submit', 'transactions'),
  { name: 'offered rate', unit: 'tx/s', needs: 'transactions', path: 'load.offeredTps', example: 'offered rate is above 4 tx/s' },
  { name: 'accepted transactions', unit: 'count', needs: 'transactions', path: 'load.accepted', example: 'accepted transactions is above 10' },
  { name: 'included transactions', unit: 'count', needs: 'transactions', path: 'load.included', example: 'included transactions is above 10' },
  { name: 'dropped transactions', unit: 'count', needs: 'transactions', path: 'load.dropped', example: 'dropped transactions is below 1' },
  { name: 'rejected transactions', unit: 'count', needs: 'transactions', path: 'load.rejectedTotal', example: 'rejected transactions is below 1' },
  { name: 'errored transactions', unit: 'count', needs: 'transactions', path: 'load.errored', example: 'errored transactions is below 5' },
  { name: 'included blobs', unit: 'count', needs: 'da', path: 'da.blobs.included', example: 'included blobs is above 3' },
  { name: 'dropped blobs', unit: 'count', needs: 'da', path: 'da.blobs.dropped', example: 'dropped blobs is below 1' },
  ...latency('da', 'inclusion', 'blob inclusion', 'da'),
  { name: 'blocks in window', unit: 'count', path: 'chain.blocksInWindow', example: 'blocks in window is above 5' },
  { name: 'final height', unit: 'count', path: 'chain.finalHeight', example: 'final height is above 3' },
  { name: 'reorgs', unit: 'count', path: 'chain.reorgs', example: 'reorgs is below 10' },
  { name: 'deepest reorg', unit: 'count', path: 'chain.maxReorgDepth', example: 'deepest reorg is below 3' },
  { name: 'orphaned blocks', unit: 'count', path: 'chain.orphanedBlocks', example: 'orphaned blocks is below 10' },
  { name: 'chaos faults', unit: 'count', needs: 'chaos', path: 'chaos.faults', example: 'chaos faults is above 0' },
  { name: 'chaos recoveries', unit: 'count', needs: 'chaos', path: 'chaos.recovered', example: 'chaos recoveries is above 0' },
];

export function findFigure(name: string): SummaryFigure | undefined {
  const n = name.trim().toLowerCase().replace(/\s+/g, ' ');
  return SUMMARY_FIGURES.find((f) => f.name === n);
}

const ALLOWED_VALUE: Record<FigureUnit, string> = {
  ms: "a duration such as '500ms', '3s'",
  count: 'a number such as 10',
  'tx/s': "a rate such as '20 tx/s' (or 20)",
};

/** The bound of a comparison in the figure's unit. */
export function figureBound(figure: SummaryFigure, text: string): number {
  const t = text.trim();
  switch (figure.unit) {
    case 'ms':
      return durationMs(t);
    case 'tx/s':
    case 'count': {
      const x = Number(figure.unit === 'tx/s' ? t.replace(/\s*tx\/s$/, '') : t);
      if (t === '' || !Number.isFinite(x)) throw new StepValueError(text, ALLOWED_VALUE[figure.unit]);
      return x;
    }
  }
}

export function readFigure(figure: SummaryFigure, summary: RunSummary): number | undefined {
  const v = at(summary, figure.path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function showFigure(figure: SummaryFigure, v: number): string {
  switch (figure.unit) {
    case 'ms':
      return `${+v.toFixed(1)} ms`;
    case 'tx/s':
      return `${+v.toFixed(2)} tx/s`;
    case 'count':
      return String(+v.toFixed(3));
  }
}
