import { describe, expect, it } from 'vitest';
import { NodeRoster, type RosterNode } from '../../src/deployers/node-roster.js';
import { LoadnetError } from '../../src/errors.js';

function node(name: string, expectedPeers = 1): RosterNode {
  return {
    planned: { name } as RosterNode['planned'],
    run: { descriptor: { name, role: 'validator', apiUrl: `http://127.0.0.1/${name}` } } as RosterNode['run'],
    expectedPeers,
    removed: false,
  };
}

describe('NodeRoster', () => {
  it('finds nodes by name and lists the live ones when a name is unknown or removed', () => {
    const r = new NodeRoster<RosterNode>();
    r.add(node('validator-0'));
    const gone = r.add(node('validator-1', 2));
    r.add(node('executor-0', 0));
    gone.removed = true;
    expect(r.get('validator-0').planned.name).toBe('validator-0');
    expect(r.get('validator-1', true)).toBe(gone);
    const err = (() => { try { r.get('validator-1'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(LoadnetError);
    expect((err as LoadnetError).code).toBe('LN_ERR_NODE_CONTROL');
    expect((err as Error).message).toBe('no node named "validator-1" in this run; nodes: validator-0, executor-0');
    expect(r.live().map((n) => n.planned.name)).toEqual(['validator-0', 'executor-0']);
    expect(r.all()).toHaveLength(3);
    expect(r.runNodes().map((n) => n.descriptor.name)).toEqual(['validator-0', 'executor-0']);
    expect(r.expectedPeers('validator-1')).toBe(2);
    expect(r.expectedPeers('nobody')).toBe(0);
  });

  it('names joiners uniquely within the run, removed nodes included', () => {
    const r = new NodeRoster<RosterNode>();
    r.add(node('validator-join-1'));
    expect(r.nextJoiner('validator', undefined)).toEqual({ joinIndex: 0, name: 'validator-join-0' });
    expect(() => r.nextJoiner('validator', undefined)).toThrow('a node named "validator-join-1" already exists in this run; pick another name');
    expect(r.nextJoiner('executor', 'extra')).toEqual({ joinIndex: 2, name: 'extra' });
  });
});
