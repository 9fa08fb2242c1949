/** Link faults on chosen links or groups: delay ± jitter, loss, bandwidth, from every node of `from` to every node of `to`. */
import type { LinkFaultSpec } from '../../scenario/spec.js';
import { readBoolean, readDuration, readNumber } from '../../scenario/fields.js';
import type { LinkShapeEntry } from '../../runtime/contracts.js';
import { LoadnetError } from '../../errors.js';
import type { LinkProperty } from '../network-state.js';
import { readNodes, type Nemesis } from '../nemesis.js';

export function faultedLinks(spec: Pick<LinkFaultSpec, 'from' | 'to' | 'bothWays' | 'delayMs' | 'jitterMs' | 'loss' | 'rateBytesPerSec'>): LinkShapeEntry[] {
  const shape = { delayMs: spec.delayMs, jitterMs: spec.jitterMs, loss: spec.loss, rateBytesPerSec: spec.rateBytesPerSec };
  const out: LinkShapeEntry[] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string) => {
    if (from === to || seen.has(`${from}>${to}`)) return;
    seen.add(`${from}>${to}`);
    out.push({ from, to, ...shape });
  };
  for (const a of spec.from) for (const b of spec.to) {
    add(a, b);
    if (spec.bothWays) add(b, a);
  }
  return out;
}

export const linkFaultNemesis: Nemesis<LinkFaultSpec> = {
  type: 'link-fault',
  what: 'delay, jitter, loss or a bandwidth limit on chosen links',
  keys: ['from', 'to', 'bothWays', 'delayMs', 'jitterMs', 'loss', 'rateBytesPerSec'],
  read(o, f, issues, names) {
    const out = {
      from: readNodes(o.from, `${f}.from`, issues, names),
      to: readNodes(o.to, `${f}.to`, issues, names),
      bothWays: readBoolean(o.bothWays, `${f}.bothWays`, issues, true),
      delayMs: readDuration(o.delayMs, `${f}.delayMs`, { min: 0, max: 600_000, allowed: "a one-way delay such as '100ms'" }, issues, 0),
      jitterMs: readDuration(o.jitterMs, `${f}.jitterMs`, { min: 0, max: 600_000, allowed: "± jitter such as '20ms'" }, issues, 0),
      loss: readNumber(o.loss, `${f}.loss`, { min: 0, max: 1, allowed: 'a drop probability from 0 to 1' }, issues, 0),
      rateBytesPerSec: readNumber(o.rateBytesPerSec, `${f}.rateBytesPerSec`, { min: 0, allowed: 'a bandwidth limit in bytes per second (0: none)' }, issues, 0),
    };
    if (!out.delayMs && !out.jitterMs && !out.loss && !out.rateBytesPerSec) issues.add(f, 'no effect', 'at least one of delayMs, jitterMs, loss, rateBytesPerSec');
    if (out.from.length && out.to.length && faultedLinks(out).length === 0) issues.add(`${f}.to`, out.to, 'nodes other than those in from: a link joins two different nodes');
    return out;
  },
  needs(spec) {
    const p: LinkProperty[] = [];
    if (spec.delayMs) p.push('delay');
    if (spec.jitterMs) p.push('jitter');
    if (spec.loss) p.push('loss');
    if (spec.rateBytesPerSec) p.push('bandwidth');
    return p;
  },
  async inject(control, spec, _names, label) {
    if (!control.shapeLinks) throw new LoadnetError('LN_ERR_NODE_CONTROL', 'link fault: this deployment\'s node control cannot shape links');
    const links = faultedLinks(spec);
    // The shape goes in the record too: the report's link-shaper timeline reads what each fault did from it.
    const shape = Object.fromEntries(Object.entries({ delayMs: spec.delayMs, jitterMs: spec.jitterMs, loss: spec.loss, rateBytesPerSec: spec.rateBytesPerSec }).filter(([, v]) => v));
    await control.shapeLinks(label, 'link-fault', links, { from: spec.from, to: spec.to, bothWays: spec.bothWays, ...shape });
    return { links: links.length };
  },
  async heal(control, _spec, _names, label) {
    await control.clearLinks!(label);
  },
};
