/**
 * A validator's DA shares: every share on disk under <dataDir>/da/<blobId>/<index>.share (so they survive
 * a restart and can be served for sampling later), the most recent ones also in memory up to a byte bound.
 * File = total u16 | size u32 | data (little-endian), written to a temp name and renamed so a crash never
 * leaves a torn share behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Hex } from '../../util/bytes.js';
import type { ShareMessage } from './shares.js';

const HEX64 = /^[0-9a-f]{64}$/;

export class ShareStore {
  private readonly memory = new Map<string, ShareMessage>();
  private memoryBytes = 0;
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly maxMemoryBytes = 64 * 1024 * 1024,
  ) {
    this.dir = path.join(dataDir, 'da');
  }

  private file(blobId: Hex, index: number): string {
    return path.join(this.dir, blobId, `${index}.share`);
  }

  /** Store (idempotent). Throws on a disk error: the caller must not attest what it could not keep. */
  put(m: ShareMessage): void {
    const key = `${m.blobId}:${m.index}`;
    if (!this.memory.has(key)) {
      const f = this.file(m.blobId, m.index);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      const head = Buffer.alloc(6);
      head.writeUInt16LE(m.total, 0);
      head.writeUInt32LE(m.size, 2);
      const tmp = `${f}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, Buffer.concat([head, m.data]));
      fs.renameSync(tmp, f);
    }
    this.remember(key, { ...m, data: new Uint8Array(m.data) });
  }

  private remember(key: string, m: ShareMessage): void {
    const old = this.memory.get(key);
    if (old) {
      this.memory.delete(key);
      this.memoryBytes -= old.data.length;
    }
    this.memory.set(key, m);
    this.memoryBytes += m.data.length;
    for (const [k, v] of this.memory) {
      if (this.memoryBytes <= this.maxMemoryBytes) break;
      this.memory.delete(k);
      this.memoryBytes -= v.data.length;
    }
  }

  has(blobId: Hex, index: number): boolean {
    return this.memory.has(`${blobId}:${index}`) || (HEX64.test(blobId) && fs.existsSync(this.file(blobId, index)));
  }

  get(blobId: Hex, index: number): ShareMessage | null {
    if (!HEX64.test(blobId) || !Number.isInteger(index) || index < 0) return null;
    const m = this.memory.get(`${blobId}:${index}`);
    if (m) return m;
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file(blobId, index));
    } catch {
      return null;
    }
    if (buf.length < 6) return null;
    return { blobId, index, total: buf.readUInt16LE(0), size: buf.readUInt32LE(2), data: new Uint8Array(buf.subarray(6)) };
  }

  /** Indexes of the shares of a blob held here, ascending. */
  indexes(blobId: Hex): number[] {
    if (!HEX64.test(blobId)) return [];
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.dir, blobId));
    } catch {
      return [];
    }
    return names
      .filter((n) => /^\d+\.share$/.test(n))
      .map((n) => Number(n.slice(0, -6)))
      .sort((a, b) => a - b);
  }

  get memoryUsage(): { shares: number; bytes: number } {
    return { shares: this.memory.size, bytes: this.memoryBytes };
  }
}
