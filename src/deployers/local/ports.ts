/**
 * Free loopback ports that two runs side by side never share. The OS hands out a free port (bind to 0),
 * and a reservation file per port under the temp dir (created with O_EXCL, holding our pid) keeps a
 * second coordinator from taking it between our close() and the node's bind. Reservations of dead
 * coordinators are reclaimed; ours are released at teardown.
 */
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadnetError } from '../../errors.js';

const RESERVATIONS_DIR = join(tmpdir(), 'loadnet-ports');
/** Ports this process holds, across all its runs. */
const heldHere = new Set<number>();

function osFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryReserve(port: number): boolean {
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
    const port = await osFreePort(host);
    if (tryReserve(port)) ports.push(port);
  }
  return ports;
}

export function releasePorts(ports: Iterable<number>): void {
  for (const port of ports) {
    if (!heldHere.delete(port)) continue;
    rmSync(join(RESERVATIONS_DIR, String(port)), { force: true });
  }
}
