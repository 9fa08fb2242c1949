import { describe, expect, it } from 'vitest';
import { hostsOf, hostsSection } from '../../src/report/hosts.js';

const ev = (kind: string, fields: Record<string, unknown>, t = 1) => ({ t, kind, ...fields });

describe("the report's hosts section", () => {
  it('places nodes by the host their node.spawn names (the last spawn wins) and agents with their clock and fate', () => {
    const h = hostsOf([
      ev('node.spawn', { node: 'validator-0', container: 'c0', host: 'engine-a' }),
      ev('node.spawn', { node: 'validator-1', pid: 42 }),
      ev('node.spawn', { node: 'validator-0', container: 'c0b', host: 'engine-b' }, 2),
      ev('agent.connected', { address: '10.0.0.5:7400', host: 'gen-1', pid: 7, cores: 2, offsetMs: -1.5, uncertaintyMs: 0.25, rttMs: 0.5, shards: [0] }),
      ev('agent.connected', { address: '10.0.0.6:7400', host: 'gen-2', pid: 8, cores: 2, offsetMs: 3, uncertaintyMs: 0.5, rttMs: 1, shards: [1] }),
      ev('agent.lost', { address: '10.0.0.6:7400', reason: 'silent for 3001 ms' }),
      ev('agent.resolved', { address: '10.0.0.6:7400', included: 10, includedUnreported: 2, reportedNotIncluded: 0, pendingUnreported: 1, unknownAtLoss: 5 }),
    ]);
    expect(h.nodes).toEqual([
      { node: 'validator-0', host: 'engine-b', container: 'c0b' },
      { node: 'validator-1', pid: 42, host: undefined, container: undefined },
    ]);
    expect(h.agents.map((a) => [a.host, a.offsetMs, a.lost, a.resolved?.includedUnreported])).toEqual([
      ['gen-1', -1.5, undefined, undefined],
      ['gen-2', 3, 'silent for 3001 ms', 2],
    ]);
    const html = hostsSection(h);
    expect(html).toContain('<td>validator-0</td><td>engine-b</td>');
    expect(html).toContain('<td>validator-1</td><td><i>coordinator</i></td>');
    expect(html).toContain('−1.50 ± 0.25');
    expect(html).toContain('lost: silent for 3001 ms; resolved from the chain: 10 included (2 unreported)');
  });

  it("shows each agent's clock through the run from its agent.clock events: offsets in use, widest uncertainty, probes", () => {
    const h = hostsOf([
      ev('agent.connected', { address: '10.0.0.5:7400', host: 'gen-1', pid: 7, cores: 2, offsetMs: 1.5, uncertaintyMs: 0.25, rttMs: 0.5, shards: [0] }, 1000),
      ev('agent.clock', { address: '10.0.0.5:7400', offsetMs: 1.75, uncertaintyMs: 0.5 }, 3000),
      ev('agent.clock', { address: '10.0.0.5:7400', offsetMs: 0.5, uncertaintyMs: 0.25 }, 5000),
      ev('agent.clock', { address: '10.0.0.5:7400', offsetMs: 2.25, uncertaintyMs: 1.25 }, 13000),
    ]);
    expect(h.agents[0]!.clock).toEqual({ probes: 3, minOffsetMs: 0.5, maxOffsetMs: 2.25, maxUncertaintyMs: 1.25, firstAtMs: 3000, lastAtMs: 13000 });
    expect(hostsSection(h)).toContain('<td>+0.50 … +2.25, ± ≤ 1.25 (3 probes over 10 s)</td>');
  });

  it('is absent when everything ran on the coordinator', () => {
    expect(hostsSection(hostsOf([ev('node.spawn', { node: 'validator-0', pid: 1 })]))).toBe('');
  });
});
