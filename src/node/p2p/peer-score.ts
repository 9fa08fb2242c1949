/**
 * Per-peer admission: a token bucket on inbound messages and a score that penalties lower and time
 * restores. Below `throttleBelow` the bucket refills at a tenth of the rate; below `disconnectBelow` the
 * network disconnects and bans the peer.
 */
export interface PeerLimits {
  /** Inbound message tokens per second (a transaction costs 1, see MESSAGE_COST). */
  ratePerSec: number;
  burst: number;
  /** Score is 0 for a well-behaved peer; penalties subtract. */
  throttleBelow: number;
  disconnectBelow: number;
  /** Points restored per second, up to 0. */
  recoverPerSec: number;
  banMs: number;
  /** Score lost per message dropped by the rate limit. */
  throttledPenalty: number;
  /**
   * At most this much of the rate-limit penalty per second: a short burst (an honest peer's backlog after a
   * pause) only throttles, a sustained flood still gets the peer disconnected (at the defaults after ~12 s).
   */
  maxThrottledPenaltyPerSec: number;
  /** Score lost per message a peer repeats on the same connection. */
  duplicatePenalty: number;
  /** Score lost per undecodable frame or unknown message type. */
  malformedPenalty: number;
}

export const DEFAULT_LIMITS: PeerLimits = {
  // A node must carry >= 2,000 tx/s; honest full-mesh relaying stays far below this per peer.
  ratePerSec: 50_000,
  burst: 100_000,
  throttleBelow: -50,
  disconnectBelow: -100,
  recoverPerSec: 2,
  banMs: 60_000,
  throttledPenalty: 0.01,
  maxThrottledPenaltyPerSec: 10,
  duplicatePenalty: 0.5,
  malformedPenalty: 25,
};

/** Token cost of one inbound message by kind: blocks and requests make the node work harder. */
export const MESSAGE_COST = { tx: 1, block: 20, blockReq: 20, share: 5, control: 1 } as const;

export class PeerScore {
  private tokens: number;
  private score = 0;
  private last: number;
  private budgetSecond = -1;
  private budget = 0;

  constructor(
    private readonly limits: PeerLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limits.burst;
    this.last = now();
  }

  private refresh(): void {
    const t = this.now();
    const dt = (t - this.last) / 1000;
    if (dt <= 0) return;
    this.last = t;
    const rate = this.throttled ? this.limits.ratePerSec / 10 : this.limits.ratePerSec;
    this.tokens = Math.min(this.limits.burst, this.tokens + dt * rate);
    this.score = Math.min(0, this.score + dt * this.limits.recoverPerSec);
  }

  /** Take tokens for an inbound message; false = over the limit (drop it; the caller penalizes). */
  admit(cost: number): boolean {
    this.refresh();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  penalize(points: number): void {
    this.refresh();
    this.score -= Math.max(0, points);
  }

  /** The rate-limit penalty, within this second's budget. */
  penalizeThrottled(): void {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.budgetSecond) {
      this.budgetSecond = second;
      this.budget = this.limits.maxThrottledPenaltyPerSec;
    }
    const p = Math.min(this.budget, this.limits.throttledPenalty);
    if (p <= 0) return;
    this.budget -= p;
    this.penalize(p);
  }

  get value(): number {
    this.refresh();
    return this.score;
  }

  get throttled(): boolean {
    return this.score < this.limits.throttleBelow;
  }

  get shouldDisconnect(): boolean {
    return this.score < this.limits.disconnectBelow;
  }
}

/** A plain token bucket (per-message-type limits: PEERS, pings, block requests). rate 0 = unlimited. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(cost = 1): boolean {
    if (this.rate <= 0) return true;
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
