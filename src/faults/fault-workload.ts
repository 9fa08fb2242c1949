/**
 * Runs one nemesis on its schedule during the run window: inject at `atMs` (from the window's start), heal
 * after `durationMs` (or at the window's end), again every `everyMs`; whatever is still in place when the
 * window ends or the run is interrupted is healed then, so no fault outlives the run. After each heal it
 * times how long the live nodes take to be on one chain again (faults/convergence.ts), bounded by
 * `convergeWithinMs`; the bundled `convergence` expectation judges the last heal.
 */
import { LoadnetError } from '../errors.js';
import type { Expectation, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import { convergenceCheck, type ConvergenceOptions, type RecordedInjection } from '../expectations/bundled.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { NetworkFaultSpec, ScenarioSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';
import { probeConvergence, waitConverged } from './convergence.js';
import type { Nemesis } from './nemesis.js';
import { nemesisOf } from './nemeses/index.js';

export interface Injection {
  label: string;
  injectedAt: number;
  healedAt?: number;
  /** ms from heal to one chain again; undefined when not within the bound (or not healed). */
  convergedMs?: number;
  convergence?: string;
  /** Just before the heal: were the live nodes on different chains (the fault had its effect), and where. */
  divergedBeforeHeal?: boolean;
  beforeHeal?: string;
  detail?: Record<string, unknown>;
  error?: string;
}

function topologyNames(s: ScenarioSpec): string[] {
  return [...Array.from({ length: s.topology.validators }, (_, i) => `validator-${i}`), ...Array.from({ length: s.topology.executors }, (_, i) => `executor-${i}`)];
}

export class FaultWorkload implements Workload {
  readonly name: string;
  readonly injections: Injection[] = [];
  private readonly nemesis: Nemesis;
  private names: string[] = [];

  /** `judges`: checks of this fault kind besides convergence (e.g. the churn expectation), made with the workload. */
  constructor(readonly spec: NetworkFaultSpec, private readonly judges?: (fault: FaultWorkload) => Expectation[]) {
    this.nemesis = nemesisOf(spec.type);
    this.name = `${spec.type}-at-${formatDuration(spec.atMs)}`.replace(/\s+/g, '');
  }

  init(_metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.names = topologyNames(scenario);
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const control = ctx.nodeControl;
    if (!control) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${this.name}: this deployment offers no node control`, { hint: 'enableNodeControl() in the scenario, with a deployer that supports it (local, compose)' });
    if (this.names.length === 0) this.names = topologyNames(ctx.scenario);
    const s = this.spec;
    const live = () => ctx.nodes().filter((n) => !(control.down?.() ?? []).includes(n.descriptor.name)).map((n) => ({ name: n.descriptor.name, client: n.client }));
    const publish = (state: string) => ctx.live.publish(this.name, { state, injections: this.injections.length, healed: this.injections.filter((i) => i.healedAt).length });
    for (let k = 0; ; k++) {
      const at = ctx.window.startMs + s.atMs + k * (s.everyMs ?? 0);
      if (at >= ctx.window.endMs || (k > 0 && !s.everyMs) || signal.aborted) break;
      await sleep(at - nowMs(), signal);
      if (signal.aborted) break;
      const label = `${this.name}#${k + 1}`;
      const inj: Injection = { label, injectedAt: nowMs() };
      this.injections.push(inj);
      try {
        inj.detail = await this.nemesis.inject(control, s, this.names.filter((n) => ctx.nodes().some((x) => x.descriptor.name === n)), label, ctx);
      } catch (e) {
        inj.error = (e as Error).message;
      }
      publish('injected');
      const healAt = Math.min(ctx.window.endMs, s.durationMs !== undefined ? inj.injectedAt + s.durationMs : ctx.window.endMs);
      await sleep(healAt - nowMs(), signal);
      const before = await probeConvergence(live());
      inj.divergedBeforeHeal = !before.converged;
      inj.beforeHeal = before.detail;
      await this.healOne(control, inj);
      publish('healed');
      const nextAt = s.everyMs ? ctx.window.startMs + s.atMs + (k + 1) * s.everyMs : Infinity;
      // Convergence is timed until the bound or the next injection, whichever is first; the run's signal ends it.
      const bound = Math.min(s.convergeWithinMs, Math.max(0, nextAt - nowMs()));
      const c = await waitConverged(live, bound, signal);
      inj.convergedMs = c.ms;
      inj.convergence = c.detail;
      publish(c.ms !== undefined ? 'converged' : 'not converged');
    }
    ctx.summary.set(this.name, this.summarySection());
  }

  private async healOne(control: NonNullable<RunContext['nodeControl']>, inj: Injection): Promise<void> {
    try {
      await this.nemesis.heal(control, this.spec, this.names, inj.label);
    } catch (e) {
      inj.error = [inj.error, `heal: ${(e as Error).message}`].filter(Boolean).join('; ');
    }
    inj.healedAt = nowMs();
  }

  summarySection(): Record<string, unknown> {
    return {
      type: this.spec.type,
      injections: this.injections.map((i) => ({
        label: i.label,
        injectedAt: new Date(i.injectedAt).toISOString(),
        heldMs: i.healedAt !== undefined ? Math.round(i.healedAt - i.injectedAt) : undefined,
        convergedMs: i.convergedMs,
        convergence: i.convergence,
        divergedBeforeHeal: i.divergedBeforeHeal,
        beforeHeal: i.beforeHeal,
        ...(i.error ? { error: i.error } : {}),
      })),
      convergeWithinMs: this.spec.convergeWithinMs,
    };
  }

  expectations(): Expectation[] {
    return [new Convergence(this), ...(this.judges?.(this) ?? [])];
  }
}

/** Bundled with each fault: after the last heal, every live node on one chain within the bound; the time reported. */
export class Convergence extends RecordedExpectation<ConvergenceOptions> {
  readonly name: string;
  constructor(private readonly fault: FaultWorkload) {
    super(convergenceCheck, { convergeWithinMs: fault.spec.convergeWithinMs });
    this.name = `${fault.name}-convergence`;
  }

  protected override async observeEvaluate(): Promise<Record<string, unknown>> {
    const { type, atMs, convergeWithinMs } = this.fault.spec;
    const injections: RecordedInjection[] = this.fault.injections.map((i) => ({ injectedAt: i.injectedAt, healedAt: i.healedAt, convergedMs: i.convergedMs, convergence: i.convergence, error: i.error }));
    return { fault: type, atMs, measuredWithinMs: convergeWithinMs, injections };
  }
}
