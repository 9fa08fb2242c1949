/**
 * ApiFlooder: floods one devnet node's HTTP API at a fixed request rate (open loop: requests are sent on
 * schedule whether or not earlier ones were answered, up to an in-flight cap; what the cap holds back is
 * counted as shed, never silently dropped), steady or in bursts, with a seeded mix of valid requests (chain
 * info, mempool metrics, block pages, accounts, health) and invalid ones (unknown paths, bad JSON, bad batch
 * frames, bad account ids, and batches of transactions with fresh invalid signatures, the one a node must pay
 * CPU for). Every answer is classified (2xx, 4xx, 429, 5xx, timeout, connection error).
 *
 * ControlClient: one client on its own source address asking GET /cryptarchia/info at a steady pace, whose
 * latency is what a well-behaved user sees during the flood.
 *
 * undici (already the node client's HTTP library) for keep-alive pools with pipelining: one process reaches
 * ≥ 10,000 requests/s on loopback (bench/RESULTS.md).
 */
import { randomFillSync } from 'node:crypto';
import { Pool, type Dispatcher } from 'undici';
import { Paths } from '../adapters/devnet/wire/api.js';
import { encodeTxBatch, encodeTxBody } from '../adapters/devnet/wire/tx.js';
import { toHex } from '../util/bytes.js';
import { nowMs, sleep } from '../util/clock.js';
import { seededRandom } from '../util/random.js';
import { newHistogram, percentiles, recordMs, type Percentiles } from '../load/histogram.js';

export type FloodPattern = { kind: 'steady' } | { kind: 'burst'; onMs: number; offMs: number };

export const FLOOD_REQUESTS = ['info', 'mempool-metrics', 'blocks', 'health', 'account', 'not-found', 'bad-json', 'bad-frame', 'bad-account', 'bad-signatures'] as const;
export type FloodRequestKind = (typeof FLOOD_REQUESTS)[number];
const VALID: readonly FloodRequestKind[] = ['info', 'mempool-metrics', 'blocks', 'health', 'account'];
const INVALID: readonly FloodRequestKind[] = ['not-found', 'bad-json', 'bad-frame', 'bad-account', 'bad-signatures'];

/** Transactions per bad-signature batch. */
const BAD_BATCH = 64;

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
}

export interface FloodStats {
  sent: number;
  /** Held back by the in-flight cap (connections × pipelining × 4): the generator's shortfall, not the node's. */
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

function isTimeout(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/** One valid transfer body, its signature replaced by noise per copy: every copy costs the node a verification. */
function badSignatureBatch(random: () => number): Uint8Array {
  const from = new Uint8Array(32);
  randomFillSync(from);
  const txs: Uint8Array[] = [];
  for (let i = 0; i < BAD_BATCH; i++) {
    const body = encodeTxBody({ from: toHex(from), nonce: Math.floor(random() * 1e9), fee: 1, ops: [{ kind: 'transfer', to: toHex(from), amount: 1 }] });
    const tx = new Uint8Array(body.length + 64);
    tx.set(body, 0);
    randomFillSync(tx, body.length, 64);
    txs.push(tx);
  }
  return encodeTxBatch(txs);
}

export class ApiFlooder {
  private readonly stats: FloodStats = { sent: 0, shed: 0, s2xx: 0, s4xx: 0, s429: 0, s5xx: 0, timeouts: 0, errors: 0, errorKinds: {}, byKind: {}, onMs: 0, sentPerSec: 0, answeredPerSec: 0 };
  private inflight = 0;
  private closing = false;

  constructor(private readonly o: FloodOptions) {}

  /** Figures so far (final after run() resolves). */
  figures(): FloodStats {
    return { ...this.stats, byKind: { ...this.stats.byKind }, errorKinds: { ...this.stats.errorKinds } };
  }

  private request(kind: FloodRequestKind, random: () => number): { method: 'GET' | 'POST'; path: string; body?: string | Uint8Array; contentType?: string } {
    switch (kind) {
      case 'info': return { method: 'GET', path: Paths.info };
      case 'mempool-metrics': return { method: 'GET', path: Paths.mempoolMetrics };
      case 'blocks': return { method: 'GET', path: `${Paths.blocksByHeight}?from=1&to=50` };
      case 'health': return { method: 'GET', path: Paths.health };
      case 'account': return { method: 'GET', path: Paths.account + '0'.repeat(64) };
      case 'not-found': return { method: 'GET', path: `/no/such/${Math.floor(random() * 1e6)}` };
      case 'bad-json': return { method: 'POST', path: Paths.addTx, body: '{"from": ', contentType: 'application/json' };
      case 'bad-frame': return { method: 'POST', path: Paths.addTxs, body: new Uint8Array([9, 0, 0]), contentType: 'application/octet-stream' };
      case 'bad-account': return { method: 'GET', path: Paths.account + 'zz' };
      case 'bad-signatures': return { method: 'POST', path: Paths.addTxs, body: badSignatureBatch(random), contentType: 'application/octet-stream' };
    }
  }

  private fire(pool: Pool, kind: FloodRequestKind, random: () => number): void {
    const r = this.request(kind, random);
    const s = this.stats;
    s.sent++;
    s.byKind[kind] = (s.byKind[kind] ?? 0) + 1;
    this.inflight++;
    let status = 0;
    let settled = false;
    const done = (fail?: unknown) => {
      if (settled) return;
      settled = true;
      this.inflight--;
      if (fail !== undefined) {
        // Still unanswered when the flood closed its pool (past its timeout plus a second): a timeout.
        if (isTimeout(fail) || this.closing) s.timeouts++;
        else {
          s.errors++;
          const what = `${(fail as { code?: string }).code ?? ''} ${(fail as Error).message ?? fail}`.trim().slice(0, 120);
          if (s.errorKinds[what] !== undefined || Object.keys(s.errorKinds).length < 8) s.errorKinds[what] = (s.errorKinds[what] ?? 0) + 1;
        }
      } else if (status === 429) s.s429++;
      else if (status >= 500) s.s5xx++;
      else if (status >= 400) s.s4xx++;
      else s.s2xx++;
    };
    // dispatch with a bare handler: no promise or body stream per request (undici's fast path).
    pool.dispatch(
      { method: r.method, path: r.path, body: r.body, headers: r.contentType ? { 'content-type': r.contentType } : undefined, headersTimeout: this.o.timeoutMs, bodyTimeout: this.o.timeoutMs },
      {
        onConnect: () => undefined,
        onHeaders: (statusCode: number) => {
          status = statusCode;
          return true;
        },
        onData: () => true,
        onComplete: () => done(),
        onError: (e: Error) => done(e),
      } as unknown as Dispatcher.DispatchHandler,
    );
  }

  /** Flood for durationMs (or until the signal); resolves with the figures once every request settled. */
  async run(): Promise<FloodStats> {
    const o = this.o;
    const random = seededRandom(o.seed >>> 0);
    const pool = new Pool(o.url, {
      connections: o.connections,
      pipelining: o.pipelining,
      keepAliveTimeout: 10_000,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    });
    const maxInflight = o.connections * o.pipelining * 4;
    const kinds = o.requests && o.requests.length > 0 ? o.requests : FLOOD_REQUESTS;
    const validKinds = VALID.filter((k) => kinds.includes(k));
    const invalidKinds = INVALID.filter((k) => kinds.includes(k));
    const start = nowMs();
    const end = start + o.durationMs;
    let last = start;
    let due = 0;
    try {
      while (nowMs() < end && !o.signal?.aborted) {
        const now = nowMs();
        const on = o.pattern.kind === 'steady' || (now - start) % (o.pattern.onMs + o.pattern.offMs) < o.pattern.onMs;
        if (on) {
          this.stats.onMs += now - last;
          due += (o.rate * (now - last)) / 1000;
        }
        last = now;
        for (; due >= 1 && this.inflight < maxInflight; due--) {
          const invalid = invalidKinds.length > 0 && (validKinds.length === 0 || random() < o.invalidShare);
          const list = invalid ? invalidKinds : validKinds;
          this.fire(pool, list[Math.floor(random() * list.length)]!, random);
        }
        if (due >= 1) {
          this.stats.shed += Math.floor(due);
          due -= Math.floor(due);
        }
        await sleep(1);
      }
      const settleBy = nowMs() + o.timeoutMs + 1000;
      while (this.inflight > 0 && nowMs() < settleBy) await sleep(20);
    } finally {
      this.closing = true;
      await pool.destroy().catch(() => undefined);
    }
    const s = this.stats;
    const seconds = Math.max(s.onMs, 1) / 1000;
    s.sentPerSec = Math.round(s.sent / seconds);
    s.answeredPerSec = Math.round((s.s2xx + s.s4xx + s.s429 + s.s5xx) / seconds);
    return this.figures();
  }
}

export interface ControlFigures {
  requests: number;
  ok: number;
  /** Not 2xx, timed out or failed. */
  failed: number;
  latency: Percentiles;
}

/** A well-behaved client: GET /cryptarchia/info every intervalMs, one at a time, from its own address. */
export class ControlClient {
  private readonly histogram = newHistogram(32);
  private requests = 0;
  private ok = 0;
  private failed = 0;
  private readonly pool: Pool;

  constructor(url: string, private readonly intervalMs = 50, private readonly timeoutMs = 5000, localAddress?: string) {
    this.pool = new Pool(url, { connections: 1, keepAliveTimeout: 10_000, ...(localAddress ? { localAddress } : {}) });
  }

  /** Ask until the signal or until `untilMs`; a failure counts with the time it took (a timeout as timeoutMs). */
  async run(untilMs: number, signal?: AbortSignal): Promise<ControlFigures> {
    try {
      while (nowMs() < untilMs && !signal?.aborted) {
        const t0 = performance.now();
        this.requests++;
        try {
          const res = await this.pool.request({ method: 'GET', path: Paths.info, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
          await res.body.dump();
          if (res.statusCode >= 200 && res.statusCode < 300) this.ok++;
          else this.failed++;
        } catch {
          this.failed++;
        }
        const ms = performance.now() - t0;
        recordMs(this.histogram, ms);
        await sleep(Math.max(0, this.intervalMs - ms));
      }
    } finally {
      await this.pool.destroy().catch(() => undefined);
    }
    return { requests: this.requests, ok: this.ok, failed: this.failed, latency: percentiles(this.histogram) };
  }
}
