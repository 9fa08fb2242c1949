/**
 * ed25519 behind one interface with three backings (all produce byte-identical signatures; ed25519 is
 * deterministic). Per CPU-second of one core (bench/primitives.ts, bench/RESULTS.md): sodium-native signs
 * ~45–49k/s and verifies ~13k/s, node:crypto (KeyObject, OpenSSL) ~20–25k/s and ~3–4k/s, @noble/ed25519
 * ~2k/s and ~0.4–0.75k/s.
 * Hot paths (node verification, generator signing) use the fastest available native backend; noble stays
 * as the portable reference for cross-checks and golden vectors.
 */
import * as crypto from 'node:crypto';
import { createRequire } from 'node:module';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

export type Ed25519BackendName = 'sodium' | 'node' | 'noble';

/** A signing key bound to one backend. Keep it: re-deriving it per signature is 14–17x slower on node:crypto (bench/primitives.ts). */
export interface SigningKey {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
  /** The same signature written into `signature` (64 bytes): with sodium nothing is allocated (the load workers' hot path). */
  signInto(message: Uint8Array, signature: Uint8Array): void;
}

export interface Ed25519Backend {
  readonly name: Ed25519BackendName;
  keyFromSeed(seed: Uint8Array): SigningKey;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

interface SodiumApi {
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(sig: Uint8Array, msg: Uint8Array, sk: Uint8Array): void;
  crypto_sign_verify_detached(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean;
}

let sodiumCache: SodiumApi | null | undefined;
function loadSodium(): SodiumApi | null {
  if (sodiumCache !== undefined) return sodiumCache;
  try {
    // A native addon: absent prebuilds on exotic platforms must not break loadnet, so load it lazily.
    sodiumCache = createRequire(import.meta.url)('sodium-native') as SodiumApi;
  } catch {
    sodiumCache = null;
  }
  return sodiumCache;
}

const sodiumBackend = (s: SodiumApi): Ed25519Backend => ({
  name: 'sodium',
  keyFromSeed(seed) {
    const pk = new Uint8Array(32);
    const sk = new Uint8Array(64);
    s.crypto_sign_seed_keypair(pk, sk, seed);
    return {
      publicKey: pk,
      sign(message) {
        const sig = new Uint8Array(64);
        s.crypto_sign_detached(sig, message, sk);
        return sig;
      },
      signInto(message, signature) {
        s.crypto_sign_detached(signature, message, sk);
      },
    };
  },
  verify(signature, message, publicKey) {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    return s.crypto_sign_verify_detached(signature, message, publicKey);
  },
});

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const nodeBackend: Ed25519Backend = {
  name: 'node',
  keyFromSeed(seed) {
    const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const spki = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
    const publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
    return {
      publicKey,
      sign(message) {
        return new Uint8Array(crypto.sign(null, message, key));
      },
      signInto(message, signature) {
        signature.set(crypto.sign(null, message, key));
      },
    };
  },
  verify(signature, message, publicKey) {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    try {
      const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
      return crypto.verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

const nobleBackend: Ed25519Backend = {
  name: 'noble',
  keyFromSeed(seed) {
    const s = new Uint8Array(seed);
    return { publicKey: ed.getPublicKey(s), sign: (message) => ed.sign(message, s), signInto: (message, signature) => signature.set(ed.sign(message, s)) };
  },
  verify(signature, message, publicKey) {
    try {
      return ed.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
};

/** The backend of that name; 'sodium' falls back to 'node' when the addon cannot load. */
export function ed25519Backend(name?: Ed25519BackendName): Ed25519Backend {
  if (name === 'noble') return nobleBackend;
  if (name === 'node') return nodeBackend;
  const s = loadSodium();
  return s ? sodiumBackend(s) : nodeBackend;
}

/** The fastest backend on this machine. */
export const fastestEd25519 = (): Ed25519Backend => ed25519Backend('sodium');
