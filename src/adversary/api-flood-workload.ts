/**
 * The API flood (`.floodApi({ rate, target })`, JSON `{ "type": "api-flood" }`): an ApiFlooder against one
 * node's API from source address 127.0.0.3, and beside it a ControlClient from 127.0.0.2 (on one machine
 * each loopback address is its own client for the node's per-client budget; where the deployer names a
 * separate route to the node, NodeDescriptor.separateClient, the control client takes it). Bundles ApiFloodHeld
 * (judged by apiFloodCheck over what it records): the
 * flood reached its rate, the control client's p99 stayed within the bound, the flooded node's chain kept
 * growing; the error mix (2xx/4xx/429/5xx/timeouts) is reported in the `apiFlood` summary section.
 *
 * With `controlBatch`, the control client also submits a batch of that many transfers every 500 ms from the flood's own funded
 * wallet (consecutive nonces, fee the mempool's minimum or 1): the node checks a batch's signatures in its
 * worker pool, the queue a flood of forged signatures fills when nothing prices them, so these batches' latency
 * is what a user of the API feels of that queue.
 */
import { LoadnetError } from '../errors.js';
import type { Expectation, RunContext, RunMetrics, RunNode, Workload } from '../runtime/contracts.js';
import { adversaryBounds, apiFloodCheck, type ApiFloodOptions } from '../expectations/adversary.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { ApiFloodWorkloadSpec, ScenarioSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { fromHex, toHex, type Hex } from '../util/bytes.js';
import { ed25519Backend } from '../adapters/devnet/wire/ed25519.js';
import { encodeTxBatch, signTransferFast } from '../adapters/devnet/wire/tx.js';
import { devnetMempoolOptions } from '../adapters/devnet/options.js';
import { raceRecipient } from './batch-plan.js';
import { walletRangeOf, type WalletRange } from './wallet-ranges.js';
import { ApiFlooder, ControlClient, type ControlFigures, type ControlTransfers, type FloodRequestKind, type FloodStats } from './api-flood.js';

const FLOOD_ADDRESS = '127.0.0.3';
const FLOOD_SECTIONS = new WeakMap<RunContext, Record<string, FloodReport>>();
const CONTROL_ADDRESS = '127.0.0.2';
/** The control client's pace: an info read every 50 ms and, with controlBatch, a transfer batch every 500 ms. */
const CONTROL_INFO_MS = 50;
const CONTROL_BATCH_MS = 500;

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
  private wallet?: WalletRange;
  private flooder?: ApiFlooder;

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
    if ((this.spec.controlBatch ?? 0) > 0) {
      let index = scenario.workloads.indexOf(this.spec);
      if (index < 0) index = scenario.workloads.findIndex((w) => w.type === 'api-flood' && JSON.stringify(w) === JSON.stringify(this.spec));
      this.wallet = walletRangeOf(scenario, index, 'api-flood.controlBatch');
    }
  }

  /** The control client's transfer batches: from the flood's wallet at its nonce on the flooded node, consecutive. */
  private async controlTransfers(ctx: RunContext, node: RunNode): Promise<ControlTransfers | undefined> {
    const n = this.spec.controlBatch ?? 0;
    if (n === 0 || !this.wallet) return undefined;
    const key = ed25519Backend('sodium').keyFromSeed(fromHex(ctx.wallets[this.wallet.from]!.secret, 32, 'wallet secret'));
    let nonce = (await node.client.account(toHex(key.publicKey))).nonce;
    const fee = Math.max(1, devnetMempoolOptions(ctx.scenario).minFee ?? 0);
    const to = Buffer.from(raceRecipient(`${ctx.scenario.seed}/api-flood/${this.spec.target}`, 0), 'hex');
    return {
      intervalMs: CONTROL_BATCH_MS,
      next: () => {
        const txs: Uint8Array[] = [];
        for (let i = 0; i < n; i++) txs.push(signTransferFast(key, nonce++, fee, to, 1).bytes);
        return { body: encodeTxBatch(txs), count: n };
      },
    };
  }

  /** SendsInvalidTxs: the forged-signature batches' transactions (node-health watches blocks for them). */
  invalidTxKind(id: Hex): string | undefined {
    return this.flooder?.forgedTxIds.has(id) ? 'forged-signature' : undefined;
  }

  get invalidTxCount(): number {
    return this.flooder?.forgedTxIds.size ?? 0;
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
    const transfers = await this.controlTransfers(ctx, node);
    const heightBefore = await height();
    const t0 = nowMs();
    const flooder = new ApiFlooder({
      url: node.descriptor.apiUrl,
      rate: this.spec.rate,
      durationMs,
      invalidShare: this.spec.invalidShare,
      requests: this.spec.requests as FloodRequestKind[],
      ...(this.spec.forgedBatch !== undefined ? { forgedBatch: this.spec.forgedBatch } : {}),
      pattern: this.spec.pattern,
      connections: this.spec.connections,
      pipelining: this.spec.pipelining,
      timeoutMs: this.spec.timeoutMs,
      localAddress: FLOOD_ADDRESS,
      seed: ctx.scenario.seed,
      signal,
    });
    this.flooder = flooder;
    // The control client must be another client in the node's eyes: where the deployer names a separate route
    // (compose: the container's own address), it takes that; else its own loopback address.
    const route = node.descriptor.separateClient ?? { apiUrl: node.descriptor.apiUrl, localAddress: CONTROL_ADDRESS };
    const control = new ControlClient(route.apiUrl, CONTROL_INFO_MS, this.spec.timeoutMs, route.localAddress, transfers);
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
