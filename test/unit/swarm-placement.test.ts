// Placement of the swarm deployer, decided before any service exists: spread over the eligible hosts,
// constraints in Swarm's syntax evaluated on the hosts' fields, clear errors for a bad or unmatched constraint.
import { describe, expect, it } from 'vitest';
import { parseConstraint, placeNodes, type SwarmHost } from '../../src/deployers/swarm/hosts.js';
import { SwarmDeployer } from '../../src/deployers/swarm/index.js';
import { placeAgents } from '../../src/deployers/swarm/swarm-agents.js';
import { swarmAgentsFromEnv, swarmAgentsOptionFromEnv, swarmEnginesFromEnv } from '../../src/cli/deployers.js';

const host = (id: string, labels: Record<string, string> = {}, role: 'manager' | 'worker' = 'worker'): SwarmHost => ({ id, hostname: `h-${id}`, addr: `10.0.0.${id}`, role, labels, engineLabels: {} });
const nodes = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `validator-${i}`, role: i < 3 ? ('validator' as const) : ('executor' as const) }));

describe('swarm placement', () => {
  it('spreads nodes one per host first, in plan order', () => {
    const placed = placeNodes(nodes(5), [host('1', {}, 'manager'), host('2'), host('3')], undefined);
    expect(placed.map((p) => p.host.id)).toEqual(['1', '2', '3', '1', '2']);
  });

  it('pins roles to labelled hosts and spreads among them', () => {
    const hosts = [host('1', { tier: 'fast' }), host('2', { tier: 'fast' }), host('3', { tier: 'slow' })];
    const placed = placeNodes(nodes(5), hosts, (n) => (n.role === 'validator' ? ['node.labels.tier == fast'] : ['node.labels.tier!=fast']));
    expect(placed.map((p) => p.host.id)).toEqual(['1', '2', '1', '3', '3']);
    expect(placed[0]!.constraints).toEqual(['node.labels.tier == fast']);
  });

  it('evaluates node.role and node.hostname', () => {
    const hosts = [host('1', {}, 'manager'), host('2')];
    expect(placeNodes(nodes(2), hosts, ['node.role==worker']).map((p) => p.host.id)).toEqual(['2', '2']);
    expect(placeNodes(nodes(2), hosts, ['node.hostname!=h-2']).map((p) => p.host.id)).toEqual(['1', '1']);
  });

  it('fails naming the node, its constraints and the hosts when none matches', () => {
    expect(() => placeNodes(nodes(1), [host('1')], ['node.labels.zone==a'])).toThrow(/no swarm host matches the constraints of validator-0 \(node.labels.zone==a\); hosts: h-1 \(worker/);
  });

  it('refuses a constraint it cannot read, naming the fields allowed', () => {
    expect(() => parseConstraint('node.platform.os==linux')).toThrow(/allowed: '<field> == <value>' or '!=', field one of node.id, node.hostname, node.role, node.labels.<name>, engine.labels.<name>/);
    expect(() => new SwarmDeployer({ constraints: ['zone=a'] })).toThrow(/SwarmDeployer constraints: "zone=a" is not allowed/);
    expect(() => new SwarmDeployer({ stopGraceMs: -1 })).toThrow(/SwarmDeployer stopGraceMs: -1 is not allowed/);
  });

  it('reads LOADNET_SWARM_ENGINES as socket paths', () => {
    expect(swarmEnginesFromEnv('/a.sock, /b.sock')).toEqual([{ socketPath: '/a.sock' }, { socketPath: '/b.sock' }]);
    expect(swarmEnginesFromEnv(undefined)).toEqual([]);
    expect(() => swarmEnginesFromEnv('tcp://h2:2375')).toThrow(/LOADNET_SWARM_ENGINES: "tcp:\/\/h2:2375" is not a socket path list/);
  });

  it('spreads load agents over the eligible hosts, and refuses a bad count naming what is allowed', () => {
    const hosts = [host('1', { gen: 'yes' }, 'manager'), host('2'), host('3', { gen: 'yes' })];
    expect(placeAgents(3, hosts, []).map((h) => h.id)).toEqual(['1', '2', '3']);
    expect(placeAgents(3, hosts, ['node.labels.gen==yes']).map((h) => h.id)).toEqual(['1', '3', '1']);
    expect(() => placeAgents(1, hosts, ['node.labels.gen==no'])).toThrow(/no swarm host matches the load agents' constraints \(node.labels.gen==no\); hosts: h-1 \(manager/);
    expect(() => new SwarmDeployer({ agents: 0 })).toThrow(/SwarmDeployer agents: 0 is not allowed; allowed: a whole number of load agents from 1 to 64/);
    expect(() => new SwarmDeployer({ agents: { count: 2, constraints: ['gen=yes'] } })).toThrow(/SwarmDeployer constraints: "gen=yes" is not allowed/);
    expect(() => new SwarmDeployer({ agents: { count: 2, onLoss: 'ignore' as 'fail' } })).toThrow(/SwarmDeployer agents.onLoss: "ignore" is not allowed; allowed: 'fail', 'continue'/);
    expect(swarmAgentsFromEnv('2')).toBe(2);
    expect(swarmAgentsFromEnv(undefined)).toBeUndefined();
    expect(() => swarmAgentsFromEnv('two')).toThrow(/LOADNET_SWARM_AGENTS: "two" is not allowed; allowed: a whole number of load agents from 1 to 64/);
    expect(swarmAgentsOptionFromEnv({ LOADNET_SWARM_AGENTS: '2' })).toEqual({ count: 2 });
    expect(swarmAgentsOptionFromEnv({ LOADNET_SWARM_AGENTS: '2', LOADNET_SWARM_AGENT_LOSS: 'continue' })).toEqual({ count: 2, onLoss: 'continue' });
    expect(swarmAgentsOptionFromEnv({})).toBeUndefined();
    expect(() => swarmAgentsOptionFromEnv({ LOADNET_SWARM_AGENTS: '2', LOADNET_SWARM_AGENT_LOSS: 'ignore' })).toThrow(/LOADNET_SWARM_AGENT_LOSS: "ignore" is not allowed; allowed: fail, continue/);
    expect(() => swarmAgentsOptionFromEnv({ LOADNET_SWARM_AGENT_LOSS: 'continue' })).toThrow(/LOADNET_SWARM_AGENT_LOSS needs swarm load agents: set LOADNET_SWARM_AGENTS/);
  });
});
