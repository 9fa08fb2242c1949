/**
 * Live progress on the terminal during a run: elapsed/total, offered and included tx/s, in flight, p99,
 * each node's height, and faults as they happen. One updating line on a TTY; plain lines when the stream is
 * not a TTY; one JSON object per line with `json`. Reads ctx.live.snapshot() and ctx.blockFeed.tips(), and
 * the event log's listener when the log offers one (fault.start/end as they are emitted).
 */
import type { NodeTip, RunContext } from '../runtime/contracts.js';
import { nowMs } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';

export interface LiveProgressOptions {
  json?: boolean;
  stream?: NodeJS.WritableStream;
  /** Default 1 s on a TTY, 5 s otherwise. */
  intervalMs?: number;
}

export interface ProgressFigures {
  elapsedMs: number;
  totalMs: number;
  phase: 'window' | 'cooldown' | 'after';
  offeredTps?: number;
  includedTps?: number;
  inFlight?: number;
  p99Ms?: number;
  heights: Record<string, number | null>;
  down: string[];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Sum the load sections of the live board (one per transaction workload) into the headline figures. */
export function progressFigures(snapshot: Record<string, Record<string, unknown>>, tips: readonly NodeTip[], window: { startMs: number; endMs: number }, cooldownMs: number, now: number): ProgressFigures {
  const loads = Object.entries(snapshot)
    .filter(([k, v]) => k === 'load' || k.startsWith('load:') || k.startsWith('load.') || num(v.offeredTps) !== undefined)
    .map(([, v]) => v);
  const sum = (k: string) => (loads.some((l) => num(l[k]) !== undefined) ? loads.reduce((s, l) => s + (num(l[k]) ?? 0), 0) : undefined);
  const p99s = loads.map((l) => num(l.inclusionP99Ms) ?? num(l.p99Ms) ?? num((l.inclusion as Record<string, unknown> | undefined)?.p99) ?? num((l.submitCorrected as Record<string, unknown> | undefined)?.p99)).filter((x): x is number => x !== undefined);
  const heights: Record<string, number | null> = {};
  for (const t of [...tips].sort((a, b) => a.node.localeCompare(b.node))) heights[t.node] = t.up ? t.height : null;
  const elapsed = Math.max(0, now - window.startMs);
  const windowMs = window.endMs - window.startMs;
  return {
    elapsedMs: elapsed,
    totalMs: windowMs + cooldownMs,
    phase: elapsed <= windowMs ? 'window' : elapsed <= windowMs + cooldownMs ? 'cooldown' : 'after',
    offeredTps: sum('offeredTps'),
    includedTps: sum('includedTps'),
    inFlight: sum('inFlight'),
    p99Ms: p99s.length ? Math.max(...p99s) : undefined,
    heights,
    down: tips.filter((t) => !t.up).map((t) => t.node),
  };
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatProgressLine(f: ProgressFigures): string {
  const parts = [`${clock(f.elapsedMs)}/${clock(f.totalMs)}${f.phase === 'window' ? '' : ` ${f.phase}`}`];
  if (f.offeredTps !== undefined) parts.push(`offered ${f.offeredTps.toFixed(1)} tx/s`);
  if (f.includedTps !== undefined) parts.push(`included ${f.includedTps.toFixed(1)} tx/s`);
  if (f.inFlight !== undefined) parts.push(`in flight ${Math.round(f.inFlight)}`);
  if (f.p99Ms !== undefined) parts.push(`p99 ${formatDuration(f.p99Ms)}`);
  const h = Object.entries(f.heights).map(([n, v]) => `${shortName(n)} ${v === null ? 'DOWN' : v}`);
  if (h.length) parts.push(`height ${h.join(' ')}`);
  return parts.join(' · ');
}

/** validator-0 → v0, executor-1 → e1: node names fit on one line. */
function shortName(n: string): string {
  const m = /^(validator|executor)-(\d+)$/.exec(n);
  return m ? `${m[1]![0]}${m[2]}` : n;
}

interface Listenable {
  on?(listener: (e: { kind: string; [k: string]: unknown }) => void): () => void;
}

export function startLiveProgress(ctx: RunContext, options: LiveProgressOptions = {}): { stop(): void } {
  const stream = options.stream ?? process.stderr;
  const tty = (stream as { isTTY?: boolean }).isTTY === true && !options.json;
  const intervalMs = options.intervalMs ?? (tty ? 1000 : 5000);
  const cols = () => (stream as { columns?: number }).columns ?? 120;
  let drawn = false;
  const write = (line: string) => {
    if (tty) {
      stream.write(`\r\x1b[2K${line.length > cols() - 1 ? `${line.slice(0, cols() - 2)}…` : line}`);
      drawn = true;
    } else stream.write(`${line}\n`);
  };
  const announce = (text: string, record: Record<string, unknown>) => {
    if (options.json) return stream.write(`${JSON.stringify({ t: Math.round(nowMs()), ...record })}\n`);
    if (tty && drawn) stream.write('\r\x1b[2K');
    stream.write(`${clock(nowMs() - ctx.window.startMs)} ${text}\n`);
    drawn = false; // the next tick redraws the status line
  };
  // Faults as they happen: from the event log when it can be listened to, else from the chaos live section.
  const seenDown = new Set<string>();
  let unlisten: (() => void) | undefined;
  const log = ctx.events as unknown as Listenable;
  if (typeof log.on === 'function') {
    unlisten = log.on((e) => {
      if (e.faultId === undefined) return;
      const end = e.kind === 'fault.end' || e.ok !== undefined || e.durationMs !== undefined;
      const kind = e.kind === 'fault.start' || e.kind === 'fault.end' ? String(e.fault ?? 'fault') : e.kind;
      const target = String(e.target ?? '');
      announce(end ? `fault end: ${kind} ${target}${e.ok === false ? ` FAILED ${String(e.error ?? '')}` : ''}${num(e.durationMs) !== undefined ? ` after ${formatDuration(num(e.durationMs)!)}` : ''}` : `fault: ${kind} ${target}`, { event: end ? 'fault.end' : 'fault.start', fault: kind, target, ok: e.ok, durationMs: e.durationMs });
    });
  }
  function tick(): void {
    try {
      const f = progressFigures(ctx.live.snapshot(), ctx.blockFeed.tips(), ctx.window, ctx.metrics.cooldownMs, nowMs());
      if (!unlisten) {
        for (const n of f.down.filter((d) => !seenDown.has(d))) {
          seenDown.add(n);
          announce(`node down: ${n}`, { event: 'node.down', node: n });
        }
        for (const n of [...seenDown].filter((d) => !f.down.includes(d))) {
          seenDown.delete(n);
          announce(`node up: ${n}`, { event: 'node.up', node: n });
        }
      }
      if (options.json) stream.write(`${JSON.stringify({ t: Math.round(nowMs()), event: 'progress', ...f })}\n`);
      else write(formatProgressLine(f));
    } catch {
      // progress never breaks a run
    }
  }
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    stop() {
      clearInterval(timer);
      unlisten?.();
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
