// Plug-ins for JSON scenarios through the built CLI (node dist/src/cli/main.js): a scenario's `plugins` list
// (relative to the scenario file) and `--require` load the module that registers a custom workload and
// expectation (test/cli/fixtures/plugins/chain-probe.ts, written against 'loadnet'); each is shown on a short
// real run of one validator, the custom expectation passing under `plugins` and failing where its bound is
// broken under `--require`. A module that is missing, fails to load or registers nothing is an error naming it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
const fixtures = 'test/cli/fixtures/plugins';
let dir: string;

function loadnet(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 150_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Summary {
  verdict: string;
  expectations: Array<{ name: string; status: string; message: string; figures?: { count?: number } }>;
}

function onlySummary(out: string): Summary {
  const runs = readdirSync(out).filter((d) => existsSync(join(out, d, 'summary.json')));
  expect(runs).toHaveLength(1);
  return JSON.parse(readFileSync(join(out, runs[0]!, 'summary.json'), 'utf8')) as Summary;
}

const STACK = /\n\s+at .+\(.+:\d+:\d+\)/;

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'loadnet-plugins-test-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a JSON scenario with a custom workload and expectation', () => {
  it('without its plug-in: exit 2 naming the unregistered names and both ways to load one', () => {
    const r = loadnet('run', `${fixtures}/no-plugins.json`, '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('workloads[0].name: "chain-probe"');
    expect(r.stderr).toContain('expectations[0].name: "probe-answered"');
    expect(r.stderr).toContain('"plugins" list or `loadnet run --require <module>`');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('"plugins" loads the module relative to the scenario file: a real run passes with the plug-in\'s workload and expectation', () => {
    const out = join(dir, 'runs-plugins');
    // From another working directory: the path in "plugins" is the scenario file's, not the shell's.
    const r = spawnSync(process.execPath, [cli, 'run', join(root, fixtures, 'scenario.json'), '--out', out, '--no-progress'], { cwd: dir, encoding: 'utf8', timeout: 150_000 });
    expect(r.status, r.stderr).toBe(0);
    const summary = onlySummary(out);
    expect(summary.verdict).toBe('pass');
    const probe = summary.expectations.find((e) => e.name === 'probe-answered');
    expect(probe?.status).toBe('pass');
    // 10 requests a second over a 3 s window and 1 s cooldown: the workload really ran.
    expect(probe?.figures?.count).toBeGreaterThanOrEqual(20);
    expect(probe?.message).toMatch(/^\d+ chain-probe answers \(at least 20 needed\), 0 errors$/);
  });

  it('--require loads it for a scenario that lists none; the custom expectation fails where its bound is broken (exit 1)', () => {
    const out = join(dir, 'runs-require');
    const r = loadnet('run', `${fixtures}/no-plugins.json`, '--require', `${fixtures}/chain-probe.ts`, '--out', out, '--no-progress');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/verdict: FAIL/);
    const probe = onlySummary(out).expectations.find((e) => e.name === 'probe-answered');
    expect(probe?.status).toBe('fail');
    expect(probe?.message).toMatch(/^\d+ chain-probe answers \(at least 1000000 needed\), 0 errors$/);
    expect(probe?.figures?.count).toBeGreaterThan(0);
  });

  it('--dry-run records the plug-ins by absolute path (the run directory\'s scenario.json runs again from anywhere)', () => {
    const r = loadnet('run', `${fixtures}/scenario.json`, '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).plugins).toEqual([join(root, fixtures, 'chain-probe.ts')]);
  });
});

describe('plug-in errors: exit 2, the module named, no stack', () => {
  it.each([
    ['a missing path', ['--require', './no-such-plugin.ts'], /--require \.\/no-such-plugin\.ts: plug-in "\.\/no-such-plugin\.ts" not found \(looked for .*\/no-such-plugin\.ts\)/],
    ['a module that throws while loading', ['--require', `${fixtures}/throws-on-load.ts`], /plug-in ".*throws-on-load\.ts" could not be loaded: the plug-in broke on purpose/],
    ['a module that registers nothing', ['--require', `${fixtures}/registers-nothing.mjs`], /plug-in ".*registers-nothing\.mjs" loaded but registered no workload or expectation/],
    ['a package that registers nothing', ['--require', 'undici'], /plug-in "undici" loaded but registered no workload or expectation/],
    ['a package that is not installed', ['--require', 'no-such-package-for-loadnet'], /plug-in "no-such-package-for-loadnet" could not be loaded: Cannot find package 'no-such-package-for-loadnet'/],
  ])('--require with %s', (_what, args, message) => {
    const r = loadnet('run', `${fixtures}/no-plugins.json`, '--dry-run', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('"plugins" entries are named by file and index; a wrong list is a field error', () => {
    const scenario = (plugins: unknown) => {
      const file = join(dir, `plugins-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(join(root, fixtures, 'scenario.json'), 'utf8')), plugins }));
      return file;
    };
    // A path relative to the scenario's directory (dir), where the plug-in is not.
    const missing = loadnet('run', scenario(['./chain-probe.ts']), '--dry-run');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/plugins-\w+\.json: plugins\[0\]: plug-in "\.\/chain-probe\.ts" not found \(looked for .*loadnet-plugins-test-\w+\/chain-probe\.ts\)/);
    copyFileSync(join(root, fixtures, 'registers-nothing.mjs'), join(dir, 'registers-nothing.mjs'));
    const nothing = loadnet('run', scenario([join(root, fixtures, 'chain-probe.ts'), './registers-nothing.mjs']), '--dry-run');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/plugins\[1\]: plug-in "\.\/registers-nothing\.mjs" loaded but registered no workload or expectation/);
    const wrong = loadnet('run', scenario('./chain-probe.ts'), '--dry-run');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/plugins: "\.\/chain-probe\.ts"; allowed: an array of module paths/);
    expect(wrong.stderr).not.toMatch(STACK);
  });
});
