/**
 * Orders an executor's certificate submissions by their parent chain, not by request arrival.
 *
 * A channel's blobs chain through parent ids and the ledger executes a certificate only when its parent is
 * the channel's last message; the executor signs all its certificates from one account, so nonce order is
 * execution order. Clients disperse concurrently over several HTTP connections, so a child may arrive (or
 * finish dispersing) before its parent: submitting it first would give it the lower nonce, its parent check
 * would fail in every block, and the executor's whole nonce queue would stall behind it.
 *
 * So a certificate is submitted once its parent is settled: zero (first blob), the channel's last message
 * on the ledger, or a certificate this executor already submitted; a parent this executor is still
 * dispersing is awaited; a parent not seen at all is waited for up to `waitMs` (it may be on its way), then
 * the certificate goes anyway (the parent may come from another executor). A parent whose dispersal failed
 * fails its children too: they could never execute.
 */
import type { Hex } from '../../util/bytes.js';

const ZERO_ID = '0'.repeat(64);
const REMEMBER = 10_000;

interface Pending {
  settled: Promise<boolean>;
  settle(ok: boolean): void;
}

export class ParentOrder {
  private readonly inFlight = new Map<Hex, Pending>();
  private readonly submitted = new Set<Hex>();
  private readonly submittedOrder: Hex[] = [];
  private readonly failed = new Set<Hex>();
  private readonly arrivals = new Map<Hex, Array<() => void>>();

  constructor(
    private readonly channelLast: (channel: Hex) => Hex | null,
    private readonly waitMs = 2_000,
  ) {}

  /**
   * Resolves when a certificate with this parent may be submitted; rejects when the parent failed here.
   * Call before begin() of the same request (a blob may repeat its parent's bytes, hence its id).
   */
  turn(channel: Hex, parent: Hex): Promise<void> {
    const ready = (): boolean => parent === ZERO_ID || this.submitted.has(parent) || this.channelLast(channel) === parent;
    const afterParent = async (p: Pending): Promise<void> => {
      if (!(await p.settled)) throw new ParentFailedError(parent);
    };
    if (this.failed.has(parent)) return Promise.reject(new ParentFailedError(parent));
    const pending = this.inFlight.get(parent);
    if (pending) return afterParent(pending);
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.dropArrival(parent, onArrival);
        resolve();
      }, this.waitMs);
      timer.unref();
      const onArrival = (): void => {
        clearTimeout(timer);
        afterParent(this.inFlight.get(parent)!).then(resolve, reject);
      };
      const list = this.arrivals.get(parent) ?? [];
      list.push(onArrival);
      this.arrivals.set(parent, list);
    });
  }

  /** A dispersal of blobId started here; call the returned function once its certificate was submitted (true) or failed. */
  begin(blobId: Hex): (ok: boolean) => void {
    let settle: (ok: boolean) => void = () => {};
    const settled = new Promise<boolean>((r) => (settle = r));
    const p: Pending = { settled, settle };
    this.inFlight.set(blobId, p);
    const waiting = this.arrivals.get(blobId);
    this.arrivals.delete(blobId);
    for (const w of waiting ?? []) w();
    return (ok) => {
      if (ok) this.remember(blobId);
      else this.failed.add(blobId);
      if (this.inFlight.get(blobId) === p) this.inFlight.delete(blobId);
      p.settle(ok);
    };
  }

  private remember(blobId: Hex): void {
    this.failed.delete(blobId);
    this.submitted.add(blobId);
    this.submittedOrder.push(blobId);
    if (this.submittedOrder.length > REMEMBER) this.submitted.delete(this.submittedOrder.shift()!);
    if (this.failed.size > REMEMBER) this.failed.clear();
  }

  private dropArrival(parent: Hex, fn: () => void): void {
    const list = this.arrivals.get(parent);
    if (!list) return;
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.arrivals.delete(parent);
  }
}

export class ParentFailedError extends Error {
  constructor(readonly parent: Hex) {
    super(`parent blob ${parent} failed to disperse at this executor, so this blob could never be included; disperse the parent again first`);
  }
}
