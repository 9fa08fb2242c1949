/**
 * A small JSON HTTP server over node:http (fewest µs per request; no framework): exact and prefix
 * routes, size-bounded bodies, 4xx JSON {error} for bad input, and no handler error can take the
 * process down. Used for the node API and the testing API.
 *
 * Hostile clients (HttpLimits): a socket must deliver a request's headers within the header deadline
 * and is closed after the idle keep-alive timeout between requests; at the connection cap a new
 * client evicts the longest-idle socket (only when none is idle is it refused), so thousands of idle
 * sockets cannot keep a fresh client out; each client address has a request budget (token bucket),
 * answered over budget with 429 and Retry-After; a handler that does not answer within the request
 * time limit gets a 503; a socket with more pipelined requests unanswered than its cap is closed; a client
 * address that sent its share of requests in one turn of the event loop is not read again until the next turn;
 * while the event loop runs late, a client costing more than its fair share is held to a rate (overload-shed.ts).
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { OverloadShed, SHED_WINDOW_MS } from './overload-shed.js';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The part of the path after a prefix route. */
  rest: string;
  body: Buffer;
  contentType: string;
  /** The Authorization header ('' when absent). */
  authorization: string;
  /** The client's address (what its request budget is kept by). */
  client: string;
  /**
   * Price work found expensive while doing it: `tokens` more requests' worth off this client's budget
   * (a debt when it has none left, answered 429 until paid back); nothing without a budget.
   */
  charge(tokens: number): void;
  /** Seconds until this client is out of debt (0 when it is not, or without a budget). */
  owes(): number;
  /** Requests' worth this client has left in its budget now (Infinity without a budget). */
  available(): number;
}

export interface HttpReply {
  status?: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  /** More response headers (lower-case names). */
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers?: Record<string, string>) {
    super(message);
  }
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** Match any path starting with `path`. */
  prefix?: boolean;
  /** Largest accepted body in bytes (default 1 MiB). */
  maxBody?: number;
  handler(req: HttpRequest): HttpReply | Promise<HttpReply>;
}

export interface HttpServerHandle {
  port: number;
  host: string;
  stats: HttpDefenseStats;
  close(): Promise<void>;
}

interface SocketState {
  /** The client address it belongs to. */
  client: string;
  /** Requests in progress on it. */
  busy: number;
  /** When it connected or last finished a response. */
  since: number;
  /** Nagle's algorithm is on (the client was last answered 429). */
  coalesced: boolean;
  /** The last turn (SocketGuard.turn) a request was read from it. */
  readInTurn: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 10_000;

/** A client address's sockets, the requests read from it in this turn of the event loop, and whether they are held. */
interface ClientState {
  thisTurn: number;
  /** Least recently read first. */
  sockets: Set<Socket>;
  paused: boolean;
  /** Its sockets read in the turn it was last held: kept paused one turn more, so that the others are read first. */
  deferred: Socket[];
}

/**
 * Open sockets in connection order, with the idle/header deadlines and eviction at the cap, and per client
 * address its share of a turn: past clientRequestsPerTurn requests read in one turn of the event loop, its
 * sockets are not read again until the next turn. Why: a turn handles every request read in it, and reads every
 * readable socket, so a client keeping thousands in flight (64 sockets × 128 pipelined) makes each turn last
 * thousands of requests and every other client's request waits a turn or more: seconds on a busy core, even
 * when the flood is answered 429 (bench/RESULTS.md, 2026-12-03 23:3x).
 */
class SocketGuard {
  readonly sockets = new Map<Socket, SocketState>();
  private readonly clients = new Map<string, ClientState>();
  /** Clients held in this turn, read again at the next (setImmediate runs right after this turn's reads). */
  private readonly held: ClientState[] = [];
  /** Releases so far: a socket's readInTurn says in which turn (between two releases) it was last read. */
  private turn = 0;
  /** Clients with sockets kept paused one turn more (ClientState.deferred), resumed at the next release. */
  private deferring: ClientState[] = [];
  /**
   * A held client's sockets that were not read in this turn are resumed; those that were wait one turn more. Why:
   * which of a client's sockets the next turn reads first is epoll's order, not ours, and the first ones read take
   * the whole share: resuming them all, the same sockets were read every turn and the others never, until the
   * sweep closed them at the header deadline with every pipelined request unanswered (bench/RESULTS.md 2026-12-04,
   * 93 flood sockets × 128 requests in 15 s).
   */
  private readonly release = () => {
    const ended = this.turn++;
    const now = performance.now();
    const resume = (s: Socket) => {
      // The header and idle deadlines run while the node is willing to read a socket, not while it held it: on a
      // busy node a flooder's socket can wait many long turns for its client's share, its requests in flight.
      const st = this.sockets.get(s);
      if (st && st.busy === 0) st.since = now;
      // node:http pauses a socket of its own whose answers are not being taken (and resumes it on drain).
      if (!(s as Socket & { _paused?: boolean })._paused) s.resume();
    };
    const held = new Set(this.held.splice(0));
    for (const c of this.deferring.splice(0)) {
      // Held again in this turn: its deferred sockets, unread in it, are resumed with the others below.
      if (!held.has(c)) for (const s of c.deferred) resume(s);
      c.deferred = [];
    }
    for (const c of held) {
      c.paused = false;
      const read: Socket[] = [];
      let unread = 0;
      for (const s of c.sockets) {
        if (this.sockets.get(s)?.readInTurn === ended) read.push(s);
        else {
          unread++;
          resume(s);
        }
      }
      if (unread === 0) for (const s of read) resume(s);
      else if (read.length > 0) {
        c.deferred = read;
        this.deferring.push(c);
      }
    }
    for (const [client, c] of this.clients) {
      c.thisTurn = 0;
      if (c.sockets.size === 0 && c.deferred.length === 0) this.clients.delete(client);
    }
    this.releasing = this.deferring.length > 0;
    if (this.releasing) setImmediate(this.release);
  };
  private releasing = false;
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly limits: HttpLimits,
    private readonly stats: HttpDefenseStats,
  ) {
    const tick = Math.min(...[limits.headerTimeoutMs, limits.idleTimeoutMs].filter((x) => x > 0), 1000) / 4;
    this.timer = limits.headerTimeoutMs > 0 || limits.idleTimeoutMs > 0 ? setInterval(() => this.sweep(), Math.max(50, tick)) : null;
    this.timer?.unref();
  }

  admit(socket: Socket): boolean {
    if (this.limits.maxConnections > 0 && this.sockets.size >= this.limits.maxConnections) {
      let victim: Socket | null = null;
      for (const [s, st] of this.sockets) {
        if (st.busy === 0) {
          victim = s;
          break;
        }
      }
      if (!victim) {
        this.stats.refused++;
        socket.destroy();
        return false;
      }
      this.stats.evicted++;
      this.drop(victim);
    }
    const client = socket.remoteAddress ?? '?';
    let c = this.clients.get(client);
    if (!c) {
      c = { thisTurn: 0, sockets: new Set(), paused: false, deferred: [] };
      this.clients.set(client, c);
    }
    c.sockets.add(socket);
    if (c.paused) socket.pause();
    this.sockets.set(socket, { client, busy: 0, since: performance.now(), coalesced: false, readInTurn: -1 });
    this.stats.open = this.sockets.size;
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.stats.open = this.sockets.size;
      const cs = this.clients.get(client);
      if (!cs) return;
      cs.sockets.delete(socket);
      if (cs.sockets.size === 0 && !cs.paused) this.clients.delete(client);
    });
    return true;
  }

  /** A request arrived on the socket; returns how many it has unanswered now. */
  begin(socket: Socket): number {
    const st = this.sockets.get(socket);
    if (!st) return 0;
    const share = this.limits.clientRequestsPerTurn;
    const c = share > 0 ? this.clients.get(st.client) : undefined;
    if (c) {
      // Read in this turn: to the back of its client's sockets (they are resumed least recently read first).
      if (st.readInTurn !== this.turn) {
        st.readInTurn = this.turn;
        c.sockets.delete(socket);
        c.sockets.add(socket);
      }
      // Requests already read (the rest of this socket's chunk) are still handled: the share bounds what is read next.
      if (c.thisTurn++ === 0 && !this.releasing) {
        this.releasing = true;
        setImmediate(this.release);
      }
      if (c.thisTurn >= share && !c.paused) {
        this.stats.clientsHeld++;
        c.paused = true;
        this.held.push(c);
        for (const s of c.sockets) s.pause();
      }
    }
    return ++st.busy;
  }

  /**
   * Answers to an over-budget client may wait for each other: with Nagle's algorithm on, its 429s are queued
   * in the kernel and leave together rather than one send (and one wake-up of the client) each, the node's
   * largest cost per 429. Back to no delay at its first answer within budget.
   */
  coalesce(socket: Socket, on: boolean): void {
    const st = this.sockets.get(socket);
    if (!st || st.coalesced === on) return;
    st.coalesced = on;
    socket.setNoDelay(!on);
  }

  end(socket: Socket): void {
    const st = this.sockets.get(socket);
    if (!st) return;
    st.busy = Math.max(0, st.busy - 1);
    // A socket moves to the back when it finishes a response: the front holds the longest idle.
    this.sockets.delete(socket);
    st.since = performance.now();
    this.sockets.set(socket, st);
  }

  private drop(socket: Socket): void {
    this.sockets.delete(socket);
    this.stats.open = this.sockets.size;
    socket.destroy();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [s, st] of this.sockets) {
      if (st.busy > 0) continue;
      // Has it ever answered a request? Then it is an idle keep-alive socket, otherwise a silent one.
      const served = s.bytesWritten > 0;
      const limit = served ? this.limits.idleTimeoutMs : this.limits.headerTimeoutMs;
      if (limit > 0 && now - st.since > limit) {
        if (served) this.stats.idleClosed++;
        else this.stats.headerTimeouts++;
        this.drop(s);
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Token bucket per client address (bounded: the least recently seen are forgotten first). */
class ClientBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: HttpLimits) {}

  /** 0 when the request may go on, else the seconds until a token is back. */
  take(client: string): number {
    const { requestsPerSec: rate, requestBurst: burst } = this.limits;
    if (rate <= 0) return 0;
    const now = performance.now();
    let b = this.buckets.get(client);
    if (b) {
      this.buckets.delete(client);
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
      b.at = now;
    } else {
      b = { tokens: burst, at: now };
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(client, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }

  /** Take `tokens` more after the fact; the debt is bounded by one burst (paid back in burst / rate s). */
  charge(client: string, tokens: number): void {
    if (this.limits.requestsPerSec <= 0 || !(tokens > 0)) return;
    const b = this.buckets.get(client);
    if (b) b.tokens = Math.max(-this.limits.requestBurst, b.tokens - tokens);
  }

  available(client: string): number {
    const rate = this.limits.requestsPerSec;
    const b = rate > 0 ? this.buckets.get(client) : undefined;
    if (rate <= 0) return Infinity;
    return b ? Math.max(0, Math.min(this.limits.requestBurst, b.tokens + ((performance.now() - b.at) / 1000) * rate)) : this.limits.requestBurst;
  }

  owes(client: string): number {
    const rate = this.limits.requestsPerSec;
    const b = rate > 0 ? this.buckets.get(client) : undefined;
    if (!b) return 0;
    const tokens = b.tokens + ((performance.now() - b.at) / 1000) * rate;
    return tokens >= 0 ? 0 : Math.max(1, Math.ceil(-tokens / rate));
  }
}

export interface HttpLimits {
  /** A socket must have sent a request's headers this long after it connected or its last response (0 = no deadline). */
  headerTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this (0 = kept). */
  idleTimeoutMs: number;
  /** Open sockets at most; over it the longest-idle one is evicted (0 = no cap). */
  maxConnections: number;
  /** Requests per second per client address, with this burst (0 = no budget). */
  requestsPerSec: number;
  requestBurst: number;
  /** A handler answer later than this is replaced by a 503 (0 = no limit). */
  requestTimeoutMs: number;
  /** Request body bytes held at once over all requests (received or being handled); over it: 503 + Retry-After (0 = no cap). */
  maxInflightBodyBytes: number;
  /** Requests one socket may have unanswered (HTTP/1.1 pipelining); one more closes the socket (0 = no cap). */
  maxPipelined: number;
  /** Requests read from one client address (over all its sockets) in one turn of the event loop; past it, its sockets wait for the next turn (0 = no limit). */
  clientRequestsPerTurn: number;
  /**
   * The event loop running this many ms late within a window marks the node overloaded: a client costing more
   * than its fair share is then held to a rate, over it 429 + Retry-After (overload-shed.ts; 0 = no shedding).
   */
  overloadDelayMs: number;
  /** The rate (requests' worth per second) the overload shed holds no client below. */
  shedFloorPerSec: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headerTimeoutMs: 5_000,
  idleTimeoutMs: 5_000,
  maxConnections: 2_048,
  // Generous: on one machine every client (load workers, block feed, checkers) shares 127.0.0.1.
  requestsPerSec: 20_000,
  requestBurst: 40_000,
  requestTimeoutMs: 30_000,
  maxInflightBodyBytes: 256 * 1024 * 1024,
  // node:http runs the handler of every pipelined request it parses and queues the answers: a client writing
  // thousands at once on a few sockets makes the node do all of that work, mostly for sockets it then drops.
  maxPipelined: 256,
  // Per turn of the event loop a flooder adds at most this many requests (plus the rest of the chunk being read)
  // to what every other client waits behind.
  clientRequestsPerTurn: 256,
  // A turn of 100 ms is 2-3 times the node's longest own work (a block of 10,000 transfers, a GC pause) seen
  // under legitimate load; the forged flood at the default budget held it for seconds (bench/RESULTS.md).
  overloadDelayMs: 100,
  // A budget of 200/s held the forged flood (control p99 0.4 s); the run's own readers (block feed, checkers,
  // a control client) ask far less, so they are never shed for a load they do not make.
  shedFloorPerSec: 200,
};

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: Route[];
  onTimed?: (route: string, status: number, seconds: number) => void;
  limits?: Partial<HttpLimits>;
}

/** What the server counts of its defenses (exposed as metrics and to tests). */
export interface HttpDefenseStats {
  open: number;
  idleClosed: number;
  headerTimeouts: number;
  evicted: number;
  refused: number;
  overBudget: number;
  timedOut: number;
  /** Requests refused because the bodies held at once were at their cap. */
  bodiesRefused: number;
  /** Sockets closed for having more than maxPipelined requests unanswered. */
  pipelineClosed: number;
  /** Times a client address used its share of a turn (clientRequestsPerTurn) and was held to the next. */
  clientsHeld: number;
  /** Requests answered 429 by the overload shed (a client over its fair share while the node was overloaded). */
  shed: number;
  /** Windows of the overload shed in which the event loop ran later than overloadDelayMs. */
  overloadedWindows: number;
  /** Client addresses the overload shed holds to a rate now. */
  clientsShed: number;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

function send(res: http.ServerResponse, reply: HttpReply): number {
  const status = reply.status ?? 200;
  if (res.headersSent || res.destroyed) return status;
  const body = reply.text ?? JSON.stringify(reply.json ?? null);
  res.writeHead(status, { ...reply.headers, 'content-type': reply.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return status;
}

export function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const exact = new Map<string, Route>();
  const prefixes: Route[] = [];
  for (const r of opts.routes) {
    if (r.prefix) prefixes.push(r);
    else exact.set(`${r.method} ${r.path}`, r);
  }
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
  const stats: HttpDefenseStats = { open: 0, idleClosed: 0, headerTimeouts: 0, evicted: 0, refused: 0, overBudget: 0, timedOut: 0, bodiesRefused: 0, pipelineClosed: 0, clientsHeld: 0, shed: 0, overloadedWindows: 0, clientsShed: 0 };
  let inflight = 0;
  const guard = new SocketGuard(limits, stats);
  const budget = new ClientBudget(limits);
  const shed = limits.overloadDelayMs > 0 ? new OverloadShed(limits.overloadDelayMs, limits.shedFloorPerSec, performance.now()) : null;
  const stopShed = shed ? watchOverload(shed, stats) : () => {};
  // The 429 answers, built once per Retry-After value: an over-budget request must cost the node as little as
  // possible (no JSON, no header object, no route lookup, no duration metric: http_requests_over_budget_total counts them).
  const overBudgetReplies = new Map<number, { body: string; headers: string[] }>();
  const shedBody = JSON.stringify({ error: `the node is overloaded (its event loop ran over ${limits.overloadDelayMs} ms late) and this client costs it more than its fair share; retry after 1 s` });
  const shedHeaders = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(shedBody)), 'retry-after', '1'];
  const overBudgetReply = (wait: number) => {
    let r = overBudgetReplies.get(wait);
    if (!r) {
      const body = JSON.stringify({ error: `over this client's request budget of ${limits.requestsPerSec}/s (burst ${limits.requestBurst}); retry after ${wait} s` });
      r = { body, headers: ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), 'retry-after', String(wait)] };
      if (overBudgetReplies.size < 64) overBudgetReplies.set(wait, r);
    }
    return r;
  };
  // node:http advertises its keep-alive timeout (`Keep-Alive: timeout=5`), so a client stops reusing a socket before
  // the node closes it; without the header undici keeps one for its own 10-30 s and sends into a socket being closed.
  const server = http.createServer({ keepAliveTimeout: limits.idleTimeoutMs > 0 ? limits.idleTimeoutMs : 30_000 }, (req, res) => {
    const socket = req.socket;
    // The rest of a pipelined chunk, parsed after its socket was closed: nothing to answer.
    if (socket.destroyed) return;
    if (guard.begin(socket) > limits.maxPipelined && limits.maxPipelined > 0) {
      stats.pipelineClosed++;
      socket.destroy();
      return;
    }
    const client = socket.remoteAddress ?? '?';
    // Admitted by the overload shed: its answer ends one of the client's requests in flight there.
    let shedAdmitted = false;
    res.once('close', () => {
      guard.end(socket);
      if (shedAdmitted) shed!.answered(client);
    });
    const wait = budget.take(client);
    if (wait > 0) {
      stats.overBudget++;
      guard.coalesce(socket, true);
      // A body left unread is discarded by node:http once the answer is sent.
      const r = overBudgetReply(wait);
      res.writeHead(429, r.headers);
      res.end(r.body);
      return;
    }
    if (shed) {
      if (!shed.admit(client, performance.now())) {
        stats.shed++;
        guard.coalesce(socket, true);
        res.writeHead(429, shedHeaders);
        res.end(shedBody);
        return;
      }
      shedAdmitted = true;
    }
    guard.coalesce(socket, false);
    const t0 = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    let route = exact.get(`${method} ${path}`);
    let rest = '';
    if (!route) {
      route = prefixes.find((r) => r.method === method && path.startsWith(r.path));
      if (route) rest = path.slice(route.path.length);
    }
    const finish = (reply: HttpReply) => {
      const status = send(res, reply);
      opts.onTimed?.(route ? route.path : 'unknown', status, (performance.now() - t0) / 1000);
    };
    if (!route) {
      const known = opts.routes.some((r) => (r.prefix ? path.startsWith(r.path) : r.path === path));
      req.resume();
      finish({ status: known ? 405 : 404, json: { error: known ? `method ${method} not allowed on ${path}` : `no such endpoint: ${method} ${path}` } });
      return;
    }
    const max = route.maxBody ?? DEFAULT_MAX_BODY;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      finish({ status: 413, json: { error: `body of ${declared} bytes is over the limit of ${max} bytes for ${path}` } });
      req.destroy();
      return;
    }
    const cap = limits.maxInflightBodyBytes;
    const busy = () => {
      stats.bodiesRefused++;
      if (!res.headersSent) res.setHeader('retry-after', '1');
      finish({ status: 503, json: { error: `the node holds ${inflight} bytes of request bodies, at its cap of ${cap}; retry after 1 s` } });
      req.destroy();
    };
    if (cap > 0 && declared > 0 && inflight + declared > cap) return busy();
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    // A declared body is reserved whole at once; its bytes count against the cap until the answer is sent.
    let held = declared;
    inflight += held;
    res.once('close', () => (inflight -= held));
    req.on('data', (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > held) {
        inflight += size - held;
        held = size;
      }
      if (size > max) {
        aborted = true;
        finish({ status: 413, json: { error: `body over the limit of ${max} bytes for ${path}` } });
        req.destroy();
        return;
      }
      if (cap > 0 && inflight > cap && declared === 0) {
        aborted = true;
        return busy();
      }
      chunks.push(c);
    });
    req.on('error', () => {
      aborted = true;
    });
    req.on('end', () => {
      if (aborted) return;
      const r = route!;
      const request: HttpRequest = {
        method,
        path,
        rest,
        query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
        body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        contentType: String(req.headers['content-type'] ?? ''),
        authorization: String(req.headers.authorization ?? ''),
        client,
        charge: (tokens) => {
          budget.charge(client, tokens);
          shed?.spend(client, tokens);
        },
        owes: () => budget.owes(client),
        available: () => budget.available(client),
      };
      try {
        const out = r.handler(request);
        if (out instanceof Promise) {
          let timer: NodeJS.Timeout | null = null;
          if (limits.requestTimeoutMs > 0) {
            timer = setTimeout(() => {
              stats.timedOut++;
              finish({ status: 503, json: { error: `${method} ${path} did not complete within the request time limit of ${limits.requestTimeoutMs} ms` } });
            }, limits.requestTimeoutMs);
            timer.unref();
          }
          out.then(
            (reply) => {
              if (timer) clearTimeout(timer);
              finish(reply);
            },
            (e) => {
              if (timer) clearTimeout(timer);
              finish(errorReply(e));
            },
          );
        } else finish(out);
      } catch (e) {
        finish(errorReply(e));
      }
    });
  });
  server.on('connection', (socket: Socket) => guard.admit(socket));
  // With the idle deadline on, the sweep alone closes idle sockets: node:http's keep-alive timer also runs while the
  // turn share holds a socket, and would close it with its pipelined requests unread. A 'timeout' listener keeps
  // node:http from destroying the socket when that timer fires.
  if (limits.idleTimeoutMs > 0) server.on('timeout', () => {});
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":"malformed HTTP request"}');
    else socket.destroy();
  });
  server.headersTimeout = limits.headerTimeoutMs > 0 ? limits.headerTimeoutMs : 60_000;
  // Receiving a whole request (a 64 MiB batch on a slow link included) must end within this.
  server.requestTimeout = limits.requestTimeoutMs > 0 ? limits.requestTimeoutMs + 30_000 : 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve({
        port: addr.port,
        host: opts.host,
        stats,
        close: () =>
          new Promise<void>((res) => {
            guard.close();
            stopShed();
            server.close(() => res());
            server.closeAllConnections();
            for (const s of guard.sockets.keys()) s.destroy();
          }),
      });
    });
  });
}

/**
 * Close the shed's window every SHED_WINDOW_MS with how late the event loop ran in it: the longest delay libuv's
 * sampling timer saw, or this timer's own lateness (a turn that held the loop for the whole window). Returns the stop.
 */
function watchOverload(shed: OverloadShed, stats: HttpDefenseStats): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = Math.max(now - last - SHED_WINDOW_MS, delay.max / 1e6);
    last = now;
    delay.reset();
    shed.tick(now, late);
    stats.overloadedWindows = shed.stats.overloadedWindows;
    stats.clientsShed = shed.stats.clientsHeld;
  }, SHED_WINDOW_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}

function errorReply(e: unknown): HttpReply {
  if (e instanceof HttpError) return { status: e.status, json: { error: e.message }, ...(e.headers ? { headers: e.headers } : {}) };
  const code = (e as { code?: string })?.code;
  if (code === 'LN_ERR_CODEC') return { status: 400, json: { error: (e as Error).message } };
  return { status: 500, json: { error: `internal error: ${(e as Error)?.message ?? String(e)}` } };
}

/** Parse a JSON body or throw a 400 naming the problem. */
export function jsonBody(req: HttpRequest): unknown {
  if (req.body.length === 0) throw new HttpError(400, 'empty body; expected JSON');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON: ${(e as Error).message}`);
  }
}
