/**
 * Inline SVG charts generated in TypeScript: no script, no network, so report.html opens from disk anywhere.
 * A chart is lines (or dots) over time with fault intervals shaded behind them and run phases marked.
 */
import type { FaultBand, Point } from './run-data.js';

export interface Series {
  name: string;
  points: Point[];
  color?: string;
  dashed?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  yUnit: string;
  series: Series[];
  /** x axis in seconds from 0 to xMax (time charts), or a data axis when xUnit is given. */
  xMax?: number;
  xUnit?: string;
  bands?: FaultBand[];
  markers?: Array<{ x: number; label: string }>;
  dots?: boolean;
  width?: number;
  height?: number;
}

export const PALETTE = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
const MAX_POINTS = 1200;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round tick steps to 1, 2 or 5 × 10^k. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number((Math.round(v / step) * step).toPrecision(12)));
  return out;
}

/** Keep long series drawable: per bucket of x, the point with the largest y (peaks must stay visible). */
export function downsample(points: Point[], max = MAX_POINTS): Point[] {
  if (points.length <= max) return points;
  const size = Math.ceil(points.length / max);
  const out: Point[] = [];
  for (let i = 0; i < points.length; i += size) {
    let best = points[i]!;
    for (let j = i + 1; j < Math.min(points.length, i + size); j++) if (points[j]!.y > best.y) best = points[j]!;
    out.push(best);
  }
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(a < 10 && a % 1 ? 2 : 0)}`;
}

function fmtX(v: number, unit?: string): string {
  if (unit) return fmt(v);
  if (v >= 120) return `${Math.floor(v / 60)}m${Math.round(v % 60) ? `${Math.round(v % 60)}s` : ''}`;
  return `${fmt(v)}s`;
}

/** A marker's label right of its line, or left of it near the plot's right edge so it is never clipped. */
function markerLabel(x: number, y: number, label: string, right: number): string {
  const flip = x + label.length * 6 + 4 > right;
  return `<text x="${(flip ? x - 3 : x + 3).toFixed(1)}" y="${y}" text-anchor="${flip ? 'end' : 'start'}" class="marker">${escapeXml(label)}</text>`;
}

export function renderChart(spec: ChartSpec): string {
  const W = spec.width ?? 720;
  const H = spec.height ?? 240;
  const m = { l: 56, r: 12, t: 8, b: 26 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const series = spec.series.map((s, i) => ({ ...s, color: s.color ?? PALETTE[i % PALETTE.length]!, points: downsample(s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))) })).filter((s) => s.points.length > 0);
  const total = series.reduce((n, s) => n + s.points.length, 0);
  const allX = series.flatMap((s) => s.points.map((p) => p.x));
  const allY = series.flatMap((s) => s.points.map((p) => p.y));
  const xMin = spec.xUnit ? Math.min(0, ...allX) : 0;
  const xMax = Math.max(spec.xMax ?? 0, ...allX, xMin + 1);
  const yMax = Math.max(1, ...allY) * 1.08;
  const sx = (x: number) => m.l + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => m.t + ph - (y / yMax) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeXml(spec.title)}">`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="#fff" stroke="#e5e7eb"/>`);
  for (const b of spec.bands ?? []) {
    const x0 = sx(Math.max(xMin, b.from));
    const x1 = Math.max(x0 + 2, sx(Math.min(xMax, b.to)));
    parts.push(`<rect class="fault" x="${x0.toFixed(1)}" y="${m.t}" width="${(x1 - x0).toFixed(1)}" height="${ph}" fill="${b.open ? '#fecaca' : '#fee2e2'}" opacity="0.75"><title>${escapeXml(`${b.kind} ${b.target}: ${b.from.toFixed(1)}s – ${b.to.toFixed(1)}s${b.open ? ' (never ended)' : ''}`)}</title></rect>`);
  }
  for (const t of niceTicks(0, yMax / 1.08)) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#f3f4f6"/><text x="${m.l - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(xMin, xMax, 8)) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${H - 8}" text-anchor="middle" class="tick">${escapeXml(fmtX(t, spec.xUnit))}</text>`);
  }
  for (const mk of spec.markers ?? []) {
    if (mk.x < xMin || mk.x > xMax) continue;
    parts.push(`<line x1="${sx(mk.x).toFixed(1)}" x2="${sx(mk.x).toFixed(1)}" y1="${m.t}" y2="${m.t + ph}" stroke="#9ca3af" stroke-dasharray="2 3"/>${markerLabel(sx(mk.x), m.t + 10, mk.label, m.l + pw)}`);
  }
  parts.push(`<text x="12" y="${m.t + ph / 2}" transform="rotate(-90 12 ${m.t + ph / 2})" text-anchor="middle" class="unit">${escapeXml(spec.yUnit)}</text>`);
  for (const s of series) {
    const title = `<title>${escapeXml(s.name)}</title>`;
    if (spec.dots) {
      parts.push(`<g class="series" data-name="${escapeXml(s.name)}" fill="${s.color}">${title}${s.points.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="2"/>`).join('')}</g>`);
    } else {
      const d = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      parts.push(`<polyline class="series" data-name="${escapeXml(s.name)}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 4"' : ''} points="${d}">${title}</polyline>`);
    }
  }
  if (total === 0) parts.push(`<text x="${m.l + pw / 2}" y="${m.t + ph / 2}" text-anchor="middle" class="empty">no data in this run</text>`);
  parts.push('</svg>');
  const legend = series.map((s) => `<span class="key"><i style="background:${s.color}"></i>${escapeXml(s.name)}</span>`).join('');
  const faultKey = spec.bands?.length ? '<span class="key"><i class="band"></i>fault</span>' : '';
  return `<figure class="chart" id="${escapeXml(spec.id)}" data-points="${total}" data-series="${series.length}"><figcaption>${escapeXml(spec.title)}</figcaption>${parts.join('')}<div class="legend">${legend}${faultKey}</div></figure>`;
}

export interface BarGroup {
  label: string;
  /** One bar per name in BarChartSpec.bars, in that order; undefined leaves a gap. */
  values: Array<number | undefined>;
  /** A dashed reference line across the group (e.g. the configured delay), with its label. */
  mark?: { value: number; label: string };
}

export interface BarChartSpec {
  id: string;
  title: string;
  yUnit: string;
  bars: Array<{ name: string; color: string }>;
  groups: BarGroup[];
  width?: number;
  height?: number;
}

/** Grouped bars over categories (e.g. tiers), each group with an optional reference mark. */
export function renderBarChart(spec: BarChartSpec): string {
  const W = spec.width ?? 720;
  const H = spec.height ?? 240;
  const m = { l: 56, r: 12, t: 8, b: 26 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const values = spec.groups.flatMap((g) => [...g.values.filter((v): v is number => v !== undefined && Number.isFinite(v)), ...(g.mark ? [g.mark.value] : [])]);
  const yMax = Math.max(1, ...values) * 1.08;
  const sy = (y: number) => m.t + ph - (y / yMax) * ph;
  const gw = pw / Math.max(1, spec.groups.length);
  const bw = Math.min(48, (gw * 0.7) / Math.max(1, spec.bars.length));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeXml(spec.title)}">`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="#fff" stroke="#e5e7eb"/>`);
  for (const t of niceTicks(0, yMax / 1.08)) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#f3f4f6"/><text x="${m.l - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(t)}</text>`);
  }
  let drawn = 0;
  spec.groups.forEach((g, gi) => {
    const gx = m.l + gi * gw;
    const x0 = gx + (gw - bw * spec.bars.length) / 2;
    g.values.forEach((v, bi) => {
      const bar = spec.bars[bi];
      if (v === undefined || !Number.isFinite(v) || !bar) return;
      drawn++;
      parts.push(`<rect class="bar" data-group="${escapeXml(g.label)}" data-name="${escapeXml(bar.name)}" data-value="${v}" x="${(x0 + bi * bw + 1).toFixed(1)}" y="${sy(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(m.t + ph - sy(v)).toFixed(1)}" fill="${bar.color}"><title>${escapeXml(`${g.label} ${bar.name}: ${fmt(v)} ${spec.yUnit}`)}</title></rect>`);
    });
    if (g.mark) {
      const y = sy(g.mark.value).toFixed(1);
      parts.push(`<line class="mark" data-group="${escapeXml(g.label)}" data-value="${g.mark.value}" x1="${(gx + 4).toFixed(1)}" x2="${(gx + gw - 4).toFixed(1)}" y1="${y}" y2="${y}" stroke="#111827" stroke-width="1.4" stroke-dasharray="5 3"><title>${escapeXml(`${g.label}: ${g.mark.label}`)}</title></line><text x="${(gx + gw - 6).toFixed(1)}" y="${(Number(y) - 3).toFixed(1)}" text-anchor="end" class="marker">${escapeXml(g.mark.label)}</text>`);
    }
    parts.push(`<text x="${(gx + gw / 2).toFixed(1)}" y="${H - 8}" text-anchor="middle" class="tick">${escapeXml(g.label)}</text>`);
  });
  parts.push(`<text x="12" y="${m.t + ph / 2}" transform="rotate(-90 12 ${m.t + ph / 2})" text-anchor="middle" class="unit">${escapeXml(spec.yUnit)}</text>`);
  if (drawn === 0) parts.push(`<text x="${m.l + pw / 2}" y="${m.t + ph / 2}" text-anchor="middle" class="empty">no data in this run</text>`);
  parts.push('</svg>');
  const legend = spec.bars.map((b) => `<span class="key"><i style="background:${b.color}"></i>${escapeXml(b.name)}</span>`).join('');
  const markKey = spec.groups.some((g) => g.mark) ? '<span class="key"><i class="mark"></i>configured</span>' : '';
  return `<figure class="chart" id="${escapeXml(spec.id)}" data-points="${drawn}" data-series="${spec.bars.length}"><figcaption>${escapeXml(spec.title)}</figcaption>${parts.join('')}<div class="legend">${legend}${markKey}</div></figure>`;
}
