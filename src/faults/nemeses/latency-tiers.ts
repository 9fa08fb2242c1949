/**
 * Latency tiers (the seed's gradient: tier A ≈ 10 ms, B ≈ 100 ms, C ≈ 300 ms): each node in a tier, each
 * directed link delayed by the larger of its two ends' tier delays (or a tier × tier matrix), with optional
 * jitter. Rendered by whichever applier delays links here (the testing API, the shaper).
 */
import type { LatencyTiersSpec } from '../../scenario/spec.js';
import { isPlainObject, readDuration, readEnum, readNumber, readObject } from '../../scenario/fields.js';
import type { LinkShapeEntry } from '../../runtime/contracts.js';
import { LoadnetError } from '../../errors.js';
import { readNodes, type Nemesis } from '../nemesis.js';

const TIER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

/** The tier of each node (nodes in no tier are absent). */
export function tierOf(spec: Pick<LatencyTiersSpec, 'tiers'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [tier, t] of Object.entries(spec.tiers)) for (const n of t.nodes) out.set(n, tier);
  return out;
}

/** The one-way delay of each directed link between tiered nodes. */
export function tierLinks(spec: Pick<LatencyTiersSpec, 'tiers' | 'rule' | 'matrix' | 'jitterMs'>, names: readonly string[]): LinkShapeEntry[] {
  const tiers = tierOf(spec);
  const delay = (n: string) => spec.tiers[tiers.get(n) ?? '']?.delayMs ?? 0;
  const out: LinkShapeEntry[] = [];
  for (const from of names) {
    for (const to of names) {
      if (from === to) continue;
      const ft = tiers.get(from);
      const tt = tiers.get(to);
      const d = spec.rule === 'matrix' && ft && tt && spec.matrix?.[ft]?.[tt] !== undefined ? spec.matrix[ft]![tt]! : Math.max(delay(from), delay(to));
      if (d > 0 || spec.jitterMs > 0) out.push({ from, to, delayMs: d, ...(spec.jitterMs > 0 ? { jitterMs: spec.jitterMs } : {}) });
    }
  }
  return out;
}

export const latencyTiersNemesis: Nemesis<LatencyTiersSpec> = {
  type: 'latency-tiers',
  what: 'delay links by the tiers of their ends (larger of the two, or a matrix), with optional jitter',
  keys: ['tiers', 'rule', 'matrix', 'jitterMs'],
  read(o, f, issues, names) {
    const tiers: LatencyTiersSpec['tiers'] = {};
    const raw = readObject(o.tiers, `${f}.tiers`, Object.keys(isPlainObject(o.tiers) ? o.tiers : {}), issues);
    if (!raw || Object.keys(raw).length === 0) issues.add(`${f}.tiers`, o.tiers, "an object of tiers, e.g. { A: { delayMs: 10, nodes: ['validator-0'] }, C: { delayMs: 300, nodes: ['validator-3'] } }");
    const seen = new Map<string, string>();
    for (const [name, t] of Object.entries(raw ?? {})) {
      const tf = `${f}.tiers.${name}`;
      if (!TIER_NAME.test(name)) issues.add(tf, name, 'a tier name of 1–32 letters, digits, "_" or "-"');
      const to = readObject(t, tf, ['delayMs', 'nodes'], issues) ?? {};
      const delayMs = readDuration(to.delayMs, `${tf}.delayMs`, { min: 0, max: 600_000, allowed: "a one-way delay from 0 to 600 s, such as 300 or '300ms'" }, issues);
      const nodes = readNodes(to.nodes, `${tf}.nodes`, issues, names);
      for (const n of nodes) {
        if (seen.has(n)) issues.add(`${tf}.nodes`, n, `a node in one tier only (${n} is in tier ${seen.get(n)} already)`);
        seen.set(n, name);
      }
      tiers[name] = { delayMs, nodes };
    }
    const rule = readEnum(o.rule, `${f}.rule`, ['max', 'matrix'] as const, issues, o.matrix !== undefined ? 'matrix' : 'max');
    const out: Omit<LatencyTiersSpec, 'type' | 'atMs' | 'durationMs' | 'everyMs' | 'convergeWithinMs'> = { tiers, rule, jitterMs: readDuration(o.jitterMs, `${f}.jitterMs`, { min: 0, max: 600_000, allowed: "± jitter around each link's delay, such as '20ms'" }, issues, 0) };
    if (rule === 'matrix') {
      const m = readObject(o.matrix, `${f}.matrix`, Object.keys(tiers), issues);
      if (!m) issues.add(`${f}.matrix`, o.matrix, `an object fromTier → toTier → delay in ms over the tiers ${Object.keys(tiers).join(', ')}`);
      const matrix: Record<string, Record<string, number>> = {};
      for (const [from, row] of Object.entries(m ?? {})) {
        const r = readObject(row, `${f}.matrix.${from}`, Object.keys(tiers), issues) ?? {};
        matrix[from] = Object.fromEntries(Object.entries(r).map(([to, d]) => [to, readNumber(d, `${f}.matrix.${from}.${to}`, { min: 0, max: 600_000, allowed: 'a delay in ms from 0 to 600000' }, issues)]));
      }
      out.matrix = matrix;
    } else if (o.matrix !== undefined) issues.add(`${f}.matrix`, o.matrix, "only with rule 'matrix'");
    return out;
  },
  needs: (spec) => (spec.jitterMs > 0 ? ['delay', 'jitter'] : ['delay']),
  async inject(control, spec, names, label) {
    if (!control.shapeLinks) throw new LoadnetError('LN_ERR_NODE_CONTROL', 'latency tiers: this deployment\'s node control cannot shape links');
    const links = tierLinks(spec, names);
    const tiers = Object.fromEntries(Object.entries(spec.tiers).map(([k, t]) => [k, { delayMs: t.delayMs, nodes: t.nodes }]));
    await control.shapeLinks(label, 'latency-tiers', links, { tiers, rule: spec.rule, jitterMs: spec.jitterMs });
    return { tiers, links: links.length };
  },
  async heal(control, _spec, _names, label) {
    await control.clearLinks!(label);
  },
};
