/**
 * On-disk state under the node's dataDir: an append-only block log and a periodic ledger snapshot.
 *
 *   blocks.log = record*, record = length u32 LE | crc32(payload) u32 LE | payload (an encoded block)
 * A crash can tear the last record; on open every record's length and checksum are checked. A bad
 * record with nothing valid after it is a torn tail and is truncated (only never-acknowledged bytes are
 * lost). A bad record with a valid record after it is damage in the middle: the node stops with an
 * error naming the file and offset, or, with `onCorruptRecord: 'resync'`, keeps a copy of the damaged
 * log, cuts it at the bad record and says that the rest comes from peers.
 * The snapshot (state.json) is written to a temp file, fsynced and renamed over the old one, so it is
 * either the old or the new snapshot, never half of one; it carries a hash of its content, checked at
 * start (a mismatch means it was altered: state is rebuilt from the block log instead).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Hex } from '../util/bytes.js';
import { sha256Hex } from '../util/hash.js';
import { LoadnetError } from '../errors.js';
import type { LedgerSnapshot } from './ledger.js';

const RECORD_HEADER = 8;
/** No real record is shorter (an encoded block header alone is longer): a zeroed region is not a record. */
const MIN_RECORD_PAYLOAD = 64;
/** How far past a bad record to look for a valid one (a torn tail is one record: at most a few MiB). */
const RESYNC_SCAN_BYTES = 64 * 1024 * 1024;

export type CorruptRecordPolicy = 'stop' | 'resync';

export interface LogRecord {
  offset: number;
  length: number;
  payload: Uint8Array;
}

export interface OpenResult {
  records: LogRecord[];
  /** Bytes cut from a torn tail (0 when the log was clean). */
  truncatedBytes: number;
  /** Set when a damaged record in the middle was cut under the 'resync' policy. */
  corrupt?: { offset: number; droppedBytes: number; keptCopy: string };
}

export interface StateSnapshot {
  version: 1;
  chainId: string;
  blockId: Hex;
  height: number;
  ledger: LedgerSnapshot;
  /** sha256 of the fields above (see snapshotHash); written by writeSnapshot. */
  hash?: string;
}

export class BlockLog {
  private fd = -1;
  private size = 0;
  private dirty = false;
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'blocks.log');
  }

  /**
   * Open (creating the directory and file), validate every record, truncate a torn tail. Records are
   * read one at a time (memory stays at one block however long the log); with `onRecord` they are
   * streamed to it, otherwise collected and returned.
   */
  open(onRecord?: (r: LogRecord) => void, onCorrupt: CorruptRecordPolicy = 'stop'): OpenResult {
    fs.mkdirSync(this.dir, { recursive: true });
    this.fd = fs.openSync(this.file, fs.existsSync(this.file) ? 'r+' : 'w+');
    const total = fs.fstatSync(this.fd).size;
    const records: LogRecord[] = [];
    const head = Buffer.alloc(RECORD_HEADER);
    let o = 0;
    while (o + RECORD_HEADER <= total) {
      fs.readSync(this.fd, head, 0, RECORD_HEADER, o);
      const len = head.readUInt32LE(0);
      const sum = head.readUInt32LE(4);
      if (o + RECORD_HEADER + len > total) break;
      const payload = new Uint8Array(len);
      fs.readSync(this.fd, payload, 0, len, o + RECORD_HEADER);
      if (crc32(payload) !== sum) break;
      const rec = { offset: o + RECORD_HEADER, length: len, payload };
      if (onRecord) onRecord(rec);
      else records.push(rec);
      o += RECORD_HEADER + len;
    }
    let corrupt: OpenResult['corrupt'];
    if (o < total) {
      const next = this.nextValidRecord(o, total);
      if (next >= 0) {
        if (onCorrupt === 'stop') {
          throw new LoadnetError('LN_ERR_STORAGE', `block log ${this.file}: the record at offset ${o} is damaged (bad length or checksum) and a valid record follows at offset ${next}; the node stops rather than drop the ${total - o} bytes after it`, {
            hint: `restore the data dir from a copy, or start with storage.onCorruptRecord = "resync" to cut the log at offset ${o} and fetch the blocks after it from peers`,
          });
        }
        const keptCopy = `${this.file}.damaged-at-${o}`;
        fs.copyFileSync(this.file, keptCopy);
        corrupt = { offset: o, droppedBytes: total - o, keptCopy };
      }
      fs.ftruncateSync(this.fd, o);
      fs.fsyncSync(this.fd);
    }
    this.size = o;
    return { records, truncatedBytes: corrupt ? 0 : total - o, ...(corrupt ? { corrupt } : {}) };
  }

  /** Offset of the first valid record header after a bad one at `bad`, or -1 (then the bad one is a torn tail). */
  private nextValidRecord(bad: number, total: number): number {
    const end = Math.min(total, bad + RESYNC_SCAN_BYTES);
    if (total > end) return end; // more than a torn record could leave: damage, not a tail
    const tail = Buffer.alloc(end - bad);
    fs.readSync(this.fd, tail, 0, tail.length, bad);
    for (let p = 1; p + RECORD_HEADER <= tail.length; p++) {
      const len = tail.readUInt32LE(p);
      if (len < MIN_RECORD_PAYLOAD || p + RECORD_HEADER + len > tail.length) continue;
      if (crc32(tail.subarray(p + RECORD_HEADER, p + RECORD_HEADER + len)) === tail.readUInt32LE(p + 4)) return bad + p;
    }
    return -1;
  }

  /** Append one record; returns where its payload lives. */
  append(payload: Uint8Array): { offset: number; length: number } {
    const head = Buffer.alloc(RECORD_HEADER);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32(payload), 4);
    fs.writeSync(this.fd, head, 0, RECORD_HEADER, this.size);
    fs.writeSync(this.fd, payload, 0, payload.length, this.size + RECORD_HEADER);
    const offset = this.size + RECORD_HEADER;
    this.size = offset + payload.length;
    this.dirty = true;
    return { offset, length: payload.length };
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    fs.readSync(this.fd, out, 0, length, offset);
    return out;
  }

  /** fsync when something was written since the last sync (called on a timer and at shutdown). */
  sync(): void {
    if (this.fd < 0 || !this.dirty) return;
    fs.fdatasyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    if (this.fd < 0) return;
    this.sync();
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

const SNAPSHOT = 'state.json';

/** Hash of a snapshot's content (every field but the hash itself, in a fixed order). */
export function snapshotHash(snap: StateSnapshot): string {
  const { version, chainId, blockId, height, ledger } = snap;
  return sha256Hex(new TextEncoder().encode(JSON.stringify([version, chainId, blockId, height, ledger])));
}

export function writeSnapshot(dir: string, snap: StateSnapshot): void {
  const tmp = path.join(dir, `${SNAPSHOT}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify({ ...snap, hash: snapshotHash(snap) }));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, SNAPSHOT));
}

export type SnapshotRead = { snapshot: StateSnapshot } | { snapshot: null; problem: string | null };

/**
 * The last snapshot, or null with the reason it cannot be used (null reason: there is none); the
 * caller then replays the block log.
 */
export function readSnapshot(dir: string): SnapshotRead {
  const file = path.join(dir, SNAPSHOT);
  let s: StateSnapshot;
  try {
    s = JSON.parse(fs.readFileSync(file, 'utf8')) as StateSnapshot;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { snapshot: null, problem: null };
    return { snapshot: null, problem: `${file} does not parse: ${(e as Error).message}` };
  }
  if (!s || s.version !== 1 || typeof s.blockId !== 'string') return { snapshot: null, problem: `${file} is not a version 1 snapshot` };
  if (typeof s.hash !== 'string') return { snapshot: null, problem: `${file} carries no content hash` };
  const h = snapshotHash(s);
  if (h !== s.hash) return { snapshot: null, problem: `${file} does not match its hash (content hashes to ${h.slice(0, 16)}…, recorded ${s.hash.slice(0, 16)}…): it was altered` };
  return { snapshot: s };
}
