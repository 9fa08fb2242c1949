/**
 * maxRate() against real local nodes (built dist/: node bin and load worker):
 *  - with the generator's signing capped far below the target, the search stops at the first step and
 *    reports no maximum, naming the generator (a false maximum is never reported);
 *  - a short real search (5 s holds, few steps) ends in a confirmed figure with its curve in max-rate.json,
 *    summary.json (summary.maxRate + the max-rate expectation) and report.html, and leaves no node behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxRate } from '../../src/jobs/max-rate.js';
import type { MaxRateSummary } from '../../src/jobs/max-rate-result.js';
import { alive, pidsOf } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-jobs-maxrate-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

// Short blocks so a 5 s hold sees several of them.
const scenario = { name: 'jobs', seed: 11, topology: { shape: 'star', validators: 2, executors: 1 }, consensus: { slotDurationMs: 500, activeSlotCoeff: 0.5, securityParam: 4 }, wallets: { count: 20 } };

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

describe('maxRate on local nodes', () => {
  it('refuses to report a maximum when the generator is starved (signing capped)', async () => {
    const lines: string[] = [];
    const run = await maxRate({ scenario, holdMs: 4000, startTps: 200, maxTps: 10_000, signCapPerSec: 40, users: 10, runner: { outDir, reports: false }, log: (l) => lines.push(l) });
    expect(run.outcome.status).toBe('generator-bound');
    expect(run.outcome.maxRateTps).toBeNull();
    expect(run.outcome.steps).toHaveLength(1);
    const step = run.outcome.steps[0]!;
    // The cap bounds what was offered: far below the 200 tx/s target, and the engine knew why.
    expect(step.result.offeredTps).toBeLessThan(200 * 0.5);
    expect(step.verdict.generatorBound).toBe(true);
    expect(step.result.generator.bound).toBe(true);
    expect(step.result.generator.reason).toMatch(/signing/);
    expect(run.outcome.message).toMatch(/no maximum reported: at 200 tx\/s the load generator was the bottleneck/);
    const summary = readJson<{ verdict: string; maxRate: MaxRateSummary; expectations: Array<{ name: string; status: string; message: string }> }>(join(run.runDir, 'summary.json'));
    expect(summary.maxRate.maxRateTps).toBeNull();
    expect(summary.maxRate.curve[0]!.verdict).toBe('generator-bound');
    const e = summary.expectations.find((x) => x.name === 'max-rate')!;
    expect(e.status).toBe('unknown');
    expect(summary.verdict).not.toBe('pass');
    expect(lines.join('\n')).toMatch(/GENERATOR-BOUND/);
    for (const pid of pidsOf(run.runDir)) expect(alive(pid)).toBe(false);
  });

  it('runs a short real search on one deployment and confirms the figure', async () => {
    const run = await maxRate({ scenario, holdMs: 5000, startTps: 5, maxTps: 20, growth: 2, resolution: 0.25, sloP99Ms: 8000, minInclusion: 0.95, users: 10, drainTimeoutMs: 20_000, runner: { outDir } });
    const o = run.outcome;
    // On this small chain 5..20 tx/s is well inside capacity: the cap is reached and confirmed.
    expect(['found', 'max-reached']).toContain(o.status);
    expect(o.maxRateTps).not.toBeNull();
    const confirm = o.steps.at(-1)!;
    expect(confirm.phase).toBe('confirm');
    expect(confirm.rateTps).toBe(o.maxRateTps);
    expect(confirm.verdict.pass).toBe(true);
    for (const s of o.steps) {
      // Every step really offered its rate (the generator was never the limit) and the chain included it.
      expect(s.result.offeredTps).toBeGreaterThanOrEqual(s.rateTps * 0.98);
      expect(s.result.sent).toBeGreaterThan(0);
      expect(s.result.included).toBeLessThanOrEqual(s.result.sent);
    }
    expect(o.steps.map((s) => s.rateTps).slice(0, 3)).toEqual([5, 10, 20]);
    // One deployment for every step: a single run directory with one set of node processes.
    const pids = pidsOf(run.runDir);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const file = readJson<MaxRateSummary>(join(run.runDir, 'max-rate.json'));
    expect(file.curve).toHaveLength(o.steps.length);
    expect(file.maxRateTps).toBe(o.maxRateTps);
    expect(file.curve.every((p) => p.p99Ms !== null && p.p50Ms! <= p.p99Ms!)).toBe(true);
    const summary = readJson<{ verdict: string; maxRate: MaxRateSummary; expectations: Array<{ name: string; status: string }> }>(join(run.runDir, 'summary.json'));
    expect(summary.maxRate).toEqual(file);
    expect(summary.expectations.find((x) => x.name === 'max-rate')!.status).toBe('pass');
    expect(existsSync(join(run.runDir, 'report.html'))).toBe(true);
  });

  it('holds a step again while its p99 is undecided and pools the holds (forced here with z = 1000)', async () => {
    const lines: string[] = [];
    const run = await maxRate({ scenario, holdMs: 4000, batchMs: 1000, startTps: 40, maxTps: 40, maxHolds: 2, sloZ: 1000, sloP99Ms: 2500, minInclusion: 0.95, users: 10, drainTimeoutMs: 20_000, runner: { outDir, reports: false }, log: (l) => lines.push(l) });
    const grow = run.outcome.steps[0]!;
    // 1000 standard errors around the SLO leave any p99 undecided after one hold: the second is taken and pooled.
    expect(grow.result.holds).toBe(2);
    expect(grow.result.holdMs).toBe(8000);
    expect(grow.result.sent).toBeGreaterThanOrEqual(2 * 160 * 0.98);
    expect(grow.result.p99StdErrMs).not.toBeNull();
    expect(lines.some((l) => /within 1000 standard errors of the SLO \(2500 ms\): measuring hold 2 of at most 2/.test(l))).toBe(true);
    const events = readFileSync(join(run.runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; index?: number; hold?: number; batchP99Ms?: number[] });
    const measured = events.filter((e) => e.kind === 'maxrate.hold.measured' && e.index === 0);
    expect(measured.map((e) => e.hold)).toEqual([0, 1]);
    expect(measured.every((e) => Array.isArray(e.batchP99Ms))).toBe(true);
    const file = readJson<MaxRateSummary>(join(run.runDir, 'max-rate.json'));
    expect(file.curve[0]).toMatchObject({ holds: 2 });
    expect(file.criteria).toMatchObject({ maxHolds: 2, sloZ: 1000, holdMs: 4000 });
  });
});
