/**
 * The API flood (`.floodApi({ rate, target })`, JSON `{ "type": "api-flood" }`): an ApiFlooder against one
 * node's API from source address 127.0.0.3, and beside it a ControlClient from 127.0.0.2 (on one machine
 * each loopback address is its own client for the node's per-client budget; where the deployer names a
 * separate route to the node, NodeDescriptor.separateClient, the control client takes it). Bundles ApiFloodHeld
 * (judged by apiFloodCheck over what it records): the
 * flood reached its rate, the control client's p99 stayed within the bound, the flooded node's chain kept
 * growing; the error mix (2xx/4xx/429/5xx/timeouts) is reported in the `apiFlood` summary section.
 */
import { LoadnetError } from '../errors.js';
import type { Expectation, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import { adversaryBounds, apiFloodCheck, type ApiFloodOptions } from '../expectations/adversary.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { ApiFloodWorkloadSpec, ScenarioSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { ApiFlooder, ControlClient, type ControlFigures, type FloodRequestKind, type FloodStats } from './api-flood.js';

const FLOOD_ADDRESS = '127.0.0.3';
const FLOOD_SECTIONS = new WeakMap<RunContext, Record<string, FloodReport>>();
const CONTROL_ADDRESS = '127.0.0.2';

/** Where a flood ran and what it did. */
export interface FloodReport {
  target: string;
  rate: number;
  flood: FloodStats;
  control: ControlFigures;
  /** The flooded node's height when the flood started and when it ended (from its own API). */
  heightBefore: number;
  heightAfter: number;
  floodMs: number;
}

export class ApiFloodWorkload implements Workload {
  readonly name: string;
  private readonly expectation: ApiFloodHeld;
  report?: FloodReport;
  private metrics?: RunMetrics;

  constructor(readonly spec: ApiFloodWorkloadSpec) {
    this.name = `api-flood:${spec.target}`;
    this.expectation = new ApiFloodHeld(this);
  }

  init(metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.metrics = metrics;
    if ((scenario.chain?.type ?? 'devnet') !== 'devnet') {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `api-flood needs the devnet chain, not '${scenario.chain?.type}'; allowed: chain { type: 'devnet' }`, { issues: [{ field: 'api-flood', value: scenario.chain?.type, allowed: 'the devnet chain (the flood speaks its API)' }] });
    }
    if (this.spec.startAfterMs >= scenario.durationMs) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `api-flood.startAfterMs is ${this.spec.startAfterMs}; allowed: less than the run window (${scenario.durationMs} ms)`, { issues: [{ field: 'api-flood.startAfterMs', value: this.spec.startAfterMs, allowed: `less than durationMs (${scenario.durationMs})` }] });
    }
  }

  /** The block interval the default bound on the flooded node's chain growth is derived from. */
  meanBlockIntervalMs(): number {
    return this.metrics?.meanBlockIntervalMs ?? 1000;
  }

  expectations(): Expectation[] {
    return [this.expectation];
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const node = ctx.node(this.spec.target);
    const startAt = ctx.window.startMs + this.spec.startAfterMs;
    if (nowMs() < startAt) await sleep(startAt - nowMs(), signal).catch(() => undefined);
    if (signal.aborted) return;
    const endAt = Math.min(ctx.window.endMs, this.spec.durationMs === undefined ? Infinity : startAt + this.spec.durationMs);
    const durationMs = Math.max(0, endAt - nowMs());
    const height = async () => (await node.client.head().catch(() => ({ height: -1 }))).height;
    const heightBefore = await height();
    const t0 = nowMs();
    const flooder = new ApiFlooder({
      url: node.descriptor.apiUrl,
      rate: this.spec.rate,
      durationMs,
      invalidShare: this.spec.invalidShare,
      requests: this.spec.requests as FloodRequestKind[],
      pattern: this.spec.pattern,
      connections: this.spec.connections,
      pipelining: this.spec.pipelining,
      timeoutMs: this.spec.timeoutMs,
      localAddress: FLOOD_ADDRESS,
      seed: ctx.scenario.seed,
      signal,
    });
    // The control client must be another client in the node's eyes: where the deployer names a separate route
    // (compose: the container's own address), it takes that; else its own loopback address.
    const route = node.descriptor.separateClient ?? { apiUrl: node.descriptor.apiUrl, localAddress: CONTROL_ADDRESS };
    const control = new ControlClient(route.apiUrl, 50, this.spec.timeoutMs, route.localAddress);
    const [flood, controlFigures] = await Promise.all([flooder.run(), control.run(t0 + durationMs, signal)]);
    // Through a deployer's published port the run's own client shares the flooder's address (compose: the
    // network's gateway), which may still owe the budget after the flood: the control client's last reading counts.
    const floodMs = nowMs() - t0;
    this.report = { target: this.spec.target, rate: this.spec.rate, flood, control: controlFigures, heightBefore, heightAfter: Math.max(await height(), controlFigures.lastHeight), floodMs };
  }
}

/** The flood's verdict (apiFloodCheck): rate reached, control p99 within bound, the flooded node's chain still growing. */
export class ApiFloodHeld extends RecordedExpectation<ApiFloodOptions> {
  readonly name: string;

  constructor(private readonly workload: ApiFloodWorkload) {
    super(apiFloodCheck, apiFloodCheck.options(adversaryBounds(workload.spec)!.options));
    this.name = `api-flood:${workload.spec.target}`;
  }

  /** The flood's figures (also the run's `apiFlood` section, one entry per flooded node) and the block interval its default growth bound comes from. */
  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    const r = this.workload.report;
    if (r) {
      const section = FLOOD_SECTIONS.get(ctx) ?? {};
      section[r.target] = r;
      FLOOD_SECTIONS.set(ctx, section);
      ctx.summary.set('apiFlood', section);
    }
    return { report: r ?? null, meanBlockIntervalMs: this.workload.meanBlockIntervalMs() };
  }
}
