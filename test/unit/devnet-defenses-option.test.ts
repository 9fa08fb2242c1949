// The devnet's `defensesOff` chain option as a user writes it (`import … from 'loadnet'`, the built package):
// node names (their API limits and P2P budgets), or `{ defenses, nodes? }` naming defenses, checked at build
// against the node's own list; bad input is refused naming the field and what is allowed.
import { describe, expect, it } from 'vitest';
import { LoadnetError, ScenarioBuilder, scenarioFromSpec, specFromJson } from 'loadnet';

const onChain = (defensesOff: unknown) => ScenarioBuilder.topology().validators(2).apply().wallets(2).onChain({ type: 'devnet', defensesOff }).build();

function issuesOf(f: () => unknown): Array<{ field: string; value: unknown; allowed: string }> {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LoadnetError);
    expect((e as LoadnetError).code).toBe('LN_ERR_SCENARIO_INVALID');
    return (e as LoadnetError).issues as Array<{ field: string; value: unknown; allowed: string }>;
  }
  throw new Error('built without an error');
}

describe("devnet chain option defensesOff (through 'loadnet')", () => {
  it('takes true, node names, or { defenses, nodes? }; DSL and JSON alike', () => {
    expect(onChain(true).spec.chain).toEqual({ type: 'devnet', defensesOff: true });
    expect(onChain(['validator-1']).spec.chain).toEqual({ type: 'devnet', defensesOff: ['validator-1'] });
    const named = onChain({ defenses: ['fee-ordering', 'peer-ban'], nodes: ['validator-0'] });
    expect(named.spec.chain).toEqual({ type: 'devnet', defensesOff: { defenses: ['fee-ordering', 'peer-ban'], nodes: ['validator-0'] } });
    expect(onChain({ defenses: ['all'] }).spec.chain).toEqual({ type: 'devnet', defensesOff: { defenses: ['all'] } });
    const json = specFromJson(JSON.stringify({ topology: { validators: 2 }, wallets: { count: 2 }, chain: { type: 'devnet', defensesOff: { defenses: ['fee-ordering'] } } }));
    expect(scenarioFromSpec(json).spec.chain).toEqual({ type: 'devnet', defensesOff: { defenses: ['fee-ordering'] } });
  });

  it('an unknown defense is refused with the list of defense names', () => {
    const [issue, ...rest] = issuesOf(() => onChain({ defenses: ['fee-ordering', 'fee-order'] }));
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ field: 'chain.defensesOff.defenses', value: ['fee-order'] });
    expect(issue!.allowed).toMatch(/^defense names: all, invalid-signature-memory, .*\bfee-ordering\b.*\bpeer-ban\b/);
    expect(() => onChain({ defenses: ['fee-order'] })).toThrow(/chain\.defensesOff\.defenses: \["fee-order"\]; allowed: defense names: all, invalid-signature-memory, /);
  });

  it('a bad shape, an empty list, bad node names or an unknown key are refused naming each', () => {
    expect(() => onChain('all')).toThrow(/chain\.defensesOff: "all"; allowed: true \(every node\), node names such as \['validator-1'\] \(their API limits and P2P budgets\), or \{ defenses: \['fee-ordering', \.\.\.\], nodes\?: \['validator-0', \.\.\.\] \}/);
    expect(issuesOf(() => onChain({ defenses: [], nodes: ['Validator 0'], node: 'validator-0' })).map((i) => i.field)).toEqual(['chain.defensesOff.node', 'chain.defensesOff.defenses', 'chain.defensesOff.nodes']);
    expect(() => onChain({ defenses: 'fee-ordering' })).toThrow(/chain\.defensesOff\.defenses: "fee-ordering"; allowed: a non-empty list of defense names: all, /);
    expect(() => onChain({ defenses: ['fee-ordering'], nodes: [] })).toThrow(/chain\.defensesOff\.nodes: \[\]; allowed: node names such as \['validator-0'\] \(omitted: every node\)/);
  });
});
