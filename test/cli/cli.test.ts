// The built CLI as users run it (node dist/src/cli/main.js): usage and scenario errors exit 2 with a message and
// no stack; a real run on the local deployer exits 0 with the verdict and report path, a failing expectation 1.
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
let dir: string;

function loadnet(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 150_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * loadnet without blocking this process, so tests that only read its answer run concurrently
 * (it.concurrent: each starts a node process; at most vitest's maxConcurrency of them at once).
 */
function loadnetAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 150_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const STACK = /\n\s+at .+\(.+:\d+:\d+\)/;

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p tsconfig.build.json\` first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'loadnet-cli-test-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage', () => {
  it('--help lists the commands and exits 0; per-command help too', () => {
    const top = loadnet('--help');
    expect(top.code).toBe(0);
    for (const c of ['run', 'max-rate', 'soak', 'node', 'report', 'compare', 'clean']) expect(top.stdout).toContain(`  ${c}`);
    const run = loadnet('run', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--deployer local|compose');
    expect(loadnet('help', 'clean').stdout).toContain('loadnet clean');
  });

  it.concurrent.for<[string, string[], RegExp]>([
    ['no command', [], /Usage: loadnet <command>/],
    ['unknown command', ['rnu'], /unknown command 'rnu' \(did you mean 'run'\?\)/],
    ['run without a file', ['run'], /missing the scenario file/],
    ['unknown flag', ['run', 'x.json', '--durations', '5s'], /Unknown option '--durations'/],
    ['bad duration', ['run', 'x.json', '--duration', 'soon'], /--duration "soon" is not a duration/],
    ['bad deployer', ['run', 'x.json', '--deployer', 'k8s'], /allowed: local, compose/],
    ['bad seed', ['run', 'x.json', '--seed', '1.5'], /--seed "1.5".*non-negative integer/],
    ['bad attach URL', ['run', 'x.json', '--attach', 'localhost:8080'], /not a node URL list/],
    ['missing file', ['run', 'does-not-exist.json'], /no such scenario file/],
    ['module without a scenario', ['run', 'test/cli/fixtures/not-a-scenario.mjs'], /exports no scenario/],
    ['report of a non-run directory', ['report', '.'], /is not a run directory/],
    ['compare with one run', ['compare', 'test/fixtures/report-run'], /needs at least two run directories \(got 1\)/],
    ['compare of a non-run directory', ['compare', '.', 'test/fixtures/report-run'], /\. is not a run directory/],
    ['compare with an unknown figure', ['compare', 'test/fixtures/report-run', 'test/fixtures/report-run', '--threshold', 'latency=5%'], /unknown figure "latency"; allowed: offeredTps, /],
    ['compare with a bad confidence', ['compare', 'test/fixtures/report-run', 'test/fixtures/report-run', '--confidence', '120%'], /--confidence "120%"; allowed: a confidence from 50%/],
    ['max-rate with a bad --deployments', ['max-rate', '--deployments', '0'], /--deployments.*an integer from 1 to 100/],
    ['node without --config', ['node'], /missing --config <file>/],
    ['max-rate with a bad SLO', ['max-rate', '--slo-p99', 'fast'], /--slo-p99: "fast" is not valid/],
    ['soak without a scenario', ['soak', '--duration', '1h'], /needs a scenario file/],
    ['soak with --workers', ['soak', 'x.json', '--workers', '2'], /--workers is not used by soak/],
  ])('%s: exit 2, message on stderr, no stack', async ([, args, message], { expect }) => {
    const r = await loadnetAsync(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('an invalid scenario file lists every issue, exit 2; --verbose adds the stack', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ topology: { validators: 0 }, wallets: { count: 2 }, workloads: [{ type: 'transactions', users: 5, rate: { kind: 'perBlock', perBlock: 0 } }], durationMS: 5 }));
    const r = loadnet('run', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is invalid (4 problems)');
    for (const f of ['topology.validators: 0', 'transactions.users: 5', 'transactions.rate.perBlock: 0', "durationMS: 5; allowed: no such key (did you mean 'durationMs'?)"]) expect(r.stderr).toContain(f);
    expect(r.stderr).not.toMatch(STACK);
    expect(loadnet('run', file, '--verbose').stderr).toMatch(STACK);
  });
});

describe('report', () => {
  it('re-renders report.html and junit.xml from a run directory', () => {
    const run = join(dir, 'report-run');
    cpSync(join(root, 'test/fixtures/report-run'), run, { recursive: true });
    const r = loadnet('report', run);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(join(run, 'report.html'));
    expect(existsSync(join(run, 'report.html')) && existsSync(join(run, 'junit.xml'))).toBe(true);
  });
});

describe.concurrent('the examples through the CLI loader (--dry-run: resolved spec, nothing deployed)', () => {
  type Spec = { name: string; topology: object; wallets: { count: number }; nodeControl: boolean; durationMs: number; workloads: Array<Record<string, unknown>>; expectations: Array<{ type: string; name?: string }> };
  const dry = async (expect: ExpectStatic, file: string, ...more: string[]) => {
    const r = await loadnetAsync('run', file, '--dry-run', ...more);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Spec | Spec[];
  };

  it('load progression: four rates, 3 + 2 nodes, 50 wallets, 20 users, liveness, 60 s each', async ({ expect }) => {
    const specs = (await dry(expect, 'examples/load-progression.ts')) as Spec[];
    expect(specs.map((s) => s.workloads[0]!.rate)).toEqual([5, 10, 20, 30].map((perBlock) => ({ kind: 'perBlock', perBlock })));
    for (const s of specs) {
      expect(s).toMatchObject({ topology: { shape: 'star', validators: 3, executors: 2 }, wallets: { count: 50 }, durationMs: 60_000, expectations: [{ type: 'consensus-liveness' }] });
      expect(s.workloads[0]).toMatchObject({ type: 'transactions', users: 20 });
    }
  });

  it('sustained load: 4 + 2, 100 wallets, rate 15 × 50 users, DA 2 channels × 3 blobs per block, 300 s', async ({ expect }) => {
    const s = (await dry(expect, 'examples/sustained-load.ts')) as Spec;
    expect(s).toMatchObject({ topology: { validators: 4, executors: 2 }, wallets: { count: 100 }, durationMs: 300_000 });
    expect(s.workloads).toMatchObject([{ type: 'transactions', rate: { perBlock: 15 }, users: 50 }, { type: 'da', channels: 2, blobsPerBlock: 3 }]);
  });

  it('aggressive chaos: node control, restarts 10–20 s apart with 15 s cooldown, 180 s; --duration overrides', async ({ expect }) => {
    const s = (await dry(expect, 'examples/aggressive-chaos.ts', '--duration', '45s')) as Spec;
    expect(s).toMatchObject({ nodeControl: true, topology: { validators: 4, executors: 2 }, durationMs: 45_000 });
    expect(s.workloads[1]).toMatchObject({ type: 'chaos', action: 'restart', minDelayMs: 10_000, maxDelayMs: 20_000, targetCooldownMs: 15_000 });
  });

  it('custom workload: recorded by registered name with its options', async ({ expect }) => {
    const s = (await dry(expect, 'examples/custom-workload.ts')) as Spec;
    expect(s.workloads).toEqual([{ type: 'custom', name: 'api-probe', options: { perSecond: 20, maxP99Ms: 250, maxErrorRate: 0.01 } }]);
    expect(s.expectations[0]).toEqual({ type: 'custom', name: 'heights-agree', options: { maxLag: 3 } });
  });
});

describe('runs on the local deployer', () => {
  it('a passing JSON scenario: exit 0, verdict and report path; --duration overrides the window', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ name: 'cli-ok', topology: { validators: 2 }, durationMs: '60s', cooldownMs: '1s', expectations: [{ type: 'safety' }] }));
    const out = join(dir, 'runs');
    const r = loadnet('run', file, '--duration', '4s', '--out', out, '--json');
    expect(r.stderr).toContain("running 'cli-ok'");
    expect(r.stderr).toContain('window 4s');
    expect(r.stderr).toMatch(/verdict: PASS {3}report: .*report\.html/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { verdict: string; runDir: string };
    expect(summary.verdict).toBe('pass');
    expect(existsSync(join(summary.runDir, 'summary.json'))).toBe(true);
    expect(readdirSync(out)).toHaveLength(1);
  });

  it('a .ts module whose expectation fails: exit 1 and the failing message', () => {
    const r = loadnet('run', 'test/cli/fixtures/failing-expectation.ts', '--out', join(dir, 'runs-fail'), '--no-progress');
    expect(r.stdout).toContain('failed on purpose: 1 > 0');
    expect(r.stdout).toMatch(/verdict: FAIL/);
    expect(r.code).toBe(1);
  });
});
