// `loadnet check` on what is not a run it can judge: clear errors (exit 2), never a stack trace.
// The re-judging of real saved runs is in test/integration/expect-healthy.test.ts (same verdicts, changed thresholds).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'loadnet-check-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loadnet(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('loadnet check: bad input', () => {
  it('a directory that is not a run', () => {
    const r = loadnet('check', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not a run directory: it has no events\.jsonl/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a run recorded by an older loadnet (no history event)', () => {
    const old = join(dir, 'old-run');
    mkdirSync(old);
    writeFileSync(join(old, 'scenario.json'), JSON.stringify({ name: 'old' }));
    writeFileSync(join(old, 'events.jsonl'), JSON.stringify({ t: 1, wall: '1970-01-01T00:00:00.001Z', kind: 'run.phase', phase: 'deploy' }) + '\n');
    const r = loadnet('check', old);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/was recorded by an older loadnet \(no 'history' event: record format 1\); it cannot be re-judged/);
  });

  it('a malformed --expect, and one naming an expectation the run never had', () => {
    const run = join(dir, 'empty-run');
    mkdirSync(run);
    writeFileSync(join(run, 'scenario.json'), JSON.stringify({ name: 'empty' }));
    writeFileSync(join(run, 'events.jsonl'), JSON.stringify({ t: 1, wall: '1970-01-01T00:00:00.001Z', kind: 'history', format: 2 }) + '\n');
    const bad = loadnet('check', run, '--expect', 'block-timing.tolerance');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--expect "block-timing\.tolerance": expected <expectation>\.<option>=<value>/);
    const unknown = loadnet('check', run, '--expect', 'safety.x=1');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--expect safety: the run has no expectation of that name \(it has: none\), and safety reads the chain live during the run, so it cannot be added afterwards; can be added: mempool-bounded/);
  });
});
