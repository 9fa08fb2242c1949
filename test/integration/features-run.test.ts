/**
 * Feature files run for real through the built CLI: the inherited smoke features unmodified on the local
 * deployer and on Docker (the stress smoke's two scenarios split between the two deployers to keep CI short;
 * both run on both by hand, bench/RESULTS.md), loadnet's own steps (expectations and summary figures, chaos,
 * max-rate), and the feature that must fail, failing with its messages. Windows are capped through
 * LOADNET_MAX_DURATION, as documented for CI. The inherited features keep their default cooldown (26 s: k = 10
 * blocks of 2 s, plus 3): consensus liveness needs the LIB to advance, so at least k + 1 blocks since genesis
 * (with a 10 s cooldown a run saw 9 blocks in 23 s and failed). The must-fail scenarios fail on their window's
 * figures whatever the cooldown, so theirs is cut to 2 s.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineAvailable } from './compose-helpers.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-features-run-'));
const hasEngine = await engineAvailable();
/** The must-fail scenarios fail on the window's figures; their cooldown only delays the verdict. */
const MUST_FAIL_COOLDOWN = ['--cooldown', '2s'];

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface Result {
  scenario: string;
  at: string;
  deployer: string;
  status: string;
  failures: string[];
  runDirs: string[];
}

/** The CLI, without blocking this process: the inherited features' two runs go at once. */
function loadnet(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  delete clean.LOADNET_DEPLOYER;
  delete clean.LOADNET_MAX_DURATION;
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024, env: { ...clean, ...env } }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

async function run(name: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = join(outDir, name);
  const r = await loadnet(['run', ...args, '--out', out, '--json', '--no-progress'], env);
  const results = r.stdout.trim() === '' ? [] : (JSON.parse(r.stdout) as Result[]);
  const junitFile = readdirSync(out).find((f) => f.endsWith('-features.junit.xml'));
  return { ...r, results, junit: junitFile ? readFileSync(join(out, junitFile), 'utf8') : '' };
}

/** Each run directory holds the resolved spec the dry run shows, and its own reports. */
async function expectRunDirectories(results: Result[], dryRunArgs: string[], env: NodeJS.ProcessEnv) {
  const plans = JSON.parse((await loadnet(['run', ...dryRunArgs, '--dry-run'], env)).stdout) as Array<{ at: string; spec: unknown }>;
  for (const r of results) {
    expect(r.runDirs).toHaveLength(1);
    const dir = r.runDirs[0]!;
    for (const f of ['scenario.json', 'summary.json', 'report.html', 'junit.xml']) expect(existsSync(join(dir, f)), `${dir}/${f}`).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8'))).toEqual(plans.find((p) => p.at === r.at)!.spec);
  }
}

// The local and the Docker runs go at once: each is wall-clock bound (slots, window and cooldown) and light on
// CPU, with its own CLI, nodes and output directory, and each test judges only its own results.
describe.concurrent('the inherited smoke features, unmodified', () => {
  it('on the local deployer: the 1 + 1 smoke and the 3 + 3 stress smoke with liveness pass; JUnit for the run', async ({ expect }) => {
    const env = { LOADNET_MAX_DURATION: '10s' };
    const args = ['examples/features/inherited', '--tags', '@inherited and not @compose and not @no-liveness'];
    const r = await run('inherited-local', [...args, '--deployer', 'local'], env);
    expect(r.results.map((x) => [x.scenario, x.deployer, x.status, x.failures])).toEqual([
      ['One validator and one executor with transactions and data availability', 'local', 'passed', []],
      ['Stress with liveness', 'local', 'passed', []],
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('features: 2 scenarios: 2 passed, 0 failed');
    expect(r.junit).toContain('<testsuites name="loadnet features" tests="2" failures="0" errors="0"');
    expect(r.junit).toContain('name="Stress with liveness"');
    await expectRunDirectories(r.results, [...args, '--deployer', 'local'], env);
  }, 600_000);

  it.skipIf(!hasEngine)('on Docker: the compose smoke and the stress smoke without liveness (deployer from LOADNET_DEPLOYER) pass', async ({ expect }) => {
    const env = { LOADNET_MAX_DURATION: '10s', LOADNET_DEPLOYER: 'docker' };
    const args = ['examples/features/inherited', '--tags', '@compose or @no-liveness'];
    const r = await run('inherited-compose', args, env);
    expect(r.results.map((x) => [x.scenario, x.deployer, x.status, x.failures])).toEqual([
      ['One validator and one executor in containers', 'compose', 'passed', []],
      ['Stress without liveness', 'compose', 'passed', []],
    ]);
    expect(r.code).toBe(0);
    expect(r.junit).toContain('tests="2" failures="0" errors="0"');
    await expectRunDirectories(r.results, args, env);
  }, 600_000);
});

// The must-fail feature (one validator, 1 tx/s) runs beside the own steps: it is light, and what it checks,
// failures on its window's figures, only grows with load.
describe.concurrent("loadnet's own steps", () => {
  it('expectations with summary figures, chaos restarts and a max-rate check pass', async () => {
    const r = await run('own', ['examples/features', '--tags', 'not @inherited and not @must-fail and (not @chaos or @ci)']);
    expect(r.results.map((x) => [x.at, x.status, x.failures])).toEqual([
      ['examples/features/chaos.feature:34', 'passed', []],
      ['examples/features/expectations.feature:4', 'passed', []],
      ['examples/features/max-rate.feature:4', 'passed', []],
    ]);
    expect(r.code).toBe(0);
    const summaryOf = (i: number) => JSON.parse(readFileSync(join(r.results[i]!.runDirs[0]!, 'summary.json'), 'utf8')) as { expectations: Array<{ name: string; status: string }>; chaos?: { faults: number }; maxRate?: { maxRateTps: number } };
    expect(summaryOf(0).chaos!.faults).toBeGreaterThan(1);
    expect(summaryOf(1).expectations.map((e) => e.name).sort()).toEqual(['block-timing', 'consensus-liveness', 'da-inclusion', 'mempool-bounded', 'safety', 'supply-conserved', 'tx-inclusion']);
    expect(summaryOf(2).maxRate!.maxRateTps).toBeGreaterThanOrEqual(40);
  }, 600_000);

  it('the feature that must fail does: exit 1, each failure with its step, figure and numbers, in the JUnit too', async () => {
    const r = await run('must-fail', ['examples/features/must-fail.feature', ...MUST_FAIL_COOLDOWN]);
    expect(r.code).toBe(1);
    expect(r.results.map((x) => x.status)).toEqual(['failed', 'failed']);
    expect(r.results[0]!.failures).toHaveLength(1);
    expect(r.results[0]!.failures[0]).toMatch(/^And inclusion p99 is below 1ms: inclusion p99 is \d+(\.\d)? ms, not below 1ms$/);
    expect(r.results[1]!.failures).toHaveLength(1);
    expect(r.results[1]!.failures[0]).toMatch(/^Then scenario should succeed: verdict FAIL: block-timing failed: gap of \d+ms before height \d+ exceeds 100ms/);
    expect(r.stderr).toMatch(/FAIL And inclusion p99 is below 1ms {2}\(examples\/features\/must-fail\.feature:18\)\n {9}inclusion p99 is/);
    expect(r.junit).toContain('tests="2" failures="2" errors="0"');
    expect(r.junit).toMatch(/<failure message="And inclusion p99 is below 1ms: inclusion p99 is [\d.]+ ms, not below 1ms" type="scenario">/);
  }, 300_000);
});

describe('interrupted', () => {
  it('SIGTERM during a scenario: nodes torn down, exit 130, the JUnit names the interruption and the rest is not run', async () => {
    const out = join(outDir, 'interrupted');
    const child = spawn(process.execPath, [cli, 'run', 'examples/features/must-fail.feature', '--out', out, '--no-progress'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout!.on('data', (d) => (text += String(d)));
    child.stderr!.on('data', (d) => (text += String(d)));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    // The scenario's header comes just before its deployment; stop it a few seconds later.
    for (let i = 0; i < 600 && !/window 6s/.test(text); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(text).toContain('INTERRUPTED: inclusion faster than a block interval');
    expect(text).toContain('(1 not run)');
    const junit = readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('-features.junit.xml'))!), 'utf8');
    expect(junit).toContain('tests="1" failures="0" errors="1"');
    // Stopped while deploying or while running, depending on how fast the nodes came up: both say so.
    expect(junit).toMatch(/<error message="[^"]*interrupted[^"]*" type="interrupted">/);
    const runDir = readdirSync(out).find((f) => !f.endsWith('.xml'))!;
    expect(spawnSync('pgrep', ['-f', join(out, runDir)]).stdout.toString().trim()).toBe('');
  }, 120_000);

  it('SIGTERM between two scenarios: the loop stops, exit 130, the JUnit holds the finished scenario and the interrupted one', async () => {
    const out = join(outDir, 'interrupted-between');
    const child = spawn(process.execPath, [cli, 'run', 'examples/features/must-fail.feature', ...MUST_FAIL_COOLDOWN, '--out', out, '--no-progress'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    // The signal goes the moment the first scenario's result is printed: the next one has not deployed yet.
    const firstDone = new Promise<void>((res) => {
      const onData = (d: Buffer) => {
        text += String(d);
        if (/FAILED: inclusion faster than a block interval/.test(text)) res();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d) => (text += String(d)));
    });
    await Promise.race([firstDone, exited]);
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    const junit = readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('-features.junit.xml'))!), 'utf8');
    expect(junit).toContain('tests="2" failures="1" errors="1"');
    expect(junit).toMatch(/<error message="[^"]*interrupted[^"]*" type="interrupted">/);
    for (const runDir of readdirSync(out).filter((f) => !f.endsWith('.xml'))) {
      expect(spawnSync('pgrep', ['-f', join(out, runDir)]).stdout.toString().trim()).toBe('');
    }
  }, 120_000);
});
