/**
 * Free loopback ports that two runs side by side never share, and that stay ours while a node restarts.
 * Ports are picked below the kernel's ephemeral range (ip_local_port_range): a port in that range that a
 * stopped node released can be taken as the source port of any outgoing connection on the machine, and
 * the node's restart would then fail with EADDRINUSE. A candidate is checked free by binding it, and a
 * reservation file per port under the temp dir (created with O_EXCL, holding our pid) keeps a second
 * coordinator from taking it. Reservations of dead coordinators are reclaimed; ours are released at
 * teardown. Where no range below the ephemeral one exists, the OS picks (bind to port 0).
 */
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadnetError } from '../../errors.js';

const RESERVATIONS_DIR = join(tmpdir(), 'loadnet-ports');
/** Ports this process holds, across all its runs. */
const heldHere = new Set<number>();
/** Lowest port loadnet picks from (below it: well-known and commonly configured service ports). */
const PICK_FLOOR = 10_000;

/** The range loadnet picks ports from: [PICK_FLOOR, ephemeral low), or null to let the OS pick. */
export function pickRange(): { low: number; high: number } | null {
  let ephemeralLow = 32_768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    /* not Linux: assume the IANA default range */
  }
  return Number.isInteger(ephemeralLow) && ephemeralLow - PICK_FLOOR >= 1000 ? { low: PICK_FLOOR, high: ephemeralLow - 1 } : null;
}

/** Bind `port` (0 = any) on `host` exclusively and release it: the port, or null when it is taken. */
export function probePort(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(bound));
    });
  });
}

async function candidatePort(host: string): Promise<number | null> {
  const range = pickRange();
  if (!range) return probePort(host, 0);
  const port = range.low + Math.floor(Math.random() * (range.high - range.low + 1));
  return probePort(host, port);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the reservation of `port` for this process: false when another live coordinator (or we) hold it. */
export function tryReserve(port: number): boolean {
  if (heldHere.has(port)) return false;
  mkdirSync(RESERVATIONS_DIR, { recursive: true });
  const file = join(RESERVATIONS_DIR, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    let owner = NaN;
    try {
      owner = Number(readFileSync(file, 'utf8'));
    } catch {
      /* vanished meanwhile: retry on the next port */
    }
    if (owner === process.pid || (Number.isInteger(owner) && pidAlive(owner))) return false;
    // A dead coordinator's reservation: reclaim it.
    rmSync(file, { force: true });
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
    } catch {
      return false;
    }
  }
  heldHere.add(port);
  return true;
}

/** Reserve `count` distinct free ports on `host`. Release them with `releasePorts`. */
export async function reservePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports: number[] = [];
  let attempts = 0;
  while (ports.length < count) {
    if (++attempts > count * 20 + 50) {
      releasePorts(ports);
      throw new LoadnetError('LN_ERR_DEPLOY', `could not reserve ${count} free ports on ${host} (got ${ports.length})`, { hint: `check that ${host} is usable and that ${RESERVATIONS_DIR} is writable` });
    }
    const port = await candidatePort(host);
    if (port !== null && tryReserve(port)) ports.push(port);
  }
  return ports;
}

export function releasePorts(ports: Iterable<number>): void {
  for (const port of ports) {
    if (!heldHere.delete(port)) continue;
    rmSync(join(RESERVATIONS_DIR, String(port)), { force: true });
  }
}

/** Remove reservations whose coordinator is gone (a SIGKILLed coordinator cannot release its own). Returns how many. */
export function sweepDeadReservations(): number {
  if (!existsSync(RESERVATIONS_DIR)) return 0;
  let removed = 0;
  for (const name of readdirSync(RESERVATIONS_DIR)) {
    const file = join(RESERVATIONS_DIR, name);
    let owner = NaN;
    try {
      owner = Number(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !pidAlive(owner)) {
      rmSync(file, { force: true });
      removed++;
    }
  }
  return removed;
}
