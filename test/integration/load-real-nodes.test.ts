/**
 * The transaction workload against real devnet node processes (LocalDeployer, 3 validators), with a node
 * restarted in the middle of the window: the accounting must add up exactly, by count and by id, and the
 * ids the summary calls included must be the ones on the chain.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import type { RunContext, RunHandle, Runner, Workload } from '../../src/runtime/contracts.js';
import { TransactionWorkload } from '../../src/workloads/transactions.js';
import { sleep } from '../../src/util/clock.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { alive, pidsOf, readEvents } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-load-real-'));
let runner: Runner | undefined;
let handle: RunHandle | undefined;

afterAll(async () => {
  const runDir = handle?.runDir;
  await handle?.dispose();
  await runner?.dispose();
  if (runDir) for (const pid of pidsOf(runDir)) expect(alive(pid)).toBe(false);
  rmSync(outDir, { recursive: true, force: true });
});

/** Restarts one validator 4 s into the window (stand-in for the chaos workload, which owns its own tests). */
class RestartOnce implements Workload {
  readonly name = 'restart-once';
  restarted = false;
  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    await sleep(4000, signal);
    if (signal.aborted) return;
    await ctx.nodeControl!.restart('validator-1');
    this.restarted = true;
  }
}

/** Accepted ids from the per-transaction records (tx/*.csv). */
function recordedIds(runDir: string): { submitted: number; resent: number; accepted: Set<string> } {
  const dir = join(runDir, 'tx');
  let submitted = 0;
  let resent = 0;
  const accepted = new Set<string>();
  for (const f of readdirSync(dir)) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n').slice(1).filter(Boolean);
    for (const l of lines) {
      const cols = l.split(',');
      // Re-submissions of outstanding transactions (same ids) are rows of their own, not submissions.
      if (cols[3]!.startsWith('resent:')) resent++;
      else submitted++;
      if (cols[3] === 'ok') accepted.add(cols[7]!);
    }
  }
  return { submitted, resent, accepted };
}

describe('transaction workload on real nodes with a restart', () => {
  it('accounts for every transaction exactly', async () => {
    const spec = localSpec({ name: 'load-restart', validators: 3, executors: 0, wallets: 20, nodeControl: true, durationMs: 14_000, cooldownMs: 8000, slotDurationMs: 500 });
    const tx = new TransactionWorkload({ type: 'transactions', rate: { kind: 'perSecond', perSecond: 150 }, users: 12, fee: 1, amount: 1, targets: 'round-robin', batch: 'auto', inclusionThreshold: 0.5 });
    const restart = new RestartOnce();
    const scenario = scenarioOf(spec, [tx, restart], tx.expectations());
    runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    handle = await runner.run(scenario, { rejectOnFailure: false });
    expect(restart.restarted).toBe(true);

    const load = handle.summary.load as Record<string, any>;
    expect(load, 'summary.load').toBeDefined();
    const rejected = Object.values(load.rejected as Record<string, number>).reduce((a, b) => a + b, 0);
    // submitted = accepted + rejected (by reason) + errored
    expect(load.submitted).toBe(load.accepted + rejected + load.errored);
    expect(load.rejectedTotal).toBe(rejected);
    // accepted = included + pending + dropped, and dropped.txt lists exactly the dropped ids
    expect(load.repeatedAcceptances).toBe(0);
    expect(load.accepted).toBe(load.included + load.pending + load.dropped);
    const droppedIds = readFileSync(join(handle.runDir, 'dropped.txt'), 'utf8').split('\n').filter(Boolean);
    expect(droppedIds).toHaveLength(load.dropped);
    expect(load.submitted).toBeGreaterThan(0.9 * 150 * 14);
    expect(load.included).toBeGreaterThan(0.5 * load.accepted);
    // Nothing accepted is lost to the restart (the node saves its mempool; stalled wallets re-submit).
    expect(load.dropped).toBe(0);

    // Per-transaction records agree with the totals.
    const rec = recordedIds(handle.runDir);
    expect(rec.submitted).toBe(load.submitted);
    expect(rec.resent).toBeLessThanOrEqual(load.resent); // rows of answered re-submissions only
    expect(rec.accepted.size).toBe(load.accepted);
    for (const id of droppedIds) expect(rec.accepted.has(id)).toBe(true);

    // The chain agrees: every id called included is in a canonical block; nodes kept producing after the
    // evaluation, so pending ones may have landed since, dropped ones never.
    const client = handle.context.node('validator-0').client;
    const tip = (await client.head()).height;
    const onChain = new Set<string>();
    for (let h = 1; h <= tip; h += 50) {
      for (const b of await client.blocksByHeight(h, Math.min(tip, h + 49))) for (const id of b.txIds) if (rec.accepted.has(id)) onChain.add(id);
    }
    console.log(`load-real-nodes: onChain ${onChain.size}`, ` ${JSON.stringify({ submitted: load.submitted, accepted: load.accepted, rejected: load.rejected, errored: load.errored, included: load.included, pending: load.pending, dropped: load.dropped, inclusion: load.inclusion, resyncs: load.resyncs })}`);
    expect(onChain.size).toBeGreaterThanOrEqual(load.included);
    expect(onChain.size).toBeLessThanOrEqual(load.included + load.pending);
    for (const id of droppedIds) expect(onChain.has(id), `dropped ${id} is on chain`).toBe(false);

    // Events: one load.interval a second with the documented fields; the expectation judged the run.
    const intervals = (await readEvents(handle.runDir)).filter((e) => e.kind === 'load.interval');
    expect(intervals.length).toBeGreaterThanOrEqual(12);
    for (const k of ['targetTps', 'offeredTps', 'acceptedTps', 'includedTps', 'inFlight', 'submitCorrected', 'submitUncorrected', 'inclusion', 'scheduleLagP99Ms']) expect(intervals[3]).toHaveProperty(k);
    const inc = handle.summary.expectations.find((e) => e.name === 'tx-inclusion');
    expect(inc?.message).toMatch(/of \d+ accepted transactions included/);
    expect(existsSync(join(handle.runDir, 'tx'))).toBe(true);
  }, 150_000);
});
