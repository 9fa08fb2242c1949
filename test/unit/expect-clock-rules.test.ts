import { describe, expect, it } from 'vitest';
import { judgeClockRules, parseClockRuleCounts } from '../../src/expectations/clock-rules.js';

const text = (held: number, refused: number, late = 0, missed = 0) =>
  [
    '# HELP consensus_blocks_future_held_total x',
    `consensus_blocks_future_held_total{node="v"} ${held}`,
    `consensus_blocks_future_rejected_total{node="v"} ${refused}`,
    `consensus_blocks_late_total{node="v"} ${late}`,
    `consensus_slots_missed_total{node="v"} ${missed}`,
  ].join('\n');

describe('clock-rules expectation', () => {
  it('reads the counters from Prometheus text and passes when nothing was refused', () => {
    expect(parseClockRuleCounts(text(3, 0, 2, 1))).toEqual({ held: 3, refused: 0, late: 2, missed: 1 });
    expect(parseClockRuleCounts('up 1')).toBeNull();
    const r = judgeClockRules({ 'validator-0': parseClockRuleCounts(text(3, 0, 2)), 'validator-1': parseClockRuleCounts(text(0, 0, 0, 4)) }, { maxRefused: 0 }, { skews: { 'validator-1': -1000 } });
    expect(r.status).toBe('pass');
    expect(r.message).toBe('clock rules handled the skew: held 3 (validator-0 3), late 2, missed slots 4 (validator-1 4), refused 0 (bound 0); skews: validator-1 −1000 ms');
  });

  it('fails naming the refused counts, the horizon and the skews; unknown when no node has the counters', () => {
    const r = judgeClockRules({ 'validator-0': parseClockRuleCounts(text(0, 6)), 'validator-2': parseClockRuleCounts(text(1, 4)) }, { maxRefused: 0 }, { horizonMs: 10_000, slotDurationMs: 1000, securityParam: 10, skews: { 'validator-1': 12_000 } });
    expect(r.status).toBe('fail');
    expect(r.message).toBe('10 blocks refused as from beyond the future horizon (k × slot = 10 × 1000 ms = 10000 ms): validator-0 6, validator-2 4 (bound 0); held 1 (validator-2 1), late 0, missed slots 0; skews: validator-1 +12000 ms');
    expect(judgeClockRules({ a: null }, { maxRefused: 0 }).status).toBe('unknown');
  });
});
