/**
 * Per-transaction records streamed to disk, so memory stays flat however long the run: one CSV line per
 * submitted transaction, files rotated every `perFile` lines, only the newest `maxFiles` kept per worker.
 * Columns: intended_ms,sent_ms,answered_ms,result,node,wallet,nonce,id
 */
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export const TX_RECORD_HEADER = 'intended_ms,sent_ms,answered_ms,result,node,wallet,nonce,id\n';

export class TxRecordWriter {
  private stream?: WriteStream;
  private lines = 0;
  private fileNo = 0;
  private chunk: string[] = [];
  private readonly files: string[] = [];

  constructor(private readonly dir: string, private readonly prefix: string, private readonly perFile: number, private readonly maxFiles: number) {
    mkdirSync(dir, { recursive: true });
  }

  private open(): WriteStream {
    const path = join(this.dir, `${this.prefix}-${String(this.fileNo++).padStart(4, '0')}.csv`);
    this.files.push(path);
    while (this.files.length > this.maxFiles) rmSync(this.files.shift()!, { force: true });
    const s = createWriteStream(path);
    s.write(TX_RECORD_HEADER);
    return s;
  }

  add(intended: number, sent: number, answered: number, result: string, node: number, wallet: number, nonce: number, id: string): void {
    this.chunk.push(`${intended.toFixed(3)},${sent.toFixed(3)},${answered.toFixed(3)},${result},${node},${wallet},${nonce},${id}\n`);
    if (this.chunk.length >= 512) this.flush();
  }

  /** Write buffered lines (joined, so the stream sees few large writes). */
  flush(): void {
    if (this.chunk.length === 0) return;
    let i = 0;
    while (i < this.chunk.length) {
      if (!this.stream || this.lines >= this.perFile) {
        this.stream?.end();
        this.stream = this.open();
        this.lines = 0;
      }
      const n = Math.min(this.chunk.length - i, this.perFile - this.lines);
      this.stream.write(this.chunk.slice(i, i + n).join(''));
      this.lines += n;
      i += n;
    }
    this.chunk = [];
  }

  close(): Promise<void> {
    this.flush();
    const s = this.stream;
    this.stream = undefined;
    return new Promise((resolve) => (s ? s.end(resolve) : resolve()));
  }
}
