/**
 * Churn: membership changes for good. At each injection `join` fresh nodes join (new identities and addresses,
 * dialing the topology's default peers, which tell the others of them), each declaring `stake` on chain once up
 * (funded by the deployment) so it leads slots from k slots after its declaration; and topology nodes of `leave`
 * leave: deregistered on chain first (their stake withdrawn), then stopped and forgotten. Nothing to heal.
 * The churn expectation (expectations/churn.ts) judges what the record says: joiners synced and leading,
 * leavers gone from every peer list.
 */
import type { ChurnSpec } from '../../scenario/spec.js';
import { readNumber, readString } from '../../scenario/fields.js';
import { readNodes, type Nemesis } from '../nemesis.js';

/** What one injection did, as the record (and the churn expectation) reads it. */
export interface ChurnRecord {
  joined: Array<{ name: string; peerId: string; stake?: Record<string, unknown> }>;
  left: Array<{ name: string; peerId: string; deregistered: boolean }>;
}

export const churnNemesis: Nemesis<ChurnSpec> = {
  type: 'churn',
  what: 'nodes join with fresh identities (staked, leading slots) and leave for good (deregistered)',
  keys: ['join', 'stake', 'role', 'leave'],
  read(o, f, issues, names) {
    const join = readNumber(o.join, `${f}.join`, { min: 0, max: 32, integer: true, allowed: 'how many fresh nodes join at each injection, 0 to 32' }, issues, 0);
    const stake = readNumber(o.stake, `${f}.stake`, { min: 0, max: 1e12, integer: true, allowed: 'the stake each joiner declares on chain, an integer ≥ 0 (0: it never leads)' }, issues, 0);
    const role = readString(o.role, `${f}.role`, { pattern: /^(validator|executor)$/, allowed: "'validator' or 'executor'" }, issues, 'validator');
    const leave = o.leave === undefined ? [] : readNodes(o.leave, `${f}.leave`, issues, names, false);
    if (new Set(leave).size !== leave.length) issues.add(`${f}.leave`, o.leave, 'each node at most once (a node leaves once)');
    if (names.length > 0 && leave.length >= names.length) issues.add(`${f}.leave`, o.leave, `fewer than the topology's ${names.length} nodes, so one stays to fund joiners and carry the chain`);
    if (join === 0 && leave.length === 0) issues.add(`${f}.join`, o.join, 'at least 1 joiner, or nodes in `leave`: a churn that changes nothing');
    return { join, stake, role, leave };
  },
  needs: (spec) => ['joiners', ...(spec.stake > 0 ? (['staking'] as const) : [])],
  async inject(control, spec, names, _label, run) {
    const rec: ChurnRecord = { joined: [], left: [] };
    for (let i = 0; i < spec.join; i++) {
      const d = await control.startNode({ role: spec.role, ...(spec.stake > 0 ? { stake: spec.stake } : {}) });
      rec.joined.push({ name: d.name, peerId: d.peerId, ...(spec.stake > 0 ? { stake: { amount: spec.stake } } : {}) });
    }
    // Once: everyone in `leave`; on a schedule: the next one still here.
    const live = spec.leave.filter((n) => names.includes(n));
    for (const name of spec.everyMs ? live.slice(0, 1) : live) {
      const peerId = run?.nodes().find((n) => n.descriptor.name === name)?.descriptor.peerId ?? '';
      const deregister = control.capabilities?.().staking ?? false;
      await control.removeNode(name, { deregister });
      rec.left.push({ name, peerId, deregistered: deregister });
    }
    return rec as unknown as Record<string, unknown>;
  },
  async heal() {
    // Membership changes are permanent.
  },
};
