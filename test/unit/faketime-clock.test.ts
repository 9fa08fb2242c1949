import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaketimeClock, checkClockSkew, findLibfaketime } from '../../src/shaper/faketime-clock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real process under libfaketime that answers each line on its stdin with its wall clock (what the devnet
 * node's consensus time reads). Its offset is bracketed by a round trip: the answer was read between our
 * clock before the ask (t0) and at the answer (t1), so offset ∈ [answer − t1, answer − t0]. A loaded machine
 * widens the bracket by the delay it caused, and never moves it off the true offset.
 */
interface Reader {
  child: ChildProcess;
  /** Ask once; the bracket of the offset (ms), and when it was asked (our clock). */
  ask(): Promise<{ lo: number; hi: number; at: number }>;
}

function clockReader(env: Record<string, string>): Reader {
  const child = spawn(process.execPath, ['-e', "require('readline').createInterface({ input: process.stdin }).on('line', () => console.log(Date.now()))"], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const waiting: Array<(line: string) => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l.trim()) waiting.shift()?.(l);
  });
  const ask = async () => {
    // A loaded machine can take seconds to start a process: the first answer may be slow, never absent.
    const t0 = Date.now();
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the clock reader did not answer within 20 s')), 20_000);
      waiting.push((l) => {
        clearTimeout(timer);
        resolve(l);
      });
      child.stdin!.write('\n');
    });
    const t1 = Date.now();
    const at = Number(line);
    // Date.now() is whole milliseconds on both sides: ±1 ms of rounding.
    return { lo: at - t1 - 1, hi: at - t0 + 1, at: t0 };
  };
  return { child, ask };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGKILL');
  });
}

const inBracket = (b: { lo: number; hi: number }, offset: number) => b.lo <= offset && offset <= b.hi;
const show = (b: { lo: number; hi: number }) => `[${b.lo}, ${b.hi}]`;

/** `n` answers in a row, 100 ms apart, each bracketing `offset`. */
async function expectOffset(r: Reader, offset: number, n = 4): Promise<void> {
  for (let i = 0; i < n; i++) {
    const b = await r.ask();
    expect(inBracket(b, offset), `offset ${offset} ms not within the measured ${show(b)}`).toBe(true);
    await sleep(100);
  }
}

/**
 * Until an answer brackets `offset` (libfaketime re-reads its file once a second; a loaded machine can delay
 * that), then `expectOffset`. Fails naming the last bracket when it never comes within `timeoutMs`.
 */
async function expectOffsetSoon(r: Reader, offset: number, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let b = await r.ask();
  while (!inBracket(b, offset) && Date.now() < end) {
    await sleep(100);
    b = await r.ask();
  }
  expect(inBracket(b, offset), `offset ${offset} ms not reached within ${timeoutMs} ms: last measured ${show(b)}`).toBe(true);
  await expectOffset(r, offset);
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
      await expectOffset(r, 1000);

      clock.set('n1', { offsetMs: -1000 });
      await expectOffsetSoon(r, -1000);
      await stop(r.child);

      r = clockReader(clock.envFor('n1'));
      await expectOffset(r, -1000);

      clock.set('n1', { offsetMs: -1000, jitterMs: 200 });
      const setAt = Date.now();
      // The offset moves once a second (a redraw, then libfaketime's re-read): watch up to 8 s for it to move
      // by more than 30 ms between two answers after the first re-read (brackets apart, whatever their width).
      const seen: Array<{ lo: number; hi: number; at: number }> = [];
      const moved = () => {
        const after = seen.filter((b) => b.at >= setAt + 1200);
        return after.length > 8 && Math.max(...after.map((b) => b.lo)) - Math.min(...after.map((b) => b.hi)) > 30;
      };
      while (!moved() && Date.now() < setAt + 9200) {
        seen.push(await r.ask());
        await sleep(100);
      }
      // Every answer, before and after the re-reads, is within the jitter's range of −1000 ms.
      for (const b of seen) expect(b.hi >= -1000 - 200 && b.lo <= -1000 + 200, `measured ${show(b)} outside −1000 ± 200 ms`).toBe(true);
      expect(moved(), `the offset did not move by > 30 ms within 8 s of jitter: ${seen.map(show).join(' ')}`).toBe(true);
      expect(clock.state()).toEqual([{ node: 'n1', skew: { offsetMs: -1000, jitterMs: 200 }, offsetMs: expect.any(Number) }]);
    } finally {
      await stop(r.child);
      clock.close();
    }
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});
