/**
 * Clock skew for any process through libfaketime (Debian package `libfaketime`): the process runs with
 * LD_PRELOAD=libfaketimeMT.so.1 (the thread-safe build: Node has threads) and reads its offset from a file
 * this applier writes (FAKETIME_TIMESTAMP_FILE, re-read every second: FAKETIME_CACHE_DURATION=1). So a skew
 * can change while the process runs, and it survives a restart (the file stays, the environment is given
 * again at each start). Only the wall clock is skewed (DONT_FAKE_MONOTONIC=1), as NTP trouble would: a
 * chain maps slots to wall-clock time (the devnet node does: see docs/devnet-node.md, "Clock rules"), while
 * timers run on the monotonic clock, which a real machine never steps (stepping it stalls every timer of
 * the process for the length of a backward step).
 *
 * The clock a skewed node sees, at coordinator time t since the skew was set:
 *   offset(t) = offsetMs + driftPpm × 1e-6 × t + jitter(t)
 * where jitter(t) is a uniform draw in [−jitterMs, +jitterMs] (seeded per node), redrawn every
 * periodMs (default 1000 ms, the fastest libfaketime re-reads the file). The applier rewrites the file every
 * period while a skew has drift or jitter. A redraw is a step of the wall clock (forwards or backwards), as
 * an NTP step would be.
 *
 * Nothing is left behind: the files live in a directory this applier creates and close() removes; a killed
 * coordinator's is removed by the next run's sweep or `loadnet clean` (local) and by the reaper (compose).
 * `dir` should be FAKETIME_DIR inside the run directory, where they look for it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LoadnetError } from '../errors.js';
import { seededRandom } from '../util/random.js';

export interface ClockSkew {
  /** Constant offset (ms, + ahead, − behind). */
  offsetMs?: number;
  /** Uniform jitter amplitude (ms): the offset wanders in [offset − jitter, offset + jitter]. */
  jitterMs?: number;
  /** Drift in parts per million (1000 ppm = 1 ms per second, ahead when positive). */
  driftPpm?: number;
}

/** The directory of a run's faketime files, inside its run directory (the sweeps and the reaper remove it). */
export const FAKETIME_DIR = 'faketime';

/** Where Debian installs the library (amd64 and arm64). */
const CANDIDATES = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/faketime/libfaketimeMT.so.1'];

/** Path of libfaketime on this machine, or null. */
export function findLibfaketime(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export function checkClockSkew(s: ClockSkew): string | null {
  const num = (v: number | undefined, name: string, max: number, min = -max) => (v === undefined || (Number.isFinite(v) && v >= min && v <= max) ? null : `${name}: expected a number in [${min}, ${max}], got ${String(v)}`);
  return num(s.offsetMs, 'offsetMs', 86_400_000) ?? num(s.jitterMs, 'jitterMs', 60_000, 0) ?? num(s.driftPpm, 'driftPpm', 100_000);
}

interface NodeSkew {
  skew: ClockSkew;
  since: number;
  rng: () => number;
  /** Offset written last (ms). */
  current: number;
}

export interface FaketimeClockOptions {
  /** Directory for the per-node files (created; removed at close). */
  dir: string;
  seed?: number;
  /** Jitter redraw and drift update period (ms, ≥ 1000). */
  periodMs?: number;
  /** libfaketime path (default: found on the machine). */
  library?: string;
  /** Where the process sees `dir`, when it runs elsewhere (a container with `dir` mounted there). Default `dir`. */
  processDir?: string;
}

export class FaketimeClock {
  readonly library: string;
  private readonly dir: string;
  private readonly processDir: string;
  private readonly seed: number;
  private readonly periodMs: number;
  private readonly skews = new Map<string, NodeSkew>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(opts: FaketimeClockOptions) {
    const lib = opts.library ?? findLibfaketime();
    if (!lib) throw new LoadnetError('LN_ERR_NODE_CONTROL', 'clock skew needs libfaketime, which is not installed', { hint: 'apt-get install libfaketime (node scripts/test-env.mjs installs it), or use the devnet testing API clock offset instead' });
    this.library = lib;
    this.dir = opts.dir;
    this.processDir = opts.processDir ?? opts.dir;
    this.seed = opts.seed ?? 1;
    this.periodMs = Math.max(1000, opts.periodMs ?? 1000);
    mkdirSync(this.dir, { recursive: true });
  }

  private fileOf(node: string, dir = this.dir): string {
    return join(dir, `${node.replace(/[^A-Za-z0-9_.-]/g, '_')}.faketime`);
  }

  /**
   * The environment a process must start with so its clock can be skewed (give it at every start). Until
   * set() is called its clock is unchanged (offset +0).
   */
  envFor(node: string): Record<string, string> {
    if (!existsSync(this.fileOf(node))) this.write(node, 0);
    return { LD_PRELOAD: this.library, FAKETIME_TIMESTAMP_FILE: this.fileOf(node, this.processDir), FAKETIME_CACHE_DURATION: '1', DONT_FAKE_MONOTONIC: '1' };
  }

  /** Desired skew of a node (replaces the previous one); an empty skew is no skew. */
  set(node: string, skew: ClockSkew): void {
    const bad = checkClockSkew(skew);
    if (bad) throw new LoadnetError('LN_ERR_NODE_CONTROL', `clock skew of ${node}: ${bad}`);
    if (this.closed) throw new LoadnetError('LN_ERR_INTERNAL', 'faketime clock is closed');
    // The same skew again (re-applied after a node restart) keeps its course: drift goes on from where it was.
    const prev = this.skews.get(node);
    if (prev && prev.skew.offsetMs === skew.offsetMs && prev.skew.jitterMs === skew.jitterMs && prev.skew.driftPpm === skew.driftPpm) return;
    const digest = createHash('sha256').update(`${this.seed}|${node}`).digest();
    const s: NodeSkew = { skew: { ...skew }, since: Date.now(), rng: seededRandom(digest.readUInt32LE(0)), current: 0 };
    if (!skew.offsetMs && !skew.jitterMs && !skew.driftPpm) this.skews.delete(node);
    else this.skews.set(node, s);
    this.update(node, s);
    this.schedule();
  }

  clear(node: string): void {
    this.set(node, {});
  }

  /** Skewed nodes and the offset each was last given (ms). */
  state(): Array<{ node: string; skew: ClockSkew; offsetMs: number }> {
    return [...this.skews].map(([node, s]) => ({ node, skew: { ...s.skew }, offsetMs: s.current }));
  }

  private update(node: string, s: NodeSkew): void {
    const { offsetMs = 0, jitterMs = 0, driftPpm = 0 } = s.skew;
    const elapsed = Date.now() - s.since;
    s.current = offsetMs + driftPpm * 1e-6 * elapsed + (jitterMs ? (s.rng() * 2 - 1) * jitterMs : 0);
    this.write(node, s.current);
  }

  private write(node: string, offsetMs: number): void {
    const file = this.fileOf(node);
    const sign = offsetMs < 0 ? '-' : '+';
    // Written whole then renamed: libfaketime never reads half a line.
    writeFileSync(file + '.tmp', `${sign}${(Math.abs(offsetMs) / 1000).toFixed(3)}s\n`);
    renameSync(file + '.tmp', file);
  }

  private schedule(): void {
    const moving = [...this.skews.values()].some((s) => s.skew.jitterMs || s.skew.driftPpm);
    if (moving && !this.timer) {
      this.timer = setInterval(() => {
        for (const [node, s] of this.skews) if (s.skew.jitterMs || s.skew.driftPpm) this.update(node, s);
      }, this.periodMs);
      this.timer.unref();
    } else if (!moving && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Stop updating and remove the files (a process still running keeps its last offset). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.skews.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
