/**
 * compare.html: one self-contained page (inline CSS and SVG, no script, no network), in the style of
 * report.html. What differs between the scenarios comes first, then the figures with their intervals and
 * verdicts (regressions marked), then the runs' curves overlaid on one time axis (seconds since each
 * run's window began): throughput, latency percentiles, and the latency distributions, each chart with the
 * verdicts of the figures it shows and dashed lines at each run's point for them.
 */
import { REPORT_CSS } from '../report/html.js';
import type { Point, RunData } from '../report/run-data.js';
import { PALETTE, escapeXml as esc, renderChart, type Series } from '../report/svg-chart.js';
import { formatThreshold, formatValue, type ComparisonResult, type FigureComparison } from './compare.js';
import type { FigureId, RunFigures } from './figures.js';

const CSS = `${REPORT_CSS}
main.compare{display:block;padding:0 24px 32px;max-width:1200px}
tr.better td.verdict-cell{background:#dcfce7}tr.worse td.verdict-cell{background:#fee2e2}tr.regression td{font-weight:600}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
p.differences{margin:-8px 4px 16px;font-size:12px;color:#374151}
.tag{display:inline-block;padding:0 6px;border-radius:8px;margin-right:6px;font-size:12px}
.tag.worse{background:#fee2e2;color:#991b1b}.tag.better{background:#dcfce7;color:#166534}.tag.same{background:#f3f4f6;color:#374151}
`;

export interface CompareRun {
  data: RunData;
  figures: RunFigures;
}

const shift = (points: Point[], from: number, to: number): Point[] => points.filter((p) => p.x >= from && p.x <= to + 1).map((p) => ({ x: p.x - from, y: p.y }));

function runLabel(i: number, f: RunFigures): string {
  return `${i === 0 ? 'baseline' : `run ${i}`} (${f.name})`;
}

/** Verdicts of the given figures for every candidate, as tags under a chart. */
function differences(result: ComparisonResult, ids: FigureId[]): string {
  const tags: string[] = [];
  for (const [i, p] of result.pairs.entries()) {
    for (const f of p.figures.filter((x) => ids.includes(x.id))) {
      const cls = f.verdict === 'worse' ? 'worse' : f.verdict === 'better' ? 'better' : 'same';
      const diff = f.diff === null ? '' : ` ${f.diff >= 0 ? '+' : ''}${formatValue(f.diff, f.unit)}`;
      tags.push(`<span class="tag ${cls}" data-figure="${f.id}" data-verdict="${esc(f.verdict)}">run ${i + 1}: ${esc(f.label)} ${esc(f.verdict)}${esc(diff)}${f.regression ? ' (regression)' : ''}</span>`);
    }
  }
  return `<p class="differences">${tags.join('')}</p>`;
}

/** A dashed line at a run's point for a figure, across the chart. */
function pointLine(name: string, y: number | undefined, xMax: number, color: string): Series[] {
  return y === undefined ? [] : [{ name, points: [{ x: 0, y }, { x: xMax, y }], color, dashed: true }];
}

function figuresTable(result: ComparisonResult): string {
  const pct = `${Math.round(result.confidence * 1000) / 10} %`;
  return result.pairs
    .map((p, i) => {
      const cell = (e: FigureComparison['baseline'], unit: string) => (e ? `${formatValue(e.value, unit)}${e.ci ? ` <span class="meta">[${formatValue(e.ci[0], unit)}, ${formatValue(e.ci[1], unit)}]</span>` : ''}` : '—');
      const rows = p.figures.map((f) => {
        const diff = f.diff === null ? '—' : `${f.diff >= 0 ? '+' : ''}${formatValue(f.diff, f.unit)}${f.relative === null ? '' : ` (${f.relative >= 0 ? '+' : ''}${(f.relative * 100).toFixed(1)} %)`}${f.diffCi ? ` <span class="meta">[${formatValue(f.diffCi[0], f.unit)}, ${formatValue(f.diffCi[1], f.unit)}]</span>` : ''}`;
        const cls = [f.verdict === 'worse' ? 'worse' : f.verdict === 'better' ? 'better' : 'same', f.regression ? 'regression' : ''].join(' ').trim();
        return `<tr class="${cls}" data-figure="${f.id}"><td>${esc(f.label)}</td><td class="num">${cell(f.baseline, f.unit)}</td><td class="num">${cell(f.candidate, f.unit)}</td><td class="num">${diff}</td><td class="verdict-cell">${esc(f.verdict)}${f.regression ? ` — regression (threshold ${esc(formatThreshold(f.threshold, f.unit))})` : ''}${f.reason ? ` <span class="meta">${esc(f.reason)}</span>` : ''}</td></tr>`;
      });
      const scen = p.scenarioDifferences.length
        ? `<table class="scenario-differences"><tr><th>scenario field</th><th>baseline</th><th>run ${i + 1}</th></tr>${p.scenarioDifferences.map((d) => `<tr><td>${esc(d.path)}</td><td>${esc(JSON.stringify(d.baseline) ?? '(absent)')}</td><td>${esc(JSON.stringify(d.candidate) ?? '(absent)')}</td></tr>`).join('')}</table>`
        : '<p class="meta scenario-same">Same scenario.</p>';
      return `<section class="pair" id="pair-${i + 1}"><h2>Run ${i + 1} against the baseline</h2><p class="meta">${esc(p.candidate)} against ${esc(p.baseline)}</p>
<h3>What differs in the scenarios</h3>${scen}
<h3>Figures</h3><table class="figures"><tr><th>figure</th><th>baseline [${pct} CI]</th><th>run ${i + 1} [${pct} CI]</th><th>difference [${pct} CI]</th><th>verdict</th></tr>${rows.join('')}</table>
<p class="${p.regressions.length ? 'verdict fail' : 'verdict pass'}" id="regressions-${i + 1}">${p.regressions.length ? `regressions: ${esc(p.regressions.join(', '))}` : 'no regression'}</p></section>`;
    })
    .join('\n');
}

export function renderCompareHtml(runs: readonly CompareRun[], result: ComparisonResult): string {
  const color = (i: number) => PALETTE[i % PALETTE.length]!;
  const span = Math.max(1, ...runs.map((r) => r.figures.window.to - r.figures.window.from));
  const throughput: Series[] = [];
  const latency: Series[] = [];
  const distribution: Series[] = [];
  for (const [i, r] of runs.entries()) {
    const { from, to } = r.figures.window;
    const label = runLabel(i, r.figures);
    const f = r.figures.figures;
    throughput.push({ name: `${label} offered`, points: shift(r.data.throughput.offered, from, to), color: color(i), dashed: true });
    throughput.push({ name: `${label} included`, points: shift(r.data.throughput.included, from, to), color: color(i) });
    latency.push({ name: `${label} inclusion p50`, points: shift(r.data.latency.p50, from, to), color: color(i), dashed: true });
    latency.push({ name: `${label} inclusion p99`, points: shift(r.data.latency.p99, from, to), color: color(i) });
    latency.push(...pointLine(`${label} run p99 ${formatValue(f.inclusionP99?.value, 'ms')}`, f.inclusionP99?.value, span, color(i)));
    distribution.push({ name: `${label} inclusion`, points: r.figures.distributions.inclusion, color: color(i) });
    distribution.push({ name: `${label} finality`, points: r.figures.distributions.finality, color: color(i), dashed: true });
  }
  const charts = [
    renderChart({ id: 'chart-compare-throughput', title: 'Throughput over the window (dashed: offered, solid: included)', yUnit: 'tx/s', xMax: span, series: throughput }) + differences(result, ['offeredTps', 'includedTps', 'errorRate', 'rejectRate']),
    renderChart({ id: 'chart-compare-latency', title: 'Inclusion latency percentiles over the window (dashed: p50, solid: p99; flat dashed: the run p99)', yUnit: 'ms', xMax: span, series: latency }) + differences(result, ['inclusionP50', 'inclusionP99', 'submitP50', 'submitP99']),
    renderChart({ id: 'chart-compare-distribution', title: 'Latency distributions over the window (solid: inclusion, dashed: finality)', yUnit: 'ms', xUnit: 'percentile', series: distribution }) + differences(result, ['inclusionP50', 'inclusionP99', 'finalityP50', 'finalityP99']),
  ];
  const regressions = result.pairs.reduce((n, p) => n + p.regressions.length, 0);
  const verdict = regressions ? 'fail' : 'pass';
  const runsList = runs.map((r, i) => `<li><span class="key"><i style="background:${color(i)}"></i></span>${esc(runLabel(i, r.figures))}: ${esc(r.figures.runDir)} · window ${(r.figures.window.to - r.figures.window.from).toFixed(1)} s in ${r.figures.batches} batches${r.figures.notes.length ? ` · ${esc(r.figures.notes.join('; '))}` : ''}</li>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>loadnet compare · ${runs.length} runs · ${regressions ? `${regressions} regressions` : 'no regression'}</title><style>${CSS}</style></head>
<body>
<header><h1>loadnet compare<span class="verdict ${verdict}" id="verdict">${regressions ? `${regressions} REGRESSION${regressions === 1 ? '' : 'S'}` : 'NO REGRESSION'}</span></h1>
<div class="meta">${esc(result.method)}</div><ul class="runs">${runsList.join('')}</ul></header>
<main class="compare">
${figuresTable(result)}
<h2>Curves</h2>
${charts.join('\n')}
</main></body></html>
`;
}
