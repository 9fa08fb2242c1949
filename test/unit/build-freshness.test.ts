// The test setup's stale-build check (test/setup/build-freshness.ts), on a small TypeScript project in a temp
// directory built with the real tsc, never on the repository's own dist/ that other tests run from (its lib is
// es5 with skipLibCheck only to keep each build short).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../vitest.config.js';
import { buildStaleness, ensureFreshBuild } from '../setup/build-freshness.js';

let root: string;
const quiet = { log: () => {} };
/**
 * Write a file, dated 50 ms ahead: file times come from the kernel's coarse clock, so a file written just after a
 * build could otherwise carry the same time as its last output. (Each build takes far longer than 50 ms.)
 */
function write(rel: string, text: string): void {
  const path = join(root, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  const t = (Date.now() + 50) / 1000;
  utimesSync(path, t, t);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'loadnet-build-freshness-'));
  write('tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['es5'], skipLibCheck: true, module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'dist', rootDir: '.', types: [] }, include: ['src', 'workers'] }));
  write('tsconfig.build.json', JSON.stringify({ extends: './tsconfig.json', include: ['src', 'workers'] }));
  write('src/version.ts', 'export const version: number = 1;\n');
  write('workers/worker.ts', "import { version } from '../src/version.js';\nexport const seen = version;\n");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the stale-build check of the test setup', () => {
  it('is registered as vitest globalSetup, so every vitest invocation runs it', () => {
    expect(config.test?.globalSetup).toContain('test/setup/global-setup.ts');
  });

  it('builds a project that was never built, then finds it fresh', () => {
    expect(buildStaleness(root)).toBe('src/version.ts has no build output (dist/src/version.js)');
    expect(ensureFreshBuild(root, quiet)).toBe('rebuilt');
    expect(buildStaleness(root)).toBeNull();
    expect(ensureFreshBuild(root, quiet)).toBe('fresh');
  });

  it('fires on a source edited after the build: names it, says to build, or rebuilds it', () => {
    write('src/version.ts', 'export const version: number = 2;\n');
    expect(buildStaleness(root)).toBe('src/version.ts is newer than dist/src/version.js');
    expect(() => ensureFreshBuild(root, { build: false })).toThrow(/dist\/ is out of date: src\/version\.ts is newer than dist\/src\/version\.js\. .*build first \(npm run build\)/);
    const said: string[] = [];
    expect(ensureFreshBuild(root, { log: (l) => said.push(l) })).toBe('rebuilt');
    expect(said).toEqual([expect.stringContaining('src/version.ts is newer than dist/src/version.js): building')]);
    expect(readFileSync(join(root, 'dist/src/version.js'), 'utf8')).toContain('version = 2');
    expect(buildStaleness(root)).toBeNull();
  });

  it('fires on a new source without output (workers/ too) and on a changed tsconfig', () => {
    write('workers/other.ts', 'export const other = 1;\n');
    expect(buildStaleness(root)).toBe('workers/other.ts has no build output (dist/workers/other.js)');
    ensureFreshBuild(root, quiet);
    write('tsconfig.build.json', JSON.stringify({ extends: './tsconfig.json', include: ['src', 'workers'], compilerOptions: { removeComments: true } }));
    expect(buildStaleness(root)).toBe('tsconfig.build.json is newer than the build');
    expect(ensureFreshBuild(root, quiet)).toBe('rebuilt');
    expect(buildStaleness(root)).toBeNull();
  });

  it('a failed build stops the run with the compiler errors, and still counts as stale the next time', () => {
    write('src/version.ts', "export const version: number = 'three';\n");
    expect(() => ensureFreshBuild(root, quiet)).toThrow(/the build failed, so no test ran[\s\S]*src\/version\.ts.*TS2322[\s\S]*npm run build/);
    // tsc wrote its output anyway; the failure mark keeps dist/ stale until a build succeeds.
    expect(buildStaleness(root)).toBe('the last build failed');
    write('src/version.ts', 'export const version: number = 3;\n');
    expect(ensureFreshBuild(root, quiet)).toBe('rebuilt');
    expect(buildStaleness(root)).toBeNull();
  });
});
