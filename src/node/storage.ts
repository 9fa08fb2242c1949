/**
 * On-disk state under the node's dataDir: an append-only block log and a periodic ledger snapshot.
 *
 *   blocks.log = record*, record = length u32 LE | crc32(payload) u32 LE | payload (an encoded block)
 * A crash can tear the last record; on open every record's length and checksum are checked and the
 * file is truncated at the first bad one, so only never-acknowledged tail bytes are lost. The snapshot
 * (state.json) is written to a temp file, fsynced and renamed over the old one, so it is either the
 * old or the new snapshot, never half of one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Hex } from '../chain/bytes.js';
import type { LedgerSnapshot } from './ledger.js';

const RECORD_HEADER = 8;

export interface LogRecord {
  offset: number;
  length: number;
  payload: Uint8Array;
}

export interface OpenResult {
  records: LogRecord[];
  /** Bytes cut from a torn or corrupt tail (0 when the log was clean). */
  truncatedBytes: number;
}

export interface StateSnapshot {
  version: 1;
  chainId: string;
  blockId: Hex;
  height: number;
  ledger: LedgerSnapshot;
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
  open(onRecord?: (r: LogRecord) => void): OpenResult {
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
    if (o < total) {
      fs.ftruncateSync(this.fd, o);
      fs.fsyncSync(this.fd);
    }
    this.size = o;
    return { records, truncatedBytes: total - o };
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

export function writeSnapshot(dir: string, snap: StateSnapshot): void {
  const tmp = path.join(dir, `${SNAPSHOT}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(snap));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, SNAPSHOT));
}

/** The last snapshot, or null when there is none or it does not parse (then the log is replayed). */
export function readSnapshot(dir: string): StateSnapshot | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, SNAPSHOT), 'utf8')) as StateSnapshot;
    return s && s.version === 1 && typeof s.blockId === 'string' ? s : null;
  } catch {
    return null;
  }
}
