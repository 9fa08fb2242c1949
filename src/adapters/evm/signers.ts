/**
 * secp256k1 signers by name, for the workers' hot path. 'noble' (@noble/curves, pure JS, audited) is the
 * reference and the default; 'native' uses the `secp256k1` addon (libsecp256k1) when it is installed.
 * node:crypto is not a candidate: its ECDSA always hashes its input, so it cannot sign a keccak digest.
 * Measured side by side in bench/evm-sign.ts (bench/RESULTS.md).
 */
import { createRequire } from 'node:module';
import { LoadnetError } from '../../errors.js';
import { nobleSign, type Secp256k1Sign } from './tx.js';

export const SIGNER_NAMES = ['noble', 'native'] as const;

interface NativeSecp256k1 {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
}

export async function secp256k1Signer(name = 'noble'): Promise<Secp256k1Sign> {
  if (name === 'noble') return nobleSign;
  if (name === 'native') {
    let lib: NativeSecp256k1;
    try {
      lib = createRequire(import.meta.url)('secp256k1') as NativeSecp256k1;
    } catch (e) {
      throw new LoadnetError('LN_ERR_USAGE', `secp256k1 signer 'native' needs the secp256k1 package: ${(e as Error).message}`, { hint: "npm install secp256k1, or use signer 'noble'" });
    }
    return (hash, key) => {
      const { signature, recid } = lib.ecdsaSign(hash, key);
      return { r: signature.subarray(0, 32), s: signature.subarray(32, 64), yParity: recid };
    };
  }
  throw new LoadnetError('LN_ERR_USAGE', `secp256k1 signer ${JSON.stringify(name)} is unknown; allowed: ${SIGNER_NAMES.join(', ')}`);
}
