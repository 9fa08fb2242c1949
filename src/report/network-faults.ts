/**
 * The report's network-fault sections, read from the run's history alone: propagation by latency tier (the
 * propagation expectation's per-tier figures against each tier's configured delay), convergence after the last
 * heal (the fault workloads' `<name>-convergence` figures, placed at the heal's fault.end), and the link
 * shaper's state over time (the network faults' records: which links were cut, delayed, lossy or limited,
 * when, and by which applier). Each section is empty when the run has no such data.
 */
import type { FaultBand, JudgedExpectation, RunData } from './run-data.js';
import { escapeXml as esc, niceTicks, renderBarChart } from './svg-chart.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export interface TierPropagation {
  tier: string;
  samples?: number;
  p50Ms: number;
  p99Ms: number;
  /** The tier's configured one-way delay (absent for nodes in no tier, '-'). */
  delayMs?: number;
  nodes: string[];
  boundP99Ms?: number;
}

/** The expectations as judged: the summary's when it has them (a re-judged run), else the history's. */
export function judgedExpectations(data: RunData): JudgedExpectation[] {
  const s = data.summary?.expectations;
  return s && s.length ? s.map((e) => ({ name: e.name, status: e.status, message: e.message, ...(e.figures ? { figures: e.figures } : {}) })) : data.expectations;
}

/** Each tier's delay and nodes, from the latency-tiers fault records, else the scenario's latency-tiers workload. */
export function configuredTiers(data: RunData): Record<string, { delayMs: number; nodes: string[] }> {
  const out: Record<string, { delayMs: number; nodes: string[] }> = {};
  const add = (tiers: unknown) => {
    if (!isObj(tiers)) return;
    for (const [t, v] of Object.entries(tiers)) if (isObj(v) && num(v.delayMs) !== undefined) out[t] ??= { delayMs: num(v.delayMs)!, nodes: names(v.nodes) };
  };
  for (const f of data.faults) if (f.kind === 'latency-tiers') add(f.detail?.tiers);
  if (Object.keys(out).length === 0) for (const w of data.scenario?.workloads ?? []) if ((w as { type?: string }).type === 'latency-tiers') add((w as unknown as Obj).tiers);
  return out;
}

/** Per-tier p50/p99 from the propagation expectation's figures, when the run had latency tiers. */
export function propagationByTier(data: RunData): TierPropagation[] {
  const tiers = configuredTiers(data);
  if (Object.keys(tiers).length === 0) return [];
  const judged = judgedExpectations(data).find((e) => e.name === 'propagation' && isObj(e.figures?.tiers)) ?? judgedExpectations(data).find((e) => isObj(e.figures?.tiers) && Object.values(e.figures!.tiers as Obj).every((t) => isObj(t) && num(t.p99Ms) !== undefined));
  if (!judged) return [];
  const bounds = isObj(judged.figures?.bounds) ? judged.figures.bounds : {};
  const tierBounds = isObj(bounds.tiers) ? bounds.tiers : {};
  const out: TierPropagation[] = [];
  for (const [tier, lag] of Object.entries(judged.figures!.tiers as Obj)) {
    if (!isObj(lag) || num(lag.p50Ms) === undefined || num(lag.p99Ms) === undefined) continue;
    const own = isObj(tierBounds[tier]) ? (tierBounds[tier] as Obj) : {};
    out.push({ tier, samples: num(lag.samples), p50Ms: num(lag.p50Ms)!, p99Ms: num(lag.p99Ms)!, delayMs: tiers[tier]?.delayMs, nodes: tiers[tier]?.nodes ?? [], boundP99Ms: num(own.maxP99Ms) ?? num(bounds.maxP99Ms) });
  }
  return out;
}

export interface ConvergenceAfterHeal {
  /** The fault workload, e.g. partition-at-14s. */
  fault: string;
  status: string;
  /** When its last injection healed (seconds from the run's start), from its fault.end. */
  healedAt?: number;
  lastMs?: number;
  boundMs?: number;
  slowestMs?: number;
  injections?: number;
  converged?: number;
  message: string;
}

const CONVERGENCE = '-convergence';

/** Each fault workload's convergence figures, ordered by when it last healed (the last heal last). */
export function convergenceAfterHeals(data: RunData): ConvergenceAfterHeal[] {
  const rows: ConvergenceAfterHeal[] = [];
  for (const e of judgedExpectations(data)) {
    const f = e.figures;
    if (!e.name.endsWith(CONVERGENCE) || !f || num(f.boundMs) === undefined) continue;
    const fault = e.name.slice(0, -CONVERGENCE.length);
    const heals = data.faults.filter((b) => !b.open && b.target.startsWith(`${fault}#`)).map((b) => b.to);
    rows.push({ fault, status: e.status, healedAt: heals.length ? Math.max(...heals) : undefined, lastMs: num(f.lastMs), boundMs: num(f.boundMs), slowestMs: num(f.slowestMs), injections: num(f.injections), converged: num(f.converged), message: e.message });
  }
  return rows.sort((a, b) => (a.healedAt ?? -1) - (b.healedAt ?? -1));
}

/** What a network fault did to links: the effects its record names (by its applier's mechanism, else its kind). */
export type LinkEffectName = 'cut' | 'delay' | 'jitter' | 'loss' | 'bandwidth';
const EFFECTS: readonly LinkEffectName[] = ['cut', 'delay', 'jitter', 'loss', 'bandwidth'];
const NETWORK_KINDS = new Set(['partition', 'block-peer', 'link-fault', 'latency-tiers']);
const EFFECT_COLOR: Record<LinkEffectName, string> = { cut: '#dc2626', bandwidth: '#2563eb', loss: '#9333ea', delay: '#f59e0b', jitter: '#f59e0b' };
/** The effect a bar is coloured by when a fault has several: the most disruptive. */
const SEVERITY: readonly LinkEffectName[] = ['cut', 'bandwidth', 'loss', 'delay', 'jitter'];
const primary = (effects: readonly LinkEffectName[]) => SEVERITY.find((e) => effects.includes(e));
const EFFECT_WORD: Record<LinkEffectName, string> = { cut: 'cut', delay: 'delayed', jitter: 'jitter', loss: 'lossy', bandwidth: 'limited' };

export interface ShaperInterval {
  kind: string;
  target: string;
  from: number;
  to: number;
  open: boolean;
  effects: LinkEffectName[];
  /** Which links, and how (one line). */
  links: string;
  /** Applier per effect, as recorded ("shaper: the link shaper holds each chunk …"). */
  mechanism: string[];
}

function effectsOf(b: FaultBand): LinkEffectName[] {
  const d = b.detail ?? {};
  if (isObj(d.mechanism) && Object.keys(d.mechanism).length) return EFFECTS.filter((e) => e in (d.mechanism as Obj));
  if (b.kind === 'partition' || b.kind === 'block-peer') return ['cut'];
  const shaped: Array<[LinkEffectName, unknown]> = [['delay', d.delayMs], ['jitter', d.jitterMs], ['loss', d.loss], ['bandwidth', d.rateBytesPerSec]];
  const out = shaped.filter(([, v]) => num(v)).map(([e]) => e);
  return out.length ? out : b.kind === 'latency-tiers' ? ['delay'] : [];
}

function rate(bps: number): string {
  return bps >= 1024 * 1024 ? `${+(bps / 1024 / 1024).toFixed(1)} MiB/s` : bps >= 1024 ? `${+(bps / 1024).toFixed(1)} KiB/s` : `${bps} B/s`;
}

/** "delay 150 ms ± 20 ms, loss 10 %, limit 195.3 KiB/s" from a shape's fields. */
function shapeText(d: Obj): string {
  const parts: string[] = [];
  if (num(d.delayMs)) parts.push(`delay ${d.delayMs} ms${num(d.jitterMs) ? ` ± ${d.jitterMs} ms` : ''}`);
  else if (num(d.jitterMs)) parts.push(`jitter ± ${d.jitterMs} ms`);
  if (num(d.loss)) parts.push(`loss ${+(num(d.loss)! * 100).toFixed(2)} %`);
  if (num(d.rateBytesPerSec)) parts.push(`limit ${rate(num(d.rateBytesPerSec)!)}`);
  return parts.join(', ');
}

function linksText(b: FaultBand): string {
  const d = b.detail ?? {};
  const count = num(d.links) !== undefined ? ` (${d.links} links)` : num(d.pairs) !== undefined ? ` (${d.pairs} pairs cut)` : '';
  if (b.kind === 'latency-tiers' && isObj(d.tiers)) {
    const tiers = Object.entries(d.tiers).map(([t, v]) => (isObj(v) ? `${t} ${v.delayMs} ms: ${names(v.nodes).join(', ')}` : t));
    return `${tiers.join('; ')}${num(d.jitterMs) ? `; ± ${d.jitterMs} ms` : ''}${d.rule === 'matrix' ? '; by matrix' : ''}${count}`;
  }
  if (Array.isArray(d.sides)) return `${d.shape ? `${String(d.shape)}: ` : ''}${(d.sides as unknown[]).map((s) => names(s).join(', ')).join(' | ')}${count}`;
  if (Array.isArray(d.groupA)) return `${names(d.groupA).join(', ')} | ${names(d.groupB).join(', ')}`;
  const shape = shapeText(d);
  if (Array.isArray(d.from)) return `${names(d.from).join(', ')} ${d.bothWays === false ? '→' : '⇄'} ${names(d.to).join(', ')}${shape ? `: ${shape}` : ''}${count}`;
  if (typeof d.peer === 'string') return `${b.target} ${b.kind === 'block-peer' ? '↛' : '→'} ${d.peer}${shape ? `: ${shape}` : ''}`;
  return `${b.target}${shape ? `: ${shape}` : ''}${count}`;
}

/** The network faults of the run, in start order: the link shaper's (or whichever applier's) state over time. */
export function shaperTimeline(data: RunData): ShaperInterval[] {
  return data.faults
    .filter((b) => NETWORK_KINDS.has(b.kind))
    .map((b) => ({ kind: b.kind, target: b.target, from: b.from, to: b.to, open: b.open, effects: effectsOf(b), links: linksText(b), mechanism: mechanismLines(b.detail) }));
}

/** Applier per effect, then which link applier ran and why (netem or the link shaper: faults/applier.ts). */
function mechanismLines(d: Obj | undefined): string[] {
  const out = isObj(d?.mechanism) ? Object.entries(d.mechanism).map(([k, v]) => `${k}: ${String(v)}`) : [];
  if (typeof d?.applierReason === 'string') out.push(`applier ${String(d.applier)}: ${d.applierReason}`);
  return out;
}

function propagationSection(tiers: TierPropagation[]): string {
  if (!tiers.length) return '';
  const chart = renderBarChart({
    id: 'chart-propagation-tiers',
    title: 'Block propagation by latency tier (first seen anywhere → seen on the node), with each tier’s configured delay',
    yUnit: 'ms',
    bars: [
      { name: 'p50', color: '#16a34a' },
      { name: 'p99', color: '#dc2626' },
    ],
    groups: tiers.map((t) => ({ label: `tier ${t.tier}`, values: [t.p50Ms, t.p99Ms], ...(t.delayMs !== undefined ? { mark: { value: t.delayMs, label: `${t.delayMs} ms` } } : {}) })),
  });
  const rows = tiers.map((t) => `<tr data-tier="${esc(t.tier)}"><td>${esc(t.tier)}</td><td>${t.delayMs ?? '—'}</td><td>${esc(t.nodes.join(', ') || '—')}</td><td>${t.samples ?? '—'}</td><td>${t.p50Ms}</td><td>${t.p99Ms}</td><td>${t.boundP99Ms ?? '—'}</td></tr>`);
  return `<h2 id="propagation">Propagation by tier</h2>${chart}<table class="propagation"><tr><th>tier</th><th>delay ms</th><th>nodes</th><th>samples</th><th>p50 ms</th><th>p99 ms</th><th>p99 bound ms</th></tr>${rows.join('')}</table>`;
}

function convergenceSection(rows: ConvergenceAfterHeal[]): string {
  if (!rows.length) return '';
  const last = rows.at(-1)!;
  const at = last.healedAt !== undefined ? ` at ${last.healedAt.toFixed(1)}s` : '';
  const headline =
    last.lastMs !== undefined
      ? `After the last heal (${esc(last.fault)}${at}) every live node was on one chain in <b id="convergence-ms">${last.lastMs} ms</b> (bound ${last.boundMs} ms).`
      : `After the last heal (${esc(last.fault)}${at}) the live nodes were <b id="convergence-ms">not on one chain within ${last.boundMs} ms</b>.`;
  const table = rows.map((r) => `<tr data-fault="${esc(r.fault)}"><td><span class="verdict ${esc(r.status)}">${esc(r.status)}</span></td><td>${esc(r.fault)}</td><td>${r.healedAt !== undefined ? `${r.healedAt.toFixed(1)}s` : '—'}</td><td>${r.lastMs ?? 'not converged'}</td><td>${r.slowestMs ?? '—'}</td><td>${r.converged ?? '—'} / ${r.injections ?? '—'}</td><td>${r.boundMs ?? '—'}</td></tr>`);
  return `<h2 id="convergence">Convergence after heal</h2><p>${headline}</p><table class="convergence"><tr><th>status</th><th>fault</th><th>last healed</th><th>converged in ms</th><th>slowest ms</th><th>heals converged</th><th>bound ms</th></tr>${table.join('')}</table>`;
}

/** A compact timeline: one row per network fault, a bar from its start to its end, coloured by its effect. */
function shaperSection(list: ShaperInterval[], span: number): string {
  if (!list.length) return '';
  const W = 720;
  const row = 20;
  const m = { l: 190, r: 12, t: 6, b: 22 };
  const H = m.t + m.b + row * list.length;
  const pw = W - m.l - m.r;
  const xMax = Math.max(span, ...list.map((l) => l.to), 1);
  const sx = (x: number) => m.l + (x / xMax) * pw;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="link shaper state over time">`, `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${row * list.length}" fill="#fff" stroke="#e5e7eb"/>`];
  for (const t of niceTicks(0, xMax, 8)) parts.push(`<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${m.t}" y2="${m.t + row * list.length}" stroke="#f3f4f6"/><text x="${sx(t).toFixed(1)}" y="${H - 7}" text-anchor="middle" class="tick">${t}s</text>`);
  list.forEach((l, i) => {
    const y = m.t + i * row;
    const x0 = sx(l.from);
    const w = Math.max(2, sx(l.to) - x0);
    const effect = primary(l.effects);
    const label = `${l.kind} ${l.target}`;
    parts.push(`<text x="${m.l - 6}" y="${y + 14}" text-anchor="end" class="tick">${esc(label.length > 34 ? `${label.slice(0, 33)}…` : label)}</text>`);
    parts.push(`<rect class="link-state" data-kind="${esc(l.kind)}" data-effects="${l.effects.join(' ')}" x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 6}" fill="${effect ? EFFECT_COLOR[effect] : '#9ca3af'}" opacity="${l.open ? 0.55 : 0.85}"><title>${esc(`${l.effects.map((e) => EFFECT_WORD[e]).join(', ')} ${l.from.toFixed(1)}s – ${l.to.toFixed(1)}s${l.open ? ' (never healed)' : ''}: ${l.links}${l.mechanism.length ? `\n${l.mechanism.join('\n')}` : ''}`)}</title></rect>`);
  });
  parts.push('</svg>');
  const used = SEVERITY.filter((e) => list.some((l) => primary(l.effects) === e));
  const legend = used.map((e) => `<span class="key"><i style="background:${EFFECT_COLOR[e]}"></i>${EFFECT_WORD[e]}</span>`).join('');
  const rows = list.map((l) => `<tr><td>${esc(l.kind)}</td><td>${esc(l.effects.map((e) => EFFECT_WORD[e]).join(', ') || '—')}</td><td>${esc(l.links)}</td><td>${l.from.toFixed(1)}s</td><td>${l.open ? 'never healed' : `${l.to.toFixed(1)}s`}</td><td>${esc(l.mechanism.join('; ') || '—')}</td></tr>`);
  return `<h2 id="link-state">Link shaper state over time</h2><figure class="chart" id="chart-link-state" data-points="${list.length}"><figcaption>Which links were cut, delayed, lossy or limited, when</figcaption>${parts.join('')}<div class="legend">${legend}</div></figure><table class="link-state"><tr><th>fault</th><th>links were</th><th>which links, how</th><th>from</th><th>to</th><th>applier</th></tr>${rows.join('')}</table>`;
}

/** The three sections, each only when the run has its data. */
export function networkFaultSections(data: RunData): string {
  return [propagationSection(propagationByTier(data)), convergenceSection(convergenceAfterHeals(data)), shaperSection(shaperTimeline(data), data.span)].filter(Boolean).join('\n');
}
