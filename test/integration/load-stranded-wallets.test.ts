/**
 * A wallet is never stranded by a node that stops answering or loses what it held. Real node processes
 * (LocalDeployer, 3 validators): one validator is paused (SIGSTOP: its submissions time out), resumed, then
 * killed (SIGKILL: its mempool is gone, no mempool.bin) and started again, all under load. Every
 * transaction of every wallet that may have entered a mempool must end on chain (the account nonce passes
 * the highest such nonce), and the summary counts what the engine re-sent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import { createLoadEngine } from '../../src/load/engine.js';
import type { LoadTotals } from '../../src/load/figures.js';
import type { RunContext, Runner } from '../../src/runtime/contracts.js';
import { nowMs, sleep } from '../../src/util/clock.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { alive, pidsOf } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-stranded-'));
let runner: Runner | undefined;

afterAll(async () => {
  const runDir = runner?.context.runDir;
  await runner?.dispose();
  if (runDir) for (const pid of pidsOf(runDir)) expect(alive(pid)).toBe(false);
  rmSync(outDir, { recursive: true, force: true });
});

const VICTIM = 'validator-2';

/** Load with a short request timeout; the victim is paused, resumed, killed (its mempool lost) and started again. */
class LoadWithVictim {
  totals?: LoadTotals;
  pending = -1;
  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const engine = createLoadEngine({
      targets: ctx.nodes().map((n) => n.descriptor.apiUrl),
      wallets: ctx.wallets.slice(0, 6),
      rate: 60,
      durationMs: 14_000,
      requestTimeoutMs: 1000,
      feed: ctx.blockFeed,
      meanBlockIntervalMs: ctx.metrics.meanBlockIntervalMs,
      recordsDir: join(ctx.runDir, 'tx'),
      settleMs: 30_000,
    });
    const faults = (async () => {
      await sleep(3000, signal);
      await ctx.nodeControl!.pause(VICTIM);
      await sleep(3000, signal);
      await ctx.nodeControl!.resume(VICTIM);
      await sleep(2000, signal);
      await ctx.nodeControl!.kill(VICTIM);
      await sleep(1000, signal);
      await ctx.nodeControl!.start(VICTIM);
    })();
    await engine.start();
    // Workers keep re-sending stalled wallets after the window until the chain has all they sent.
    this.totals = await engine.finished();
    await faults;
    // The block feed polls: give it a moment to report the last blocks.
    const until = nowMs() + 10_000;
    while (engine.tracker!.counts().pending > 0 && nowMs() < until) await sleep(250, signal);
    this.pending = engine.tracker!.counts().pending;
  }
}

/** Highest nonce per wallet index that may have entered a mempool: answered ok or duplicate, or not answered. */
function highestNonces(runDir: string): Map<number, number> {
  const dir = join(runDir, 'tx');
  const highest = new Map<number, number>();
  for (const f of readdirSync(dir)) {
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n').slice(1).filter(Boolean)) {
      const [, , , result, , wallet, nonce] = l.split(',');
      if (result !== 'ok' && result !== 'duplicate' && result !== 'error') continue;
      const w = Number(wallet);
      highest.set(w, Math.max(highest.get(w) ?? -1, Number(nonce)));
    }
  }
  return highest;
}

describe('load engine: a stalled, then killed node strands no wallet', () => {
  it('re-sends what timed out or was lost, and every later transaction of each wallet lands', async () => {
    const spec = localSpec({ name: 'load-stranded', validators: 3, executors: 0, wallets: 6, nodeControl: true, slotDurationMs: 500 });
    const scenario = scenarioOf(spec);
    runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    const ctx = runner.context;
    const load = new LoadWithVictim();
    await load.start(ctx, new AbortController().signal);
    const totals = load.totals!;
    console.log(`load-stranded-wallets: ${JSON.stringify({ submitted: totals.submitted, accepted: totals.accepted, errored: totals.errored, resent: totals.resent, resentAccepted: totals.resentAccepted, recoveredAccepted: totals.recoveredAccepted, resyncs: totals.resyncs, pending: load.pending })}`);
    // The pause forced timeouts, and what they and the kill left hanging was re-sent.
    expect(totals.errored).toBeGreaterThan(0);
    expect(totals.resent).toBeGreaterThan(0);
    expect(load.pending).toBe(0);

    // The chain agrees, wallet by wallet: its account nonce is past every nonce that may have been in a mempool.
    const client = ctx.node('validator-0').client;
    const highest = highestNonces(ctx.runDir);
    expect(highest.size).toBe(6);
    for (const w of ctx.wallets.slice(0, 6)) {
      const top = highest.get(w.index)!;
      const account = await client.account(w.address);
      expect(account.nonce, `wallet ${w.index}: account nonce ${account.nonce}, highest sent ${top}`).toBeGreaterThan(top);
    }
  }, 180_000);
});
