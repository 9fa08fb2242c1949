/**
 * Expectations as checkers over the history. A built-in expectation is a `HistoryCheck`: the event kinds it
 * reads and a pure `judge(slice, options)`. Live, `RecordedExpectation` writes what it observed at capture and
 * at evaluation into the history (`expectation.observed`; the options it judges with go in the capture), collects
 * the events of its kinds in between, and judges exactly that; `loadnet check` hands the same slice, read back
 * from events.jsonl, to the same judge (checkRecorded below), with the recorded options or changed ones.
 */
import type { Expectation, ExpectationResult, RunContext } from '../runtime/contracts.js';
import { checkerSlice, type CheckerSlice, type RunHistory } from '../runtime/history.js';
import type { RunEvent, RunEventKind } from '../runtime/run-events.js';

export interface HistoryCheck<O> {
  /** The built-in type (`consensus-liveness`, `tx-inclusion`, …). */
  readonly type: string;
  /** Event kinds the judge reads (collected between the capture and evaluation observations). */
  readonly kinds: readonly RunEventKind[];
  /** Options with defaults, validated (throws LN_ERR_SCENARIO_INVALID naming the field). */
  options(raw: Record<string, unknown>): O;
  judge(slice: CheckerSlice, options: O): ExpectationResult;
}

/** JSON as written to events.jsonl: the live judge sees exactly what a re-judge will read back. */
function asRecorded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export abstract class RecordedExpectation<O> implements Expectation {
  abstract readonly name: string;
  private collected: RunEvent[] = [];
  private captured: Record<string, unknown> = {};
  private unsubscribe?: () => void;

  constructor(
    readonly check: HistoryCheck<O>,
    readonly options: O,
  ) {}

  /** What to read live before the window (baselines); plain JSON. */
  protected async observeCapture(_ctx: RunContext): Promise<Record<string, unknown>> {
    return {};
  }

  /** What to read live at evaluation (the chain's end state); plain JSON. */
  protected async observeEvaluate(_ctx: RunContext): Promise<Record<string, unknown>> {
    return {};
  }

  async startCapture(ctx: RunContext): Promise<void> {
    const observed = asRecorded({ ...(await this.observeCapture(ctx)), options: this.options });
    ctx.events.emit('expectation.observed', { name: this.name, type: this.check.type, at: 'capture', observed });
    this.captured = observed;
    const kinds = new Set<string>(this.check.kinds);
    if (kinds.size > 0) this.unsubscribe = ctx.events.on((e) => void (kinds.has(e.kind) && this.collected.push(e as RunEvent)));
  }

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    let observed: Record<string, unknown>;
    try {
      observed = asRecorded({ ...(await this.observeEvaluate(ctx)), window: ctx.window });
    } finally {
      this.unsubscribe?.();
    }
    ctx.events.emit('expectation.observed', { name: this.name, type: this.check.type, at: 'evaluate', observed });
    return this.check.judge({ capture: this.captured, evaluate: observed, events: asRecorded(this.collected) }, this.options);
  }
}

/** The window an evaluation observation carries. */
export function windowOf(slice: CheckerSlice): { startMs: number; endMs: number } {
  return slice.evaluate.window as { startMs: number; endMs: number };
}

export interface RecheckOutcome {
  name: string;
  type: string;
  result: ExpectationResult;
  /** The options judged with (recorded, or changed by the caller). */
  options: unknown;
}

/**
 * Judge one recorded expectation again. `changed` options are merged over the recorded ones; undefined when
 * the run holds no record for `name` (an expectation added after the fact whose inputs were never observed).
 */
export function checkRecorded<O>(history: RunHistory, name: string, check: HistoryCheck<O>, changed: Record<string, unknown> = {}): RecheckOutcome | undefined {
  const slice = checkerSlice(history.events, name, check.kinds);
  if (!slice) return undefined;
  const recorded = (slice.capture.options ?? {}) as Record<string, unknown>;
  const options = check.options({ ...recorded, ...changed });
  return { name, type: check.type, options, result: check.judge(slice, options) };
}
