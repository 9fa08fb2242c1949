// docs/ARCHITECTURE.md lists every event kind the code writes to events.jsonl (each `emit('<kind>', …)` in src/)
// and every file the code names at the top of a run directory (each `join(…runDir, '<name>')`), so neither can
// go undocumented.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('the event kinds in docs/ARCHITECTURE.md', () => {
  const files = [...sources('src'), ...sources('workers')];
  // Method calls only: the EventLog's own definition (`emit(kind: string, …)`) is not one.
  const uses = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\.emit\(\s*([^,)]*)/g)].map((m) => ({ file: f, arg: m[1]!.trim() })));

  it('every emit() names its kind literally (so this scan sees every kind)', () => {
    expect(uses.length).toBeGreaterThan(20);
    expect(uses.filter((c) => !/^'[a-z.A-Z]+'$/.test(c.arg)).map((c) => `${c.file}: emit(${c.arg}`)).toEqual([]);
  });

  it('documents every kind written', () => {
    const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
    const events = doc.slice(doc.indexOf('`events.jsonl`: one JSON object'));
    const kinds = [...new Set(uses.map((c) => c.arg.slice(1, -1)))].sort();
    expect(kinds).toContain('load.interval');
    expect(kinds.filter((k) => !events.includes(`\`${k}\``))).toEqual([]);
  });

  it('documents every file named at the top of the run directory', () => {
    const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## The run directory'), doc.indexOf('`events.jsonl`: one JSON object'));
    const names = [...new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/runDir,\s*'([^']+)'/g)].map((m) => m[1]!)))].sort();
    expect(names).toEqual(expect.arrayContaining(['dropped.txt', 'events.jsonl', 'summary.json', 'tx']));
    expect(names.filter((n) => !section.includes(`\`${n}`))).toEqual([]);
  });
});
