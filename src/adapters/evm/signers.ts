/**
 * secp256k1 signers by name, for the workers' hot path. 'native' is the `secp256k1` package's libsecp256k1
 * addon (prebuilt for linux-x64, darwin-arm64, win32-x64), about 10x faster here than 'noble' (@noble/curves,
 * pure JS, audited), which is the reference it is cross-checked against (same RFC 6979 signatures). 'auto'
 * (the default) takes native when its binding loads, else noble. node:crypto is no candidate: its ECDSA
 * always hashes its input, so it cannot sign a keccak digest. Measured in bench/evm-sign.ts (RESULTS.md).
 */
import { createRequire } from 'node:module';
import { LoadnetError } from '../../errors.js';
import { nobleSign, type Secp256k1Sign } from './tx.js';

export const SIGNER_NAMES = ['auto', 'native', 'noble'] as const;

interface NativeSecp256k1 {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
}

/** The addon itself (`secp256k1/bindings`), never the package's silent fallback to the pure-JS elliptic. */
function loadNative(): NativeSecp256k1 {
  return createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
}

export async function secp256k1Signer(name = 'auto'): Promise<Secp256k1Sign> {
  if (name === 'noble') return nobleSign;
  if (name === 'auto' || name === 'native') {
    let lib: NativeSecp256k1;
    try {
      lib = loadNative();
    } catch (e) {
      if (name === 'auto') return nobleSign;
      throw new LoadnetError('LN_ERR_USAGE', `secp256k1 signer 'native' needs the secp256k1 package's addon: ${(e as Error).message}`, { hint: "reinstall secp256k1 (prebuilt for linux-x64, darwin-arm64, win32-x64), or use signer 'noble'" });
    }
    return (hash, key) => {
      const { signature, recid } = lib.ecdsaSign(hash, key);
      return { r: signature.subarray(0, 32), s: signature.subarray(32, 64), yParity: recid };
    };
  }
  throw new LoadnetError('LN_ERR_USAGE', `secp256k1 signer ${JSON.stringify(name)} is unknown; allowed: ${SIGNER_NAMES.join(', ')}`);
}
