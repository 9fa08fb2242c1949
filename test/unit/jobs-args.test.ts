import { describe, expect, it } from 'vitest';
import { parseMaxRateArgs, parseSize, parseSoakArgs } from '../../src/jobs/job-args.js';
import { maxRateOptions } from '../../src/cli/job-commands.js';

describe('max-rate arguments', () => {
  it('parses the documented flags', () => {
    const a = parseMaxRateArgs(['scn.json', '--slo-p99', '2s', '--min-inclusion', '99%', '--hold', '30s', '--start', '50', '--max', '100000', '--resolution', '0.1', '--validators', '4', '--executors', '2', '--sign-cap', '500', '--max-holds', '3', '--slo-z', '2.5', '--json']);
    expect(a).toMatchObject({ maxHolds: 3, sloZ: 2.5, scenarioPath: 'scn.json', sloP99Ms: 2000, minInclusion: 0.99, holdMs: 30_000, startTps: 50, maxTps: 100_000, resolution: 0.1, validators: 4, executors: 2, signCapPerSec: 500, json: true });
  });

  it('leaves unset options undefined so defaults apply downstream', () => {
    const a = parseMaxRateArgs([]);
    expect(a.scenarioPath).toBeUndefined();
    expect(a.sloP99Ms).toBeUndefined();
    expect(a.json).toBe(false);
  });

  it.each([
    [['--slo-p99', 'fast'], /--slo-p99: "fast" is not valid; allowed: a duration/],
    [['--min-inclusion', '1.5'], /--min-inclusion: "1.5" is not valid; allowed: a fraction in \(0, 1\]/],
    [['--start=-3'], /--start: "-3" is not valid/],
    [['--start', '500', '--max', '100'], /--start: 500 is not valid; allowed: a rate ≤ --max \(100\)/],
    [['--validators', '2.5'], /--validators: "2.5" is not valid; allowed: an integer from 1 to 64/],
    [['--deployer', 'k8s'], /--deployer: "k8s" is not valid; allowed: local or compose/],
    [['--bogus'], /loadnet max-rate: Unknown option '--bogus'/],
    [['--max-holds', '0'], /--max-holds: "0" is not valid; allowed: an integer from 1 to 20/],
    [['--slo-z=-1'], /--slo-z: "-1" is not valid; allowed: a number of standard errors from 0 to 1000/],
    [['--warmup', '5s'], /loadnet max-rate: Unknown option '--warmup'/],
    [['a.json', 'b.json'], /takes at most one scenario, got 2/],
  ])('rejects %j with a clear usage error', (argv, message) => {
    let err: unknown;
    try {
      parseMaxRateArgs(argv as string[]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'LN_ERR_USAGE' });
    expect((err as Error).message).toMatch(message);
  });
});

describe('max-rate --chain', () => {
  it('without a scenario, another chain gets one node with 1 s blocks; the devnet keeps its defaults', () => {
    const evm = maxRateOptions(parseMaxRateArgs(['--chain', 'evm']), undefined);
    expect(evm.scenario).toMatchObject({ chain: { type: 'evm' }, topology: { validators: 1, executors: 0 }, consensus: { slotDurationMs: 1000, activeSlotCoeff: 1, securityParam: 3 } });
    expect(maxRateOptions(parseMaxRateArgs(['--chain', 'devnet']), undefined).scenario).toBeUndefined();
  });
});

describe('soak arguments', () => {
  it('parses durations, sizes and rates', () => {
    const a = parseSoakArgs(['--duration', '2h', '--sample-interval', '10s', '--checkpoint-interval', '1m', '--max-heap-growth', '8MiB', '--max-disk-growth', '2GB', '--rate', '100', '--max-mempool-growth', '500']);
    expect(a).toMatchObject({ durationMs: 7_200_000, sampleIntervalMs: 10_000, checkpointIntervalMs: 60_000, maxHeapGrowthPerHour: 8 * 1024 * 1024, maxDiskGrowthPerHour: 2e9, rateTps: 100, maxMempoolGrowthPerHour: 500 });
  });

  it('parses sizes and rejects unknown units', () => {
    expect(parseSize('x', '1.5kB')).toBe(1500);
    expect(parseSize('x', '3')).toBe(3);
    expect(() => parseSize('x', '3 parsecs')).toThrow(/allowed: a size in bytes/);
  });
});
