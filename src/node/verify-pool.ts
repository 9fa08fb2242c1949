/**
 * Signature verification on more than one core: batches from POST /mempool/add/txs (and large
 * gossiped blocks) are checked in piscina worker threads, chunked so each task carries hundreds of
 * signatures: dispatch costs more than one signature (2 threads signing one per task did 2,588/s against
 * 16,800/s at 64 per task, same run: bench/sign-backends.ts, bench/RESULTS.md).
 * Valid ids go into the TxVerifier cache, so admission and block import then take the cache path.
 * When the worker file is not built (running from TypeScript sources) the pool is absent and
 * verification stays inline: same results, one core.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { SignedTransaction } from '../adapters/devnet/wire/tx.js';
import type { TxVerifier } from './tx-verifier.js';

/** Below this many unverified signatures a batch is verified inline (dispatch would cost more). */
export const MIN_POOLED = 64;
const CHUNK = 256;

function workerPath(): string | null {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts') ? resolve(dirname(here), '../../dist/src/node/verify-worker.js') : resolve(dirname(here), 'verify-worker.js');
  return existsSync(file) ? file : null;
}

export class VerifyPool {
  private readonly pool: Piscina;
  tasks = 0;
  pooled = 0;

  private constructor(file: string, threads: number) {
    this.pool = new Piscina({ filename: file, minThreads: 0, maxThreads: threads, idleTimeout: 10_000, atomics: 'disabled' });
  }

  /** A pool of `threads` workers (default: one per core, at most 4), or null when not available/wanted. */
  static create(threads?: number): VerifyPool | null {
    const n = threads ?? Math.min(4, availableParallelism());
    if (n < 1) return null;
    const file = workerPath();
    return file ? new VerifyPool(file, n) : null;
  }

  /**
   * Verify the transaction signatures the cache does not know yet, in parallel, and cache the valid
   * ones. Transactions with DA attestations are left to the inline path (rare, several signatures).
   */
  async preverify(txs: readonly SignedTransaction[], verifier: TxVerifier): Promise<void> {
    const todo = txs.filter((t) => !verifier.isCached(t) && !verifier.isRejected(t) && t.ops.every((op) => op.kind !== 'channel_blob'));
    if (todo.length < MIN_POOLED) return;
    const chunks: SignedTransaction[][] = [];
    const per = Math.max(MIN_POOLED, Math.min(CHUNK, Math.ceil(todo.length / (this.pool.options.maxThreads * 2))));
    for (let i = 0; i < todo.length; i += per) chunks.push(todo.slice(i, i + per));
    await Promise.all(
      chunks.map(async (chunk) => {
        let size = 0;
        for (const t of chunk) size += 100 + t.message.length;
        const buf = new ArrayBuffer(size);
        const bytes = new Uint8Array(buf);
        const dv = new DataView(buf);
        let o = 0;
        for (const t of chunk) {
          bytes.set(t.bytes.subarray(1, 33), o);
          bytes.set(t.bytes.subarray(t.bytes.length - 64), o + 32);
          dv.setUint32(o + 96, t.message.length, true);
          bytes.set(t.message, o + 100);
          o += 100 + t.message.length;
        }
        this.tasks++;
        const ok = (await this.pool.run({ buf, n: chunk.length }, { transferList: [buf] })) as Uint8Array;
        for (let i = 0; i < chunk.length; i++) {
          if (ok[i] === 1) verifier.markVerified(chunk[i]!);
          else verifier.markRejected(chunk[i]!);
        }
        this.pooled += chunk.length;
      }),
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
