/**
 * events.jsonl: one JSON object per line, `{"t": <Unix ms, monotonic>, "wall": "<ISO>", "kind": ..., ...}`.
 * Written through: each event is one write() of one whole line on an O_APPEND fd, so the file is valid
 * JSONL at every moment, even right after a SIGKILL, and readers (tests, the report) see an event as soon
 * as emit() returns. Events are few per second (phases, blocks, samples, intervals; per-transaction
 * records go to tx/), so a syscall each costs nothing that matters. Listeners see every event as emitted.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { nowMs } from '../util/clock.js';
import type { EventLog } from './contracts.js';
import type { CustomEventKind, LoggedEvent, RunEventFields, RunEventKind } from './run-events.js';

export type { LoggedEvent } from './run-events.js';

export class JsonlEventLog implements EventLog {
  private fd: number | null;
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  /** Events that could not be written (disk full, closed): counted, never thrown at the emitter. */
  dropped = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  emit<K extends RunEventKind>(kind: K, data: RunEventFields[K]): void;
  emit(kind: CustomEventKind, data?: Record<string, unknown>): void;
  emit(kind: string, data: object = {}): void {
    const t = nowMs();
    const ts = Math.round(t * 1000) / 1000;
    const wall = new Date(t).toISOString();
    const event = { t: ts, wall, kind, ...data } as Record<string, unknown> & { t: number; wall: string; kind: string };
    // The envelope wins: a data field named t, wall or kind never replaces it (key order stays t, wall, kind).
    event.t = ts;
    event.wall = wall;
    event.kind = kind;
    for (const l of this.listeners) {
      try {
        l(event as LoggedEvent);
      } catch {
        /* a listener never breaks the record */
      }
    }
    if (this.fd === null) {
      this.dropped++;
      return;
    }
    let line: string;
    try {
      line = JSON.stringify(event) + '\n';
    } catch (e) {
      line = JSON.stringify({ t: ts, wall, kind, error: `event not serialisable: ${(e as Error).message}` }) + '\n';
    }
    try {
      writeSync(this.fd, line);
    } catch {
      this.dropped++;
    }
  }

  on(listener: (e: LoggedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
