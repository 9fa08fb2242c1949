/**
 * `loadnet replay` on real devnet nodes: a short run of 40 tx/s records its traffic (one `load.traffic` event,
 * the seed and parameters, under 1 KB); the built CLI replays it to a fresh deployment of the same scenario.
 * The replay's offered schedule is the run's: the same number of transactions, the same intended send times
 * relative to the schedule start (to the µs), sent times that differ by no more than the two runs' own send
 * lags (the engine's pacing error) together, the same transactions (same ids: same wallets, nonces from 0) and the same offered rate per second;
 * `loadnet compare` of the run and its replay finds no significant difference in throughput or inclusion.
 * `loadnet replay --attach` sends the same run's traffic to a devnet that was already running (deployed by this test,
 * not by the replay): the same schedule and transactions again, and the attached nodes left running.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDeployer, type Runner } from 'loadnet';
import { loadnetCli, shortLoad } from './helpers/short-load.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-replay-'));
const runners: Runner[] = [];
afterAll(async () => {
  for (const r of runners) await r.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

const plan = () => shortLoad('replay-me', '12s');
const cli = loadnetCli;
/** The recorded run the replays send again (set by the first test). */
let original: string | undefined;

interface TxRow {
  intended: number;
  sent: number;
  result: string;
  node: number;
  id: string;
}

/** The engine's per-transaction records (tx/w*.csv), first submissions only (re-sends are the chain's doing). */
function txRows(runDir: string): TxRow[] {
  const dir = join(runDir, 'tx');
  const rows: TxRow[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.csv'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n').slice(1)) {
      if (!line) continue;
      const [intended, sent, , result, node, , , id] = line.split(',');
      if (result!.startsWith('resent')) continue;
      rows.push({ intended: Number(intended), sent: Number(sent), result: result!, node: Number(node), id: id! });
    }
  }
  return rows.sort((a, b) => a.intended - b.intended);
}

function events(runDir: string): Array<Record<string, unknown>> {
  return readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/**
 * The replay offered the recorded run's schedule (`durationMs` long): the same transactions due at the same
 * intended times, each sent within the pacing error; counts that differ only by transactions due within the pacing
 * error of the schedule's end (the engine stops generating at the end: one due 20 ms before it and sent 30 ms late
 * never goes out, in either run; 479 against 480 at load ~16 here).
 */
function expectSameSchedule(all: { a: TxRow[]; b: TxRow[] }, durationMs: number): void {
  const n = Math.min(all.a.length, all.b.length);
  const [a, b] = [all.a.slice(0, n), all.b.slice(0, n)];
  expect(n).toBeGreaterThan(400);
  // Intended send times from the schedule start: the same (transaction 0 is due at the start).
  const relIntended = (rows: TxRow[]) => rows.map((r) => r.intended - rows[0]!.intended);
  const ia = relIntended(a);
  const ib = relIntended(b);
  const worstIntendedMs = Math.max(...ia.map((x, i) => Math.abs(x - ib[i]!)));
  expect(worstIntendedMs).toBeLessThan(0.01);
  // Sent times: each run's send lag is the engine's pacing error; the replay's sends differ from the run's by no more.
  const lagA = a.map((r) => r.sent - r.intended);
  const lagB = b.map((r) => r.sent - r.intended);
  const sentDiff = a.map((r, i) => Math.abs(r.sent - a[0]!.intended - (b[i]!.sent - b[0]!.intended)));
  const pacingP99 = Math.max(quantile(lagA, 0.99), quantile(lagB, 0.99));
  // The same intended time, each sent within its run's lag: they differ by at most the two lags together.
  const lags = `p99 send lag: run ${quantile(lagA, 0.99).toFixed(2)} ms, replay ${quantile(lagB, 0.99).toFixed(2)} ms`;
  expect(quantile(sentDiff, 0.99), lags).toBeLessThanOrEqual(quantile(lagA, 0.995) + quantile(lagB, 0.995) + 1);
  expect(quantile(sentDiff, 0.5), lags).toBeLessThanOrEqual(Math.max(quantile(lagA, 0.5), quantile(lagB, 0.5)) + 1);
  // Offered per second of the schedule: the same counts, but for transactions due within the pacing error of a
  // second's boundary (40 tx/s × p99 lag of them may cross it, either way).
  const perSecond = (rows: TxRow[]) => {
    const c = new Map<number, number>();
    for (const r of rows) c.set(Math.floor((r.sent - rows[0]!.intended) / 1000), (c.get(Math.floor((r.sent - rows[0]!.intended) / 1000)) ?? 0) + 1);
    return c;
  };
  const pa = perSecond(a);
  const pb = perSecond(b);
  const crossing = 2 + Math.ceil((40 * pacingP99) / 1000);
  for (const [s, k] of pa) expect(Math.abs(k - (pb.get(s) ?? 0)), `second ${s} (p99 lag ${pacingP99.toFixed(1)} ms)`).toBeLessThanOrEqual(crossing);
  // What only one of them sent was due within the pacing error of the end.
  const longer = all.a.length > n ? all.a : all.b;
  for (const r of longer.slice(n)) expect(durationMs - (r.intended - longer[0]!.intended), `${lags}; only one run sent the transaction due at ${(r.intended - longer[0]!.intended).toFixed(1)} ms`).toBeLessThanOrEqual(pacingP99 + 1);
  expect(longer.length - n).toBeLessThanOrEqual(crossing);
  // The same transactions: same wallets from the same seed, nonces from 0 on a fresh deployment.
  const idsA = new Set(a.map((r) => r.id));
  const same = b.filter((r) => idsA.has(r.id)).length;
  expect(same / a.length).toBeGreaterThanOrEqual(0.99);
}

describe('loadnet replay on real nodes', () => {
  it('sends the recorded traffic again on the same schedule, and compare finds no significant difference', async () => {
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(plan());
    runners.push(runner);
    const handle = await runner.run(plan(), { rejectOnFailure: false });
    original = handle.summary.runDir;
    await runner.dispose();
    expect(handle.summary.verdict, JSON.stringify(handle.summary.expectations)).toBe('pass');

    // The record: one event with the seed and parameters, whatever the number of transactions.
    const traffic = events(original).filter((e) => e.kind === 'load.traffic');
    expect(traffic).toHaveLength(1);
    expect(traffic[0]).toMatchObject({ workload: 'transactions', seed: plan().spec.seed, threads: 1, targets: ['validator-0', 'validator-1'], targetChoice: 'round-robin' });
    expect(traffic[0]!.stages).toEqual([{ durationMs: traffic[0]!.durationMs, perSecond: 40, ramp: false }]);
    // Prepared before the window, the engine's first send is on its start (unprepared: 0.5-1.8 s at load 6-9).
    expect(traffic[0]!.offsetMs, 'the load starts on the window\'s start').toBeLessThan(250);
    const recordBytes = JSON.stringify(traffic[0]).length;
    expect(recordBytes).toBeLessThan(1024);

    const replay = cli('replay', original, '--out', outDir, '--json');
    expect(replay.status, replay.stderr).toBe(0);
    expect(replay.stderr).toMatch(/loadnet replay: transactions: 40 tx\/s for \d+ ms; from \d+ ms into the window/);
    const replayDir = (JSON.parse(replay.stdout) as { runDir: string }).runDir;
    expect(replayDir).not.toBe(original);
    const replayed = events(replayDir).filter((e) => e.kind === 'load.traffic');
    expect(replayed).toHaveLength(1);
    // It started where the run's schedule started in its window, never earlier, and not later either: its engine
    // was prepared before the window (started in it, its workers once made it 629 ms late at load ~20).
    const lateStartMs = (replayed[0]!.offsetMs as number) - (traffic[0]!.offsetMs as number);
    expect(lateStartMs).toBeGreaterThanOrEqual(0);
    expect(lateStartMs).toBeLessThan(250);
    expect(replayed[0]!.stages).toEqual(traffic[0]!.stages);

    expectSameSchedule({ a: txRows(original), b: txRows(replayDir) }, traffic[0]!.durationMs as number);

    // Original and replay on the same build: no significant difference (submit latency is the loaded
    // machine's HTTP round trip: left out, as in compare-runs.test.ts).
    const cmp = cli('compare', original, replayDir, '--confidence', '99%', '--fail-on', 'regression', '--threshold', 'submitP50=1000%', '--threshold', 'submitP99=1000%', '--json', '--no-html');
    const pair = (JSON.parse(cmp.stdout) as { pairs: Array<{ figures: Array<{ id: string; verdict: string }>; regressions: string[]; scenarioDifferences: unknown[] }> }).pairs[0]!;
    expect(pair.scenarioDifferences).toEqual([]);
    expect(pair.regressions, cmp.stdout).toEqual([]);
    expect(cmp.status).toBe(0);
    for (const id of ['offeredTps', 'includedTps', 'inclusionP50', 'inclusionP99']) expect(pair.figures.find((f) => f.id === id)?.verdict, `${id}: ${cmp.stdout}`).toBe('no significant difference');
  }, 150_000);

  it('replays onto a running devnet it did not deploy (--attach): the same schedule and transactions, the nodes left running', async () => {
    expect(original, 'the first test recorded a run').toBeDefined();
    // A fresh devnet of the run's topology and seed (its wallets funded at genesis), started here, not by the replay.
    const devnet = await new LocalDeployer({ outDir, reports: false }).deploy(plan());
    runners.push(devnet);
    const urls = devnet.context.nodes().map((n) => n.descriptor.apiUrl);
    const replay = cli('replay', original!, '--attach', urls.join(','), '--out', outDir, '--json');
    expect(replay.status, replay.stderr).toBe(0);
    const summary = JSON.parse(replay.stdout) as { runDir: string; deployer: string; verdict: string };
    expect(summary.deployer).toBe('attach');
    expect(summary.verdict).toBe('pass');
    const traffic = events(summary.runDir).filter((e) => e.kind === 'load.traffic');
    expect(traffic).toHaveLength(1);
    const recorded = events(original!).find((e) => e.kind === 'load.traffic')!;
    expect(traffic[0]).toMatchObject({ workload: 'transactions', seed: recorded.seed, stages: recorded.stages, targets: recorded.targets });
    // Attached too, the replay's engine is prepared before the window and starts where the recorded one did.
    expect((traffic[0]!.offsetMs as number) - (recorded.offsetMs as number)).toBeLessThan(250);
    expectSameSchedule({ a: txRows(original!), b: txRows(summary.runDir) }, traffic[0]!.durationMs as number);
    // Attached nodes are not the replay's to stop (asked on a new connection: this process sat blocked through the
    // replay, and the nodes closed its idle keep-alive ones).
    for (const n of devnet.context.nodes()) expect((await fetch(`${n.descriptor.apiUrl}/health`)).status, `${n.descriptor.name} still runs`).toBe(200);
  }, 90_000);

  it('refuses a run without a traffic record and a bad scale, before deploying', () => {
    const r = cli('replay', outDir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not a run directory/);
    const quiet = join(outDir, 'no-load');
    mkdirSync(quiet);
    writeFileSync(join(quiet, 'scenario.json'), JSON.stringify({ name: 'no-load' }));
    writeFileSync(join(quiet, 'events.jsonl'), JSON.stringify({ t: 1, wall: '1970-01-01T00:00:00.001Z', kind: 'history', format: 2 }) + '\n');
    const none = cli('replay', quiet);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/has no traffic record \(no 'load\.traffic' event\): it sent no transaction load/);
    const both = cli('replay', outDir, '--time-scale', '2', '--rate-scale', '2');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--time-scale and --rate-scale exclude each other/);
    const bad = cli('replay', outDir, '--time-scale', '-1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--time-scale "-1" is not allowed; allowed: a positive number/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
