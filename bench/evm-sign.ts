/**
 * secp256k1 signing for the EVM adapter's load workers, side by side on one core, interleaved over rounds:
 * 'native' (the secp256k1 package's libsecp256k1 addon) and 'noble' (@noble/curves, pure JS, the
 * reference), each signing 32-byte digests with recovery id; and a whole EIP-1559 transfer (RLP, keccak,
 * signature, keccak of the raw bytes) with each. node:crypto is no candidate: its ECDSA hashes its input
 * (it cannot sign a precomputed keccak digest). Checks both signers agree before measuring.
 *
 *   npx tsx bench/evm-sign.ts [msPerRound=2000] [rounds=3]
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { secp256k1Signer } from '../src/adapters/evm/signers.js';
import { signEip1559 } from '../src/adapters/evm/tx.js';
import { DEV_MNEMONIC, fromHex, mnemonicKeys } from '../src/adapters/evm/keys.js';

const ms = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const [key] = mnemonicKeys(DEV_MNEMONIC, 1);
const digests = Array.from({ length: 1024 }, (_, i) => keccak_256(new Uint8Array([i & 255, i >> 8, 7])));
const signers = { native: await secp256k1Signer('native'), noble: await secp256k1Signer('noble') };
for (const d of digests.slice(0, 20)) {
  const a = signers.native(d, key!);
  const b = signers.noble(d, key!);
  if (Buffer.compare(Buffer.from(a.r), Buffer.from(b.r)) !== 0 || Buffer.compare(Buffer.from(a.s), Buffer.from(b.s)) !== 0 || a.yParity !== b.yParity) throw new Error('native and noble disagree');
}
const to = fromHex('0x70997970c51812dc3a010c7d01b50e0d17dc79c8', 20);
const rate = (fn: (i: number) => void): number => {
  for (let i = 0; i < 200; i++) fn(i);
  let n = 0;
  const t = performance.now();
  while (performance.now() - t < ms) for (let i = 0; i < 50; i++) fn(n++);
  return n / ((performance.now() - t) / 1000);
};
const out: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, sign] of Object.entries(signers)) {
    (out[`${name} digest`] ??= []).push(rate((i) => sign(digests[i & 1023]!, key!)));
    (out[`${name} EIP-1559 transfer`] ??= []).push(rate((i) => signEip1559({ chainId: 31337n, nonce: i, maxPriorityFeePerGas: 10n ** 9n, maxFeePerGas: 10n ** 11n, gasLimit: 21000n, to, value: 1n, data: new Uint8Array(0) }, key!, sign)));
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [k, xs] of Object.entries(out)) console.log(`${k}: median ${Math.round(med(xs))} sig/s on one core (rounds: ${xs.map((x) => Math.round(x)).join(' / ')})`);
