/**
 * The mempool across a graceful restart: on stop the node writes its pending transactions (canonical
 * bytes, each sender's in nonce order) to `<dataDir>/mempool.bin`, and on start re-admits them (checked
 * again against the restored ledger) and deletes the file. Without it every transaction that only this
 * node held - accepted from a client, not yet gossiped or gossiped to nobody - is lost with the restart,
 * and each such loss blocks all later nonces of its sender. A SIGKILL leaves no file: that case is the
 * client's to recover (the load engine re-submits what stalls).
 *
 *   mempool.bin = an encodeTxBatch body (count u32 | (length u32 | bytes)*), written to a temp file and
 *   renamed over, so it is whole or absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeTxBatch, encodeTxBatch } from '../adapters/devnet/wire/tx.js';

const FILE = 'mempool.bin';

export function saveMempool(dataDir: string, txs: readonly Uint8Array[]): void {
  const file = path.join(dataDir, FILE);
  if (txs.length === 0) {
    fs.rmSync(file, { force: true });
    return;
  }
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, encodeTxBatch(txs));
  fs.renameSync(tmp, file);
}

/** The saved transactions (removing the file: they are admitted once), or [] when there are none. */
export function takeSavedMempool(dataDir: string): Uint8Array[] {
  const file = path.join(dataDir, FILE);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return [];
  }
  fs.rmSync(file, { force: true });
  return decodeTxBatch(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), Number.MAX_SAFE_INTEGER);
}
