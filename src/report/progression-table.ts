/**
 * The closing table of a multi-scenario run (e.g. the load progression example): one row per scenario with its
 * target rate, offered and included tx/s, inclusion latency p50/p99 and verdict. Figures come from each run's
 * summary (`load` section, written by the transaction workload); a figure the summary lacks is shown as '-'.
 */
import type { RunSummary, Scenario } from '../runtime/contracts.js';
import type { RateSpec } from '../scenario/spec.js';

export function progressionTable(scenarios: readonly Scenario[], summaries: readonly RunSummary[]): string {
  const header = ['scenario', 'rate', 'offered tx/s', 'included tx/s', 'incl. p50', 'incl. p99', 'verdict'];
  const rows = summaries.map((summary, i) => {
    const spec = scenarios[i]!.spec;
    const tx = spec.workloads.find((w) => w.type === 'transactions');
    const load = (summary.load ?? {}) as Record<string, unknown>;
    return [
      spec.name,
      tx && tx.type === 'transactions' ? rateLabel(tx.rate) : '-',
      num(figure(load, ['offeredTps', 'totals.offeredTps'])),
      num(figure(load, ['includedTps']) ?? perSecond(figure(load, ['included']), figure(load, ['generationMs']))),
      ms(figure(load, ['inclusion.p50'])),
      ms(figure(load, ['inclusion.p99'])),
      summary.verdict.toUpperCase(),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function rateLabel(rate: RateSpec): string {
  if (rate.kind === 'perBlock') return `${rate.perBlock}/block`;
  if (rate.kind === 'perSecond') return `${rate.perSecond}/s`;
  return `${rate.stages.length} stages`;
}

/** The first numeric value found at one of the dotted paths. */
function figure(o: Record<string, unknown>, paths: string[]): number | undefined {
  for (const p of paths) {
    let v: unknown = o;
    for (const k of p.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** Included transactions over the generation time (the window), as the load engine reports them. */
function perSecond(count: number | undefined, ms: number | undefined): number | undefined {
  return count === undefined || ms === undefined || ms <= 0 ? undefined : count / (ms / 1000);
}

const num = (v: number | undefined) => (v === undefined ? '-' : String(Math.round(v * 10) / 10));
const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)}ms`);
