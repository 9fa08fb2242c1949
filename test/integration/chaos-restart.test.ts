/**
 * The chaos workload on real node processes (LocalDeployer), under real transaction load:
 *  - restart: faults overlap only within maxDown (never two validators down at once), each target cools
 *    down after recovery, every fault recovers and liveness holds; the `chaos` summary counts them;
 *  - pause (SIGSTOP for a downtime, then SIGCONT) and kill (SIGKILL, then start after a downtime): same
 *    guards, the node catches up.
 * In all three, every accepted transaction is included (the bundled tx-inclusion at its default 100 %):
 * a gracefully restarted node keeps its mempool, and the load engine re-submits the original bytes of
 * whatever a stopped, paused or killed node held when its wallet's nonce stalls.
 * With LOADNET_WRITE_FIXTURE=1 the restart run's record is copied to test/fixtures/report-run/ (the report's
 * browser test renders it).
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import type { RunHandle } from '../../src/runtime/contracts.js';
import { readEvents } from './helpers/run-files.js';
import { runsForFile } from './helpers/file-runs.js';
import { expectLiveVerdicts, rejudge, rejudgeAltered } from './helpers/rejudge.js';

const runs = runsForFile('loadnet-chaos-', (outDir) => new LocalDeployer({ outDir }));

interface Interval {
  target: string;
  from: number;
  to: number;
}

/** Fault intervals from events.jsonl, tolerant of the fault kind written over the event kind. */
async function faultIntervals(runDir: string): Promise<Interval[]> {
  const open = new Map<string, { target: string; from: number }>();
  const out: Interval[] = [];
  for (const e of await readEvents(runDir)) {
    if (e.faultId === undefined) continue;
    const end = e.kind === 'fault.end' || e.ok !== undefined || e.durationMs !== undefined;
    if (!end) open.set(e.faultId, { target: e.target, from: e.t });
    else if (open.has(e.faultId)) {
      out.push({ ...open.get(e.faultId)!, to: e.t });
      open.delete(e.faultId);
    }
  }
  expect(open.size, 'every fault interval is closed').toBe(0);
  return out;
}

function chaosScenario(name: string, action: 'restart' | 'pause' | 'kill') {
  const chaos = ScenarioBuilder.topology()
    .networkFull()
    .validators(3)
    .executors(1)
    .apply()
    .wallets(20)
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .enableNodeControl()
    .transactions()
    .ratePerSecond(20)
    .users(10)
    .apply()
    .chaos();
  return (action === 'restart' ? chaos.restart() : action === 'pause' ? chaos.pause().downtime('1500ms') : chaos.kill().downtime('1s'))
    .minDelay('800ms')
    .maxDelay('1500ms')
    .targetCooldown('4s')
    .maxDown(1)
    .recoveryTimeout('20s')
    .apply()
    .expectConsensusLiveness()
    .expectSafety()
    .withRunDuration('16s')
    .withCooldown('5s')
    .named(name)
    .build();
}

const run = (name: string, action: 'restart' | 'pause' | 'kill'): Promise<RunHandle> => runs.run(chaosScenario(name, action));

/** Nothing accepted was lost: tx-inclusion passes at 100 % and no id is dropped. */
function checkInclusion(handle: RunHandle): void {
  const r = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
  const load = handle.summary.load as { accepted: number; included: number; dropped: number; resent: number };
  console.log(`${handle.summary.scenario} accepted ${load.accepted}, included ${load.included}, dropped ${load.dropped}, resent ${load.resent}`);
  expect(load.accepted).toBeGreaterThan(100);
  expect(load.dropped).toBe(0);
  expect(load.included).toBe(load.accepted);
  expect(r['tx-inclusion']!.status, r['tx-inclusion']!.message).toBe('pass');
}

function checkGuards(intervals: Interval[]): void {
  const validators = intervals.filter((i) => i.target.startsWith('validator-'));
  for (const a of validators) {
    // maxDown 1: no other validator fault overlaps this one
    expect(validators.filter((b) => b !== a && b.from < a.to && a.from < b.to), `overlap with ${a.target}`).toEqual([]);
  }
  for (const a of intervals) {
    const next = intervals.filter((b) => b.target === a.target && b.from > a.from).sort((x, y) => x.from - y.from)[0];
    if (next) expect(next.from - a.to, `${a.target} hit again within its cooldown`).toBeGreaterThanOrEqual(3900);
  }
}

// The three runs go at once, each on its own deployment (ports, data dirs and run directory of its own): a run
// is wall-clock bound (16 s window, 5 s cooldown, slots of 500 ms) and light on CPU, and what each test judges
// is its own record, so together they take the time of the slowest instead of the sum.
describe.concurrent('chaos on real nodes', () => {
  it('restart: guarded, every node recovers, liveness and safety hold', async () => {
    const handle = await run('chaos-restart', 'restart');
    const r = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
    expect(r['chaos-restart-recovery']!.status).toBe('pass');
    expect(r['chaos-restart-recovery']!.message).toMatch(/^\d+ restart faults, all recovered \(slowest \d+ ms, bound 20000 ms\)$/);
    expect(r['consensus-liveness']!.status).toBe('pass');
    expect(r['safety']!.status).toBe('pass');
    const chaos = handle.summary.chaos as { faults: number; recovered: number; downtimeMs: number; perTarget: Record<string, unknown> };
    expect(chaos.faults).toBeGreaterThanOrEqual(3);
    expect(chaos.recovered).toBe(chaos.faults);
    const intervals = await faultIntervals(handle.runDir);
    expect(intervals.length).toBe(chaos.faults);
    expect(new Set(intervals.map((i) => i.target)).size).toBeGreaterThanOrEqual(2);
    checkGuards(intervals);
    checkInclusion(handle);
    // Re-judged from the saved run alone: the live verdicts; a recovery bound below the slowest recovery fails it.
    expectLiveVerdicts(handle.runDir, handle.summary, ['chaos-restart-recovery', 'consensus-liveness', 'safety', 'tx-inclusion']);
    const slowest = (r['chaos-restart-recovery']!.figures as { slowestRecoveryMs: number }).slowestRecoveryMs;
    const tight = rejudge(handle.runDir, [{ name: 'chaos-restart-recovery', options: { recoveryTimeoutMs: 1 } }])['chaos-restart-recovery']!;
    expect(slowest).toBeGreaterThan(1);
    expect(tight.status).toBe('fail');
    expect(tight.message).toMatch(/did not recover within 1 ms: .*recovered after \d+ ms/);
    // tx-inclusion from the record: one included transaction recorded as dropped fails at threshold 1, and a
    // threshold at the altered ratio passes it.
    const lost = (events: Record<string, unknown>[]) => {
      const o = events.filter((e) => e.kind === 'load.outcome').at(-1)!.outcome as { included: number; dropped: number };
      o.included -= 1;
      o.dropped += 1;
    };
    const inc = r['tx-inclusion']!.figures as { included: number; accepted: number };
    const strict = rejudgeAltered(handle.runDir, lost, [{ name: 'tx-inclusion', options: { threshold: 1 } }])['tx-inclusion']!;
    expect(strict.status).toBe('fail');
    expect(strict.message).toContain(`${inc.included - 1} of ${inc.accepted} accepted transactions included`);
    const looser = rejudgeAltered(handle.runDir, lost, [{ name: 'tx-inclusion', options: { threshold: (inc.included - 1) / inc.accepted } }])['tx-inclusion']!;
    expect(looser.status, looser.message).toBe('pass');
    if (process.env.LOADNET_WRITE_FIXTURE === '1') {
      const dest = resolve('test/fixtures/report-run');
      mkdirSync(dest, { recursive: true });
      for (const f of ['scenario.json', 'events.jsonl', 'summary.json']) copyFileSync(join(handle.runDir, f), join(dest, f));
    }
  });

  it('pause: guarded, every paused node resumes and catches up', async () => {
    const handle = await run('chaos-pause', 'pause');
    const r = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
    expect(r['chaos-pause-recovery']!.status).toBe('pass');
    expect(r['consensus-liveness']!.status).toBe('pass');
    const chaos = handle.summary.chaos as { faults: number; downtimeMs: number };
    expect(chaos.faults).toBeGreaterThanOrEqual(3);
    expect(chaos.downtimeMs).toBeGreaterThanOrEqual(chaos.faults * 1500);
    checkGuards(await faultIntervals(handle.runDir));
    checkInclusion(handle);
  });

  it('kill: SIGKILL then start after the downtime; guarded, every node back and caught up', async () => {
    const handle = await run('chaos-kill', 'kill');
    const r = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
    expect(r['chaos-kill-recovery']!.status).toBe('pass');
    expect(r['consensus-liveness']!.status).toBe('pass');
    expect(r['safety']!.status).toBe('pass');
    const chaos = handle.summary.chaos as { faults: number; downtimeMs: number };
    expect(chaos.faults).toBeGreaterThanOrEqual(3);
    expect(chaos.downtimeMs).toBeGreaterThanOrEqual(chaos.faults * 1000);
    checkGuards(await faultIntervals(handle.runDir));
    checkInclusion(handle);
  });
});
