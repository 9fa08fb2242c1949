/** The final summary on the terminal: verdict, then every expectation with its numbers, then headline figures. */
import type { RunSummary } from '../runtime/contracts.js';
import { formatDuration } from '../util/duration.js';

const COLORS = { pass: '\x1b[32m', fail: '\x1b[31m', unknown: '\x1b[33m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Headline figures of the load section, whatever workloads wrote it (one object, or one per workload). */
export function loadHeadline(load: unknown): string[] {
  if (!load || typeof load !== 'object') return [];
  const entries = Object.entries(load as Record<string, unknown>);
  const flat = entries.every(([, v]) => typeof v !== 'object' || v === null || !('offeredTps' in (v as object)));
  const list: Array<[string, Record<string, unknown>]> = flat ? [['load', load as Record<string, unknown>]] : (entries.filter(([, v]) => v && typeof v === 'object') as Array<[string, Record<string, unknown>]>);
  const out: string[] = [];
  for (const [name, l] of list) {
    const parts: string[] = [];
    const f = (k: string, label: string, unit = '') => {
      const v = num(l[k]);
      if (v !== undefined) parts.push(`${label} ${+v.toFixed(1)}${unit}`);
    };
    f('targetTps', 'target', ' tx/s');
    f('offeredTps', 'offered', ' tx/s');
    f('accepted', 'accepted');
    f('included', 'included');
    f('rejectedTotal', 'rejected');
    const inc = (l.inclusion ?? l.inclusionLatency) as Record<string, unknown> | undefined;
    if (inc && num(inc.p99) !== undefined) parts.push(`inclusion p50 ${Math.round(num(inc.p50) ?? 0)} ms p99 ${Math.round(num(inc.p99)!)} ms`);
    if (l.generatorBound === true) parts.push('GENERATOR-BOUND');
    if (parts.length) out.push(`${name}: ${parts.join(', ')}`);
  }
  return out;
}

export function printSummaryTable(summary: RunSummary, stream: NodeJS.WritableStream): void {
  const color = (stream as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR;
  const c = (k: keyof typeof COLORS, s: string) => (color ? `${COLORS[k]}${s}${COLORS.reset}` : s);
  const list = summary.expectations ?? [];
  const width = Math.max(11, ...list.map((e) => e.name.length));
  const lines: string[] = [];
  const v = summary.verdict;
  lines.push('');
  lines.push(`${c('bold', `loadnet · ${summary.scenario}`)}  verdict ${c(v, v.toUpperCase())}${summary.interrupted ? c('unknown', ' (interrupted)') : ''}  ${c('dim', `${list.filter((e) => e.status === 'pass').length}/${list.length} expectations passed`)}`);
  lines.push(`${'status'.padEnd(8)}${'expectation'.padEnd(width + 2)}${'took'.padStart(7)}  result`);
  for (const e of list) {
    lines.push(`${c(e.status, e.status.padEnd(8))}${e.name.padEnd(width + 2)}${formatDuration(e.durationMs).padStart(7)}  ${e.message}`);
  }
  for (const h of loadHeadline(summary.load)) lines.push(c('dim', h));
  const chaos = summary.chaos as Record<string, unknown> | undefined;
  if (chaos && num(chaos.faults) !== undefined) lines.push(c('dim', `chaos: ${chaos.faults} ${String(chaos.action ?? '')} faults, ${chaos.recovered ?? 0} recovered, downtime ${Math.round((num(chaos.downtimeMs) ?? 0) / 1000)}s`));
  lines.push(c('dim', `run directory: ${summary.runDir} (report.html, junit.xml)`));
  lines.push('');
  stream.write(lines.join('\n'));
}
