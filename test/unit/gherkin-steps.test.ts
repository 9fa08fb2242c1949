// The step vocabulary: every step's own example matches that step and no other, so `loadnet steps` shows lines
// that work and no two patterns compete for one line; parameters reject what they cannot read.
import { describe, expect, it } from 'vitest';
import { closestSteps, matchStep } from '../../src/gherkin/compile.js';
import { durationMs, fraction } from '../../src/gherkin/parameters.js';
import { STEPS, shownPattern } from '../../src/gherkin/steps.js';

describe('step vocabulary', () => {
  it.each(STEPS.map((s) => [shownPattern(s), s] as const))('%s: its example matches it alone', (_p, step) => {
    const text = step.example.replace(/^(Given|When|Then|And|But) /, '');
    const matches = matchStep(text);
    expect(matches.map((m) => m.def.pattern)).toEqual([step.pattern]);
  });

  it('patterns are unique and every inherited step keeps its exact words', () => {
    expect(new Set(STEPS.map((s) => s.pattern)).size).toBe(STEPS.length);
    expect(matchStep('transactions rate is 10 per block using 500 users')[0]!.args).toEqual([10, 500]);
    expect(matchStep('data availability channel rate is 2 per block and blob rate is 3 per block')[0]!.args).toEqual([2, 3]);
    expect(matchStep('wallets total funds is 1000 split across 10 users')[0]!.args).toEqual([1000, 10]);
    expect(matchStep('topology has 3 validators and 3 executors')[0]!.args).toEqual([3, 3]);
    expect(matchStep('deployer is " Docker "')[0]!.args).toEqual([' Docker ']);
    expect(matchStep('the maximum sustainable rate is at least 50 tx/s with p99 below 2s')[0]!.args).toEqual([50, '2s']);
    expect(matchStep('run duration is 60 secs')).toEqual([]);
  });

  it('the closest steps of a typo start with the intended one', () => {
    expect(shownPattern(closestSteps('topology have 3 validators and 2 executors')[0]!)).toBe('topology has {int} validators and {int} executors');
    expect(shownPattern(closestSteps('expect consensus livenes')[0]!)).toBe('expect consensus liveness');
    expect(shownPattern(closestSteps('chaos restart a node every 5s to 9s')[0]!)).toBe('chaos restarts a node every {duration} to {duration}');
  });

  it('durations and percentages', () => {
    expect(durationMs('1m30s')).toBe(90_000);
    expect(fraction('95%')).toBeCloseTo(0.95);
    expect(fraction('0.5')).toBe(0.5);
    expect(() => fraction('most')).toThrow(/allowed: a percentage such as '95%'/);
  });
});
