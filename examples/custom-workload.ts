/**
 * A user-defined workload and expectation, written only against loadnet's public exports: documentation of the
 * library use. (The seed's "API stress" idea in small.)
 *
 * - `ApiProbe` (workload): asks every node for its chain info at a steady rate during the window and the cooldown,
 *   recording each answer's latency; it bundles `ApiResponsive` (expectation): p99 answer time and error rate
 *   within bounds.
 * - `HeightsAgree` (expectation, on its own): at the end every node is within `maxLag` blocks of the best one and
 *   the best height grew during the run.
 *
 * Both are registered by name, so the scenario stays plain JSON: `scenario.spec` records
 * `{ type: 'custom', name: 'api-probe', options: { perSecond: 20 } }` and `scenarioFromSpec(json)` re-creates them.
 *
 *   npm run loadnet -- run examples/custom-workload.ts [--duration 20s]
 *   npx tsx examples/custom-workload.ts
 */
import {
  ScenarioBuilder,
  registerExpectation,
  registerWorkload,
  sleep,
  nowMs,
  type Expectation,
  type ExpectationResult,
  type RunContext,
  type Scenario,
  type Workload,
} from 'loadnet';
import { isMain, runAsScript } from './support.js';

export interface ApiProbeOptions {
  /** Requests per second across all nodes. */
  perSecond: number;
  /** Bounds judged by the bundled expectation. */
  maxP99Ms: number;
  maxErrorRate: number;
}

export class ApiProbe implements Workload {
  readonly name = 'api-probe';
  readonly options: ApiProbeOptions;
  readonly latenciesMs: number[] = [];
  errors = 0;
  private readonly responsive: ApiResponsive;

  constructor(options: Partial<ApiProbeOptions> = {}) {
    this.options = { perSecond: 20, maxP99Ms: 250, maxErrorRate: 0.01, ...options };
    this.responsive = new ApiResponsive(this);
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const periodMs = 1000 / this.options.perSecond;
    const t0 = nowMs();
    // Open loop: request i is due at t0 + i × period, whatever earlier requests are doing.
    for (let i = 0; !signal.aborted; i++) {
      const due = t0 + i * periodMs;
      if (due > nowMs()) await sleep(due - nowMs(), signal);
      if (signal.aborted) break;
      const nodes = ctx.nodes();
      const node = nodes[i % nodes.length]!;
      const sentAt = nowMs();
      node.client.head().then(
        () => this.latenciesMs.push(nowMs() - sentAt),
        () => this.errors++,
      );
    }
  }

  expectations(): Expectation[] {
    return [this.responsive];
  }
}

export class ApiResponsive implements Expectation {
  readonly name = 'api-responsive';
  constructor(private readonly probe: ApiProbe) {}

  async evaluate(): Promise<ExpectationResult> {
    const sorted = [...this.probe.latenciesMs].sort((a, b) => a - b);
    const total = sorted.length + this.probe.errors;
    if (total === 0) return { status: 'fail', message: 'no request was answered or failed: the probe did not run' };
    const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]! : Infinity;
    const errorRate = this.probe.errors / total;
    const { maxP99Ms, maxErrorRate } = this.probe.options;
    const ok = p99 <= maxP99Ms && errorRate <= maxErrorRate;
    return {
      status: ok ? 'pass' : 'fail',
      message: `${total} requests, p99 ${p99.toFixed(1)} ms (≤ ${maxP99Ms} allowed), errors ${(errorRate * 100).toFixed(2)} % (≤ ${maxErrorRate * 100} % allowed)`,
      figures: { requests: total, p99Ms: p99, errorRate },
    };
  }
}

export class HeightsAgree implements Expectation {
  readonly name = 'heights-agree';
  private startBest = 0;
  constructor(readonly options: { maxLag: number } = { maxLag: 3 }) {}

  private async heights(ctx: RunContext): Promise<Array<{ node: string; height: number }>> {
    return Promise.all(ctx.nodes().map(async (n) => ({ node: n.descriptor.name, height: (await n.client.head()).height })));
  }

  async startCapture(ctx: RunContext): Promise<void> {
    this.startBest = Math.max(...(await this.heights(ctx)).map((h) => h.height));
  }

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    const heights = await this.heights(ctx);
    const best = Math.max(...heights.map((h) => h.height));
    const lagging = heights.filter((h) => best - h.height > this.options.maxLag);
    const grew = best > this.startBest;
    return {
      status: lagging.length === 0 && grew ? 'pass' : 'fail',
      message: `best height ${this.startBest} → ${best}; ${lagging.length ? `lagging more than ${this.options.maxLag}: ${lagging.map((h) => `${h.node} at ${h.height}`).join(', ')}` : `all ${heights.length} nodes within ${this.options.maxLag}`}`,
      figures: { best, startBest: this.startBest, heights },
    };
  }
}

// Factories by name: what `scenarioFromSpec` and `loadnet run scenario.json` use to re-create these objects.
registerWorkload('api-probe', (options) => new ApiProbe(options as Partial<ApiProbeOptions>));
registerExpectation('heights-agree', (options) => new HeightsAgree(options as { maxLag: number }));

export function customWorkload(): Scenario {
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(3)
      .apply()
    .withWorkload('api-probe', { perSecond: 20, maxP99Ms: 250, maxErrorRate: 0.01 })
    .withExpectation('heights-agree', { maxLag: 3 })
    .expectConsensusLiveness()
    .withRunDuration('20s')
    .named('custom-workload')
    .build();
}

export default customWorkload;

if (isMain(import.meta.url)) runAsScript(() => [customWorkload()]);
