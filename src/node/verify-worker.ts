/**
 * Piscina worker of the node's verification pool: checks a packed batch of ed25519 signatures.
 * Task layout (one transferred buffer): per item pk 32 | sig 64 | msgLen u32 LE | msg. Answer: one
 * byte per item, 1 = valid. Uses the same fastest backend as the main thread (sodium-native).
 */
import { fastestEd25519 } from '../adapters/devnet/wire/ed25519.js';

const backend = fastestEd25519();

export default function verifyBatch(task: { buf: ArrayBuffer; n: number }): Uint8Array {
  const bytes = new Uint8Array(task.buf);
  const dv = new DataView(task.buf);
  const out = new Uint8Array(task.n);
  let o = 0;
  for (let i = 0; i < task.n; i++) {
    const pk = bytes.subarray(o, o + 32);
    const sig = bytes.subarray(o + 32, o + 96);
    const len = dv.getUint32(o + 96, true);
    const msg = bytes.subarray(o + 100, o + 100 + len);
    out[i] = backend.verify(sig, msg, pk) ? 1 : 0;
    o += 100 + len;
  }
  return out;
}
