/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) rendered from RunData:
 * verdict and expectations first, then the charts with fault intervals shaded on each, with the scenario
 * and the summary's figures beside them; a max-rate curve section when the summary carries one.
 */
import { formatP99, type MaxRateSummary } from '../jobs/max-rate-result.js';
import type { ExpectationOutcome } from '../runtime/contracts.js';
import type { RunData, Point } from './run-data.js';
import { escapeXml as esc, renderChart, type ChartSpec } from './svg-chart.js';
import { hostsSection } from './hosts.js';
import { feePressureSection } from './fee-pressure.js';
import { networkFaultSections } from './network-faults.js';
import { formatDuration } from '../util/duration.js';

export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111827;background:#f9fafb}
header{padding:16px 24px;background:#fff;border-bottom:1px solid #e5e7eb}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}
.meta{color:#6b7280;font-size:12px}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;margin-left:8px;font-size:13px;vertical-align:middle}
.pass{background:#dcfce7;color:#166534}.fail{background:#fee2e2;color:#991b1b}.unknown{background:#fef3c7;color:#92400e}
main{display:grid;grid-template-columns:minmax(0,1fr) 340px;gap:24px;padding:0 24px 32px}
@media (max-width:1100px){main{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
td,th{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}
.chart{background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:0 0 16px;padding:8px 8px 4px}
figcaption{font-weight:600;margin:0 0 4px 4px}
.tick{font-size:10px;fill:#6b7280}.unit{font-size:11px;fill:#374151}.marker{font-size:10px;fill:#6b7280}.empty{font-size:13px;fill:#9ca3af}
.legend{font-size:12px;color:#374151;margin:2px 4px}.key{margin-right:12px;white-space:nowrap}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px;vertical-align:middle}
.key i.band{background:#fecaca}.key i.mark{height:0;border-top:2px dashed #111827;border-radius:0}
aside dl{display:grid;grid-template-columns:minmax(0,11em) minmax(0,1fr);gap:2px 10px;margin:0;background:#fff;border:1px solid #e5e7eb;padding:8px;border-radius:6px;font-size:12px}
aside dt{color:#6b7280;overflow-wrap:anywhere}aside dd{margin:0;overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
pre{background:#fff;border:1px solid #e5e7eb;padding:8px;font-size:11px;overflow:auto;border-radius:6px}
`;

/** Percentile objects ({p50, p90, p99, max, ...}) read best on one line. */
function fmtPercentiles(v: Record<string, unknown>): string | undefined {
  if (typeof v.p50 !== 'number' || typeof v.p99 !== 'number') return undefined;
  return ['p50', 'p90', 'p99', 'p999', 'max']
    .filter((k) => typeof v[k] === 'number')
    .map((k) => `${k} ${Math.round(v[k] as number).toLocaleString('en-US')}`)
    .join(' · ');
}

function fmtValue(v: unknown): string {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const p = fmtPercentiles(v as Record<string, unknown>);
    if (p) return p;
  }
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : (+v.toFixed(3)).toLocaleString('en-US');
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '—';
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

/** Flatten an object two levels deep into label/value rows for a definition list. */
export function flatten(obj: unknown, prefix = '', depth = 0): Array<[string, string]> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || depth >= 2) return [[prefix || 'value', fmtValue(obj)]];
  const rows: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 1 && !fmtPercentiles(v as Record<string, unknown>)) rows.push(...flatten(v, key, depth + 1));
    else rows.push([key, fmtValue(v)]);
  }
  return rows;
}

function dl(rows: Array<[string, string]>): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function expectationsTable(list: readonly ExpectationOutcome[]): string {
  if (!list.length) return '<p class="meta">No expectations were evaluated.</p>';
  const rows = list.map((e) => `<tr><td><span class="verdict ${esc(e.status)}">${esc(e.status)}</span></td><td>${esc(e.name)}</td><td>${esc(e.message)}</td><td>${esc(formatDuration(e.durationMs))}</td></tr>`);
  return `<table class="expectations"><tr><th>status</th><th>expectation</th><th>result</th><th>took</th></tr>${rows.join('')}</table>`;
}

function perNode(series: Record<string, Point[]>) {
  return Object.keys(series)
    .sort()
    .map((name) => ({ name, points: series[name]! }));
}

function scenarioRows(data: RunData): Array<[string, string]> {
  const s = data.scenario;
  if (!s) return [['scenario', 'scenario.json missing']];
  // Tolerant of partial or older scenario.json files: a missing field shows as '—', never breaks the page.
  const t = s.topology;
  const c = s.consensus;
  const rows: Array<[string, string]> = [
    ['name', s.name ?? '—'],
    ['topology', t ? `${t.shape}: ${t.validators} validators + ${t.executors} executors` : '—'],
    ['consensus', c ? `slot ${c.slotDurationMs} ms, f ${c.activeSlotCoeff}, k ${c.securityParam}` : '—'],
    ['wallets', s.wallets ? `${s.wallets.count} × ${s.wallets.fundsPerWallet}` : '—'],
    ['duration', s.durationMs !== undefined ? `${s.durationMs / 1000}s + cooldown ${(s.cooldownMs ?? 0) / 1000}s` : '—'],
    ['node control', String(s.nodeControl ?? '—')],
    ['seed', String(s.seed ?? '—')],
  ];
  for (const [i, w] of (s.workloads ?? []).entries()) {
    const { type, ...rest } = w as unknown as Record<string, unknown>;
    rows.push([`workload ${i + 1}`, `${String(type)} ${fmtValue(rest)}`]);
  }
  for (const e of s.expectations ?? []) rows.push(['expects', `${e.type}${'options' in e && e.options && Object.keys(e.options).length ? ` ${fmtValue(e.options)}` : ''}`]);
  return rows;
}

function maxRateSection(m: MaxRateSummary): string {
  const curve = [...(m.curve ?? [])].sort((a, b) => a.offeredTps - b.offeredTps);
  const ok = curve.filter((p) => p.verdict === 'pass');
  const bad = curve.filter((p) => p.verdict !== 'pass');
  const markers = m.maxRateTps !== null && m.maxRateTps !== undefined ? [{ x: m.maxRateTps, label: `max ${m.maxRateTps} tx/s` }] : [];
  const slo = m.criteria?.sloP99Ms;
  const z = m.criteria?.sloZ ?? 2;
  const withSe = curve.filter((p) => p.p99Ms !== null && p.p99StdErrMs != null);
  const charts = [
    renderChart({
      id: 'chart-maxrate-throughput',
      title: 'Max-rate: included vs offered throughput',
      yUnit: 'included tx/s',
      xUnit: 'offered tx/s',
      dots: true,
      markers,
      series: [
        { name: 'step passed', points: ok.map((p) => ({ x: p.offeredTps, y: p.includedTps })), color: '#16a34a' },
        { name: 'step failed', points: bad.map((p) => ({ x: p.offeredTps, y: p.includedTps })), color: '#dc2626' },
        { name: 'ideal (included = offered)', points: curve.map((p) => ({ x: p.offeredTps, y: p.offeredTps })), color: '#9ca3af' },
      ],
    }),
    renderChart({
      id: 'chart-maxrate-latency',
      title: 'Max-rate: inclusion latency vs offered throughput',
      yUnit: 'ms',
      xUnit: 'offered tx/s',
      dots: true,
      markers,
      series: [
        { name: 'p50', points: curve.filter((p) => p.p50Ms !== null).map((p) => ({ x: p.offeredTps, y: p.p50Ms! })) },
        { name: 'p99', points: curve.filter((p) => p.p99Ms !== null).map((p) => ({ x: p.offeredTps, y: p.p99Ms! })) },
        // The band a single hold could not tell from the SLO: p99 ± z standard errors.
        ...(withSe.length ? [{ name: `p99 + ${z}·se`, points: withSe.map((p) => ({ x: p.offeredTps, y: p.p99Ms! + z * p.p99StdErrMs! })), color: '#f59e0b', dashed: true }] : []),
        ...(slo ? [{ name: `SLO p99 ${slo} ms`, points: curve.map((p) => ({ x: p.offeredTps, y: slo })), color: '#6b7280', dashed: true }] : []),
        ...(m.floor?.p99Ms != null ? [{ name: `idle floor p99 ${m.floor.p99Ms} ms`, points: curve.map((p) => ({ x: p.offeredTps, y: m.floor!.p99Ms! })), color: '#9333ea', dashed: true }] : []),
      ],
    }),
  ];
  const rows = [...(m.curve ?? [])]
    .sort((a, b) => a.targetTps - b.targetTps || a.index - b.index)
    .map((p) => `<tr class="${p.verdict === 'pass' ? 'pass' : 'fail'}"><td>${p.index}</td><td>${esc(p.phase)}</td><td>${p.targetTps}</td><td>${p.offeredTps}</td><td>${p.includedTps}</td><td>${(p.inclusionRatio * 100).toFixed(2)} %</td><td>${p.p50Ms ?? '—'}</td><td>${formatP99(p)}</td><td>${p.holds ?? 1}</td><td>${p.backlogSlopeTps ?? '—'}</td><td>${esc(p.verdict)}${p.failures?.length ? `: ${esc(p.failures.join('; '))}` : ''}</td></tr>`)
    .join('');
  const table = `<table class="steps"><thead><tr><th>step</th><th>phase</th><th>target tx/s</th><th>offered tx/s</th><th>included tx/s</th><th>inclusion</th><th>p50 ms</th><th>p99 ms ± se</th><th>holds</th><th>backlog tx/s</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<h2>Max-rate search</h2><p>${esc(m.message ?? '')}</p>${floorParagraph(m)}${curve.length ? charts.join('') + table : ''}`;
}

/** The idle latency floor measured before the search, and the SLO it led to. */
function floorParagraph(m: MaxRateSummary): string {
  const f = m.floor;
  if (!f) return '';
  const p99 = f.p99Ms === null ? '— (nothing included)' : `${f.p99Ms}${f.p99StdErrMs === null ? '' : ` ± ${Math.round(f.p99StdErrMs)}`} ms`;
  const slo = m.criteria?.sloP99Ms === undefined ? '' : ` SLO p99 ${m.criteria.sloP99Ms} ms (${esc(m.sloSource ?? 'given')}).`;
  const min = f.minSloMs === null ? '' : ` Smallest SLO worth searching: ${f.minSloMs} ms.`;
  return `<p id="maxrate-floor">Idle latency floor: p99 ${p99}, p50 ${f.p50Ms ?? '—'} ms at ${f.rateTps} tx/s over ${f.holds} × ${f.holdMs / 1000} s; mean block interval ${Math.round(f.meanBlockIntervalMs)} ms (${f.slotDurationMs} ms slots, f = ${f.activeSlotCoeff}).${slo}${min}</p>`;
}

export function renderHtml(data: RunData): string {
  const summary = data.summary;
  const verdict = summary?.verdict ?? 'unknown';
  const name = summary?.scenario ?? data.scenario?.name ?? 'run';
  const bands = data.faults;
  const markers = data.phases.filter((p) => ['window', 'cooldown', 'evaluate'].includes(p.phase)).map((p) => ({ x: p.x, label: p.phase }));
  const common = { bands, markers, xMax: data.span };
  const charts: ChartSpec[] = [
    {
      id: 'chart-throughput',
      title: 'Throughput',
      yUnit: 'tx/s',
      ...common,
      series: [
        { name: 'target', points: data.throughput.target, color: '#9ca3af', dashed: true },
        { name: 'offered', points: data.throughput.offered, color: '#2563eb' },
        { name: 'accepted', points: data.throughput.accepted, color: '#0891b2' },
        { name: 'included', points: data.throughput.included, color: '#16a34a' },
        { name: 'rejected', points: data.throughput.rejected, color: '#dc2626' },
      ],
    },
    {
      id: 'chart-latency',
      title: 'Latency percentiles (inclusion from intended send time; submit p99 corrected)',
      yUnit: 'ms',
      ...common,
      series: [
        { name: 'inclusion p50', points: data.latency.p50, color: '#16a34a' },
        { name: 'inclusion p90', points: data.latency.p90, color: '#ca8a04' },
        { name: 'inclusion p99', points: data.latency.p99, color: '#dc2626' },
        { name: 'submit p99', points: data.latency.submitP99, color: '#2563eb', dashed: true },
      ],
    },
    { id: 'chart-mempool', title: 'Mempool size per node', yUnit: 'pending tx', ...common, series: perNode(data.mempool) },
    { id: 'chart-height', title: 'Height per node', yUnit: 'height', ...common, series: perNode(data.height) },
    { id: 'chart-block-intervals', title: 'Block intervals', yUnit: 'ms', ...common, dots: true, series: [{ name: 'interval to previous block', points: data.blockIntervals, color: '#9333ea' }] },
  ];
  if (data.da.offered.length || data.da.included.length) {
    charts.push({ id: 'chart-da', title: 'Data availability', yUnit: 'blobs/s', ...common, series: [{ name: 'offered', points: data.da.offered }, { name: 'included', points: data.da.included }] });
  }
  const faultRows = bands.map((b) => `<tr><td>${esc(b.kind)}</td><td>${esc(b.target)}</td><td>${b.from.toFixed(1)}s</td><td>${b.open ? 'never ended' : `${b.to.toFixed(1)}s`}</td><td>${(b.to - b.from).toFixed(1)}s</td></tr>`);
  const sections = Object.entries(summary ?? {}).filter(([k, v]) => v && typeof v === 'object' && !Array.isArray(v) && !['expectations', 'maxRate'].includes(k));
  const maxRate = summary?.maxRate as MaxRateSummary | undefined;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>loadnet · ${esc(name)} · ${esc(verdict)}</title><style>${REPORT_CSS}</style></head>
<body>
<header><h1>${esc(name)}<span class="verdict ${esc(verdict)}" id="verdict">${esc(verdict.toUpperCase())}</span></h1>
<div class="meta">${esc(summary?.startedAt ?? '')} → ${esc(summary?.endedAt ?? '')}${summary?.interrupted ? ' · interrupted' : ''} · ${esc(data.runDir)} · ${data.eventCount} events${data.badLines ? ` (${data.badLines} unreadable lines)` : ''}</div></header>
<main><section>
<h2>Expectations</h2>${expectationsTable(summary?.expectations ?? [])}
<h2>Over time</h2>
${charts.map(renderChart).join('\n')}
${bands.length ? `<h2>Faults</h2><table class="faults"><tr><th>kind</th><th>target</th><th>from</th><th>to</th><th>lasted</th></tr>${faultRows.join('')}</table>` : ''}
${networkFaultSections(data)}
${feePressureSection(data, common)}
${maxRate && Array.isArray(maxRate.curve) ? maxRateSection(maxRate) : ''}
${hostsSection(data.hosts)}
</section>
<aside><h2>Scenario</h2>${dl(scenarioRows(data))}
${sections.map(([k, v]) => `<h2>${esc(k)}</h2>${dl(flatten(v))}`).join('\n')}
</aside></main></body></html>
`;
}
