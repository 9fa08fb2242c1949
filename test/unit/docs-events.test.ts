// docs/ARCHITECTURE.md's event list is rendered from the RunEvent union's documentation (src/runtime/run-events.ts),
// every emit() in src/ names a kind of that union literally, and every file the code names at the top of a run
// directory (each `join(…runDir, '<name>')`) is documented: none can go undocumented.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_EVENT_KINDS, RUN_EVENTS, renderEventDocs } from '../../src/runtime/run-events.js';

const root = join(import.meta.dirname, '../..');
const docPath = join(root, 'docs/ARCHITECTURE.md');
const BEGIN = '<!-- run-events:begin -->\n';
const END = '<!-- run-events:end -->';

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('the event kinds in docs/ARCHITECTURE.md', () => {
  const files = [...sources('src'), ...sources('workers')].filter((f) => !f.includes('/src/node/'));
  // Method calls only: the EventLog's own definition (`emit(kind: string, …)`) is not one.
  const uses = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\.emit\(\s*([^,)]*)/g)].map((m) => ({ file: f, arg: m[1]!.trim() })));

  it('every emit() names a kind of the RunEvent union literally', () => {
    expect(uses.length).toBeGreaterThan(20);
    expect(uses.filter((c) => !/^'[a-z.A-Z]+'$/.test(c.arg)).map((c) => `${c.file}: emit(${c.arg}`)).toEqual([]);
    const known = new Set<string>(RUN_EVENT_KINDS);
    expect(uses.filter((c) => !known.has(c.arg.slice(1, -1))).map((c) => `${c.file}: ${c.arg}`)).toEqual([]);
  });

  it('documents every field of every kind (the union’s documentation is complete)', () => {
    for (const kind of RUN_EVENT_KINDS) {
      const d = RUN_EVENTS[kind];
      expect(d.when.length, kind).toBeGreaterThan(3);
      for (const [field, meaning] of Object.entries(d.fields)) expect(String(meaning).length, `${kind}.${field}`).toBeGreaterThan(1);
    }
  });

  it('lists exactly the kinds of the union, as rendered from it', () => {
    const doc = readFileSync(docPath, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, 'the run-events markers in docs/ARCHITECTURE.md').toBeGreaterThan(0);
    const rendered = renderEventDocs() + '\n';
    if (process.env.LOADNET_WRITE_EVENT_DOCS === '1') writeFileSync(docPath, doc.slice(0, start + BEGIN.length) + rendered + doc.slice(end));
    const listed = readFileSync(docPath, 'utf8');
    expect(listed.slice(listed.indexOf(BEGIN) + BEGIN.length, listed.indexOf(END)), 'run LOADNET_WRITE_EVENT_DOCS=1 npx vitest run test/unit/docs-events.test.ts').toBe(rendered);
    for (const kind of RUN_EVENT_KINDS) expect(rendered).toContain(`\`${kind}\``);
  });

  it('documents every file named at the top of the run directory', () => {
    const doc = readFileSync(docPath, 'utf8');
    const section = doc.slice(doc.indexOf('## The run directory'), doc.indexOf('`events.jsonl`: the run'));
    const names = [...new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/runDir,\s*'([^']+)'/g)].map((m) => m[1]!)))].sort();
    expect(names).toEqual(expect.arrayContaining(['dropped.txt', 'events.jsonl', 'summary.json', 'tx']));
    expect(names.filter((n) => !section.includes(`\`${n}`))).toEqual([]);
  });
});
