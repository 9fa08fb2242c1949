// Piscina task for bench/sign-backends.ts: sign `count` single-transfer transactions (codec fast path) with
// one backend and return the signatures in one transferred ArrayBuffer (one transfer, not many small arrays).
import { Piscina } from 'piscina';
import { ed25519Backend } from '../dist/src/adapters/devnet/wire/ed25519.js';
import { signTransferFast } from '../dist/src/adapters/devnet/wire/tx.js';
import { fromHex } from '../dist/src/util/bytes.js';

const keys = new Map();
let nonce = 0;
export default function sign({ backend, seed, count }) {
  let key = keys.get(backend);
  if (!key) keys.set(backend, (key = ed25519Backend(backend).keyFromSeed(fromHex(seed, 32))));
  const out = new Uint8Array(count * 64);
  for (let i = 0; i < count; i++) {
    const { bytes } = signTransferFast(key, nonce++, 1, key.publicKey, 1);
    out.set(bytes.subarray(bytes.length - 64), i * 64);
  }
  return Piscina.move(out.buffer);
}
