/**
 * The API flood (`.floodApi({ rate, target })`, JSON `{ "type": "api-flood" }`): an ApiFlooder against one
 * node's API from source address 127.0.0.3, and beside it a ControlClient from 127.0.0.2 (on one machine
 * each loopback address is its own client for the node's per-client budget). Bundles ApiFloodHeld: the
 * flood reached its rate, the control client's p99 stayed within the bound, the flooded node's chain kept
 * growing; the error mix (2xx/4xx/429/5xx/timeouts) is reported in the `apiFlood` summary section.
 */
import { LoadnetError } from '../errors.js';
import type { Expectation, ExpectationResult, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
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

  /** The chain must grow by this much on the flooded node: as given, else half the blocks expected while flooding. */
  minBlocks(floodMs: number): number {
    const mean = this.metrics?.meanBlockIntervalMs ?? 1000;
    return this.spec.minBlocks ?? Math.max(1, Math.floor(floodMs / mean / 2));
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
    const control = new ControlClient(node.descriptor.apiUrl, 50, this.spec.timeoutMs, CONTROL_ADDRESS);
    const [flood, controlFigures] = await Promise.all([flooder.run(), control.run(t0 + durationMs, signal)]);
    const floodMs = nowMs() - t0;
    this.report = { target: this.spec.target, rate: this.spec.rate, flood, control: controlFigures, heightBefore, heightAfter: await height(), floodMs };
  }
}

/** The flood's verdict: rate reached, control p99 within bound, the flooded node's chain still growing. */
export class ApiFloodHeld implements Expectation {
  readonly name: string;

  constructor(private readonly workload: ApiFloodWorkload) {
    this.name = `api-flood:${workload.spec.target}`;
  }

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    const r = this.workload.report;
    if (!r) return { status: 'unknown', message: 'the flood did not run' };
    const spec = this.workload.spec;
    // One `apiFlood` section per run, one entry per flooded node.
    const section = FLOOD_SECTIONS.get(ctx) ?? {};
    section[r.target] = r;
    FLOOD_SECTIONS.set(ctx, section);
    ctx.summary.set('apiFlood', section);
    const f = r.flood;
    const minBlocks = this.workload.minBlocks(r.floodMs);
    const grew = r.heightAfter - r.heightBefore;
    const p99 = r.control.latency.p99;
    const minRate = spec.minRateFraction * spec.rate;
    const problems: string[] = [];
    if (f.sentPerSec < minRate) problems.push(`the flood sent ${f.sentPerSec} requests/s, under ${Math.round(minRate)} (${spec.minRateFraction} × ${spec.rate}; ${f.shed} held back by the in-flight cap)`);
    if (p99 > spec.controlP99Ms) problems.push(`control client p99 ${p99} ms > ${spec.controlP99Ms} ms`);
    if (r.control.failed > 0) problems.push(`${r.control.failed} of ${r.control.requests} control requests failed`);
    if (r.heightBefore < 0 || r.heightAfter < 0) problems.push(`${r.target} did not answer its height (before ${r.heightBefore}, after ${r.heightAfter})`);
    else if (grew < minBlocks) problems.push(`${r.target} grew by ${grew} blocks during the ${(r.floodMs / 1000).toFixed(1)} s flood, needed ≥ ${minBlocks}`);
    const mix = `2xx ${f.s2xx}, 4xx ${f.s4xx}, 429 ${f.s429}, 5xx ${f.s5xx}, timeouts ${f.timeouts}, errors ${f.errors}`;
    const line = `flood on ${r.target}: ${f.sent} requests at ${f.sentPerSec}/s (answered ${f.answeredPerSec}/s; ${mix}); control p99 ${p99} ms (bound ${spec.controlP99Ms}), p50 ${r.control.latency.p50} ms, ${r.control.ok}/${r.control.requests} ok; height ${r.heightBefore} → ${r.heightAfter} (≥ ${minBlocks})`;
    const figures = { ...f, control: r.control, heightBefore: r.heightBefore, heightAfter: r.heightAfter, minBlocks, controlP99BoundMs: spec.controlP99Ms };
    return { status: problems.length === 0 ? 'pass' : 'fail', message: problems.length === 0 ? line : `${problems.join('; ')} — ${line}`, figures };
  }
}
