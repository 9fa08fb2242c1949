/**
 * A dead local run's leftovers, planted for sweep tests: a registry entry (in a registry dir of its own, set
 * through LOADNET_REGISTRY_DIR until `restore()`) whose coordinator pid names no process, a labelled node
 * process that is stopped (SIGSTOP), and a port reservation below the range loadnet picks from.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_LABEL_ENV, writeRegistration } from '../../../src/deployers/local/leftovers.js';

export interface DeadRun {
  runId: string;
  runDir: string;
  coordinatorPid: number;
  nodePid: number;
  registryFile: string;
  reservation: string;
  /**
   * The line the sweep says about it. How many reservations it removed varies: another process's run start
   * may sweep the dead coordinator's reservation first (the file is gone either way).
   */
  sweptLine: RegExp;
  /** Resolves with the signal the node process ended by. */
  nodeExited: Promise<NodeJS.Signals | null>;
  /** Put LOADNET_REGISTRY_DIR back and remove whatever is left. */
  restore(): void;
}

export function plantDeadRun(runId: string, port = 3): DeadRun {
  const registry = mkdtempSync(join(tmpdir(), 'loadnet-dead-run-registry-'));
  const previous = process.env.LOADNET_REGISTRY_DIR;
  process.env.LOADNET_REGISTRY_DIR = registry;
  const node = spawn('sleep', ['300'], { detached: true, env: { ...process.env, [RUN_LABEL_ENV]: runId } });
  const nodeExited = new Promise<NodeJS.Signals | null>((r) => node.once('exit', (_code, signal) => r(signal)));
  process.kill(-node.pid!, 'SIGSTOP');
  const coordinatorPid = spawnSync(process.execPath, ['-e', '']).pid!; // exited: names no live process
  mkdirSync(join(tmpdir(), 'loadnet-ports'), { recursive: true });
  const reservation = join(tmpdir(), 'loadnet-ports', String(port));
  writeFileSync(reservation, String(coordinatorPid));
  const runDir = `/nonexistent/${runId}`;
  writeRegistration({ runId, runDir, coordinatorPid, coordinatorStart: null, nodes: { 'validator-0': { pid: node.pid! } }, ports: [port] });
  return {
    runId,
    runDir,
    coordinatorPid,
    nodePid: node.pid!,
    registryFile: join(registry, `${runId}.json`),
    reservation,
    sweptLine: new RegExp(`^\\[loadnet\\] swept run ${runId} \\(coordinator pid ${coordinatorPid} gone, ${runDir}\\): killed validator-0 \\(pid ${node.pid}, stopped\\); removed [01] port reservations? and its registry entry$`, 'm'),
    nodeExited,
    restore() {
      if (previous === undefined) delete process.env.LOADNET_REGISTRY_DIR;
      else process.env.LOADNET_REGISTRY_DIR = previous;
      if (node.exitCode === null && node.signalCode === null) process.kill(-node.pid!, 'SIGKILL');
      if (existsSync(reservation)) rmSync(reservation, { force: true });
      rmSync(registry, { recursive: true, force: true });
    },
  };
}
