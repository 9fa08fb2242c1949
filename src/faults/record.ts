/**
 * Fault intervals in the run's event log: `fault.start` / `fault.end` {faultId, fault, target, detail?}
 * (`fault` is the fault's kind: restart, kill, ...; the line's own `kind` is fault.start/fault.end).
 * An action that ends by itself (restart) is one interval; a node taken down (stop, kill, pause) opens an
 * interval that the matching start/resume closes once the node has recovered, or teardown closes.
 * Shared by every deployer's node control and by the chaos workload (through NodeControl).
 */
import { nowMs } from '../util/clock.js';
import type { EventLog, FaultKind } from '../runtime/contracts.js';

interface OpenFault {
  faultId: string;
  kind: FaultKind;
  target: string;
  startedAt: number;
}

export class FaultRecorder {
  private next = 1;
  private readonly open = new Map<string, OpenFault>();

  constructor(private readonly events: EventLog, private readonly prefix = 'f') {}

  begin(kind: FaultKind, target: string, detail?: Record<string, unknown>): OpenFault {
    const fault = { faultId: `${this.prefix}${this.next++}`, kind, target, startedAt: nowMs() };
    this.events.emit('fault.start', { faultId: fault.faultId, fault: kind, target, ...(detail ? { detail } : {}) });
    return fault;
  }

  end(fault: OpenFault, outcome: { ok: boolean; error?: string; detail?: Record<string, unknown> }): void {
    this.events.emit('fault.end', {
      faultId: fault.faultId,
      fault: fault.kind,
      target: fault.target,
      ok: outcome.ok,
      durationMs: Math.round(nowMs() - fault.startedAt),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.detail ? { detail: outcome.detail } : {}),
    });
  }

  /**
   * Run `action` as one closed interval; its error ends the interval with ok:false and is rethrown. What the
   * action puts in `endDetail` (e.g. the stake a joiner declared) is the end's detail.
   */
  async interval<T>(kind: FaultKind, target: string, action: () => Promise<T>, detail?: Record<string, unknown>, endDetail?: Record<string, unknown>): Promise<T> {
    const fault = this.begin(kind, target, detail);
    try {
      const result = await action();
      this.end(fault, { ok: true, ...(endDetail && Object.keys(endDetail).length > 0 ? { detail: endDetail } : {}) });
      return result;
    } catch (e) {
      this.end(fault, { ok: false, error: (e as Error).message });
      throw e;
    }
  }

  /** Open an interval keyed by `key` (e.g. the node name) that `closeOpen(key)` ends later. */
  openFor(key: string, kind: FaultKind, target: string, detail?: Record<string, unknown>): void {
    const existing = this.open.get(key);
    if (existing) return; // already down: the first cause's interval stays the one that counts
    this.open.set(key, this.begin(kind, target, detail));
  }

  closeOpen(key: string, outcome: { ok: boolean; error?: string; detail?: Record<string, unknown> }): void {
    const fault = this.open.get(key);
    if (!fault) return;
    this.open.delete(key);
    this.end(fault, outcome);
  }

  /** Wait for the node to recover, then end the open interval with its outcome (an error is recorded and rethrown). */
  async closeAfter(key: string, recovered: () => Promise<Record<string, unknown> | undefined>): Promise<void> {
    try {
      const detail = await recovered();
      this.closeOpen(key, { ok: true, detail });
    } catch (e) {
      this.closeOpen(key, { ok: false, error: (e as Error).message });
      throw e;
    }
  }

  /** End every open interval whose key starts with `prefix`. */
  closeOpenPrefix(prefix: string, outcome: { ok: boolean; error?: string; detail?: Record<string, unknown> }): void {
    for (const key of [...this.open.keys()]) if (key.startsWith(prefix)) this.closeOpen(key, outcome);
  }

  hasOpen(key: string): boolean {
    return this.open.has(key);
  }

  /** At teardown: close whatever is still open. */
  closeAll(reason: string): void {
    for (const key of [...this.open.keys()]) this.closeOpen(key, { ok: true, detail: { endedBy: reason } });
  }
}
