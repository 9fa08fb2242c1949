/**
 * The chains loadnet knows, by `chain.type`: the built-in devnet and evm, and any a user registers with
 * `registerChain(adapter)` before building a scenario that names it.
 */
import { LoadnetError } from '../errors.js';
import type { ChainAdapter } from './seam.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { devnetAdapter } from './devnet/index.js';
import { evmAdapter } from './evm/index.js';

const adapters = new Map<string, ChainAdapter>([
  [devnetAdapter.name, devnetAdapter],
  [evmAdapter.name, evmAdapter],
]);

export const DEFAULT_CHAIN = 'devnet';

export function registerChain(adapter: ChainAdapter): void {
  if (typeof adapter?.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(adapter.name)) {
    throw new LoadnetError('LN_ERR_USAGE', `registerChain: name ${JSON.stringify(adapter?.name)} is not allowed; allowed: lowercase letters, digits and '-', starting with a letter`);
  }
  adapters.set(adapter.name, adapter);
}

export function chainNames(): string[] {
  return [...adapters.keys()];
}

/** The adapter for a chain type (default: the devnet); a clear error naming the known ones otherwise. */
export function chainAdapter(type: string = DEFAULT_CHAIN): ChainAdapter {
  const a = adapters.get(type);
  if (!a) throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `chain.type: ${JSON.stringify(type)} is not a known chain; allowed: ${chainNames().join(', ')} (others are added with registerChain(adapter))`, { issues: [{ field: 'chain.type', value: type, allowed: chainNames().join(', ') }] });
  return a;
}

/** The adapter of a scenario (its `chain.type`, devnet when absent), bound to the scenario when it asks to be. */
export function chainOf(spec: ScenarioSpec): ChainAdapter {
  const a = chainAdapter(spec.chain?.type ?? DEFAULT_CHAIN);
  return a.configure ? a.configure(spec) : a;
}

/** A scenario's chain options (its `chain` without `type`). */
export function chainOptionsOf(spec: { chain?: { type: string } }): Record<string, unknown> {
  const { type: _type, ...options } = (spec.chain ?? { type: DEFAULT_CHAIN }) as Record<string, unknown>;
  return options;
}
