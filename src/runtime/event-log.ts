/**
 * events.jsonl: one JSON object per line, `{"t": <Unix ms, monotonic>, "wall": "<ISO>", "kind": ..., ...}`.
 * Streamed: lines are buffered briefly and appended with one write() of whole lines, so the file is valid
 * JSONL at every moment, even after SIGKILL (at most the last flush interval is lost). Listeners see every
 * event as it is emitted (the live progress, tests).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { nowMs } from '../util/clock.js';
import type { EventLog } from './contracts.js';

export interface LoggedEvent {
  t: number;
  wall: string;
  kind: string;
  [key: string]: unknown;
}

export class JsonlEventLog implements EventLog {
  private fd: number | null;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners = new Set<(e: LoggedEvent) => void>();

  constructor(readonly path: string, private readonly flushMs = 200) {
    this.fd = openSync(path, 'a');
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
  }

  emit(kind: string, data: Record<string, unknown> = {}): void {
    const t = nowMs();
    const event: LoggedEvent = { t: Math.round(t * 1000) / 1000, wall: new Date(t).toISOString(), kind, ...data };
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* a listener never breaks the record */
      }
    }
    if (this.fd === null) return;
    let line: string;
    try {
      line = JSON.stringify(event) + '\n';
    } catch (e) {
      line = JSON.stringify({ t: event.t, wall: event.wall, kind, error: `event not serialisable: ${(e as Error).message}` }) + '\n';
    }
    this.buffer.push(line);
    this.bufferedBytes += line.length;
    if (this.bufferedBytes > 64 * 1024) this.flush();
  }

  on(listener: (e: LoggedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  flush(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.bufferedBytes = 0;
    writeSync(this.fd, chunk);
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    clearInterval(this.timer);
    closeSync(this.fd);
    this.fd = null;
  }
}
