/**
 * The bound on API batch transactions waiting for signature verification or in it (defense
 * `verify-queue-bound`). API batches take turns in the verification pool, one window at a time, and a
 * waiting batch holds its body, its decoded window and, on its socket, every pipelined answer behind it
 * (HTTP/1.1 answers leave in order). At the default request budget a flood of forged batches arrived
 * faster than the turns went round: validator-0 held 1,520 block pages and 54 forged bodies 16 s in,
 * 377 MiB live and RSS past 1.3 GiB (bench/RESULTS.md, 2026-12-04 03:08). A batch that would take a
 * client, or the node, past its bound is refused before it is decoded (503 + Retry-After); a batch
 * alone in the queue is always taken, so any batch the API accepts can be submitted.
 */

/**
 * Transactions one client address may have queued: two batches of 8,192, about 1 s of the 2-thread pool
 * (16,800/s, bench/RESULTS.md); the load engine keeps at most threads × connections × 100 in flight
 * (1,600 at its defaults).
 */
export const VERIFY_PENDING_PER_CLIENT = 16_384;
/** Transactions queued over all clients: about 4 s of the pool. */
export const VERIFY_PENDING_MAX = 65_536;

export class VerifyQueueBound {
  private readonly byClient = new Map<string, number>();
  pending = 0;
  refused = 0;

  /** perClient / max: 0 = no bound. */
  constructor(
    private readonly perClient: number,
    private readonly max: number,
  ) {}

  /**
   * Take `count` transactions into the queue for `client`, or the reason they are refused
   * (the client's or the node's queue would be past its bound).
   */
  reserve(client: string, count: number): { release(n: number): void; done(): void } | string {
    const mine = this.byClient.get(client) ?? 0;
    if (this.perClient > 0 && mine > 0 && mine + count > this.perClient) {
      this.refused++;
      return `this client has ${mine} transactions waiting for signature verification; ${count} more would pass its bound of ${this.perClient}`;
    }
    if (this.max > 0 && this.pending > 0 && this.pending + count > this.max) {
      this.refused++;
      return `the node has ${this.pending} transactions waiting for signature verification; ${count} more would pass its bound of ${this.max}`;
    }
    this.byClient.set(client, mine + count);
    this.pending += count;
    let left = count;
    const release = (n: number) => {
      const k = Math.min(left, n);
      if (k <= 0) return;
      left -= k;
      this.pending -= k;
      const now = (this.byClient.get(client) ?? k) - k;
      if (now > 0) this.byClient.set(client, now);
      else this.byClient.delete(client);
    };
    return { release, done: () => release(left) };
  }
}
