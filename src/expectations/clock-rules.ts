/**
 * Clock skew handled by the protocol's clock rules (docs/devnet-node.md, "Clock rules"): at the end of the
 * run every node's clock-rule counters are read from its Prometheus metrics (the seam's metricsText) —
 * blocks held as from the future, refused from beyond the future horizon, late blocks, missed slots — and
 * the run fails when more blocks were refused than `maxRefused` (default 0: every skew stayed within what
 * the chain can absorb). A chain whose nodes expose none of these counters is 'unknown', not a pass.
 */
import type { ExpectationResult, RunContext, RunMetrics } from '../runtime/contracts.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { checkNumber, mapLimit } from './common.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';

export interface ClockRulesOptions {
  /** Blocks refused as from beyond the future horizon, summed over nodes, at most. Default 0. */
  maxRefused: number;
}

export interface ClockRuleCounts {
  held: number;
  refused: number;
  late: number;
  missed: number;
}

/** The devnet's counter names (a chain exposing the same names is judged the same way). */
export const CLOCK_RULE_COUNTERS: Record<keyof ClockRuleCounts, string> = {
  held: 'consensus_blocks_future_held_total',
  refused: 'consensus_blocks_future_rejected_total',
  late: 'consensus_blocks_late_total',
  missed: 'consensus_slots_missed_total',
};

/** The clock-rule counters in a Prometheus text, or null when it has none of them. */
export function parseClockRuleCounts(text: string): ClockRuleCounts | null {
  const out: ClockRuleCounts = { held: 0, refused: 0, late: 0, missed: 0 };
  let found = false;
  for (const [k, name] of Object.entries(CLOCK_RULE_COUNTERS) as Array<[keyof ClockRuleCounts, string]>) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
    if (m) {
      out[k] = Number(m[1]);
      found = true;
    }
  }
  return found ? out : null;
}

export interface ClockRulesContext {
  /** k × slot duration (ms): the future horizon. */
  horizonMs?: number;
  slotDurationMs?: number;
  securityParam?: number;
  /** The scenario's clock skews, node → offset ms (named in the message). */
  skews?: Record<string, number>;
}

const sum = (counts: Record<string, ClockRuleCounts>, k: keyof ClockRuleCounts) => Object.values(counts).reduce((n, c) => n + c[k], 0);
const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms)} ms`;

export function judgeClockRules(counts: Record<string, ClockRuleCounts | null>, o: ClockRulesOptions, c: ClockRulesContext = {}): ExpectationResult {
  const known = Object.fromEntries(Object.entries(counts).filter((e): e is [string, ClockRuleCounts] => e[1] !== null));
  const figures = { nodes: known, maxRefused: o.maxRefused, ...(c.horizonMs !== undefined ? { horizonMs: c.horizonMs } : {}), ...(c.skews ? { skews: c.skews } : {}) };
  if (Object.keys(known).length === 0) return { status: 'unknown', message: `no node exposes the clock-rule counters (${Object.values(CLOCK_RULE_COUNTERS).join(', ')}): this chain's clock rules cannot be judged`, figures };
  const skews = c.skews && Object.keys(c.skews).length ? `; skews: ${Object.entries(c.skews).map(([n, ms]) => `${n} ${signed(ms)}`).join(', ')}` : '';
  const horizon = c.horizonMs !== undefined ? ` (k × slot = ${c.securityParam ?? '?'} × ${c.slotDurationMs ?? '?'} ms = ${c.horizonMs} ms)` : '';
  const per = (k: keyof ClockRuleCounts) => Object.entries(known).filter(([, v]) => v[k] > 0).map(([n, v]) => `${n} ${v[k]}`).join(', ');
  const totals = `held ${sum(known, 'held')}${per('held') ? ` (${per('held')})` : ''}, late ${sum(known, 'late')}, missed slots ${sum(known, 'missed')}${per('missed') ? ` (${per('missed')})` : ''}`;
  const refused = sum(known, 'refused');
  if (refused > o.maxRefused) {
    return { status: 'fail', message: `${refused} blocks refused as from beyond the future horizon${horizon}: ${per('refused')} (bound ${o.maxRefused}); ${totals}${skews}`, figures };
  }
  return { status: 'pass', message: `clock rules handled the skew: ${totals}, refused ${refused} (bound ${o.maxRefused})${skews}`, figures };
}

/** Node → offset (ms) of every clock-skew fault in the scenario (read loosely: any workload with type 'clock-skew'). */
function skewsOf(spec: ScenarioSpec | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of (spec?.workloads ?? []) as unknown as Array<{ type?: string; nodes?: Record<string, { offsetMs?: number }> }>) {
    if (w.type !== 'clock-skew' || !w.nodes) continue;
    for (const [n, s] of Object.entries(w.nodes)) out[n] = s.offsetMs ?? 0;
  }
  return out;
}

export function clockRulesOptions(raw: Record<string, unknown>): ClockRulesOptions {
  return { maxRefused: checkNumber('clock-rules', 'maxRefused', raw.maxRefused ?? 0, 0, Number.MAX_SAFE_INTEGER, 'a non-negative number of blocks (default 0)') };
}

/** Clock rules over the history: each node's counters read at evaluation, and the horizon and skews at capture. */
export const clockRulesCheck: HistoryCheck<ClockRulesOptions> = {
  type: 'clock-rules',
  kinds: [],
  options: clockRulesOptions,
  judge(slice, options) {
    return judgeClockRules(slice.evaluate.counts as Record<string, ClockRuleCounts | null>, options, (slice.capture.context ?? {}) as ClockRulesContext);
  },
};

export class ClockRulesHandled extends RecordedExpectation<ClockRulesOptions> {
  readonly name = 'clock-rules';
  private context: ClockRulesContext = {};

  constructor(options: Partial<ClockRulesOptions> = {}) {
    super(clockRulesCheck, clockRulesOptions(options));
  }

  init(metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.context = { slotDurationMs: metrics.slotDurationMs, securityParam: metrics.securityParam, horizonMs: metrics.slotDurationMs * metrics.securityParam, skews: skewsOf(scenario) };
  }

  protected override async observeCapture(_ctx: RunContext): Promise<Record<string, unknown>> {
    return { context: this.context };
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    const nodes = ctx.nodes();
    const counts = await mapLimit(nodes, 4, async (n) => {
      try {
        const text = await n.client.metricsText?.();
        return text === undefined ? null : parseClockRuleCounts(text);
      } catch {
        return null;
      }
    });
    return { counts: Object.fromEntries(nodes.map((n, i) => [n.descriptor.name, counts[i]!])) };
  }
}
