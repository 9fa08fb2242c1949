/**
 * The schedule of one fault, after `.chaos().partition(...)`, `.chaos().latencyTiers(...)`, `.chaos().linkFault(...)`,
 * `.chaos().blockPeer(...)` or `.chaos().clockSkew(...)`:
 *
 *   .chaos().partition('halves').at('10s').for('15s').convergeWithin('20s').apply()
 *   .chaos().partition('isolate', { node: 'validator-2' }).at('5s').every('30s').for('10s').apply()
 *   .chaos().latencyTiers({ A: { delay: '10ms', nodes: ['validator-0'] }, C: { delay: '300ms', nodes: ['validator-3'] } }).apply()
 *
 * Without `.at()` a fault starts with the run window; without `.for()` it holds until the window ends; it is
 * always healed by then. The JSON form is the same object: `{ "type": "partition", "shape": "halves", "atMs":
 * "10s", "durationMs": "15s" }`.
 */
import type { DurationInput } from '../util/duration.js';

export type FaultDraft = Record<string, unknown> & { type: string };

export class FaultBuilder<P> {
  /** @internal use the chaos builder's fault methods */
  constructor(
    private readonly draft: FaultDraft,
    private readonly finish: (draft: FaultDraft) => P,
  ) {}

  private with(patch: Record<string, unknown>): FaultBuilder<P> {
    return new FaultBuilder({ ...this.draft, ...patch }, this.finish);
  }

  /** When the fault starts, from the start of the run window. Default 0. */
  at(time: DurationInput): FaultBuilder<P> {
    return this.with({ atMs: time });
  }

  /** How long it holds before it heals. Default: until the run window ends. */
  for(duration: DurationInput): FaultBuilder<P> {
    return this.with({ durationMs: duration });
  }

  /** Heal it this long after the window starts (the same as `.for(time − at)`); kept for the seed's "heal at". */
  healAt(time: DurationInput): FaultBuilder<P> {
    return this.with({ healAtMs: time });
  }

  /** Inject it again every `period` (each time held for `.for()`). Default: once. */
  every(period: DurationInput): FaultBuilder<P> {
    return this.with({ everyMs: period });
  }

  /** After the last heal, every live node must be on one chain within this bound (bundled convergence check). */
  convergeWithin(bound: DurationInput): FaultBuilder<P> {
    return this.with({ convergeWithinMs: bound });
  }

  /** Jitter (± uniformly) on every link a latency-tiers or link fault delays. */
  jitter(jitter: DurationInput): FaultBuilder<P> {
    return this.with({ jitterMs: jitter });
  }

  /** Back to the scenario builder, with this fault added. */
  apply(): P {
    const { healAtMs, ...rest } = this.draft;
    if (healAtMs === undefined) return this.finish(rest as FaultDraft);
    return this.finish({ ...rest, healAtMs } as FaultDraft);
  }
}
