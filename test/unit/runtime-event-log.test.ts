/** events.jsonl: envelope first, readable at once, valid JSON per line, envelope cannot be overridden. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlEventLog } from '../../src/runtime/event-log.js';
import { combineVerdicts } from '../../src/runtime/runner.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('JsonlEventLog', () => {
  it('writes one JSON line per event, readable before close, with t/wall/kind first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadnet-events-'));
    dirs.push(dir);
    const log = new JsonlEventLog(join(dir, 'events.jsonl'));
    const seen: string[] = [];
    log.on((e) => seen.push(e.kind));
    log.emit('run.phase', { phase: 'deploy' });
    log.emit('fault.start', { faultId: 'f1', fault: 'restart', target: 'n1', ...({ kind: 'not-the-envelope', t: -1 } as object) } as { faultId: string; fault: string; target: string });
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l));
    expect(Object.keys(a).slice(0, 3)).toEqual(['t', 'wall', 'kind']);
    expect(a).toMatchObject({ kind: 'run.phase', phase: 'deploy' });
    expect(b).toMatchObject({ kind: 'fault.start', fault: 'restart', faultId: 'f1' });
    expect(b.t).toBeGreaterThan(a.t - 1);
    expect(new Date(b.wall).getTime()).toBeGreaterThan(0);
    expect(seen).toEqual(['run.phase', 'fault.start']);
    log.close();
    log.emit('custom.after-close');
    expect(log.dropped).toBe(1);
  });

  it('records an event it cannot serialise as an error line instead of throwing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadnet-events-'));
    dirs.push(dir);
    const log = new JsonlEventLog(join(dir, 'events.jsonl'));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => log.emit('custom.bad', { cyclic })).not.toThrow();
    log.close();
    expect(JSON.parse(readFileSync(join(dir, 'events.jsonl'), 'utf8'))).toMatchObject({ kind: 'custom.bad', error: expect.stringContaining('not serialisable') });
  });
});

describe('combineVerdicts', () => {
  it('worst wins: fail > unknown > pass', () => {
    expect(combineVerdicts(['pass', 'pass'])).toBe('pass');
    expect(combineVerdicts(['pass', 'unknown'])).toBe('unknown');
    expect(combineVerdicts(['unknown', 'fail', 'pass'])).toBe('fail');
    expect(combineVerdicts([])).toBe('pass');
  });
});
