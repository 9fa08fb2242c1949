/**
 * Fair-share load shedding for the node's API (defense `http-overload-shed`). The per-client budget
 * (http-server.ts ClientBudget) is a fixed rate, and the node's default is generous (20,000 requests/s) because
 * on one machine every legitimate client shares 127.0.0.1: at that budget one hostile client can still cost the
 * node more than it has, and every other client waits behind it (the forged API flood: control p99 3.9 s,
 * ~400 µs of node CPU per answer, bench/RESULTS.md 2026-12-04 00:23). The shed watches the node's own overload
 * (how late its event loop runs) and what each client address costs it per window (requests and what the
 * handlers charge for them: invalid signatures, block pages); while overloaded and more than one client is
 * active, a client costing more than its max-min fair share is held to a rate, halved (by water-filling) in
 * each window the overload lasts and raised again while the loop runs well under it, never below a floor; over
 * its rate it is answered 429 + Retry-After. A lone client is never held: a max-rate run's load all comes from one address.
 */

/** How long one window lasts: the shed decides once per window. */
export const SHED_WINDOW_MS = 250;
/** In an overloaded window, what the active clients together may cost in the next: this share of this one. */
const CUT = 0.5;
/**
 * In a window whose loop ran less than half the overload delay late, a held client's rate is raised by this factor
 * (between half and the whole delay it is kept): raised by a fifth a window, the flood overloaded the node again every
 * 1-2 s, 12-17 overloaded windows in 15 s (bench/RESULTS.md 2026-12-04 12:28).
 */
const GROW = 1.1;
/** A held client inactive for this many windows (4 s) is no longer held. */
const IDLE_WINDOWS = 16;

interface ClientWindow {
  /** Requests' worth admitted (and charged) in this window. */
  spent: number;
  /** Requests it sent in this window, shed or not. */
  seen: number;
  /** Its requests admitted and not answered yet: a client waiting on a slow answer is still active. */
  inflight: number;
  /** Windows in a row it was not active (a held client is forgotten after IDLE_WINDOWS). */
  idle: number;
  /** The rate it is held to (requests' worth per second), or none. */
  rate: number | null;
}

export interface ShedStats {
  /** Requests answered 429 by the shed. */
  shed: number;
  /** Windows judged overloaded. */
  overloadedWindows: number;
  /** Client addresses held to a rate now. */
  clientsHeld: number;
}

/**
 * The level `f` at which the costs, each cut to at most `f`, sum to `target` (max-min fairness): clients
 * costing less than `f` keep all of it, those above it share the rest equally. `target` ≥ the sum: Infinity.
 */
export function waterLevel(costs: readonly number[], target: number): number {
  const sorted = [...costs].sort((a, b) => a - b);
  let below = 0;
  for (let i = 0; i < sorted.length; i++) {
    const level = (target - below) / (sorted.length - i);
    if (level <= sorted[i]!) return Math.max(0, level);
    below += sorted[i]!;
  }
  return Infinity;
}

export class OverloadShed {
  private readonly clients = new Map<string, ClientWindow>();
  private windowStart: number;
  readonly stats: ShedStats = { shed: 0, overloadedWindows: 0, clientsHeld: 0 };

  /**
   * overloadDelayMs: how late the event loop must run within a window for it to count as overloaded;
   * floorPerSec: the rate no client is held below (> 0, so that a held client's rate can grow back and a light
   * client is never shed for a load it does not make).
   */
  constructor(
    private readonly overloadDelayMs: number,
    private readonly floorPerSec: number,
    now: number,
  ) {
    this.windowStart = now;
  }

  /** Whether a request of `client` may go on now (counted as seen either way); false: answer it 429. */
  admit(client: string, now: number): boolean {
    let c = this.clients.get(client);
    if (!c) {
      c = { spent: 0, seen: 0, inflight: 0, idle: 0, rate: null };
      this.clients.set(client, c);
    }
    c.seen++;
    // Held: what it may spend so far in this window, and at least one request per window.
    if (c.rate !== null && c.spent >= Math.max(1, (c.rate * (now - this.windowStart)) / 1000)) {
      this.stats.shed++;
      return false;
    }
    c.spent++;
    c.inflight++;
    return true;
  }

  /** An admitted request of `client` was answered. */
  answered(client: string): void {
    const c = this.clients.get(client);
    if (c && c.inflight > 0) c.inflight--;
  }

  /** `tokens` more requests' worth spent by `client` (a handler priced its request's work). */
  spend(client: string, tokens: number): void {
    const c = this.clients.get(client);
    if (c && tokens > 0) c.spent += tokens;
  }

  /** Close the window at `now`: `loopDelayMs` is the longest the event loop ran late in it. */
  tick(now: number, loopDelayMs: number): void {
    const seconds = Math.max(0.001, (now - this.windowStart) / 1000);
    this.windowStart = now;
    const active = [...this.clients].filter(([, c]) => c.seen > 0 || c.inflight > 0);
    const overloaded = loopDelayMs > this.overloadDelayMs;
    if (overloaded) this.stats.overloadedWindows++;
    if (active.length <= 1) {
      // A lone client is never held: there is no one to be fair to.
      for (const [, c] of this.clients) c.rate = null;
    } else if (overloaded) {
      const rates = active.map(([, c]) => c.spent / seconds);
      const level = waterLevel(rates, CUT * rates.reduce((a, b) => a + b, 0));
      for (const [i, [, c]] of active.entries()) {
        // Under the floor a client is not held at all: its share of the overload is not worth a 429.
        if (rates[i]! > level && rates[i]! > this.floorPerSec) c.rate = Math.max(this.floorPerSec, Math.min(level, c.rate ?? Infinity));
      }
    } else {
      const calm = loopDelayMs < this.overloadDelayMs / 2;
      for (const [, c] of active) {
        if (c.rate === null) continue;
        // No longer using half its rate (its flood ended): not held any more.
        if (c.spent / seconds < c.rate / 2) c.rate = null;
        else if (calm) c.rate *= GROW;
      }
    }
    let held = 0;
    for (const [client, c] of this.clients) {
      const inactive = c.seen === 0 && c.inflight === 0;
      c.idle = inactive ? c.idle + 1 : 0;
      // A held client inactive for a while stays held (it may be waiting out its Retry-After), then is forgotten.
      if (inactive && (c.rate === null || c.idle >= IDLE_WINDOWS)) this.clients.delete(client);
      else {
        c.spent = 0;
        c.seen = 0;
        if (c.rate !== null) held++;
      }
    }
    this.stats.clientsHeld = held;
  }
}
