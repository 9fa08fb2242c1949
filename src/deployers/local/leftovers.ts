/**
 * Leftovers of local runs. Every local run writes a registry file under `<tmp>/loadnet-runs/<runId>.json`
 * naming its coordinator (pid and start time) and its node processes; every node process carries
 * `LOADNET_RUN_ID=<runId>` in its environment. `cleanLeftovers()` (the `loadnet clean` command) kills the
 * node process groups of runs whose coordinator is gone, and only those: a pid is killed only when
 * /proc says it still carries that run's label, so a recycled pid is never touched.
 */
import { sweepDeadReservations } from './ports.js';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from './ports.js';

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

export interface CleanReport {
  /** Runs whose coordinator is gone and whose leftovers were removed. */
  runs: Array<{ runId: string; runDir: string; killed: Array<{ node: string; pid: number }> }>;
  /** Runs still active (coordinator alive): left alone. */
  active: string[];
  /** Port reservation files of dead coordinators removed. */
  staleReservations?: number;
}

/** Kill leftover node processes of dead coordinators and drop their registrations and port reservations. */
export function cleanLeftovers(): CleanReport {
  const dir = registryDir();
  const report: CleanReport = { runs: [], active: [] };
  // Port reservations of coordinators that died without a registration (or before writing one) go too.
  report.staleReservations = sweepDeadReservations();
  if (!existsSync(dir)) return report;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
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
    const killed: Array<{ node: string; pid: number }> = [];
    for (const [node, { pid }] of Object.entries(reg.nodes)) {
      if (!carriesLabel(pid, reg.runId)) continue;
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
      killed.push({ node, pid });
    }
    for (const port of reg.ports ?? []) {
      const f = join(tmpdir(), 'loadnet-ports', String(port));
      try {
        if (Number(readFileSync(f, 'utf8')) === reg.coordinatorPid) rmSync(f, { force: true });
      } catch {
        /* not reserved any more */
      }
    }
    rmSync(join(dir, file), { force: true });
    report.runs.push({ runId: reg.runId, runDir: reg.runDir, killed });
  }
  return report;
}
