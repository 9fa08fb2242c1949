/**
 * One node as a child process (the devnet node, or a chain's own program under the watchdog): its own
 * process group (detached), stdout/stderr appended to its log file, the run label in its environment.
 * Stop is SIGTERM to the group, then SIGKILL after a grace period; pause/resume are SIGSTOP/SIGCONT to the
 * group. The devnet node watches `parentPid` (our pid) and exits by itself when the coordinator dies, even
 * by SIGKILL; the watchdog (watchdog.ts) does that for other programs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { LoadnetError } from '../../errors.js';
import { sleep } from '../../util/clock.js';
import { RUN_LABEL_ENV } from './leftovers.js';

export interface NodeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when loadnet asked for it (stop, kill, teardown). */
  expected: boolean;
}

export interface NodeProcessOptions {
  name: string;
  logPath: string;
  runId: string;
  /** The command line, asked at each start (a restart may differ). */
  argv: () => string[];
  env?: Record<string, string>;
  onExit?: (name: string, exit: NodeExit) => void;
  onSpawn?: (name: string, pid: number) => void;
}

export class NodeProcess {
  private child?: ChildProcess;
  private exitPromise?: Promise<NodeExit>;
  private expectExit = false;
  lastExit?: NodeExit;

  constructor(readonly opts: NodeProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }

  start(): void {
    if (this.running) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${this.opts.name} is already running (pid ${this.pid})`);
    appendFileSync(this.opts.logPath, `--- loadnet: starting ${this.opts.name} at ${new Date().toISOString()}\n`);
    const fd = openSync(this.opts.logPath, 'a');
    let child: ChildProcess;
    try {
      const [command, ...args] = this.opts.argv();
      child = spawn(command!, args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...this.opts.env, [RUN_LABEL_ENV]: this.opts.runId },
      });
    } finally {
      closeSync(fd);
    }
    child.unref();
    this.child = child;
    this.lastExit = undefined;
    this.expectExit = false;
    this.exitPromise = new Promise<NodeExit>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        const exit = { code, signal, expected: this.expectExit };
        if (this.child === child) this.lastExit = exit;
        this.opts.onExit?.(this.opts.name, exit);
        resolve(exit);
      };
      child.once('exit', done);
      child.once('error', (e) => {
        appendFileSync(this.opts.logPath, `--- loadnet: spawn failed: ${e.message}\n`);
        done(null, null);
      });
    });
    if (child.pid !== undefined) this.opts.onSpawn?.(this.opts.name, child.pid);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.lastExit) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    }
  }

  /** SIGTERM (and SIGCONT, in case it is paused), then SIGKILL after `graceMs`. Resolves once exited. */
  async stop(graceMs = 3000): Promise<NodeExit | undefined> {
    if (!this.running) return this.lastExit;
    this.expectExit = true;
    this.signalGroup('SIGTERM');
    this.signalGroup('SIGCONT');
    const grace = new AbortController();
    const exited = await Promise.race([this.exitPromise!, sleep(graceMs, grace.signal).then(() => undefined)]);
    grace.abort(); // the grace timer must not keep the process alive once the node exited
    if (exited) return exited;
    this.signalGroup('SIGKILL');
    return this.exitPromise;
  }

  /** SIGKILL now (data on disk is kept). */
  async kill(): Promise<NodeExit | undefined> {
    if (!this.running) return this.lastExit;
    this.expectExit = true;
    this.signalGroup('SIGKILL');
    return this.exitPromise;
  }

  /** Synchronous last resort (exit handler, second interrupt). */
  killNow(): void {
    this.expectExit = true;
    this.signalGroup('SIGKILL');
  }

  pause(): void {
    this.signalGroup('SIGSTOP');
  }

  resume(): void {
    this.signalGroup('SIGCONT');
  }

  /** Process state letter from /proc (R, S, T = stopped, Z, ...), undefined when not running. */
  state(): string | undefined {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      return undefined;
    }
  }

  rssBytes(): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return undefined;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}
