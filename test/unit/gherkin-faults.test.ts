// Fault steps compile to exactly what the DSL's fault calls give: the four seed fault examples written as feature
// files have the ScenarioSpec of the TypeScript examples, link and refused-peer faults that of their DSL calls;
// mistakes are reported at their file:line with what is allowed.
import { describe, expect, it } from 'vitest';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { compileFeatures, closestSteps } from '../../src/gherkin/compile.js';
import { parseFeature } from '../../src/gherkin/feature-files.js';
import { shownPattern } from '../../src/gherkin/steps.js';
import type { ScenarioSpec } from '../../src/scenario/spec.js';
import { partitionRecovery } from '../../examples/partition-recovery.js';
import { latencyTiers } from '../../examples/latency-tiers.js';
import { clockSkew } from '../../examples/clock-skew.js';
import { churn } from '../../examples/churn.js';

function specOf(steps: string[]): ScenarioSpec {
  const text = ['Feature: faults', '  Scenario: s', ...steps.map((s) => `    ${s}`), '    When run scenario', ''].join('\n');
  const [one] = compileFeatures([parseFeature(text, 'faults.feature')], { env: {} });
  return one!.scenario.spec;
}

function problems(steps: string[]): string {
  const text = ['Feature: faults', '  Scenario: s', ...steps.map((s) => `    ${s}`), '    When run scenario', ''].join('\n');
  try {
    compileFeatures([parseFeature(text, 'faults.feature')], { env: {} });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('compiled without problems');
}

const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

const base = (validators: number, executors: number, slot: string) => [
  `Given topology has ${validators} validators and ${executors} executors`,
  'And network shape is full',
  `And slot duration is ${slot}`,
  'And node control is enabled',
  'And there are 20 funded wallets',
  'And transactions rate is 2 per block using 10 users',
];

describe('fault steps build the spec of the DSL', () => {
  it('partition recovery (examples/partition-recovery.ts)', () => {
    const spec = specOf([
      ...base(4, 2, '250ms'),
      'And security parameter is 10',
      'And the network is partitioned into halves',
      'And the fault starts at 10s',
      'And the fault holds for 3s',
      'And the network converges within 20s',
      'And expect fork rate of at most 0.5 reorgs and 0.5 orphans per block and no reorg deeper than 10',
      'And expect safety',
      'And expect consensus liveness',
      'And run duration is 45s',
      'And scenario is named "partition-recovery"',
    ]);
    expect(plain(spec)).toEqual(plain(partitionRecovery().spec));
  });

  it('latency tiers (examples/latency-tiers.ts): tier steps join one fault, tier bounds one expectation', () => {
    const spec = specOf([
      ...base(4, 2, '500ms'),
      'And latency tier A delays nodes "validator-0, executor-0" by 10ms',
      'And latency tier B delays nodes "validator-1, executor-1" by 100ms',
      'And latency tier C delays nodes "validator-2, validator-3" by 300ms',
      'And the fault jitter is 20ms',
      'And the fault heals at 40s',
      'And expect block propagation to tier C p50 below 625ms and p99 below 1500ms',
      'And expect block propagation p99 below 1500ms',
      'And expect fork rate of at most 1 reorgs and 0.6 orphans per block, 0.15 per block from height battles, and no reorg deeper than 3',
      'And expect consensus liveness',
      'And expect safety',
      'And run duration is 60s',
      'And scenario is named "latency-tiers"',
    ]);
    expect(plain(spec)).toEqual(plain(latencyTiers().spec));
    expect(plain(specOf([...base(4, 2, '500ms'), 'And latency tier C delays nodes "validator-2, validator-3" by 900ms', 'And run duration is 60s']).workloads[1])).not.toEqual(plain(latencyTiers().spec.workloads[1]));
  });

  it('clock skew (examples/clock-skew.ts): clock steps of several nodes join one fault', () => {
    const spec = specOf([
      'Given topology has 4 validators',
      'And network shape is full',
      'And slot duration is 500ms',
      'And security parameter is 4',
      'And node control is enabled',
      'And there are 20 funded wallets',
      'And transactions rate is 2 per block using 10 users',
      'And the clock of "validator-1" runs 1s ahead',
      'And the clock of "validator-2" runs 1s behind',
      'And the fault heals at 30s',
      'And the network converges within 20s',
      'And expect clock rules',
      'And expect safety',
      'And expect consensus liveness',
      'And run duration is 45s',
      'And scenario is named "clock-skew"',
    ]);
    expect(plain(spec)).toEqual(plain(clockSkew().spec));
    const drift = specOf(['Given topology has 2 validators', 'And node control is enabled', 'And the clock of "validator-0" jitters by 50ms', 'And the clock of "validator-0" drifts -200 ppm', 'And expect clock rules with at most 2 refused blocks']);
    const dsl = ScenarioBuilder.topology().validators(2).executors(0).apply().enableNodeControl().chaos().clockSkew({ 'validator-0': { offsetMs: 0, jitterMs: 50, driftPpm: -200 } }).apply().expectClockRules({ maxRefused: 2 }).named('s').buildSpec();
    expect(plain(drift)).toEqual(plain(dsl));
  });

  it('churn (examples/churn.ts): a join and a leave step make one churn fault', () => {
    const spec = specOf([
      'Given topology has 4 validators',
      'And network shape is full',
      'And slot duration is 250ms',
      'And security parameter is 5',
      'And node control is enabled',
      'And there are 20 funded wallets',
      'And transactions rate is 2 per block using 10 users',
      'And 1 fresh node joins with stake 1000',
      'And nodes "validator-3" leave for good',
      'And the fault starts at 2s',
      'And the network converges within 20s',
      'And expect supply conserved',
      'And expect safety',
      'And expect consensus liveness',
      'And run duration is 40s',
      'And scenario is named "churn"',
    ]);
    expect(plain(spec)).toEqual(plain(churn().spec));
  });

  it('link faults, a refused peer, other partition shapes and repeats', () => {
    const spec = specOf([
      'Given topology has 3 validators',
      'And node control is enabled',
      'And links from "validator-0" to "validator-1, validator-2" are delayed by 200ms',
      'And links from "validator-0" to "validator-1, validator-2" lose 5% of messages',
      'And the link fault is one way',
      'And links from "validator-1" to "validator-2" carry at most 65536 bytes per second',
      'And "validator-0" refuses peer "validator-2"',
      'And the fault starts at 5s',
      'And the network is partitioned to isolate "validator-2"',
      'And the fault repeats every 20s',
      'And the fault holds for 5s',
      'And the network is partitioned into groups "validator-0" and "validator-1, validator-2"',
      'And the network is partitioned into halves bridged by "validator-1"',
      'And the network is partitioned into majority',
      'And 2 fresh nodes join',
      'And expect fork rate',
      'And expect block propagation p50 below 300ms and p99 below 1s',
      'And expect block propagation to tier A p50 below 100ms and p99 below 300ms',
    ]);
    const dsl = ScenarioBuilder.topology().validators(3).executors(0).apply().enableNodeControl()
      .chaos().linkFault({ from: ['validator-0'], to: ['validator-1', 'validator-2'], delay: 200, loss: 0.05, bothWays: false }).apply()
      .chaos().linkFault({ from: ['validator-1'], to: ['validator-2'], bytesPerSecond: 65536 }).apply()
      .chaos().blockPeer('validator-0', 'validator-2').at('5s').apply()
      .chaos().partition('isolate', { node: 'validator-2' }).every('20s').for('5s').apply()
      .chaos().partition('groups', { groups: [['validator-0'], ['validator-1', 'validator-2']] }).apply()
      .chaos().partition('bridge', { node: 'validator-1' }).apply()
      .chaos().partition('majority').apply()
      .chaos().churn({ join: 2 }).apply()
      .expectForkRate()
      .expectPropagation({ maxP50: '300ms', maxP99: '1s', tiers: { A: { maxP50: '100ms', maxP99: '300ms' } } })
      .named('s')
      .buildSpec();
    expect(plain(spec)).toEqual(plain(dsl));
  });
});

describe('fault step mistakes', () => {
  it('each at its file:line, with what is allowed', () => {
    const m = problems([
      'Given topology has 3 validators',
      'And the fault starts at 5s',
      'And the network is partitioned into thirds',
      'And the network is partitioned into halves',
      'And the fault holds for 3s',
      'And the fault holds for 4s',
      'And the link fault is one way',
      'And latency tier A delays nodes "validator-0" by 10ms',
      'And latency tier A delays nodes "validator-1" by 20ms',
      'And expect clock rules',
      'And expect clock rules with at most 1 refused block',
    ]);
    expect(m).toContain('faults.feature:4: `And the fault starts at 5s`: the fault starts at 5s needs a fault step first; allowed: after e.g. `Given the network is partitioned into halves`');
    expect(m).toContain('faults.feature:5: `And the network is partitioned into thirds`: "thirds" is not allowed; allowed: halves, majority, ring or bridge');
    expect(m).toContain('faults.feature:8: `And the fault holds for 4s`: `the fault holds for {duration}` is given twice for the fault of faults.feature:6; allowed: once per fault');
    expect(m).toContain('faults.feature:9: `And the link fault is one way`: the link fault is one way needs a `links from … to …` step just before');
    expect(m).toContain('faults.feature:11: `And latency tier A delays nodes "validator-1" by 20ms`: latency tier A is given twice in one latency-tiers fault (first at faults.feature:10)');
    expect(m).toContain('faults.feature:13: `And expect clock rules with at most 1 refused block`: the clock rules expectation is configured twice in one scenario (first at faults.feature:12');
  });

  it('a fault without node control and a fault starting after the window name their steps', () => {
    const noControl = problems(['Given topology has 3 validators', 'And the network is partitioned into halves']);
    expect(noControl).toMatch(/- nodeControl: false; allowed: true: add `Given node control is enabled` \(the DSL's \.enableNodeControl\(\)\) before a partition fault\n\s+at faults\.feature:4: And the network is partitioned into halves/);
    const late = problems(['Given topology has 3 validators', 'And node control is enabled', 'And "validator-0" refuses peer "validator-1"', 'And the fault starts at 90s', 'And run duration is 30s']);
    expect(late).toMatch(/- block-peer\.atMs: 90000; allowed: a start inside the run window \(before 30000 ms\)\n\s+at faults\.feature:5: And "validator-0" refuses peer "validator-1"/);
  });

  it('typos of fault steps are closest to the intended step', () => {
    expect(shownPattern(closestSteps('the network is partition into halves')[0]!)).toBe('the network is partitioned into {word}');
    expect(shownPattern(closestSteps('the clock of "validator-1" run 1s ahead')[0]!)).toBe('the clock of {string} runs {duration} ahead');
  });
});
