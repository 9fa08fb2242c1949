/** Port reservations: distinct, below the ephemeral range, exclusive across coordinators, reclaimed when dead. */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickRange, probePort, releasePorts, reservePorts, tryReserve } from '../../src/deployers/local/ports.js';

const dir = join(tmpdir(), 'loadnet-ports');
const held: number[] = [];
afterEach(() => releasePorts(held.splice(0)));

describe('reservePorts', () => {
  it('hands out distinct free ports below the ephemeral range, each with a reservation file', async () => {
    const ports = await reservePorts(30);
    held.push(...ports);
    expect(new Set(ports).size).toBe(30);
    const range = pickRange();
    if (range) {
      for (const p of ports) {
        expect(p).toBeGreaterThanOrEqual(range.low);
        expect(p).toBeLessThanOrEqual(range.high);
      }
    }
    for (const p of ports) expect(readFileSync(join(dir, String(p)), 'utf8')).toBe(String(process.pid));
    releasePorts(ports);
    for (const p of ports) expect(existsSync(join(dir, String(p)))).toBe(false);
  });

  it('a reservation held by a live coordinator is refused; one left by a dead coordinator is reclaimed', async () => {
    const [a, b] = await reservePorts(2);
    releasePorts([a!, b!]);
    // a: held by a live process (pid 1 always exists); b: by a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, String(a)), '1');
    writeFileSync(join(dir, String(b)), dead);
    try {
      expect(tryReserve(a!)).toBe(false);
      expect(readFileSync(join(dir, String(a)), 'utf8')).toBe('1');
      expect(tryReserve(b!)).toBe(true);
      held.push(b!);
      expect(readFileSync(join(dir, String(b)), 'utf8')).toBe(String(process.pid));
      // Our own reservation is not handed out twice.
      expect(tryReserve(b!)).toBe(false);
    } finally {
      rmSync(join(dir, String(a)), { force: true });
    }
  });

  it('a port something already listens on is not free', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const busy = (srv.address() as { port: number }).port;
    try {
      expect(await probePort('127.0.0.1', busy)).toBeNull();
    } finally {
      await new Promise((r) => srv.close(r));
    }
    expect(await probePort('127.0.0.1', busy)).toBe(busy);
  });
});
