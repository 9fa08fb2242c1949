/**
 * A user-defined Workload and Expectation, written against contracts.ts only, run through Runner.run on
 * real nodes: the verdict follows the expectation (pass when every submitted transfer is included, fail
 * when the expectation's condition does not hold), failures are aggregated, a throwing checker is
 * 'unknown', and the window lasts its full duration even though the workload returns early.
 */
import { devnetApi } from '../../src/adapters/devnet/client.js';
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519Backend } from '../../src/adapters/devnet/wire/ed25519.js';
import { fromHex } from '../../src/util/bytes.js';
import { signTx, txToJson } from '../../src/adapters/devnet/wire/tx.js';
import type { Expectation, ExpectationResult, RunContext, Workload } from '../../src/runtime/contracts.js';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import { ExpectationsFailedError } from '../../src/runtime/expectations-failed.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { readEvents } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-runtime-custom-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Sends `count` transfers from wallet 0 to wallet 1, one every 200 ms, then returns (early). */
class TransferPinger implements Workload {
  readonly name = 'transfer-pinger';
  readonly submitted: string[] = [];
  returnedAt = 0;
  constructor(private readonly count: number) {}

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const [from, to] = ctx.wallets;
    const key = ed25519Backend().keyFromSeed(fromHex(from!.secret, 32));
    const node = ctx.nodes()[0]!;
    for (let nonce = 0; nonce < this.count && !signal.aborted; nonce++) {
      const tx = signTx({ from: from!.address, nonce, fee: 1, ops: [{ kind: 'transfer', to: to!.address, amount: 10 }] }, key);
      const res = await devnetApi(node.client, 'test').submitTx(txToJson(tx));
      if (res.result !== 'ok') throw new Error(`transfer ${nonce} rejected: ${res.result}`);
      this.submitted.push(tx.id);
      await new Promise((r) => setTimeout(r, 200));
    }
    this.returnedAt = Date.now();
  }
}

/** Every id the pinger submitted must appear in a block the feed saw. */
class AllIncluded implements Expectation {
  readonly name = 'all-transfers-included';
  private readonly seen = new Set<string>();
  constructor(private readonly ids: () => string[]) {}

  async startCapture(ctx: RunContext): Promise<void> {
    ctx.blockFeed.subscribe({ onBlock: (b) => b.txIds.forEach((id) => this.seen.add(id)) });
  }

  async evaluate(): Promise<ExpectationResult> {
    const ids = this.ids();
    const missing = ids.filter((id) => !this.seen.has(id));
    return { status: ids.length > 0 && missing.length === 0 ? 'pass' : 'fail', message: `${ids.length - missing.length}/${ids.length} transfers included`, figures: { submitted: ids.length, missing: missing.length } };
  }
}

class Throws implements Expectation {
  readonly name = 'crashing-checker';
  async evaluate(): Promise<ExpectationResult> {
    throw new Error('checker bug');
  }
}

const spec = (name: string) => localSpec({ name, validators: 1, executors: 0, durationMs: 3000, cooldownMs: 1500, slotDurationMs: 500 });

describe('user-defined workload and expectation through Runner.run', () => {
  it('passes when the expectation holds; the window lasts its full duration', async () => {
    const pinger = new TransferPinger(4);
    const scenario = scenarioOf(spec('custom-pass'), [pinger], [new AllIncluded(() => pinger.submitted)]);
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    const handle = await runner.run(scenario);
    try {
      expect(handle.summary.verdict).toBe('pass');
      expect(handle.passed).toBe(true);
      expect(handle.summary.expectations).toEqual([expect.objectContaining({ name: 'all-transfers-included', status: 'pass', message: '4/4 transfers included' })]);
      // The handle keeps the deployment alive until disposed.
      expect((await handle.context.nodes()[0]!.client.head()).height).toBeGreaterThan(0);
      const events = await readEvents(handle.runDir);
      const phaseAt = (p: string) => events.find((e) => e.kind === 'run.phase' && e.phase === p)!.t;
      expect(phaseAt('cooldown') - phaseAt('window')).toBeGreaterThanOrEqual(3000);
      const done = events.find((e) => e.kind === 'workload.done')!;
      expect(done.at).toBeLessThan(3000); // it returned early, the window went on
      const summary = JSON.parse(readFileSync(join(handle.runDir, 'summary.json'), 'utf8'));
      expect(summary.verdict).toBe('pass');
      expect(summary.chain.blocksInWindow).toBeGreaterThan(0);
      expect(events.filter((e) => e.kind === 'expectation')).toHaveLength(1);
      expect(events.some((e) => e.kind === 'node.sample' && e.node === 'validator-0' && typeof e.height === 'number' && e.rssBytes > 0)).toBe(true);
    } finally {
      await handle[Symbol.asyncDispose]();
    }
    const events = await readEvents(handle.runDir);
    expect(events.at(-1)).toMatchObject({ kind: 'run.phase', phase: 'done' });
    await expect(handle.context.nodes()[0]!.client.head()).rejects.toThrow();
  });

  it('fails when one expectation fails, aggregates every outcome, and a crashing checker is unknown', async () => {
    const pinger = new TransferPinger(2);
    const neverSubmitted = new AllIncluded(() => ['00'.repeat(32)]);
    const scenario = scenarioOf(spec('custom-fail'), [pinger], [new AllIncluded(() => pinger.submitted), neverSubmitted, new Throws()]);
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    // run() rejects: the failed and the unknown outcome are both named, the deployment is already torn down.
    const err = (await runner.run(scenario).then(() => undefined, (e: unknown) => e)) as ExpectationsFailedError;
    expect(err).toBeInstanceOf(ExpectationsFailedError);
    expect(err.code).toBe('LN_ERR_EXPECTATIONS_FAILED');
    expect(err.failures.map((o) => [o.name, o.status])).toEqual([
      ['all-transfers-included', 'fail'],
      ['crashing-checker', 'unknown'],
    ]);
    expect(err.summary.verdict).toBe('fail');
    expect(err.summary.expectations.map((o) => [o.name, o.status])).toEqual([
      ['all-transfers-included', 'pass'],
      ['all-transfers-included', 'fail'],
      ['crashing-checker', 'unknown'],
    ]);
    expect(err.message).toContain('checker bug');
    expect(err.message).toContain(err.runDir);
    expect(existsSync(join(err.runDir, 'summary.json'))).toBe(true);
    const events = await readEvents(err.runDir);
    expect(events.at(-1)).toMatchObject({ kind: 'run.phase', phase: 'done' });
    await expect(runner.context.nodes()[0]!.client.head()).rejects.toThrow();
  });

  it('a throwing workload fails the run but the window still completes', async () => {
    const broken: Workload = {
      name: 'broken',
      async start() {
        throw new Error('workload bug');
      },
    };
    const scenario = scenarioOf(localSpec({ name: 'custom-broken', validators: 1, executors: 0, durationMs: 1000, cooldownMs: 0, slotDurationMs: 500 }), [broken], []);
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    const handle = await runner.run(scenario, { rejectOnFailure: false });
    await handle.dispose();
    expect(handle.summary.verdict).toBe('fail');
    expect(handle.summary.expectations).toEqual([expect.objectContaining({ name: 'workload broken', status: 'fail', message: expect.stringContaining('workload bug') })]);
  });

  it('a node that crashes during the run (killed from outside loadnet) is named in the summary', async () => {
    const crasher: Workload = {
      name: 'crasher',
      async start(ctx) {
        const spawn = (await readEvents(ctx.runDir)).find((e) => e.kind === 'node.spawn' && e.node === 'validator-1')!;
        process.kill(spawn.pid, 'SIGKILL');
      },
    };
    const scenario = scenarioOf(localSpec({ name: 'custom-crash', validators: 2, executors: 0, durationMs: 1500, cooldownMs: 0, slotDurationMs: 500 }), [crasher], []);
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    const handle = await runner.run(scenario, { rejectOnFailure: false });
    await handle.dispose();
    expect(handle.summary.chain.unexpectedNodeExits).toEqual([expect.objectContaining({ node: 'validator-1', signal: 'SIGKILL' })]);
  });
});
