/**
 * The flooding peer (`.floodPeer({ target, rate })`, JSON `{ "type": "flooding-peer" }`): a Byzantine peer
 * that joins the target devnet node through the normal P2P handshake with an identity of its own
 * (DevnetPeer: the devnet's framed TCP, not libp2p) and publishes, at `rate` messages per second, in turn:
 * stale blocks (old blocks it fetched from the victim), a duplicate block (the same block again and again),
 * a duplicate transaction (the same unfunded transfer again and again), invalid but well-formed
 * transactions (a fresh bad signature each) and unsolicited DA shares (store messages nobody dispersed).
 * Each is an offence the victim scores; the defense is that the score falls, the victim throttles the peer,
 * then disconnects and bans it. Bundles FloodedPeerBanned (judged by floodingPeerCheck): banned within `banWithinMs` of the first message
 * (and a reconnect refused as banned), the score seen falling (p2p_peer_score), the victim's gossip queues
 * bounded (p2p_outbound_queue_bytes_max ≤ maxQueueBytes, sampled every 250 ms), the victim's chain growing
 * and its blocks reaching it within `propagationP99Ms` (p99, from the block feed) while flooded. The
 * `floodingPeer` summary section has the score curve, the time to ban and the messages sent by kind.
 *
 * Devnet only, on a deployer that writes node configs into the run directory (local, compose): the peer
 * needs the victim's chain id and P2P port. The defense switch: LOADNET_DEFENSES=off:peer-ban.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeConfig } from '../node/config.js';
import { devnetApi } from '../adapters/devnet/client.js';
import { deriveKeyPair } from '../adapters/devnet/wire/keys.js';
import { LoadnetError } from '../errors.js';
import { adversaryBounds, floodingPeerCheck, type FloodingPeerObserved, type FloodingPeerOptions } from '../expectations/adversary.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { Expectation, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import type { FloodMessageKind, FloodingPeerWorkloadSpec, ScenarioSpec } from '../scenario/spec.js';
import { ByteWriter, type Hex } from '../util/bytes.js';
import { sha256 } from '../util/hash.js';
import { nowMs, sleep } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { DevnetPeer } from './devnet-peer.js';
import { TxCrafter } from './tx-fuzz-cases.js';

const ALL_KINDS: readonly FloodMessageKind[] = ['stale-block', 'duplicate-block', 'duplicate-tx', 'invalid-tx', 'da-share'];
const TICK_MS = 50;
const SCORE_POLL_MS = 250;

/** One reading of the victim's score for the flooder. */
export interface ScorePoint {
  /** Milliseconds since the flood's first message. */
  t: number;
  score: number;
}

/** The flood's record (fields in FloodingPeerObserved, as floodingPeerCheck reads them). */
export interface FloodingPeerReport extends FloodingPeerObserved {
  sent: Partial<Record<FloodMessageKind, number>>;
  scores: ScorePoint[];
}

/** The devnet's throttle threshold (src/node/p2p/peer-score.ts DEFAULT_LIMITS.throttleBelow), for the report. */
const THROTTLE_BELOW = -50;

/** A DA share store message (kind 1 | blobId 32 | index u16 | total u16 | size u32 | data) for a blob nobody dispersed. */
function unsolicitedShare(n: number, salt: string): Uint8Array {
  const data = sha256(new TextEncoder().encode(`loadnet/flooder/share/${salt}/${n}`));
  return new ByteWriter(41 + data.length).u8(1).bytes(sha256(data)).u16(0).u16(1).u32(data.length).bytes(data).finish();
}

export class FloodingPeerWorkload implements Workload {
  readonly name: string;
  private readonly expectation: FloodedPeerBanned;
  private metrics?: RunMetrics;
  report?: FloodingPeerReport;
  /** Every invalid transaction gossiped (a bad signature each, and the unfunded duplicate), by id: never to be in a block. */
  private readonly invalidTxs = new Map<Hex, string>();

  constructor(readonly spec: FloodingPeerWorkloadSpec) {
    this.name = `flooding-peer:${spec.target}`;
    this.expectation = new FloodedPeerBanned(this);
  }

  init(metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.metrics = metrics;
    if ((scenario.chain?.type ?? 'devnet') !== 'devnet') {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `flooding-peer is not supported on chain '${scenario.chain?.type}': loadnet speaks only the devnet's P2P protocol (framed TCP)`, { issues: [{ field: 'flooding-peer', value: scenario.chain?.type, allowed: "the devnet chain (the only P2P protocol loadnet speaks; not libp2p or devp2p)" }] });
    }
  }

  expectations(): Expectation[] {
    return [this.expectation];
  }

  /** The block interval the default bound on the victim's chain growth is derived from. */
  meanBlockIntervalMs(): number {
    return this.metrics?.meanBlockIntervalMs ?? 1000;
  }

  /** SendsInvalidTxs (node-health watches blocks for them). */
  invalidTxKind(id: Hex): string | undefined {
    return this.invalidTxs.get(id);
  }

  get invalidTxCount(): number {
    return this.invalidTxs.size;
  }

  /** The victim's chain id and P2P port, from the config the deployer wrote. */
  private victimAddress(ctx: RunContext): { chainId: string; host: string; port: number } {
    const file = join(ctx.runDir, 'nodes', this.spec.target, 'config.json');
    let config: NodeConfig;
    try {
      config = JSON.parse(readFileSync(file, 'utf8')) as NodeConfig;
    } catch (e) {
      throw new LoadnetError('LN_ERR_WORKLOAD', `flooding-peer: cannot read ${file} (${(e as Error).message}): the peer needs the victim's chain id and P2P port`, { hint: 'run it on a deployer that writes node configs (local, compose); attach is not supported' });
    }
    const descriptor = ctx.node(this.spec.target).descriptor;
    const published = descriptor.p2pAddress ?? { host: new URL(descriptor.apiUrl).hostname, port: config.p2p.port };
    return { chainId: config.genesis.chainId, ...published };
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const node = ctx.node(this.spec.target);
    const startAt = ctx.window.startMs + this.spec.startAfterMs;
    if (nowMs() < startAt) await sleep(startAt - nowMs(), signal).catch(() => undefined);
    if (signal.aborted) return;
    const endAt = Math.min(ctx.window.endMs, this.spec.durationMs === undefined ? Infinity : startAt + this.spec.durationMs);
    const api = devnetApi(node.client, 'flooding-peer');
    const height = async () => (await api.info().catch(() => ({ height: -1 }))).height;
    const address = this.victimAddress(ctx);
    const identity = deriveKeyPair(ctx.scenario.seed, 'flooding-peer', 0).key;
    const peer = await DevnetPeer.connect({ ...address, identity, name: 'loadnet-flooder' }).catch((e: Error) => {
      throw new LoadnetError('LN_ERR_WORKLOAD', `flooding-peer: cannot join ${this.spec.target} at its P2P address ${address.host}:${address.port} (${e.message})`, { hint: 'the peer runs on this machine: the deployer must make the P2P port reachable from here (the local and compose deployers do)' });
    });
    const peerId = peer.peerId;
    const report: FloodingPeerReport = {
      target: this.spec.target, peerId, rate: this.spec.rate, sent: {}, floodMs: 0, timeToBanMs: null, disconnectReason: null, reconnectRefused: null,
      minScore: null, throttledAtMs: null, scores: [], queuePeakBytes: null, heightBefore: await height(), heightAfter: -1, observedMs: 0, propagation: { samples: 0, p50Ms: null, p99Ms: null },
    };
    this.report = report;
    // Material: old blocks (stale once the victim's LIB passed them), one unfunded transfer, a crafter for bad signatures.
    const old = await peer.requestBlocks({ fromHeight: 1, toHeight: 64, max: 64 }).catch(() => [] as Uint8Array[]);
    const crafter = new TxCrafter(identity, seededRandom(ctx.scenario.seed), `flooder/${ctx.scenario.seed}`, 0);
    const unfunded = crafter.insufficientFunds();
    const dupTx = unfunded.bytes;
    this.invalidTxs.set(unfunded.id!, 'duplicate-tx (insufficient_funds)');
    const kinds = this.spec.messages.length > 0 ? this.spec.messages : ALL_KINDS;
    const lags = this.watchPropagation(ctx);
    const t0 = nowMs();
    let disconnectedAt: number | null = null;
    void peer.closed.then((reason) => {
      disconnectedAt = nowMs();
      report.disconnectReason = reason;
    });
    const scoreLoop = this.watchScore(ctx, peerId, t0, () => disconnectedAt !== null || nowMs() >= endAt || signal.aborted);
    let n = 0;
    const send: Record<FloodMessageKind, () => boolean> = {
      'stale-block': () => (old.length > 0 ? peer.sendBlock(old[n % old.length]!) : false),
      'duplicate-block': () => {
        const b = peer.blocksSeen.at(-1) ?? old.at(-1);
        return b ? peer.sendBlock(b) : false;
      },
      'duplicate-tx': () => peer.sendTxs([dupTx]),
      'invalid-tx': () => {
        const tx = crafter.badSignature();
        this.invalidTxs.set(tx.id!, 'invalid-tx (bad_signature)');
        return peer.sendTxs([tx.bytes]);
      },
      'da-share': () => peer.sendShare(unsolicitedShare(n, peerId)),
    };
    const perTick = (this.spec.rate * TICK_MS) / 1000;
    let due = 0;
    while (disconnectedAt === null && nowMs() < endAt && !signal.aborted) {
      due += perTick;
      while (due >= 1 && peer.connected) {
        const kind = kinds[n % kinds.length]!;
        if (send[kind]()) report.sent[kind] = (report.sent[kind] ?? 0) + 1;
        n++;
        due--;
      }
      await sleep(TICK_MS, signal).catch(() => undefined);
    }
    report.floodMs = Math.round(nowMs() - t0);
    peer.close();
    if (disconnectedAt !== null) {
      report.timeToBanMs = Math.round(disconnectedAt - t0);
      report.reconnectRefused = await DevnetPeer.connect({ ...address, identity, name: 'loadnet-flooder' }).then(
        (again) => {
          again.close();
          return null;
        },
        (e: Error) => e.message,
      );
    }
    await scoreLoop;
    // Liveness over the flood's planned span (a banned flooder stops early; the chain must go on regardless).
    if (nowMs() < endAt) await sleep(endAt - nowMs(), signal).catch(() => undefined);
    report.heightAfter = await height();
    report.observedMs = Math.round(nowMs() - t0);
    report.propagation = lags.stop();
  }

  /** Read the victim's score for the flooder (p2p_peer_score) until `done`. */
  private async watchScore(ctx: RunContext, peerId: string, t0: number, done: () => boolean): Promise<void> {
    const client = ctx.node(this.spec.target).client;
    const label = `peer="${peerId.slice(0, 16)}"`;
    const report = this.report!;
    for (;;) {
      const text = await client.metricsText?.().catch(() => '');
      const lines = text?.split('\n') ?? [];
      const queue = lines.find((l) => l.startsWith('p2p_outbound_queue_bytes_max'));
      if (queue) report.queuePeakBytes = Math.max(report.queuePeakBytes ?? 0, Number(queue.slice(queue.lastIndexOf(' ') + 1)));
      const line = lines.find((l) => l.startsWith('p2p_peer_score{') && l.includes(label));
      if (line) {
        const score = Number(line.slice(line.lastIndexOf(' ') + 1));
        const t = Math.round(nowMs() - t0);
        report.scores.push({ t, score });
        report.minScore = Math.min(report.minScore ?? 0, score);
        if (report.throttledAtMs === null && score < THROTTLE_BELOW) report.throttledAtMs = t;
      }
      if (done()) return;
      await sleep(SCORE_POLL_MS);
    }
  }

  /** The victim's tip lag behind each block's first sighting (the feed's tip reports), until stop(). */
  private watchPropagation(ctx: RunContext): { stop(): FloodingPeerReport['propagation'] } {
    const lags: number[] = [];
    const counted = new Set<string>();
    const unsubscribe = ctx.blockFeed.subscribe({
      onTip: (tip) => {
        if (tip.node !== this.spec.target || !tip.up || counted.has(tip.tip)) return;
        counted.add(tip.tip);
        const b = ctx.blockFeed.block(tip.tip);
        if (b && b.firstSeenOn !== this.spec.target) lags.push(Math.max(0, tip.at - Math.min(b.firstSeenAt, b.timestamp)));
      },
    });
    return {
      stop() {
        unsubscribe();
        const sorted = [...lags].sort((a, b) => a - b);
        const at = (q: number) => (sorted.length > 0 ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!) : null);
        return { samples: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99) };
      },
    };
  }
}

/** The flooding peer's verdict (floodingPeerCheck): banned in time (and kept out), the score seen falling, the victim live and in step. */
export class FloodedPeerBanned extends RecordedExpectation<FloodingPeerOptions> {
  readonly name: string;

  constructor(private readonly workload: FloodingPeerWorkload) {
    super(floodingPeerCheck, floodingPeerCheck.options(adversaryBounds(workload.spec)!.options));
    this.name = `flooding-peer:${workload.spec.target}`;
  }

  /** The flood's report (also the run's `floodingPeer` section) and the block interval its default growth bound comes from. */
  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    const r = this.workload.report;
    if (r) ctx.summary.set('floodingPeer', r);
    return { report: r ?? null, meanBlockIntervalMs: this.workload.meanBlockIntervalMs() };
  }
}
