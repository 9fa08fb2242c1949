/**
 * Clock skew per node: an offset (+1 s, −1 s), jitter around it and drift, applied by the deployment's clock
 * applier (the devnet's testing API: offset only; libfaketime where the shaper's applier is plugged in).
 */
import type { ClockSkewSpec } from '../../scenario/spec.js';
import { isPlainObject, readNumber, readObject } from '../../scenario/fields.js';
import { LoadnetError } from '../../errors.js';
import { readNode, type Nemesis } from '../nemesis.js';

export const clockSkewNemesis: Nemesis<ClockSkewSpec> = {
  type: 'clock-skew',
  what: "shift nodes' clocks: offset, jitter, drift",
  keys: ['nodes'],
  read(o, f, issues, names) {
    const raw = isPlainObject(o.nodes) ? o.nodes : undefined;
    if (!raw || Object.keys(raw).length === 0) issues.add(`${f}.nodes`, o.nodes, "an object node → { offsetMs, jitterMs?, driftPpm? }, e.g. { 'validator-1': { offsetMs: 1000 } }");
    const nodes: ClockSkewSpec['nodes'] = {};
    for (const [n, v] of Object.entries(raw ?? {})) {
      readNode(n, `${f}.nodes`, issues, names);
      const e = readObject(v, `${f}.nodes.${n}`, ['offsetMs', 'jitterMs', 'driftPpm'], issues) ?? {};
      nodes[n] = {
        offsetMs: readNumber(e.offsetMs, `${f}.nodes.${n}.offsetMs`, { min: -3_600_000, max: 3_600_000, allowed: 'an offset in ms within ±1 h (negative: behind)' }, issues, 0),
        jitterMs: readNumber(e.jitterMs, `${f}.nodes.${n}.jitterMs`, { min: 0, max: 60_000, allowed: '± jitter in ms up to 60000' }, issues, 0),
        driftPpm: readNumber(e.driftPpm, `${f}.nodes.${n}.driftPpm`, { min: -100_000, max: 100_000, allowed: 'a drift in ppm (µs per s) within ±100000' }, issues, 0),
      };
    }
    return { nodes };
  },
  needs: () => ['clock'],
  async inject(control, spec) {
    if (!control.setClockSkew) throw new LoadnetError('LN_ERR_NODE_CONTROL', 'clock skew: this deployment\'s node control cannot skew clocks');
    for (const [n, s] of Object.entries(spec.nodes)) await control.setClockSkew(n, { offsetMs: s.offsetMs, ...(s.jitterMs ? { jitterMs: s.jitterMs } : {}), ...(s.driftPpm ? { driftPpm: s.driftPpm } : {}) });
    return { nodes: spec.nodes };
  },
  async heal(control, spec) {
    for (const n of Object.keys(spec.nodes)) await control.setClockSkew!(n, undefined);
  },
};
