/**
 * `.transactions().rate(5).users(20).apply()`: the transaction workload.
 *
 * Rate semantics (fixing the framework we replace, where "rate per block" became a run budget capped by the
 * wallet count): `rate(n)` is n transactions per block on average, paced continuously (open loop) at
 * n / meanBlockInterval per second, meanBlockInterval = slotDuration / activeSlotCoeff. Each wallet sends many
 * transactions over a run (nonces advance), so load is not capped by the number of wallets. `users(u)` is how
 * many of the funded wallets send (default: all of them).
 */
import type { DurationInput } from '../util/duration.js';

export type TransactionsDraft = Record<string, unknown> & { type: 'transactions' };

/** One stage of a staged rate: over `duration`, move to `perSecond` (linearly when `ramp`, the default; else a step). */
export interface RateStageInput {
  duration: DurationInput;
  perSecond: number;
  ramp?: boolean;
}

export class TransactionsBuilder<P> {
  /** @internal use `ScenarioBuilder#transactions()` */
  constructor(
    private readonly draft: TransactionsDraft,
    private readonly finish: (draft: TransactionsDraft) => P,
  ) {}

  private with(patch: Record<string, unknown>): TransactionsBuilder<P> {
    return new TransactionsBuilder({ ...this.draft, ...patch }, this.finish);
  }

  /** n transactions per block on average, paced at n / meanBlockInterval per second. Default 1. */
  rate(perBlock: number): TransactionsBuilder<P> {
    return this.with({ rate: { kind: 'perBlock', perBlock } });
  }

  /** Alias of `rate(perBlock)`, for readers who want the unit spelled out. */
  ratePerBlock(perBlock: number): TransactionsBuilder<P> {
    return this.rate(perBlock);
  }

  /** A constant rate in transactions per second, independent of block timing. */
  ratePerSecond(perSecond: number): TransactionsBuilder<P> {
    return this.with({ rate: { kind: 'perSecond', perSecond } });
  }

  /** A staged rate (k6's ramping-arrival-rate): from 0, through each stage in turn; after the last stage it holds. */
  stages(stages: readonly RateStageInput[]): TransactionsBuilder<P> {
    return this.with({ rate: { kind: 'stages', stages: stages.map(stageInput) } });
  }

  /** Append a stage that moves linearly to `perSecond` over `over` (starts a staged rate if there is none). */
  rampTo(perSecond: number, over: DurationInput): TransactionsBuilder<P> {
    return this.with({ rate: { kind: 'stages', stages: [...this.currentStages(), stageInput({ duration: over, perSecond, ramp: true })] } });
  }

  /** Append a stage that steps to `perSecond` at once and holds it for `duration`. */
  hold(perSecond: number, duration: DurationInput): TransactionsBuilder<P> {
    return this.with({ rate: { kind: 'stages', stages: [...this.currentStages(), stageInput({ duration, perSecond, ramp: false })] } });
  }

  /** How many funded wallets send (≤ wallets). Default: every wallet. */
  users(count: number): TransactionsBuilder<P> {
    return this.with({ users: count });
  }

  /** Send from wallets `index`.. (this workload's own range; default: after the ranges of the workloads before it). */
  firstWallet(index: number): TransactionsBuilder<P> {
    return this.with({ firstWallet: index });
  }

  /** Fee per transaction. Default 1. */
  fee(fee: number): TransactionsBuilder<P> {
    return this.with({ fee });
  }

  /** Amount per transfer. Default 1. */
  amount(amount: number): TransactionsBuilder<P> {
    return this.with({ amount });
  }

  /** Spread submissions over the nodes in turn (the default). */
  targetRoundRobin(): TransactionsBuilder<P> {
    return this.with({ targets: 'round-robin' });
  }

  /** Send each submission to a node chosen at random (seeded). */
  targetRandom(): TransactionsBuilder<P> {
    return this.with({ targets: 'random' });
  }

  /** Send every submission to one node, e.g. 'executor-0'. */
  targetNode(node: string): TransactionsBuilder<P> {
    return this.with({ targets: { node } });
  }

  /** Transactions per POST; 'auto' (the default) batches when the rate is high. */
  batch(size: number | 'auto'): TransactionsBuilder<P> {
    return this.with({ batch: size });
  }

  /** Fraction of accepted transactions that must be included by the end of the cooldown. Default 1 (all). */
  inclusionThreshold(fraction: number): TransactionsBuilder<P> {
    return this.with({ inclusionThreshold: fraction });
  }

  /** Back to the scenario builder, with this workload added. */
  apply(): P {
    return this.finish(this.draft);
  }

  private currentStages(): unknown[] {
    const rate = this.draft.rate as { kind?: unknown; stages?: unknown } | undefined;
    return rate?.kind === 'stages' && Array.isArray(rate.stages) ? rate.stages : [];
  }
}

/** A stage as the spec writes it (ramp by default). */
export function stageInput(s: RateStageInput): Record<string, unknown> {
  const out: Record<string, unknown> = { durationMs: s.duration, perSecond: s.perSecond };
  if (s.ramp !== undefined) out.ramp = s.ramp;
  else out.ramp = true;
  return out;
}
