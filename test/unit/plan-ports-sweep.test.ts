// `loadnet clean` also removes port reservations left by coordinators that died (a SIGKILLed coordinator
// cannot release its own), and only those: a live owner's reservation stays.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepDeadReservations } from '../../src/deployers/local/ports.js';

describe('port reservations of dead coordinators', () => {
  it('are swept; a live owner keeps its reservation', () => {
    const dir = join(tmpdir(), 'loadnet-ports');
    mkdirSync(dir, { recursive: true });
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid names no live process
    const dead = join(dir, '1');
    const live = join(dir, '2');
    writeFileSync(dead, String(deadPid));
    writeFileSync(live, String(process.ppid)); // the test runner's parent is alive
    try {
      expect(sweepDeadReservations()).toBeGreaterThanOrEqual(1);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(dead, { force: true });
      rmSync(live, { force: true });
    }
  });
});
