/**
 * A load worker's signed transactions, packed: the pre-signed queue and the batches taken from it keep their
 * transactions in one byte buffer each (a transaction's length, u32 little-endian, then its bytes: the packed form
 * of WorkerTxFactory.submitPacked) and what the worker needs of each in typed arrays (wallet slot, nonce), not in
 * an object, a buffer and an id string per transaction. Where the chain's factory signs into a buffer
 * (signInto), signing a transaction allocates nothing and an id is made only when asked for: at the engine's
 * maximum rate, what per-transaction allocations cost (malloc, page faults, GC) was most of what it spent beyond a
 * bare sign-and-POST loop (bench/RESULTS.md, #15).
 */
import type { Hex, HttpCall, WorkerTxFactory } from '../src/adapters/seam.js';
import type { SignedTxs } from './nonce-lanes.js';

const LEN = 4;
const EMPTY = new Uint8Array(0);

/** A transaction's packed form: its length (u32, little-endian), then its bytes. */
function writeLen(buf: Uint8Array, at: number, len: number): void {
  buf[at] = len & 0xff;
  buf[at + 1] = (len >>> 8) & 0xff;
  buf[at + 2] = (len >>> 16) & 0xff;
  buf[at + 3] = len >>> 24;
}

function readLen(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) + buf[at + 3]! * 0x100_0000;
}

/** Transactions taken for one request, in the order sent: what the answer is matched against. */
export class SignedBatch implements SignedTxs {
  readonly slot: Int32Array;
  readonly nonce: Float64Array;
  /** Each transaction's due time (the schedule's), for the corrected latency. */
  readonly intended: Float64Array;
  /** Where each transaction's packed form starts in `body`. */
  readonly at: Uint32Array;
  readonly ids: Hex[] | undefined;

  constructor(
    readonly count: number,
    /** The request body: the factory's header, then the packed transactions. */
    public body: Uint8Array,
    keepIds: boolean,
  ) {
    this.slot = new Int32Array(count);
    this.nonce = new Float64Array(count);
    this.intended = new Float64Array(count);
    this.at = new Uint32Array(count);
    this.ids = keepIds ? new Array<Hex>(count) : undefined;
  }

  txBytes(j: number): Uint8Array {
    const a = this.at[j]! + LEN;
    return this.body.subarray(a, a + readLen(this.body, this.at[j]!));
  }

  txId(j: number): Hex {
    return this.ids?.[j] ?? '';
  }

  /** Let the body go once the request holds it (its bytes are read again only where transactions are kept). */
  dropBody(): void {
    this.body = EMPTY;
  }

  /** Views of the transactions, for a factory without submitPacked. */
  views(): Uint8Array[] {
    return Array.from({ length: this.count }, (_, j) => this.txBytes(j));
  }
}

/** The submission request for a packed body (`count` transactions after the factory's header). */
export function packedCall(factory: WorkerTxFactory, body: Uint8Array, count: number, views: () => Uint8Array[]): HttpCall {
  return factory.submitPacked ? factory.submitPacked(body, count) : factory.submitCall(views());
}

/** The submission request for transactions given one by one (re-submissions of outstanding records: rare). */
export function submitCallOf(factory: WorkerTxFactory, txs: readonly Uint8Array[]): HttpCall {
  if (!factory.submitPacked) return factory.submitCall(txs);
  const headerBytes = factory.packedHeaderBytes ?? 0;
  let total = headerBytes;
  for (const t of txs) total += LEN + t.length;
  const body = new Uint8Array(total);
  let o = headerBytes;
  for (const t of txs) {
    writeLen(body, o, t.length);
    body.set(t, o + LEN);
    o += LEN + t.length;
  }
  return factory.submitPacked(body, txs.length);
}

/**
 * Pre-signed transactions in signing order, head to tail, packed into one buffer reused for the whole load
 * (compacted or grown when the tail reaches its end).
 */
export class SignedQueue {
  private bytes = new Uint8Array(64 * 1024);
  private slot = new Int32Array(512);
  private nonce = new Float64Array(512);
  private at = new Uint32Array(512);
  private ids: Hex[] | undefined;
  private head = 0;
  private tail = 0;
  private end = 0;
  /** Bytes of the request's header before the packed transactions (the factory's packedHeaderBytes). */
  private readonly headerBytes: number;

  constructor(
    private readonly factory: WorkerTxFactory,
    /** Make each transaction's id when signed (records, inclusion tracking or stall recovery read them). */
    private readonly keepIds: boolean,
  ) {
    if (factory.signInto && !(Number.isInteger(factory.maxTxBytes) && factory.maxTxBytes! > 0)) {
      throw new Error(`transaction factory: signInto needs maxTxBytes, the most bytes one signed transaction takes (a positive integer); got ${String(factory.maxTxBytes)}`);
    }
    this.ids = keepIds ? [] : undefined;
    this.headerBytes = factory.submitPacked ? (factory.packedHeaderBytes ?? 0) : 0;
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** Sign the transaction of (slot, nonce) onto the tail. */
  push(slot: number, nonce: number): void {
    const f = this.factory;
    let id: Hex | undefined;
    let at: number;
    let len: number;
    if (f.signInto) {
      this.reserve(LEN + f.maxTxBytes!);
      at = this.end;
      len = f.signInto(slot, nonce, this.bytes, at + LEN);
      if (this.keepIds) id = f.idOf ? f.idOf(this.bytes.subarray(at + LEN, at + LEN + len)) : f.sign(slot, nonce).id;
    } else {
      const s = f.sign(slot, nonce);
      len = s.bytes.length;
      this.reserve(LEN + len);
      at = this.end;
      this.bytes.set(s.bytes, at + LEN);
      id = s.id;
    }
    writeLen(this.bytes, at, len);
    this.end = at + LEN + len;
    const k = this.tail++;
    this.slot[k] = slot;
    this.nonce[k] = nonce;
    this.at[k] = at;
    if (this.ids && id !== undefined) this.ids[k] = id;
  }

  /** How many of the first transactions, up to `max`, are still current (stale ones are skipped when taken). */
  countCurrent(max: number, isCurrent: (slot: number, nonce: number) => boolean): number {
    let n = 0;
    for (let k = this.head; k < this.tail && n < max; k++) if (isCurrent(this.slot[k]!, this.nonce[k]!)) n++;
    return n;
  }

  /**
   * Take the first `max` current transactions (dropping stale ones on the way) into a batch whose body is the
   * request's: one copy per batch when none was stale. Undefined when none was left.
   */
  take(max: number, isCurrent: (slot: number, nonce: number) => boolean): SignedBatch | undefined {
    let n = 0;
    let bytes = 0;
    let k = this.head;
    for (; k < this.tail && n < max; k++) {
      if (!isCurrent(this.slot[k]!, this.nonce[k]!)) continue;
      n++;
      bytes += this.packedLen(k);
    }
    const from = this.head;
    const to = k;
    this.head = to;
    if (n === 0) return undefined;
    const h = this.headerBytes;
    const batch = new SignedBatch(n, new Uint8Array(h + bytes), this.keepIds);
    if (n === to - from) {
      // Nothing stale: the packed run is the body.
      const base = this.at[from]!;
      batch.body.set(this.bytes.subarray(base, base + bytes), h);
      for (let j = 0; j < n; j++) this.copyMeta(batch, j, from + j, this.at[from + j]! - base + h);
    } else {
      let o = h;
      let j = 0;
      for (let q = from; q < to; q++) {
        if (!isCurrent(this.slot[q]!, this.nonce[q]!)) continue;
        const len = this.packedLen(q);
        batch.body.set(this.bytes.subarray(this.at[q]!, this.at[q]! + len), o);
        this.copyMeta(batch, j++, q, o);
        o += len;
      }
    }
    return batch;
  }

  private copyMeta(batch: SignedBatch, j: number, k: number, at: number): void {
    batch.slot[j] = this.slot[k]!;
    batch.nonce[j] = this.nonce[k]!;
    batch.at[j] = at;
    if (batch.ids) batch.ids[j] = this.ids![k]!;
  }

  private packedLen(k: number): number {
    return (k + 1 < this.tail ? this.at[k + 1]! : this.end) - this.at[k]!;
  }

  /** Room for one more transaction of up to `bytes` packed: start over when empty, else compact, else grow. */
  private reserve(bytes: number): void {
    if (this.head === this.tail) {
      this.head = this.tail = this.end = 0;
      if (this.ids) this.ids.length = 0;
    }
    if (this.tail < this.slot.length && this.end + bytes <= this.bytes.length) return;
    const live = this.tail - this.head;
    const base = live > 0 ? this.at[this.head]! : this.end;
    const liveBytes = this.end - base;
    // Grow when the live part fills more than half: compaction then stays amortised O(1) per transaction.
    if ((live + 1) * 2 > this.slot.length) {
      const grow = <T extends Int32Array | Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a.subarray(this.head, this.tail) as never);
        return b;
      };
      this.slot = grow(this.slot, (n) => new Int32Array(n));
      this.nonce = grow(this.nonce, (n) => new Float64Array(n));
      this.at = grow(this.at, (n) => new Uint32Array(n));
    } else {
      this.slot.copyWithin(0, this.head, this.tail);
      this.nonce.copyWithin(0, this.head, this.tail);
      this.at.copyWithin(0, this.head, this.tail);
    }
    if ((liveBytes + bytes) * 2 > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, (liveBytes + bytes) * 2));
      b.set(this.bytes.subarray(base, this.end));
      this.bytes = b;
    } else {
      this.bytes.copyWithin(0, base, this.end);
    }
    for (let k = 0; k < live; k++) this.at[k] = this.at[k]! - base;
    if (this.ids) this.ids = this.ids.slice(this.head, this.tail);
    this.head = 0;
    this.tail = live;
    this.end = liveBytes;
  }
}
