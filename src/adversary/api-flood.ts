/**
 * ApiFlooder: floods one devnet node's HTTP API at a fixed request rate (open loop: requests are sent on
 * schedule whether or not earlier ones were answered, up to an in-flight cap; what the cap holds back is
 * counted as shed, never silently dropped), steady or in bursts, with a seeded mix of valid requests (chain
 * info, mempool metrics, block pages, accounts, health) and invalid ones (unknown paths, bad JSON, bad batch
 * frames, bad account ids, and batches of transactions with fresh invalid signatures, the one a node must pay
 * CPU for). Every answer is classified (2xx, 4xx, 429, 5xx, timeout, connection error).
 *
 * ControlClient: one client on its own source address asking GET /cryptarchia/info at a steady pace and, when
 * given transfers to send, submitting a batch of them now and then (POST /mempool/add/txs: the node checks
 * a batch's signatures in its worker pool, the queue a flood of forged signatures fills); its latency is what a
 * well-behaved user sees during the flood.
 *
 * The flood's requests are serialized once and pipelined on raw keep-alive sockets (http-pipeline.ts), answers
 * counted from their status lines: about half the CPU per request of undici's dispatch, which the control
 * client still uses (bench/api-flood-bare.ts measures both side by side).
 */
import { randomFillSync } from 'node:crypto';
import { Pool } from 'undici';
import { Paths } from '../adapters/devnet/wire/api.js';
import { encodeTxBatch, encodeTxBody, txIdOfMessage, txMessage } from '../adapters/devnet/wire/tx.js';
import { PipelinedConnection, serializeRequest } from './http-pipeline.js';
import { toHex, type Hex } from '../util/bytes.js';
import { nowMs, sleep } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { newHistogram, percentiles, recordMs, type Percentiles } from '../load/histogram.js';

export type FloodPattern = { kind: 'steady' } | { kind: 'burst'; onMs: number; offMs: number };

export const FLOOD_REQUESTS = ['info', 'mempool-metrics', 'blocks', 'health', 'account', 'not-found', 'bad-json', 'bad-frame', 'bad-account', 'bad-signatures'] as const;
export type FloodRequestKind = (typeof FLOOD_REQUESTS)[number];
const VALID: readonly FloodRequestKind[] = ['info', 'mempool-metrics', 'blocks', 'health', 'account'];
const INVALID: readonly FloodRequestKind[] = ['not-found', 'bad-json', 'bad-frame', 'bad-account', 'bad-signatures'];

/** Transactions per bad-signature batch, by default. */
export const FORGED_BATCH = 64;

export interface FloodOptions {
  /** The node's API base URL. */
  url: string;
  /** Requests per second while the flood is on. */
  rate: number;
  durationMs: number;
  /** Fraction (0..1) of requests that are invalid. */
  invalidShare: number;
  pattern: FloodPattern;
  connections: number;
  pipelining: number;
  /** A request unanswered this long counts as a timeout. */
  timeoutMs: number;
  /** Source address (e.g. 127.0.0.3): on one machine a distinct loopback address is a distinct client. */
  localAddress?: string;
  seed: number;
  signal?: AbortSignal;
  /** The request kinds to draw from (default: all); invalidShare picks between the invalid and valid ones listed. */
  requests?: readonly FloodRequestKind[];
  /** Transactions per bad-signatures batch (default FORGED_BATCH). */
  forgedBatch?: number;
}

export interface FloodStats {
  sent: number;
  /** Held back by the in-flight cap (connections × pipelining) for longer than 250 ms, never sent. */
  shed: number;
  s2xx: number;
  s4xx: number;
  s429: number;
  s5xx: number;
  timeouts: number;
  errors: number;
  /** Connection errors by message (the first few kinds). */
  errorKinds: Record<string, number>;
  /** Requests sent per kind. */
  byKind: Record<string, number>;
  /** Milliseconds the flood was on (bursts: only the on phases). */
  onMs: number;
  /** Sent per second while on. */
  sentPerSec: number;
  /** Answered (any status) per second while on. */
  answeredPerSec: number;
}

/** Why a connection's pending requests were counted as timeouts. */
class FloodTimeout extends Error {}

/** Distinct unknown paths cycled through (pre-serialized). */
const NOT_FOUND_VARIANTS = 64;
/**
 * How long requests held back by the in-flight cap stay due: a flooder (or node) descheduled for a moment
 * catches up when it runs again, instead of shedding what fell due while its answers sat unread.
 */
const BACKLOG_MS = 250;
/** Requests in the drawn mix before it repeats. */
const MIX_CYCLE = 8192;

/** Bytes of each forged signature renewed per copy: enough to make it one the node has not seen. */
const SIG_NOISE = 8;

/**
 * A batch of `size` transfers whose signatures are noise, renewed per copy (every copy costs the node a
 * verification: a node remembers signatures it found invalid): the frame, bodies and noise signatures are built
 * once, and a copy is the serialized request with the first SIG_NOISE bytes of each signature overwritten.
 */
class BadSignatureBatches {
  private readonly template: Buffer;
  private readonly sigAt: number[] = [];
  private readonly noise: Buffer;
  /** The transactions' ids: a devnet id hashes the body only, so every copy carries these same ids. */
  readonly ids: Hex[] = [];

  constructor(host: string, random: () => number, size: number) {
    this.noise = Buffer.alloc(SIG_NOISE * size);
    const from = new Uint8Array(32);
    randomFillSync(from);
    const txs: Uint8Array[] = [];
    for (let i = 0; i < size; i++) {
      const body = encodeTxBody({ from: toHex(from), nonce: Math.floor(random() * 1e9), fee: 1, ops: [{ kind: 'transfer', to: toHex(from), amount: 1 }] });
      const tx = new Uint8Array(body.length + 64);
      tx.set(body, 0);
      randomFillSync(tx.subarray(body.length));
      txs.push(tx);
      this.ids.push(txIdOfMessage(txMessage(body)));
    }
    const batch = encodeTxBatch(txs);
    this.template = serializeRequest('POST', Paths.addTxs, host, batch, 'application/octet-stream');
    // The batch is the request's tail: frame (4) then per transaction its length (4), body, signature (64).
    let at = this.template.length - batch.length + 4;
    for (const tx of txs) {
      at += 4 + tx.length;
      this.sigAt.push(at - 64);
    }
  }

  next(): Buffer {
    const copy = Buffer.allocUnsafe(this.template.length);
    this.template.copy(copy);
    randomFillSync(this.noise);
    const noise = this.noise;
    for (let i = 0, n = 0; i < this.sigAt.length; i++) {
      const at = this.sigAt[i]!;
      for (let b = 0; b < SIG_NOISE; b++) copy[at + b] = noise[n++]!;
    }
    return copy;
  }
}

export class ApiFlooder {
  private readonly stats: FloodStats = { sent: 0, shed: 0, s2xx: 0, s4xx: 0, s429: 0, s5xx: 0, timeouts: 0, errors: 0, errorKinds: {}, byKind: {}, onMs: 0, sentPerSec: 0, answeredPerSec: 0 };
  private closing = false;
  /** The forged-signature transactions' ids (known once run() starts): never to be in a block. */
  readonly forgedTxIds = new Set<Hex>();

  constructor(private readonly o: FloodOptions) {}

  /** Figures so far (final after run() resolves). */
  figures(): FloodStats {
    return { ...this.stats, byKind: { ...this.stats.byKind }, errorKinds: { ...this.stats.errorKinds } };
  }

  private answer = (status: number): void => {
    const s = this.stats;
    if (status === 429) s.s429++;
    else if (status >= 500) s.s5xx++;
    else if (status >= 400) s.s4xx++;
    else s.s2xx++;
  };

  private lost = (unanswered: number, error: Error | null): void => {
    if (unanswered === 0) return;
    const s = this.stats;
    // Still unanswered when the flood closed (past its timeout plus a second): timeouts too.
    if (error instanceof FloodTimeout || this.closing) {
      s.timeouts += unanswered;
      return;
    }
    s.errors += unanswered;
    const what = (error ? `${(error as { code?: string }).code ?? ''} ${error.message}` : 'connection closed by the node with requests unanswered').trim().slice(0, 120);
    if (s.errorKinds[what] !== undefined || Object.keys(s.errorKinds).length < 8) s.errorKinds[what] = (s.errorKinds[what] ?? 0) + unanswered;
  };

  /** Flood for durationMs (or until the signal); resolves with the figures once every request settled. */
  async run(): Promise<FloodStats> {
    const o = this.o;
    const random = seededRandom(o.seed >>> 0);
    const url = new URL(o.url);
    const host = url.hostname;
    const port = Number(url.port || 80);
    const hostHeader = url.host;
    const fixed = new Map<FloodRequestKind, Buffer>([
      ['info', serializeRequest('GET', Paths.info, hostHeader)],
      ['mempool-metrics', serializeRequest('GET', Paths.mempoolMetrics, hostHeader)],
      ['blocks', serializeRequest('GET', `${Paths.blocksByHeight}?from=1&to=50`, hostHeader)],
      ['health', serializeRequest('GET', Paths.health, hostHeader)],
      ['account', serializeRequest('GET', Paths.account + '0'.repeat(64), hostHeader)],
      ['bad-json', serializeRequest('POST', Paths.addTx, hostHeader, '{"from": ', 'application/json')],
      ['bad-frame', serializeRequest('POST', Paths.addTxs, hostHeader, new Uint8Array([9, 0, 0]), 'application/octet-stream')],
      ['bad-account', serializeRequest('GET', Paths.account + 'zz', hostHeader)],
    ]);
    const notFound = Array.from({ length: NOT_FOUND_VARIANTS }, () => serializeRequest('GET', `/no/such/${Math.floor(random() * 1e6)}`, hostHeader));
    const kinds = o.requests && o.requests.length > 0 ? o.requests : FLOOD_REQUESTS;
    const badSignatures = kinds.includes('bad-signatures') ? new BadSignatureBatches(hostHeader, random, o.forgedBatch ?? FORGED_BATCH) : null;
    for (const id of badSignatures?.ids ?? []) this.forgedTxIds.add(id);
    const validKinds = VALID.filter((k) => kinds.includes(k));
    const invalidKinds = INVALID.filter((k) => kinds.includes(k));
    // The mix is drawn once, seeded, as a cycle of kind indexes (FLOOD_REQUESTS order): per request the
    // flooder then reads the next index and bumps its count, instead of drawing random numbers.
    const mix = new Uint8Array(MIX_CYCLE);
    for (let i = 0; i < MIX_CYCLE; i++) {
      const invalid = invalidKinds.length > 0 && (validKinds.length === 0 || random() < o.invalidShare);
      const list = invalid ? invalidKinds : validKinds;
      mix[i] = FLOOD_REQUESTS.indexOf(list[Math.floor(random() * list.length)]!);
    }
    const fixedBytes = FLOOD_REQUESTS.map((k) => fixed.get(k) ?? null);
    const NOT_FOUND = FLOOD_REQUESTS.indexOf('not-found');
    const BAD_SIGNATURES = FLOOD_REQUESTS.indexOf('bad-signatures');
    const open = () => new PipelinedConnection(port, host, { answer: this.answer, lost: this.lost }, o.localAddress);
    const conns = Array.from({ length: o.connections }, open);
    const depth = o.pipelining;
    const byKind = new Array<number>(FLOOD_REQUESTS.length).fill(0);
    let at = 0;
    const s = this.stats;
    const start = nowMs();
    const end = start + o.durationMs;
    let last = start;
    let due = 0;
    let next = 0;
    try {
      while (nowMs() < end && !o.signal?.aborted) {
        const now = nowMs();
        const on = o.pattern.kind === 'steady' || (now - start) % (o.pattern.onMs + o.pattern.offMs) < o.pattern.onMs;
        if (on) {
          s.onMs += now - last;
          due += (o.rate * (now - last)) / 1000;
        }
        last = now;
        for (let i = 0; i < conns.length; i++) {
          const c = conns[i]!;
          if (c.alive && now - c.oldestSentAt() > o.timeoutMs) c.destroy(new FloodTimeout(`unanswered after ${o.timeoutMs} ms`));
          if (!c.alive) conns[i] = open();
        }
        // Round robin over the connections, each topped up to its pipelining depth, one write per connection.
        for (let tries = 0; due >= 1 && tries < conns.length; tries++) {
          const c = conns[next]!;
          next = (next + 1) % conns.length;
          const n = Math.min(Math.floor(due), depth - c.inflight);
          if (n <= 0) continue;
          const batch: Buffer[] = new Array<Buffer>(n);
          for (let j = 0; j < n; j++) {
            const k = mix[at]!;
            at = (at + 1) % MIX_CYCLE;
            byKind[k]!++;
            batch[j] = k === NOT_FOUND ? notFound[at % NOT_FOUND_VARIANTS]! : k === BAD_SIGNATURES ? badSignatures!.next() : fixedBytes[k]!;
          }
          c.send(batch, now);
          s.sent += n;
          due -= n;
        }
        // What the cap held back waits up to BACKLOG_MS for room (answers of a stalled moment are read
        // between ticks); older than that it is shed.
        const keep = (o.rate * BACKLOG_MS) / 1000;
        if (due > keep) {
          s.shed += Math.floor(due - keep);
          due -= Math.floor(due - keep);
        }
        await sleep(1);
      }
      s.shed += Math.floor(due);
      const settleBy = nowMs() + o.timeoutMs + 1000;
      while (conns.some((c) => c.alive && c.inflight > 0) && nowMs() < settleBy) await sleep(20);
    } finally {
      this.closing = true;
      for (const c of conns) c.destroy();
    }
    byKind.forEach((n, k) => {
      if (n > 0) s.byKind[FLOOD_REQUESTS[k]!] = n;
    });
    const seconds = Math.max(s.onMs, 1) / 1000;
    s.sentPerSec = Math.round(s.sent / seconds);
    s.answeredPerSec = Math.round((s.s2xx + s.s4xx + s.s429 + s.s5xx) / seconds);
    return this.figures();
  }
}

/** The control client's transfer batches: how many were sent and answered, the transfers the node accepted, their own latency. */
export interface ControlSubmits {
  batches: number;
  /** Answered 2xx. */
  ok: number;
  /** Transfers sent, and answered 'ok' (admitted to the mempool). */
  transfers: number;
  accepted: number;
  latency: Percentiles;
}

export interface ControlFigures {
  /** Every control request (info reads and transfer batches). */
  requests: number;
  ok: number;
  /** Not 2xx, timed out or failed. */
  failed: number;
  /** Over every control request. */
  latency: Percentiles;
  /** The chain height in the control client's last answer (-1 if none): its route is not the flooder's, so it still reads the node when the flooder's address is refused. */
  lastHeight: number;
  /** Present when the client submitted transfers. */
  submits?: ControlSubmits;
}

/** Transfers the control client submits: a batch from next() (encoded, with its size) every intervalMs. */
export interface ControlTransfers {
  intervalMs: number;
  next(): { body: Uint8Array; count: number };
}

/**
 * A well-behaved client from its own address: GET /cryptarchia/info every intervalMs, one at a time, and beside
 * it, on a connection of its own, a batch of valid transfers every `transfers.intervalMs`, one at a time.
 */
export class ControlClient {
  private readonly histogram = newHistogram(32);
  private readonly submitHistogram = newHistogram(32);
  private requests = 0;
  private ok = 0;
  private failed = 0;
  private lastHeight = -1;
  private readonly submits = { batches: 0, ok: 0, transfers: 0, accepted: 0 };
  private readonly pool: Pool;
  private readonly submitPool: Pool;

  constructor(url: string, private readonly intervalMs = 50, private readonly timeoutMs = 5000, localAddress?: string, private readonly transfers?: ControlTransfers) {
    const options = { connections: 1, keepAliveTimeout: 10_000, ...(localAddress ? { localAddress } : {}) };
    this.pool = new Pool(url, options);
    this.submitPool = new Pool(url, options);
  }

  private async info(): Promise<boolean> {
    const res = await this.pool.request({ method: 'GET', path: Paths.info, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump();
      return false;
    }
    const { height } = (await res.body.json()) as { height?: unknown };
    if (typeof height === 'number') this.lastHeight = height;
    return true;
  }

  private async submit(batch: { body: Uint8Array; count: number }): Promise<boolean> {
    this.submits.batches++;
    this.submits.transfers += batch.count;
    const res = await this.submitPool.request({ method: 'POST', path: Paths.addTxs, body: batch.body, headers: { 'content-type': 'application/octet-stream' }, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      await res.body.dump();
      return false;
    }
    const { results } = (await res.body.json()) as { results?: unknown };
    if (Array.isArray(results)) this.submits.accepted += results.filter((r) => r === 'ok').length;
    this.submits.ok++;
    return true;
  }

  /** One request at a time every intervalMs until the signal or `untilMs`; a failure counts with the time it took (a timeout as timeoutMs). */
  private async loop(untilMs: number, intervalMs: number, request: () => Promise<boolean>, signal?: AbortSignal, also?: ReturnType<typeof newHistogram>): Promise<void> {
    while (nowMs() < untilMs && !signal?.aborted) {
      const t0 = performance.now();
      this.requests++;
      if (await request().catch(() => false)) this.ok++;
      else this.failed++;
      const ms = performance.now() - t0;
      recordMs(this.histogram, ms);
      if (also) recordMs(also, ms);
      await sleep(Math.max(0, intervalMs - ms));
    }
  }

  /** Ask (and submit) until the signal or until `untilMs`. */
  async run(untilMs: number, signal?: AbortSignal): Promise<ControlFigures> {
    const t = this.transfers;
    try {
      await Promise.all([this.loop(untilMs, this.intervalMs, () => this.info(), signal), t ? this.loop(untilMs, t.intervalMs, () => this.submit(t.next()), signal, this.submitHistogram) : null]);
    } finally {
      await Promise.all([this.pool.destroy().catch(() => undefined), this.submitPool.destroy().catch(() => undefined)]);
    }
    const figures: ControlFigures = { requests: this.requests, ok: this.ok, failed: this.failed, latency: percentiles(this.histogram), lastHeight: this.lastHeight };
    if (this.transfers) figures.submits = { ...this.submits, latency: percentiles(this.submitHistogram) };
    return figures;
  }
}
