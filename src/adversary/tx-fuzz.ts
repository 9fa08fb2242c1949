/**
 * The invalid-transaction fuzzer (`.fuzzTransactions({ rate })`, JSON `{ "type": "tx-fuzz" }`): at `rate`
 * cases per second it sends transactions crafted for every reject reason the chain has, plus seeded mutations
 * of valid ones, to the nodes in turn, beside whatever valid load the scenario runs. What is crafted and how
 * it is sent is the chain's (ChainAdapter.txFuzzer: the devnet's in tx-fuzz-devnet.ts, the EVM's in
 * adapters/evm/fuzz.ts); this workload paces the cases, counts the answers per case and keeps the ids that
 * must never be in a block. A case the chain cannot express is refused when the scenario is built, naming
 * the chain and the case; one this deployment cannot craft is reported as not crafted, with the reason.
 *
 * Per case: sent = rejected as expected + rejected otherwise + accepted (invalid, taken: a failure) + held
 * (taken into a queue where the case allows it, e.g. an EVM future nonce: never to be included) + accepted
 * valid (a mutation the chain's own check found still valid before it was sent: it may be included, and is
 * kept out of the crafted ids) + errored.
 *
 * Uses the last two funded wallets (sender, second): validate.ts keeps other workloads' wallet ranges off them. Bundles TxFuzzRejected.
 */
import type { Hex } from '../util/bytes.js';
import { LoadnetError } from '../errors.js';
import { chainOf } from '../adapters/registry.js';
import type { ChainAdapter, ChainTxFuzzer, CraftedFuzzTx, FuzzAnswer, FuzzCaseDef } from '../adapters/seam.js';
import type { Expectation, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import type { ScenarioSpec, TxFuzzWorkloadSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { devnetTxFuzzer } from './tx-fuzz-devnet.js';
import { TxFuzzRejected } from './tx-fuzz-expectation.js';
import type { FuzzRowObserved } from '../expectations/adversary.js';

const TICK_MS = 100;

/** One row of the per-case table (the counts as txFuzzCheck reads them). */
export interface FuzzCaseRow extends FuzzRowObserved {
  expected: readonly string[];
  heldAsExpected: number;
  acceptedValid: number;
  /** Every answer by the chain's label ('ok' included): what the node actually said to this case. */
  answers: Record<string, number>;
}

export interface FuzzSummary {
  chain: string;
  rate: number;
  cases: FuzzCaseRow[];
  valid: { sent: number; accepted: number; rejected: number; errored: number };
  /** Ids of crafted transactions that decode: none may ever be in a block. */
  craftedIds: number;
  /** Crafted transactions the chain's own check found valid before sending (kept apart: they may be in a block). */
  validIds: number;
  /** Requests that got no answer, by error message. */
  errors: Record<string, number>;
  /** The devnet's mempool_full rounds that did not fill the pool (a block moved the filler's nonce): probes not counted. */
  voidFills: number;
  /** The chain fuzzer's own counts. */
  notes: Record<string, unknown>;
}

/** A chain's fuzzer: the one its adapter offers; the devnet's lives beside this workload (see tx-fuzz-devnet.ts). */
function fuzzerOf(chain: ChainAdapter): ChainTxFuzzer | undefined {
  return chain.txFuzzer ?? (chain.name === 'devnet' ? devnetTxFuzzer : undefined);
}

export class TxFuzzWorkload implements Workload {
  readonly name = 'tx-fuzz';
  private readonly expectation: TxFuzzRejected;
  private readonly rows = new Map<string, FuzzCaseRow>();
  private readonly defs = new Map<string, FuzzCaseDef>();
  private readonly valid = { sent: 0, accepted: 0, rejected: 0, errored: 0 };
  /** Why requests got no answer, by message. */
  private readonly errors = new Map<string, number>();
  /** Every crafted id that must never be in a block (duplicate copies share their valid original's id). */
  readonly craftedIds = new Map<Hex, string>();
  /** Crafted ids the chain's check found valid before sending (a mutation that still holds): allowed in a block. */
  readonly validIds = new Set<Hex>();
  /** SendsInvalidTxs: the crafted ids' cases (the fuzzer's expectation and node-health watch blocks for them). */
  invalidTxKind(id: Hex): string | undefined {
    return this.craftedIds.get(id);
  }

  get invalidTxCount(): number {
    return this.craftedIds.size;
  }

  private fuzzer?: ChainTxFuzzer;
  private chain = 'devnet';
  private notes: Record<string, unknown> = {};
  private metrics?: RunMetrics;
  started = false;

  constructor(readonly spec: TxFuzzWorkloadSpec) {
    this.expectation = new TxFuzzRejected(this, spec);
  }

  private cases(): string[] {
    return this.spec.cases.length > 0 ? [...this.spec.cases] : [...this.defs.keys()];
  }

  init(metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.metrics = metrics;
    const bad = (field: string, value: unknown, allowed: string) => new LoadnetError('LN_ERR_SCENARIO_INVALID', `tx-fuzz.${field} is ${JSON.stringify(value)}; allowed: ${allowed}`, { issues: [{ field: `tx-fuzz.${field}`, value, allowed }] });
    const chain = chainOf(scenario);
    const fuzzer = fuzzerOf(chain);
    if (!fuzzer) throw bad('chain', chain.name, `a chain with an invalid-transaction fuzzer (ChainAdapter.txFuzzer: devnet, evm); chain '${chain.name}' has none`);
    this.fuzzer = fuzzer;
    this.chain = chain.name;
    this.defs.clear();
    for (const d of fuzzer.cases) this.defs.set(d.name, d);
    for (const c of this.spec.cases) if (!this.defs.has(c)) throw bad('cases', c, `a case chain '${chain.name}' can express: ${[...this.defs.keys()].join(', ')}`);
    if (scenario.wallets.count < 2) throw bad('wallets', scenario.wallets.count, 'at least 2 funded wallets (the fuzzer sends from the last two)');
    this.rows.clear();
    for (const c of this.cases()) this.rows.set(c, { case: c, expected: this.defs.get(c)!.expected, sent: 0, rejectedAsExpected: 0, rejectedOtherwise: 0, accepted: 0, heldAsExpected: 0, acceptedValid: 0, errored: 0, otherReasons: {}, answers: {} });
  }

  expectations(): Expectation[] {
    return [this.expectation];
  }

  summary(): FuzzSummary {
    return {
      chain: this.chain,
      rate: this.spec.rate,
      cases: [...this.rows.values()].map((r) => ({ ...r, otherReasons: { ...r.otherReasons }, answers: { ...r.answers } })),
      valid: { ...this.valid },
      craftedIds: this.craftedIds.size,
      validIds: this.validIds.size,
      errors: Object.fromEntries(this.errors),
      voidFills: typeof this.notes.voidFills === 'number' ? this.notes.voidFills : 0,
      notes: { ...this.notes },
    };
  }

  private record({ tx: t, result, error, nodeId }: FuzzAnswer): void {
    // What the node listed the transaction as, when not its bytes' id: never in a block either, unless judged valid.
    if (nodeId && nodeId !== t.id && t.case !== 'valid' && t.case !== 'duplicate') {
      if (t.valid) this.validIds.add(nodeId);
      else this.craftedIds.set(nodeId, t.case);
    }
    if (result === undefined) {
      const what = error instanceof Error ? error.message.slice(0, 160) : String(error);
      this.errors.set(what, (this.errors.get(what) ?? 0) + 1);
    }
    if (t.case === 'valid') {
      // A crafted one the chain relabelled valid (e.g. a duplicate whose original was refused) may be in a block.
      if (t.id) this.craftedIds.delete(t.id);
      this.valid.sent++;
      if (result === undefined) this.valid.errored++;
      else if (result === 'ok') this.valid.accepted++;
      else this.valid.rejected++;
      return;
    }
    const row = this.rows.get(t.case);
    if (!row) return;
    row.sent++;
    if (result !== undefined) row.answers[result] = (row.answers[result] ?? 0) + 1;
    if (result === undefined) row.errored++;
    else if (result === 'ok') {
      if (t.valid) row.acceptedValid++;
      else if (this.defs.get(t.case)?.mayBeHeld) row.heldAsExpected++;
      else row.accepted++;
    } else if ((t.expected ?? row.expected).includes(result)) row.rejectedAsExpected++;
    else {
      row.rejectedOtherwise++;
      row.otherReasons[result] = (row.otherReasons[result] ?? 0) + 1;
    }
  }

  /** Before sending: which ids must never be in a block, and which were judged valid. */
  private register(txs: readonly CraftedFuzzTx[]): void {
    for (const t of txs) {
      if (!t.id || t.case === 'valid' || t.case === 'duplicate') continue;
      if (t.valid) this.validIds.add(t.id);
      else this.craftedIds.set(t.id, t.case);
    }
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const nodes = ctx.nodes().filter((n) => this.spec.targets === 'round-robin' || n.descriptor.name === this.spec.targets.node);
    if (nodes.length === 0) throw new LoadnetError('LN_ERR_WORKLOAD', `tx-fuzz: no node named ${JSON.stringify(this.spec.targets)} in the run`);
    const session = await this.fuzzer!.start({
      scenario: ctx.scenario,
      clients: nodes.map((n) => n.client),
      sender: ctx.wallets[ctx.wallets.length - 1]!,
      second: ctx.wallets[ctx.wallets.length - 2]!,
      random: seededRandom((ctx.scenario.seed ^ 0x5f0220) >>> 0),
      salt: `${ctx.scenario.seed}`,
      meanBlockIntervalMs: (this.metrics ?? ctx.metrics).meanBlockIntervalMs,
    });
    try {
      for (const [c, why] of session.notCrafted) {
        const row = this.rows.get(c);
        if (row) row.notCrafted ??= why;
      }
      let due = 0;
      let turn = 0;
      const order = this.cases();
      const craftable = (c: string) => this.rows.get(c)!.notCrafted === undefined;
      this.started = true;
      let last = nowMs();
      while (!signal.aborted && nowMs() < ctx.window.endMs) {
        const now = nowMs();
        const node = turn % nodes.length;
        await session.refresh(node, now);
        due += (this.spec.rate * (now - last)) / 1000;
        last = now;
        const cases: string[] = [];
        for (; due >= 1; due--) {
          const c = order[turn++ % order.length]!;
          if (craftable(c)) cases.push(c);
        }
        const txs = await session.craft(cases, node, now);
        if (txs.length > 0) {
          this.register(txs);
          for (const a of await session.send(node, txs)) this.record(a);
        }
        await sleep(TICK_MS, signal).catch(() => undefined);
      }
    } finally {
      this.notes = session.notes?.() ?? {};
      await session.close();
    }
  }
}
