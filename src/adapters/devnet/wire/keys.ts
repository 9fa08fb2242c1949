/**
 * Deterministic identities: every key of a run derives from the scenario seed, a role and an index, so
 * two runs with the same seed have the same wallets, validators and genesis.
 */
import { sha256 } from '../../../util/hash.js';
import { ed25519Backend, type Ed25519BackendName, type SigningKey } from './ed25519.js';
import { toHex, type Hex } from '../../../util/bytes.js';

export type KeyRole = 'wallet' | 'validator' | 'executor' | 'node' | 'extra';

export function deriveSeed(scenarioSeed: number | string, role: KeyRole | string, index: number): Uint8Array {
  return sha256(new TextEncoder().encode(`loadnet/key/v1/${scenarioSeed}/${role}/${index}`));
}

export interface KeyPairInfo {
  seed: Hex;
  publicKey: Hex;
}

export function deriveKeyPair(scenarioSeed: number | string, role: KeyRole | string, index: number, backend?: Ed25519BackendName): KeyPairInfo & { key: SigningKey } {
  const seed = deriveSeed(scenarioSeed, role, index);
  const key = ed25519Backend(backend).keyFromSeed(seed);
  return { seed: toHex(seed), publicKey: toHex(key.publicKey), key };
}
