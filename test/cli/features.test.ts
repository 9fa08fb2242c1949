// Feature files through the built CLI, without deploying (--dry-run and errors): which scenarios a path and
// --tags select, the spec each compiles to (the same a ScenarioBuilder gives for the same words), where the
// deployer comes from, the duration cap, and the messages for unknown steps and bad values, with nothing run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioBuilder } from 'loadnet';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
const inherited = 'examples/features/inherited';
let dir: string;

const STACK = /\n\s+at .+\(.+:\d+:\d+\)/;

function loadnet(args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = { ...process.env };
  delete clean.LOADNET_DEPLOYER;
  delete clean.LOADNET_MAX_DURATION;
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...clean, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Plan {
  feature: string;
  scenario: string;
  at: string;
  tags: string[];
  deployer: string;
  run: boolean;
  maxRate?: { atLeastTps: number; sloP99Ms: number; holdMs: number; maxTps: number };
  spec: { name: string; durationMs: number; topology: { validators: number; executors: number }; workloads: Array<Record<string, unknown>>; expectations: Array<{ type: string; options?: Record<string, unknown> }> };
}

function plans(args: string[], env: NodeJS.ProcessEnv = {}): Plan[] {
  const r = loadnet(['run', ...args, '--dry-run'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Plan[];
}

function feature(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'loadnet-features-test-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('selecting feature files and scenarios', () => {
  it('a directory runs every .feature below it; Background and Scenario Outline rows become scenarios', () => {
    const all = plans(['examples/features']);
    expect(all.map((p) => p.at)).toEqual([
      'examples/features/chaos.feature:34',
      'examples/features/chaos.feature:38',
      'examples/features/chaos.feature:39',
      'examples/features/expectations.feature:4',
      'examples/features/faults.feature:15',
      'examples/features/faults.feature:26',
      'examples/features/inherited/compose-smoke.feature:4',
      'examples/features/inherited/local-smoke.feature:4',
      'examples/features/inherited/stress-smoke.feature:11',
      'examples/features/inherited/stress-smoke.feature:20',
      'examples/features/max-rate.feature:4',
      'examples/features/must-fail.feature:15',
      'examples/features/must-fail.feature:20',
    ]);
    const chaos = all.filter((p) => p.at.includes('chaos.feature'));
    expect(chaos.map((p) => p.spec.workloads[1]!.action)).toEqual(['restart', 'kill', 'pause']);
    // The Background's steps are in every row; the Examples' tags are added to the row's.
    for (const p of chaos) expect(p.spec.topology).toMatchObject({ validators: 3, executors: 1 });
    expect(chaos.map((p) => p.tags.includes('@ci'))).toEqual([true, false, false]);
  });

  it('--tags filters by tag expression (feature, scenario and examples tags)', () => {
    expect(plans(['examples/features', '--tags', '@smoke and not @compose']).map((p) => p.scenario)).toEqual(['One validator and one executor with transactions and data availability']);
    expect(plans([inherited, '--tags', '@stress and not @liveness']).map((p) => p.scenario)).toEqual(['Stress without liveness']);
    expect(plans(['examples/features/chaos.feature', '--tags', '@ci'])).toHaveLength(1);
  });

  it.each([
    ['a bad tag expression', ['run', inherited, '--tags', '@a and'], /--tags "@a and" is not a tag expression/],
    ['no scenario matches', ['run', inherited, '--tags', '@nothing'], /no scenario to run matches --tags "@nothing" \(of 4\)/],
    ['--tags with a JSON scenario', ['run', 'bench/max-rate-4x2.scenario.json', '--tags', '@x'], /--tags selects scenarios of \.feature files/],
    ['--attach with features', ['run', inherited, '--attach', 'http://127.0.0.1:1'], /--attach is not available for feature files/],
    ['a missing .feature file', ['run', 'nope/x.feature'], /no such feature file or directory: nope\/x\.feature/],
  ])('%s: exit 2 with a message and no stack', (_n, args, message) => {
    const r = loadnet(args as string[]);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(2);
  });
});

describe('the inherited vocabulary', () => {
  it('builds the ScenarioSpec the DSL builds from the same words', () => {
    const [smoke] = plans([`${inherited}/local-smoke.feature`]);
    const dsl = ScenarioBuilder.topology().networkStar().validators(1).executors(1).apply()
      .withRunDuration('60s')
      .initializeWallet(1000, 10)
      .transactions().rate(1).apply()
      .da().channelRate(1).blobRate(1).apply()
      .expectConsensusLiveness()
      .named(smoke!.spec.name)
      .buildSpec();
    expect(smoke!.spec).toEqual(JSON.parse(JSON.stringify(dsl)));

    const [stress, noLiveness] = plans([`${inherited}/stress-smoke.feature`]);
    const base = ScenarioBuilder.topology().validators(3).executors(3).apply().withRunDuration('120s').initializeWallet(1_000_000, 500)
      .transactions().rate(10).users(500).apply()
      .da().channelRate(1).blobRate(1).apply();
    expect(stress!.spec).toEqual(JSON.parse(JSON.stringify(base.expectConsensusLiveness({ maxLag: 3 }).named(stress!.spec.name).buildSpec())));
    expect(noLiveness!.spec).toEqual(JSON.parse(JSON.stringify(base.named(noLiveness!.spec.name).buildSpec())));
  });

  it('`deployer is "<name>"`: local/host and compose/docker, case-insensitive and trimmed; anything else names the allowed values', () => {
    const names: Array<[string, string]> = [['local', 'local'], [' Host ', 'local'], ['COMPOSE', 'compose'], ['docker  ', 'compose']];
    const file = feature('deployer.feature', `Feature: d\n${names.map(([written], i) => `  Scenario: s${i}\n    Given deployer is "${written}"\n    And topology has 1 validators and 0 executors\n    When run scenario\n`).join('')}`);
    expect(plans([file]).map((p) => p.deployer)).toEqual(names.map(([, d]) => d));
    const bad = feature('bad-deployer.feature', 'Feature: d\n  Scenario: s\n    Given deployer is "k8s"\n    And topology has 1 validators and 0 executors\n    When run scenario\n');
    const r = loadnet(['run', bad, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:3: \`Given deployer is "k8s"\`: "k8s" is not allowed; allowed: "local", "host", "compose", "docker" (case-insensitive)`);
  });

  it('`we have a CLI deployer specified`: --deployer, else LOADNET_DEPLOYER, else local; the file\'s own deployer wins', () => {
    const file = `${inherited}/stress-smoke.feature`;
    expect(plans([file]).map((p) => p.deployer)).toEqual(['local', 'local']);
    expect(plans([file], { LOADNET_DEPLOYER: ' Docker ' }).map((p) => p.deployer)).toEqual(['compose', 'compose']);
    expect(plans([file, '--deployer', 'local'], { LOADNET_DEPLOYER: 'docker' }).map((p) => p.deployer)).toEqual(['local', 'local']);
    expect(plans([`${inherited}/compose-smoke.feature`, '--deployer', 'local'])[0]!.deployer).toBe('compose');
    const r = loadnet(['run', file, '--dry-run'], { LOADNET_DEPLOYER: 'k8s' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('LOADNET_DEPLOYER="k8s" is not a deployer; allowed: local, host, compose, docker');
  });

  it('LOADNET_MAX_DURATION caps run windows and max-rate holds; shorter ones stay', () => {
    const capped = plans(['examples/features', '--tags', '@inherited or @max-rate or @must-fail'], { LOADNET_MAX_DURATION: '10s' });
    expect(capped.map((p) => p.spec.durationMs)).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 6_000, 6_000]);
    expect(capped.find((p) => p.maxRate)!.maxRate).toEqual({ atLeastTps: 40, sloP99Ms: 5000, holdMs: 6000, maxTps: 40 });
    expect(plans(['examples/features/max-rate.feature'], { LOADNET_MAX_DURATION: '3s' })[0]!.maxRate!.holdMs).toBe(3000);
    const r = loadnet(['run', inherited, '--dry-run'], { LOADNET_MAX_DURATION: 'short' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('LOADNET_MAX_DURATION="short" is not a duration');
  });
});

describe('fault steps', () => {
  it('examples/features/faults.feature: the shortened partition and latency tiers the DSL builds from the same words', () => {
    const [partition, tiers] = plans(['examples/features/faults.feature']);
    const base = (slot: string) => ScenarioBuilder.topology().networkFull().validators(4).executors(2).apply()
      .enableNodeControl().wallets(20).transactions().rate(2).users(10).apply().withRunDuration('20s').slotDuration(slot);
    const dslPartition = base('250ms').securityParam(10)
      .chaos().partition('halves').at('5s').for('3s').convergeWithin('20s').apply()
      .expectSafety().expectConsensusLiveness()
      .expectForkRate({ maxReorgsPerBlock: 0.5, maxOrphansPerBlock: 0.5, maxDepth: 10 })
      .named(partition!.spec.name).buildSpec();
    expect(partition!.spec).toEqual(JSON.parse(JSON.stringify(dslPartition)));
    const dslTiers = base('500ms')
      .chaos().latencyTiers({
        A: { delay: '10ms', nodes: ['validator-0', 'executor-0'] },
        B: { delay: '100ms', nodes: ['validator-1', 'executor-1'] },
        C: { delay: '300ms', nodes: ['validator-2', 'validator-3'] },
      }, { jitter: '20ms' }).healAt('14s').apply()
      .expectSafety().expectConsensusLiveness()
      .expectPropagation({ tiers: { C: { maxP50: '625ms', maxP99: '1500ms' } }, maxP99: '1500ms' })
      .expectForkRate({ maxReorgsPerBlock: 1, maxOrphansPerBlock: 0.6, maxHeightBattlesPerBlock: 0.15, maxDepth: 3 })
      .named(tiers!.spec.name).buildSpec();
    expect(tiers!.spec).toEqual(JSON.parse(JSON.stringify(dslTiers)));
  });

  it('a fault mistake names file:line, the closest steps and the DSL issue at its step', () => {
    const file = feature('fault-mistakes.feature', [
      'Feature: fault mistakes',
      '  Scenario: s',
      '    Given topology has 3 validators',
      '    And node control is enabled',
      '    And the network is partition into halves',
      '    When run scenario',
      '  Scenario: late',
      '    Given topology has 3 validators',
      '    And node control is enabled',
      '    And the clock of "validator-1" runs 1s ahead',
      '    And the fault starts at 90s',
      '    And run duration is 30s',
      '    When run scenario',
      '',
    ].join('\n'));
    const r = loadnet(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toContain(`${file}:5: \`And the network is partition into halves\`: unknown step; closest known steps:\n    Given the network is partitioned into halves    (the network is partitioned into {word})`);
    expect(r.stderr).toMatch(new RegExp(`- clock-skew\\.atMs: 90000; allowed: a start inside the run window \\(before 30000 ms\\)\\n\\s+at ${escape(file)}:10: And the clock of "validator-1" runs 1s ahead`));
  });
});

describe('mistakes are found before anything deploys', () => {
  it('unknown steps name file:line and the closest known steps; bad values get the DSL\'s messages at their steps', () => {
    const out = join(dir, 'runs');
    mkdirSync(out);
    const file = feature('mistakes.feature', [
      'Feature: mistakes',
      '  Background:',
      '    Given topology has 0 validators and 0 executors',
      '  Scenario: typos',
      '    Given topology have 3 validators and 2 executors',
      '    And transactions rate is 1 per block',
      '    And transactions rate is 2 per block',
      '    When run scenario',
      '    Then inclusion p98 is below 3s',
      '    And scenario should succeed',
      '  Scenario: values',
      '    Given run duration is 1 seconds',
      '    And wallets total funds is 5 split across 10 users',
      '    And transactions rate is 0 per block using 50 users',
      '    And data availability channel rate is 1 per block and blob rate is 1 per block',
      '    And chaos kills a node every 10s to 5s',
      '    When run scenario',
      '  Scenario: order',
      '    Then scenario should succeed',
      '    When run scenario',
      '    Given expect safety',
      '    Given topology has 2 validators',
      '    And consensus liveness lag allowance is 2',
      '    And scenario should succeed',
      '      | a table |',
      '  Scenario: nothing runs',
      '    Given consensus liveness lag allowance is 2',
      '',
    ].join('\n'));
    const r = loadnet(['run', file, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toContain('nothing was deployed');
    expect(r.stderr).toContain(`${file}:5: \`Given topology have 3 validators and 2 executors\`: unknown step; closest known steps:\n    And topology has 3 validators and 2 executors    (topology has {int} validators and {int} executors)`);
    expect(r.stderr).toContain(`${file}:7: \`And transactions rate is 2 per block\`: the transactions workload is configured twice in one scenario (first at ${file}:6`);
    expect(r.stderr).toContain(`${file}:9: \`Then inclusion p98 is below 3s\`: "inclusion p98" is not allowed (did you mean 'inclusion p90'?); allowed: a figure of the summary: inclusion p50,`);
    // The DSL's own validation messages, each pointed at the step that set the value.
    for (const [issue, line] of [
      ['topology.validators: 0; allowed: an integer from 1 to 64', 3],
      ['durationMs: 1000; allowed: at least two slots (2000 ms with 1000 ms slots); set with .withRunDuration()', 12],
      ['wallets.totalFunds: 5; allowed: at least one unit per wallet (≥ 10)', 13],
      ['transactions.rate.perBlock: 0; allowed: a number > 0', 14],
      ['transactions.users: 50; allowed: at most wallets.count (10)', 14],
      ['topology.executors: 0; allowed: at least 1 executor: the DA workload disperses blobs through executors', 3],
      ['nodeControl: false; allowed: true: add `Given node control is enabled`', 16],
    ] as const) expect(r.stderr).toMatch(new RegExp(`- ${escape(issue)}.*\\n\\s+at ${escape(file)}:${line}: `));
    expect(r.stderr).toContain(`${file}:19: \`Then scenario should succeed\`: a check before \`When run scenario\``);
    expect(r.stderr).toContain(`${file}:21: \`Given expect safety\`: a setup step after \`When run scenario\` (${file}:20)`);
    expect(r.stderr).toContain(`${file}:22: \`Given topology has 2 validators\`: a setup step after \`When run scenario\``);
    expect(r.stderr).toContain(`${file}:27: \`Given consensus liveness lag allowance is 2\` needs \`And expect consensus liveness\``);
    expect(r.stderr).toContain(`${file}:24: \`And scenario should succeed\`: takes no data table or doc string`);
    expect(r.stderr).toContain(`${file}:26: scenario 'nothing runs': nothing runs; allowed: a \`When run scenario\` step`);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a feature file that does not parse names file:line:column', () => {
    const file = feature('broken.feature', 'Feature: broken\n  Scenario: s\n    Given topology has 1 validators\n      | a |\n      | b | c |\n');
    const r = loadnet(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`feature files do not parse (1 problem):\n  - ${file}:5:7: inconsistent cell count within the table`);
  });

  it('a figure only a workload measures needs that workload', () => {
    const file = feature('figure.feature', 'Feature: f\n  Scenario: s\n    Given topology has 2 validators\n    When run scenario\n    Then included blobs is above 3\n');
    const r = loadnet(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:5: \`Then included blobs is above 3\`: included blobs is measured only with a data availability workload, and this scenario has none`);
  });
});

describe('loadnet steps', () => {
  it('lists every step with an example; --json is the same list as data; inherited steps are marked', () => {
    const text = loadnet(['steps']);
    expect(text.code).toBe(0);
    const list = JSON.parse(loadnet(['steps', '--json']).stdout) as Array<{ pattern: string; example: string; inherited: boolean }>;
    expect(list.filter((s) => s.inherited).map((s) => s.pattern)).toEqual([
      'deployer is {string}',
      'we have a CLI deployer specified',
      'topology has {int} validators and {int} executors',
      'run duration is {int} seconds',
      'wallets total funds is {int} split across {int} users',
      'transactions rate is {int} per block',
      'transactions rate is {int} per block using {int} users',
      'data availability channel rate is {int} per block and blob rate is {int} per block',
      'expect consensus liveness',
      'consensus liveness lag allowance is {int}',
      'run scenario',
      'scenario should succeed',
    ]);
    for (const s of list) expect(text.stdout).toContain(`${s.inherited ? '*' : ' '} ${s.pattern}\n        e.g. ${s.example}\n`);
    expect(text.stdout).toContain('the maximum sustainable rate is at least {int} tx/s with p99 below {duration}');
    expect(text.stdout).toContain('network and clock faults:\n    the network is partitioned into {word}\n');
    expect(text.stdout).not.toContain('Not yet: network faults');
    expect(loadnet(['--help']).stdout).toMatch(/\n {2}steps +list every Gherkin step/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
