// `loadnet run` argument parsing and the progression table, without processes.
import { describe, expect, it } from 'vitest';
import { progressionTable } from '../../src/report/progression-table.js';
import { parseRunArgs, type RunArgs } from '../../src/cli/run-command.js';
import type { RunSummary } from '../../src/runtime/contracts.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';

describe('parseRunArgs', () => {
  it('reads every option', () => {
    expect(parseRunArgs(['s.json', '--deployer', 'compose', '--duration', '1m30s', '--cooldown', '0s', '--seed', '7', '--out', 'x', '--json', '--no-progress'])).toEqual({
      file: 's.json',
      deployer: 'compose',
      deployerGiven: true,
      tags: undefined,
      attach: undefined,
      keyFile: undefined,
      walletSeed: undefined,
      durationMs: 90_000,
      cooldownMs: 0,
      seed: 7,
      outDir: 'x',
      require: [],
      json: true,
      dryRun: false,
      progress: false,
    });
  });

  it('--require repeats, in order', () => {
    expect((parseRunArgs(['s.json', '--require', './a.ts', '--require', 'some-package']) as RunArgs).require).toEqual(['./a.ts', 'some-package']);
  });

  it('attach takes URLs and wallet options', () => {
    expect(parseRunArgs(['s.json', '--attach', 'http://127.0.0.1:1, http://127.0.0.1:2', '--wallet-seed', '3'])).toMatchObject({ attach: ['http://127.0.0.1:1', 'http://127.0.0.1:2'], walletSeed: 3, deployer: 'local' });
  });

  it('--help wins', () => expect(parseRunArgs(['--help'])).toBe('help'));

  it.each([
    [['a.json', 'b.json'], /takes one scenario file, got 2/],
    [['a.json', '--attach', 'http://x:1', '--deployer', 'local'], /exclude each other/],
    [['a.json', '--keys', 'k.json'], /only go with --attach/],
    [['a.json', '--duration', '0ms'], /too short/],
    [['a.json', '--cooldown', '5 s'], /not a duration/],
    [['a.json', '--require', ' '], /--require needs a module/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseRunArgs(argv as string[])).toThrow(message);
    try {
      parseRunArgs(argv as string[]);
    } catch (e) {
      expect((e as { code: string }).code).toBe('LN_ERR_USAGE');
    }
  });
});

describe('progressionTable', () => {
  it('one row per scenario from the load section; missing figures are "-"', () => {
    const scenario = (rate: number) => ScenarioBuilder.topology().validators(1).apply().wallets(2).transactions().rate(rate).apply().named(`p-${rate}`).buildSpec();
    const summary = (verdict: 'pass' | 'fail', load?: Record<string, unknown>) => ({ verdict, load }) as unknown as RunSummary;
    const table = progressionTable(
      [{ spec: scenario(5) }, { spec: scenario(30) }] as never,
      [summary('pass', { offeredTps: 2.5, included: 50, generationMs: 20_000, inclusion: { p50: 1100.4, p99: 3000 } }), summary('fail')],
    );
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/scenario +rate +offered tx\/s +included tx\/s +incl\. p50 +incl\. p99 +verdict/);
    expect(lines[2]).toMatch(/^p-5 +5\/block +2\.5 +2\.5 +1100ms +3000ms +PASS$/);
    expect(lines[3]).toMatch(/^p-30 +30\/block +- +- +- +- +FAIL$/);
  });
});
