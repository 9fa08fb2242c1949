/**
 * Leftovers of local runs. Every local run writes a registry file under `<tmp>/loadnet-runs/<runId>.json`
 * naming its coordinator (pid and start time) and its node processes; every node process carries
 * `LOADNET_RUN_ID=<runId>` in its environment. `cleanLeftovers()` (the `loadnet clean` command) kills the
 * node process groups of runs whose coordinator is gone, and only those: a pid is killed only when
 * /proc says it still carries that run's label, so a recycled pid is never touched. Every deployer runs
 * the same sweep as a run starts (`sweepAtRunStart`). A dead run's libfaketime files go too.
 */
import { sweepDeadReservations } from './ports.js';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from './ports.js';
import type { EventLog } from '../../runtime/contracts.js';
import { FAKETIME_DIR } from '../../shaper/faketime-clock.js';

export const RUN_LABEL_ENV = 'LOADNET_RUN_ID';

export function registryDir(): string {
  return process.env.LOADNET_REGISTRY_DIR ?? join(tmpdir(), 'loadnet-runs');
}

export interface RunRegistration {
  runId: string;
  runDir: string;
  coordinatorPid: number;
  /** /proc start time of the coordinator (clock ticks), to tell a recycled pid apart. */
  coordinatorStart: string | null;
  nodes: Record<string, { pid: number }>;
  ports: number[];
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

function carriesLabel(pid: number, runId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${RUN_LABEL_ENV}=${runId}`);
  } catch {
    return false;
  }
}

export function writeRegistration(reg: RunRegistration): void {
  const dir = registryDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${reg.runId}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(reg));
  renameSync(`${file}.tmp`, file);
}

export function removeRegistration(runId: string): void {
  rmSync(join(registryDir(), `${runId}.json`), { force: true });
}

function coordinatorAlive(reg: RunRegistration): boolean {
  if (!pidAlive(reg.coordinatorPid)) return false;
  const start = processStart(reg.coordinatorPid);
  return reg.coordinatorStart === null || start === null || start === reg.coordinatorStart;
}

export interface SweptRun {
  runId: string;
  runDir: string;
  coordinatorPid: number;
  /** Node processes killed (`stopped`: it was SIGSTOPped, so its own parent watchdog could not run). */
  killed: Array<{ node: string; pid: number; stopped: boolean }>;
  /** Port reservation files of this run removed. */
  reservations: number;
  /** summary.json written for it (it had none: the coordinator died before writing it). */
  summaryWritten: boolean;
}

export interface CleanReport {
  /** Runs whose coordinator is gone and whose leftovers were removed (with their registry entries). */
  runs: SweptRun[];
  /** Runs still active (coordinator alive): left alone. */
  active: string[];
  /** Other port reservation files of dead coordinators removed (of runs without a registry entry). */
  staleReservations: number;
}

function stoppedNow(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[Tt]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/**
 * Kill leftover node processes of dead coordinators (stopped ones too: their parent watchdog cannot run,
 * so they outlive the coordinator), and drop their registrations and port reservations. Runs whose
 * coordinator lives (this process included) are left alone.
 */
export function cleanLeftovers(): CleanReport {
  const dir = registryDir();
  const report: CleanReport = { runs: [], active: [], staleReservations: 0 };
  for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
    let reg: RunRegistration;
    try {
      reg = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RunRegistration;
    } catch {
      continue;
    }
    if (coordinatorAlive(reg)) {
      report.active.push(reg.runId);
      continue;
    }
    const killed: SweptRun['killed'] = [];
    for (const [node, { pid }] of Object.entries(reg.nodes)) {
      if (!carriesLabel(pid, reg.runId)) continue;
      const stopped = stoppedNow(pid);
      for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
        try {
          process.kill(-pid, sig);
        } catch {
          try {
            process.kill(pid, sig);
          } catch {
            /* already gone */
          }
        }
      }
      killed.push({ node, pid, stopped });
    }
    let reservations = 0;
    for (const port of reg.ports ?? []) {
      const f = join(tmpdir(), 'loadnet-ports', String(port));
      try {
        if (Number(readFileSync(f, 'utf8')) === reg.coordinatorPid) {
          rmSync(f, { force: true });
          reservations++;
        }
      } catch {
        /* not reserved any more */
      }
    }
    const summaryWritten = closeRecord(reg);
    // The libfaketime offset files of a coordinator that died with clock skews active.
    rmSync(join(reg.runDir, FAKETIME_DIR), { recursive: true, force: true });
    rmSync(join(dir, file), { force: true });
    report.runs.push({ runId: reg.runId, runDir: reg.runDir, coordinatorPid: reg.coordinatorPid, killed, reservations, summaryWritten });
  }
  // Port reservations of coordinators that died without a registration (or before writing one) go too.
  report.staleReservations = sweepDeadReservations();
  return report;
}

/**
 * A run whose coordinator died (SIGKILL, a crash) never wrote summary.json: write one, so its record is
 * valid like every other — its last checkpoint (summary.partial.json) when there is one, verdict unknown,
 * interrupted, saying what happened. False when it has a summary already or its directory is gone.
 */
function closeRecord(reg: RunRegistration): boolean {
  const file = join(reg.runDir, 'summary.json');
  if (!existsSync(reg.runDir) || existsSync(file)) return false;
  const readJson = (name: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(readFileSync(join(reg.runDir, name), 'utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const partial = readJson('summary.partial.json');
  const { partial: _checkpoint, ...last } = partial ?? {};
  let startedAt: string | undefined;
  try {
    startedAt = statSync(join(reg.runDir, 'scenario.json')).mtime.toISOString();
  } catch {
    /* no scenario.json either */
  }
  const summary = {
    scenario: readJson('scenario.json')?.name ?? reg.runId,
    startedAt,
    expectations: [],
    chain: {},
    ...last,
    runDir: reg.runDir,
    verdict: 'unknown',
    interrupted: true,
    error: `the coordinator (pid ${reg.coordinatorPid}) died without ending the run; a later run swept its leftovers at ${new Date().toISOString()}${partial ? ' (figures: its last checkpoint)' : ''}`,
    endedAt: new Date().toISOString(),
  };
  try {
    writeFileSync(`${file}.tmp-${process.pid}`, JSON.stringify(summary, null, 2) + '\n');
    renameSync(`${file}.tmp-${process.pid}`, file);
    return true;
  } catch {
    return false; // not ours to write (another user's directory): the sweep goes on
  }
}

/** What a sweep removed, one line per dead run (nothing when there was nothing). */
export function describeSweep(report: CleanReport): string[] {
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  const lines = report.runs.map((r) => {
    const procs = r.killed.length === 0 ? 'no node process left' : `killed ${r.killed.map((k) => `${k.node} (pid ${k.pid}${k.stopped ? ', stopped' : ''})`).join(', ')}`;
    return `swept run ${r.runId} (coordinator pid ${r.coordinatorPid} gone, ${r.runDir}): ${procs}; removed ${plural(r.reservations, 'port reservation')} and its registry entry${r.summaryWritten ? '; wrote its summary.json (verdict unknown, interrupted)' : ''}`;
  });
  if (report.staleReservations > 0) lines.push(`swept ${plural(report.staleReservations, 'port reservation')} of dead coordinators`);
  return lines;
}

/**
 * The sweep every deployer does as a run starts: leftovers of coordinators that are gone (SIGKILLed,
 * crashed) are removed then, not only when someone runs `loadnet clean`; what went is said and recorded.
 */
export function sweepAtRunStart(events: EventLog, say: (line: string) => void): CleanReport {
  const report = cleanLeftovers();
  const lines = describeSweep(report);
  for (const line of lines) say(`[loadnet] ${line}`);
  if (lines.length > 0) events.emit('run.sweep', { runs: report.runs, staleReservations: report.staleReservations });
  return report;
}
