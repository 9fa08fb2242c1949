/**
 * The invalid-transaction fuzzer (`.fuzzTransactions({ rate })`, JSON `{ "type": "tx-fuzz" }`): at `rate`
 * cases per second it sends transactions crafted for every devnet reject reason, plus seeded mutations of
 * valid ones, to the nodes in turn, beside whatever valid load the scenario runs. It also sends one valid
 * transfer per second from its own sender (so nonce_too_low has an account nonce to be below).
 *
 * mempool_full is crafted by filling a node's mempool in one batch (maxCount transfers at the minimum fee from
 * a second wallet) followed by a few more from the same sender: a node admits a batch window (512) without a
 * turn of the event loop, so no block can make room between the fill and the probes. It needs a small pool
 * (`chain: { type: 'devnet', mempool: { maxCount: ≤ 500 } }`); fee_too_low needs `mempool.minFee ≥ 1`. A case
 * that cannot be crafted on this chain is reported as not crafted, with the reason.
 *
 * Uses the last two funded wallets (sender, filler): validate.ts keeps other workloads' wallet ranges off them. Bundles TxFuzzRejected.
 */
import { devnetApi } from '../adapters/devnet/client.js';
import { devnetMempoolOptions } from '../adapters/devnet/options.js';
import type { Hex } from '../util/bytes.js';
import { fromHex } from '../util/bytes.js';
import { ed25519Backend, type SigningKey } from '../adapters/devnet/wire/ed25519.js';
import { encodeTxBatch } from '../adapters/devnet/wire/tx.js';
import type { NodeClient } from '../adapters/devnet/wire/node-client.js';
import { LoadnetError } from '../errors.js';
import type { Expectation, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import type { ScenarioSpec, TxFuzzWorkloadSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { EXPECTED_REJECTS, FUZZ_CASES, TxCrafter, type CraftedTx, type FuzzCase } from './tx-fuzz-cases.js';
import { TxFuzzRejected } from './tx-fuzz-expectation.js';
import type { FuzzRowObserved } from '../expectations/adversary.js';

/** Probes sent after a fill: each must find the pool full. */
const FULL_PROBES = 4;
/** A node admits this many transactions of one batch without yielding (src/node/node.ts BATCH_WINDOW). */
const ADMISSION_WINDOW = 512;
const TICK_MS = 100;

/** One row of the per-case table (the counts as txFuzzCheck reads them). */
export interface FuzzCaseRow extends FuzzRowObserved {
  case: FuzzCase;
  expected: readonly string[];
}

export interface FuzzSummary {
  rate: number;
  cases: FuzzCaseRow[];
  valid: { sent: number; accepted: number; rejected: number; errored: number };
  /** Ids of crafted transactions that decode: none may ever be in a block. */
  craftedIds: number;
  /** Requests that got no answer, by error message. */
  errors: Record<string, number>;
  /** mempool_full rounds that did not fill the pool (a block moved the filler's nonce): probes not counted. */
  voidFills: number;
}

export class TxFuzzWorkload implements Workload {
  readonly name = 'tx-fuzz';
  private readonly expectation: TxFuzzRejected;
  private readonly rows = new Map<FuzzCase, FuzzCaseRow>();
  private readonly valid = { sent: 0, accepted: 0, rejected: 0, errored: 0 };
  /** Why requests got no answer, by message. */
  private readonly errors = new Map<string, number>();
  /** Every crafted id that must never be in a block (duplicate copies share their valid original's id). */
  readonly craftedIds = new Map<Hex, FuzzCase>();
  private metrics?: RunMetrics;
  /** The last fill: the filler nonce after it, and when. */
  private fill = { end: 0, at: 0 };
  /** Fill rounds where a filler was refused for another reason than a full pool (their probes did not count). */
  private voidFills = 0;
  started = false;

  constructor(readonly spec: TxFuzzWorkloadSpec) {
    this.expectation = new TxFuzzRejected(this, spec);
    for (const c of this.cases()) this.rows.set(c, { case: c, expected: EXPECTED_REJECTS[c], sent: 0, rejectedAsExpected: 0, rejectedOtherwise: 0, accepted: 0, errored: 0, otherReasons: {} });
  }

  private cases(): FuzzCase[] {
    return this.spec.cases.length > 0 ? [...this.spec.cases] : [...FUZZ_CASES];
  }

  init(metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.metrics = metrics;
    const bad = (field: string, value: unknown, allowed: string) => new LoadnetError('LN_ERR_SCENARIO_INVALID', `tx-fuzz.${field} is ${JSON.stringify(value)}; allowed: ${allowed}`, { issues: [{ field: `tx-fuzz.${field}`, value, allowed }] });
    if ((scenario.chain?.type ?? 'devnet') !== 'devnet') throw bad('chain', scenario.chain?.type, "the devnet chain (the fuzzer crafts devnet transactions; another chain's fuzzer is not built yet)");
    if (scenario.wallets.count < 2) throw bad('wallets', scenario.wallets.count, 'at least 2 funded wallets (the fuzzer sends from the last two)');
    for (const c of this.spec.cases) if (!FUZZ_CASES.includes(c)) throw bad('cases', c, FUZZ_CASES.join(', '));
  }

  expectations(): Expectation[] {
    return [this.expectation];
  }

  summary(): FuzzSummary {
    return { rate: this.spec.rate, cases: [...this.rows.values()].map((r) => ({ ...r, otherReasons: { ...r.otherReasons } })), valid: { ...this.valid }, craftedIds: this.craftedIds.size, errors: Object.fromEntries(this.errors), voidFills: this.voidFills };
  }

  private note(c: FuzzCase, why: string): void {
    const row = this.rows.get(c)!;
    row.notCrafted ??= why;
  }

  private record(t: CraftedTx, result: string | undefined, error?: unknown): void {
    if (result === undefined) {
      const what = error instanceof Error ? error.message.slice(0, 160) : String(error);
      this.errors.set(what, (this.errors.get(what) ?? 0) + 1);
    }
    if (t.case === 'valid') {
      this.valid.sent++;
      if (result === undefined) this.valid.errored++;
      else if (result === 'ok') this.valid.accepted++;
      else this.valid.rejected++;
      return;
    }
    const row = this.rows.get(t.case)!;
    row.sent++;
    if (result === undefined) row.errored++;
    else if (result === 'ok') row.accepted++;
    else if (row.expected.includes(result)) row.rejectedAsExpected++;
    else {
      row.rejectedOtherwise++;
      row.otherReasons[result] = (row.otherReasons[result] ?? 0) + 1;
    }
  }

  /** Send one batch (and the JSON-only cases one by one); returns whether every transaction meant to be valid was accepted. */
  private async send(api: NodeClient, txs: CraftedTx[]): Promise<boolean> {
    for (const t of txs) if (t.id && t.case !== 'valid' && t.case !== 'duplicate') this.craftedIds.set(t.id, t.case);
    const alone = txs.filter((t) => t.json);
    const batch = txs.filter((t) => !t.json);
    for (const t of alone) {
      try {
        this.record(t, (await api.submitTx(t.json!)).result);
      } catch (e) {
        this.record(t, undefined, e);
      }
    }
    if (batch.length === 0) return true;
    let results: string[] | undefined;
    let error: unknown;
    try {
      results = (await api.submitBatch(encodeTxBatch(batch.map((t) => t.bytes)))).results;
    } catch (e) {
      error = e;
    }
    batch.forEach((t, i) => {
      // A copy is a duplicate only of an original the node took; otherwise it is a second valid attempt.
      if (t.case === 'duplicate' && results && results[i - 1] !== 'ok') this.record({ ...t, case: 'valid' }, results[i]);
      else this.record(t, results?.[i], error);
    });
    return batch.every((t, i) => t.case !== 'valid' || results?.[i] === 'ok');
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const nodes = ctx.nodes().filter((n) => this.spec.targets === 'round-robin' || n.descriptor.name === this.spec.targets.node);
    if (nodes.length === 0) throw new LoadnetError('LN_ERR_WORKLOAD', `tx-fuzz: no node named ${JSON.stringify(this.spec.targets)} in the run`);
    const apis = nodes.map((n) => devnetApi(n.client, 'tx-fuzz'));
    const backend = ed25519Backend('sodium');
    const keyOf = (i: number): SigningKey => backend.keyFromSeed(fromHex(ctx.wallets[i]!.secret, 32, 'wallet secret'));
    const sender = keyOf(ctx.wallets.length - 1);
    const filler = keyOf(ctx.wallets.length - 2);
    const mempool = devnetMempoolOptions(ctx.scenario);
    const minFee = mempool.minFee ?? 0;
    const maxCount = mempool.maxCount ?? 200_000;
    const maxNonceGap = mempool.maxNonceGap ?? 10_000;
    const random = seededRandom((ctx.scenario.seed ^ 0x5f0220) >>> 0);
    const crafter = new TxCrafter(sender, random, `${ctx.scenario.seed}`, minFee);
    const senderPk = Buffer.from(sender.publicKey).toString('hex');
    const fillerPk = Buffer.from(filler.publicKey).toString('hex');
    const mean = (this.metrics ?? ctx.metrics).meanBlockIntervalMs;

    if (minFee < 1) this.note('fee_too_low', 'the mempool admits fee 0 (set chain mempool.minFee ≥ 1)');
    if (maxCount + FULL_PROBES > ADMISSION_WINDOW) this.note('mempool_full', `the mempool holds ${maxCount} transactions; the fuzzer fills it in one batch of at most ${ADMISSION_WINDOW - FULL_PROBES} (set chain mempool.maxCount ≤ ${ADMISSION_WINDOW - FULL_PROBES})`);
    else if (maxNonceGap < maxCount + FULL_PROBES) this.note('mempool_full', `the probes' nonces would exceed the nonce gap ${maxNonceGap} (set chain mempool.maxNonceGap ≥ ${maxCount + FULL_PROBES})`);

    let account = { nonce: 0, at: 0 };
    let next = 0;
    let lastFillAt = 0;
    let lastValidAt = 0;
    let due = 0;
    let turn = 0;
    const order = this.cases();
    const craftable = (c: FuzzCase) => this.rows.get(c)!.notCrafted === undefined;
    this.started = true;
    const startAt = nowMs();
    let last = startAt;
    while (!signal.aborted && nowMs() < ctx.window.endMs) {
      const now = nowMs();
      const api = apis[turn % apis.length]!;
      if (now - account.at >= 500) {
        try {
          const a = await api.account(senderPk);
          account = { nonce: a.nonce, at: now };
          next = Math.max(next, a.nonce);
        } catch {
          // the node may be busy: the previous state stands
        }
      }
      const batch: CraftedTx[] = [];
      if (now - lastValidAt >= 1000) {
        batch.push(crafter.valid(next++, minFee + 1));
        lastValidAt = now;
      }
      due += (this.spec.rate * (now - last)) / 1000;
      last = now;
      for (; due >= 1; due--) {
        const c = order[turn++ % order.length]!;
        if (!craftable(c)) continue;
        switch (c) {
          case 'malformed': batch.push(crafter.malformed()); break;
          case 'bad_signature': batch.push(crafter.badSignature()); break;
          case 'nonce_too_low':
            if (account.nonce >= 1) batch.push(crafter.nonceTooLow(account.nonce));
            break;
          case 'nonce_gap': batch.push(crafter.nonceGap(account.nonce)); break;
          case 'insufficient_funds': batch.push(crafter.insufficientFunds()); break;
          case 'fee_too_low': batch.push(crafter.feeTooLow()); break;
          case 'duplicate': batch.push(...crafter.duplicate(next++, minFee + 1)); break;
          case 'too_large': batch.push(crafter.tooLarge()); break;
          case 'wrong_chain': batch.push(crafter.wrongChain(next)); break;
          case 'mutation': batch.push(crafter.mutation()); break;
          case 'mempool_full':
            if (now - lastFillAt >= 2 * mean) {
              lastFillAt = now;
              await this.fillThenProbe(api, crafter, filler, fillerPk, maxCount, now);
            }
            break;
        }
      }
      // A sender transaction that was not admitted leaves a nonce hole: start again from the chain's nonce.
      if (batch.length > 0 && !(await this.send(api, batch))) {
        next = account.nonce;
        account.at = 0;
      }
      await sleep(TICK_MS, signal).catch(() => undefined);
    }
  }

  /**
   * maxCount valid transfers at the minimum fee from the filler, then FULL_PROBES more: the pool is full for them.
   * Only once the node holds every earlier filler in its chain (none pending anywhere, so no block can move
   * the filler's nonce between the read and the admission). A round where a filler was refused for another
   * reason than a full pool did not fill it: its probes do not count as mempool_full cases.
   */
  private async fillThenProbe(api: NodeClient, crafter: TxCrafter, filler: SigningKey, fillerPk: Hex, maxCount: number, now: number): Promise<void> {
    let nonce: number;
    try {
      nonce = (await api.account(fillerPk)).nonce;
    } catch {
      return;
    }
    if (nonce < this.fill.end && now - this.fill.at < 10_000) return;
    const txs: CraftedTx[] = [];
    for (let i = 0; i < maxCount; i++) txs.push(crafter.valid(nonce + i, crafter.minFee, filler));
    const probes: CraftedTx[] = [];
    for (let i = 0; i < FULL_PROBES; i++) probes.push({ ...crafter.valid(nonce + maxCount + i, crafter.minFee, filler), case: 'mempool_full' });
    this.fill = { end: nonce + maxCount, at: now };
    let results: string[] | undefined;
    let error: unknown;
    try {
      results = (await api.submitBatch(encodeTxBatch([...txs, ...probes].map((t) => t.bytes)))).results;
    } catch (e) {
      error = e;
    }
    txs.forEach((t, i) => this.record(t, results?.[i], error));
    const filled = results !== undefined && results.slice(0, maxCount).every((r) => r === 'ok' || r === 'mempool_full');
    if (results && !filled) this.voidFills++;
    probes.forEach((t, i) => {
      if (filled || !results) {
        if (t.id) this.craftedIds.set(t.id, 'mempool_full');
        this.record(t, results?.[maxCount + i], error);
      } else this.record({ ...t, case: 'valid' }, results[maxCount + i]);
    });
  }
}
