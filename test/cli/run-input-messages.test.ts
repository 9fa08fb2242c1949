// Three user mistakes on `loadnet run`, through the built CLI: each exits 2 with a message that says what is
// wrong and what is allowed (no stack, no misleading field error).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
const STACK = /\n\s+at .+\(.+:\d+:\d+\)/;
let dir: string;

function loadnet(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SCENARIO_TS = "import { ScenarioBuilder } from 'loadnet';\nexport default ScenarioBuilder.topology().validators(2).apply().build();\n";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loadnet-run-input-'));
  // A user's project that is not an ES module package, with loadnet installed.
  const project = join(dir, 'cjs-project');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'cjs-project', private: true }));
  symlinkSync(root, join(project, 'node_modules', 'loadnet'), 'dir');
  writeFileSync(join(project, 'scenario.ts'), SCENARIO_TS);
  writeFileSync(join(project, 'scenario.mts'), SCENARIO_TS);
  mkdirSync(join(dir, 'scenarios'));
  writeFileSync(join(dir, 'scenarios', 'notes.txt'), 'not a scenario\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadnet run: input mistakes', () => {
  it('a .ts scenario in a CommonJS package: says so and how to fix it (the same file as .mts loads)', () => {
    const project = join(dir, 'cjs-project');
    const r = loadnet(project, 'run', 'scenario.ts', '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`scenario.ts is CommonJS here (${join(project, 'package.json')} has no "type": "module")`);
    expect(r.stderr).toContain('add "type": "module" to the nearest package.json or name it scenario.mts');
    expect(r.stderr).not.toContain('no such key');
    expect(r.stderr).not.toMatch(STACK);
    const mts = loadnet(project, 'run', 'scenario.mts', '--dry-run');
    expect(mts.stderr).toBe('');
    expect(mts.code).toBe(0);
    expect(JSON.parse(mts.stdout).topology.validators).toBe(2);
  });

  it('a directory: says it is a directory and what is allowed', () => {
    const r = loadnet(dir, 'run', 'scenarios', '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('loadnet run: scenarios is a directory with no .feature files, not a scenario file; allowed: a .json, .ts, .mts, .js or .mjs scenario file, or a directory of .feature files');
    expect(r.stderr).not.toContain('no such scenario file');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('--duration -5s: names the value and what is allowed (not "ambiguous")', () => {
    const r = loadnet(root, 'run', 'examples/load-progression.ts', '--duration', '-5s', '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('loadnet run: --duration "-5s" is negative; allowed: a positive duration, e.g. 30s, 5m, 1m30s, 500ms');
    expect(r.stderr).not.toContain('ambiguous');
    const cooldown = loadnet(root, 'run', 'examples/load-progression.ts', '--cooldown', '-1s', '--dry-run');
    expect(cooldown.code).toBe(2);
    expect(cooldown.stderr).toContain('--cooldown "-1s" is negative; allowed: 0 or a positive duration');
    // A forgotten value before the next option is said as such.
    const missing = loadnet(root, 'run', 'examples/load-progression.ts', '--duration', '--dry-run');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--duration needs a value, but the next argument is the option --dry-run');
    for (const x of [r, cooldown, missing]) expect(x.stderr).not.toMatch(STACK);
  });

  it('load agents that do not answer: named, each with why, before anything is deployed (no run directory)', () => {
    const out = join(dir, 'agents-out');
    const r = loadnet(root, 'run', 'examples/sustained-load.ts', '--agent', '127.0.0.1:1', '--agent', '127.0.0.1:2', '--out', out);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('load agents not ready, nothing deployed: load agent 127.0.0.1:1: cannot connect: connect ECONNREFUSED 127.0.0.1:1; load agent 127.0.0.1:2: cannot connect');
    expect(r.stderr).toContain('start each with `loadnet agent --listen <host:port>`');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stdout).not.toContain('running');
    expect(existsSync(out) ? readdirSync(out) : [], 'run directories').toEqual([]);
  });
});
