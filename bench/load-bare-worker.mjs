// The baseline for the engine's overhead: a bare sign-and-POST loop in a worker thread, no pacing, no
// measurement: sign `batch` transfers (sodium, codec fast path), POST them as one batch over its own undici
// Pool, keep `inflight` requests going, count transactions answered while the clock runs: for `durationMs`, or
// without it until the parent posts 'stop'. `packed`: sign each transfer straight into the batch body
// (TransferSigner, the engine's way: one allocation per batch) instead of signTransferFast + encodeTxBatch (a
// buffer, a message and an id per transaction: what a hand-written loop over the codec does).
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import { ed25519Backend } from '../dist/src/adapters/devnet/wire/ed25519.js';
import { signTransferFast, encodeTxBatch, TransferSigner, TRANSFER_TX_BYTES } from '../dist/src/adapters/devnet/wire/tx.js';
import { fromHex } from '../dist/src/util/bytes.js';

const { url, seeds, batch, inflight, durationMs, signOnly, packed } = workerData;
const backend = ed25519Backend('sodium');
const keys = seeds.map((s) => backend.keyFromSeed(fromHex(s, 32)));
const to = keys[0].publicKey;
const signers = keys.map((key) => new TransferSigner(key, 1, to, 1));
const nonces = keys.map(() => 0);
let k = 0;
function signBatch() {
  if (packed) {
    const body = new Uint8Array(4 + batch * (4 + TRANSFER_TX_BYTES));
    const dv = new DataView(body.buffer);
    dv.setUint32(0, batch, true);
    for (let i = 0, o = 4; i < batch; i++) {
      const w = k++ % keys.length;
      const len = signers[w].signInto(nonces[w]++, body, o + 4);
      dv.setUint32(o, len, true);
      o += 4 + len;
    }
    return body;
  }
  const txs = [];
  for (let i = 0; i < batch; i++) {
    const w = k++ % keys.length;
    txs.push(signTransferFast(keys[w], nonces[w]++, 1, to, 1).bytes);
  }
  return encodeTxBatch(txs);
}
const pool = new Pool(url, { connections: inflight });
let done = 0;
parentPort.postMessage('started');
let end = durationMs === undefined ? Infinity : performance.now() + durationMs;
parentPort.on('message', (m) => m === 'stop' && (end = performance.now()));
if (signOnly) {
  // Signing only, synchronously: needs durationMs (a 'stop' message is never read).
  while (performance.now() < end) {
    signBatch();
    done += batch;
  }
} else {
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (performance.now() < end) {
        const body = signBatch();
        const res = await pool.request({ method: 'POST', path: '/mempool/add/txs', body: Buffer.from(body.buffer, body.byteOffset, body.byteLength), headers: { 'content-type': 'application/octet-stream' } });
        await res.body.text();
        if (performance.now() <= end) done += batch;
      }
    }),
  );
}
await pool.close();
parentPort.postMessage(done);
