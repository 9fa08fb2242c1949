import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaketimeClock, checkClockSkew, findLibfaketime } from '../../src/shaper/faketime-clock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real process under libfaketime printing its wall clock (what the devnet node's consensus time reads)
 * every 100 ms; each line is compared with our own clock when it arrives.
 */
function clockReader(env: Record<string, string>): { child: ChildProcess; offsets: number[] } {
  const offsets: number[] = [];
  const child = spawn(process.execPath, ['-e', 'setInterval(() => console.log(Date.now()), 100)'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    const now = Date.now();
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l.trim()) offsets.push(Number(l) - now);
  });
  return { child, offsets };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGKILL');
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Until the reader printed `n` more lines (a loaded machine can take seconds to start a process). */
async function lines(r: { offsets: number[] }, n: number, timeoutMs = 10_000): Promise<void> {
  const want = r.offsets.length + n;
  const end = Date.now() + timeoutMs;
  while (r.offsets.length < want && Date.now() < end) await sleep(20);
}

const root = mkdtempSync(join(tmpdir(), 'loadnet-faketime-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('FaketimeClock (libfaketime, real processes)', () => {
  it('refuses a bad skew naming the field', () => {
    expect(checkClockSkew({ jitterMs: -1 })).toMatch(/jitterMs: expected a number in \[0, 60000\]/);
    expect(findLibfaketime()).not.toBeNull();
  });

  it('skews a running process by +1 s, then −1 s, keeps −1 s across a restart, jitters ±200 ms, and removes its files', async () => {
    const dir = join(root, 'clock');
    const clock = new FaketimeClock({ dir, seed: 3 });
    clock.set('n1', { offsetMs: 1000 });
    let r = clockReader(clock.envFor('n1'));
    try {
      await lines(r, 4);
      expect(Math.abs(median(r.offsets.slice(-4)) - 1000)).toBeLessThan(60);

      clock.set('n1', { offsetMs: -1000 });
      await sleep(1300); // libfaketime re-reads the file once a second
      await lines(r, 4);
      expect(Math.abs(median(r.offsets.slice(-4)) + 1000)).toBeLessThan(60);
      await stop(r.child);

      r = clockReader(clock.envFor('n1'));
      await lines(r, 4);
      expect(Math.abs(median(r.offsets.slice(-4)) + 1000)).toBeLessThan(60);

      clock.set('n1', { offsetMs: -1000, jitterMs: 200 });
      const from = r.offsets.length;
      // The offset moves once a second (a redraw, then libfaketime's re-read): watch up to 8 s for it to move.
      const seenFrom = () => r.offsets.slice(from + 12); // after the first re-read
      for (let waited = 0; waited < 8000; waited += 200) {
        const xs = seenFrom();
        if (xs.length > 8 && Math.max(...xs) - Math.min(...xs) > 30) break;
        await sleep(200);
      }
      const seen = seenFrom();
      expect(seen.length).toBeGreaterThan(8);
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(-1000 - 200 - 60);
      expect(Math.max(...seen)).toBeLessThanOrEqual(-1000 + 200 + 60);
      expect(Math.max(...seen) - Math.min(...seen)).toBeGreaterThan(30); // it moved
      expect(clock.state()).toEqual([{ node: 'n1', skew: { offsetMs: -1000, jitterMs: 200 }, offsetMs: expect.any(Number) }]);
    } finally {
      await stop(r.child);
      clock.close();
    }
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});
