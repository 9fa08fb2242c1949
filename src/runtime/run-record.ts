/**
 * The run directory `runs/<UTC time>-<scenario name>/` (docs/ARCHITECTURE.md): scenario.json, the streamed
 * events.jsonl, nodes/<name>/, summary.partial.json checkpoints and summary.json, written last. Files are
 * replaced atomically (write to a temp name, rename), so a reader never sees half a summary.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ScenarioSpec } from '../scenario/spec.js';
import { JsonlEventLog } from './event-log.js';
import { HISTORY_FORMAT } from './run-events.js';
import { MemoryLiveBoard, MemorySummarySink } from './live-board.js';
import { LoadnetError } from '../errors.js';

export interface RunRecordOptions {
  /** Parent of run directories. Default `runs` (relative to the working directory). */
  outDir?: string;
}

function dirStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'scenario';
}

export class RunRecord {
  readonly runId: string;
  readonly runDir: string;
  readonly events: JsonlEventLog;
  readonly summary = new MemorySummarySink();
  readonly live = new MemoryLiveBoard();
  readonly startedAt = new Date();
  private closed = false;

  private constructor(runDir: string, runId: string) {
    this.runDir = runDir;
    this.runId = runId;
    mkdirSync(join(runDir, 'nodes'), { recursive: true });
    this.events = new JsonlEventLog(join(runDir, 'events.jsonl'));
    this.events.emit('history', { format: HISTORY_FORMAT });
  }

  static create(spec: ScenarioSpec, options: RunRecordOptions = {}): RunRecord {
    const parent = resolve(options.outDir ?? 'runs');
    try {
      mkdirSync(parent, { recursive: true });
    } catch (e) {
      throw new LoadnetError('LN_ERR_DEPLOY', `cannot create the runs directory ${parent}: ${(e as Error).message}`, { hint: 'pass a writable --out directory' });
    }
    const base = `${dirStamp(new Date())}-${safeName(spec.name)}`;
    // Two runs of one scenario started in the same second get -2, -3, ...: mkdir fails when taken.
    for (let i = 1; ; i++) {
      const dir = join(parent, i === 1 ? base : `${base}-${i}`);
      try {
        mkdirSync(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw new LoadnetError('LN_ERR_DEPLOY', `cannot create the run directory ${dir}: ${(e as Error).message}`);
      }
      const record = new RunRecord(dir, newRunId());
      record.writeJson('scenario.json', spec);
      return record;
    }
  }

  nodeDir(name: string): string {
    const dir = join(this.runDir, 'nodes', safeName(name));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  writeJson(file: string, value: unknown): void {
    const target = join(this.runDir, file);
    const tmp = `${target}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    renameSync(tmp, target);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
  }
}

/** A short unique run id: UTC time plus randomness, safe in file names and chain ids. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}
