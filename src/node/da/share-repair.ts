/**
 * Share repair: a holder that missed a share (down, paused or slow while the blob was dispersed) fetches
 * it from the other holders of its subnetwork once the blob's certificate is on its chain, so every share
 * of a certified blob ends up at every holder of its subnetwork, including after restarts.
 *
 * Jobs come from certificates in applied blocks; a few run at once; sources are the subnetwork's other
 * holders, those that attested first (they said they hold it). A fetched share is checked against the
 * certificate (blob id, index, share count, blob size, length) before it is stored. Failed jobs are retried
 * a few times, then given up (counted).
 */
import type { Hex } from '../../util/bytes.js';
import type { ShareStore } from './share-store.js';
import { decodeShare, encodeFetch } from './shares.js';

export interface RepairJob {
  blobId: Hex;
  index: number;
  total: number;
  size: number;
  sources: Hex[];
  attempts: number;
}

const CONCURRENCY = 4;
const MAX_ATTEMPTS = 4;
const RETRY_MS = 2_000;
const MAX_QUEUE = 10_000;

export class ShareRepair {
  private readonly queue: RepairJob[] = [];
  private readonly queued = new Set<string>();
  private running = 0;
  private stopped = false;
  readonly counters = { repaired: 0, givenUp: 0 };

  constructor(
    private readonly store: ShareStore,
    private readonly fetch: ((peer: Hex, bytes: Uint8Array) => Promise<Uint8Array | null>) | null,
    private readonly log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void,
  ) {}

  /** Queue a share this node should hold, unless it already does. */
  want(job: Omit<RepairJob, 'attempts'>): void {
    const key = `${job.blobId}:${job.index}`;
    if (!this.fetch || this.stopped || this.queued.has(key) || this.queue.length >= MAX_QUEUE || job.sources.length === 0) return;
    if (this.store.has(job.blobId, job.index)) return;
    this.queued.add(key);
    this.queue.push({ ...job, attempts: 0 });
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.length + this.running;
  }

  private pump(): void {
    while (!this.stopped && this.running < CONCURRENCY && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(job: RepairJob): Promise<void> {
    const key = `${job.blobId}:${job.index}`;
    for (const src of job.sources) {
      if (this.stopped) return;
      try {
        const reply = await this.fetch!(src, encodeFetch(job.blobId, job.index));
        if (!reply) continue;
        const m = decodeShare(reply);
        if (m.blobId !== job.blobId || m.index !== job.index || m.total !== job.total || m.size !== job.size) continue;
        this.store.put(m);
        this.counters.repaired++;
        this.queued.delete(key);
        this.log('debug', 'DA share repaired', { blobId: job.blobId, index: job.index, from: src.slice(0, 16) });
        return;
      } catch {
        // next source
      }
    }
    if (++job.attempts >= MAX_ATTEMPTS || this.stopped) {
      this.queued.delete(key);
      this.counters.givenUp++;
      this.log('warn', 'DA share repair gave up', { blobId: job.blobId, index: job.index, sources: job.sources.length });
      return;
    }
    const t = setTimeout(() => {
      if (this.stopped) return;
      this.queue.push(job);
      this.pump();
    }, RETRY_MS);
    t.unref();
  }
}
