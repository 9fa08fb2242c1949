/**
 * TxInclusion, bundled with the transaction workload: every transaction a node accepted (matched by id) is
 * in a block by the end of the cooldown, or at least `threshold` of them. The message names the numbers;
 * the figures carry inclusion and finality latency (from the intended send time).
 */
import type { Expectation, ExpectationResult, RunContext } from '../runtime/contracts.js';
import type { TransactionWorkload } from './transactions.js';

export class TxInclusion implements Expectation {
  readonly name = 'tx-inclusion';

  constructor(private readonly workload: TransactionWorkload, private readonly threshold = 1) {}

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    const r = await this.workload.publishSummary(true);
    if (!r) return { status: 'unknown', message: 'the transaction workload did not run (no load was generated)' };
    const { totals, outcome } = r;
    if (!outcome) return { status: 'unknown', message: 'inclusion was not tracked (no block feed)' };
    const accepted = totals.accepted;
    const ratio = accepted > 0 ? outcome.included / accepted : 0;
    const figures = {
      submitted: totals.submitted,
      accepted,
      rejected: totals.rejected,
      errored: totals.errored,
      included: outcome.included,
      pending: outcome.pending,
      dropped: outcome.dropped,
      ratio: Math.round(ratio * 10_000) / 10_000,
      threshold: this.threshold,
      inclusion: outcome.inclusion,
      finality: outcome.finality,
      generatorBound: totals.generatorBound,
    };
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
    const lat = outcome.included > 0 ? `; inclusion p50 ${outcome.inclusion.p50} ms, p99 ${outcome.inclusion.p99} ms` : '';
    if (accepted === 0) {
      return { status: 'fail', message: `no transaction was accepted (${totals.submitted} submitted, ${totals.rejectedTotal} rejected, ${totals.errored} errored)`, figures };
    }
    const pass = ratio >= this.threshold;
    return {
      status: pass ? 'pass' : 'fail',
      message: `${outcome.included} of ${accepted} accepted transactions included (${pct(ratio)}, need ≥ ${pct(this.threshold)}); ${outcome.pending} still pending, ${outcome.dropped} dropped${lat}`,
      figures,
    };
  }
}
