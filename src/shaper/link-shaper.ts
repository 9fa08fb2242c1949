/**
 * The link shaper loadnet owns: a user-space TCP proxy per directed peer link. Node A's configured
 * address for peer B is a port of this shaper (on loopback for local processes, on the run network's
 * gateway for containers), which forwards to B's real P2P address, so any chain
 * whose nodes take peer addresses from config runs its links through it (no netem needed; this kernel
 * has none). A TCP connection carries both directions: bytes from the dialer go through the shape of link
 * dialer→target, bytes back through the shape of target→dialer.
 *
 * What each shape field means (all changeable at runtime; a change applies to the next chunk read):
 *  - delayMs: each chunk is released delayMs after it left the bandwidth limiter.
 *  - jitterMs: plus a uniform draw in [−jitterMs, +jitterMs] per chunk (seeded per link, so a run's seed
 *    replays it), clipped so the delay never goes below 0. A TCP stream keeps its order, so a chunk is never
 *    released before the one read before it: a negative draw behind a larger one is absorbed.
 *  - bandwidthBytesPerSec: a token bucket (burst: burstBytes, default 16 KiB) on the chunks entering the link.
 *  - loss: a proxy cannot drop bytes of a TCP stream without corrupting it. Loss p models what a lost
 *    segment costs a TCP flow: with probability p a chunk is held for lossStallMs more (default 200 ms,
 *    Linux's minimum retransmission timeout), and everything behind it waits too (head-of-line blocking).
 *  - blackhole 'drop' (partition): the connections carrying this direction are reset and new ones are
 *    accepted and reset at once, so the dialer sees the peer refuse and keeps redialing. TCP needs both
 *    directions, so dropping A→B cuts the connections between A and B both ways.
 *  - blackhole 'hold': this direction stops forwarding (bytes queue up to maxQueueBytes, then the sender is
 *    paused by TCP back-pressure) and new connections wait; the other direction flows. At heal the held
 *    bytes flow at once (the peer's own timeouts may have closed the connection by then).
 *
 * The shaper runs in the process that creates it (the coordinator): its servers and sockets close at
 * close(), and die with the process when it is killed (nothing outlives it: no helper process, no rule).
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { LoadnetError } from '../errors.js';
import { seededRandom } from '../util/random.js';

export interface LinkShape {
  delayMs?: number;
  jitterMs?: number;
  bandwidthBytesPerSec?: number;
  /** Token bucket depth for bandwidth (bytes). */
  burstBytes?: number;
  /** Probability in [0, 1] that a chunk stalls lossStallMs (TCP's view of a lost segment). */
  loss?: number;
  lossStallMs?: number;
  blackhole?: 'drop' | 'hold' | null;
}

export interface HostPort {
  host: string;
  port: number;
}

export interface LinkStats {
  from: string;
  to: string;
  /** Bytes forwarded in this direction (on all connections that carried it). */
  bytes: number;
  chunks: number;
  /** Connections through this link's proxy (dialed by `from`). */
  connections: number;
  /** Connections reset or refused by a 'drop' blackhole. */
  dropped: number;
  /** Bytes waiting in this direction now. */
  queuedBytes: number;
}

export interface LinkShaperOptions {
  /** Address the proxies listen on (default 127.0.0.1). */
  host?: string;
  /** Seed of the jitter and loss draws (each link derives its own stream from it). */
  seed?: number;
  /** Queue per direction and connection above which the sender is paused (default 8 MiB). */
  maxQueueBytes?: number;
}

const DEFAULT_BURST = 16 * 1024;
const DEFAULT_LOSS_STALL_MS = 200;
/** Chunks are cut to this size so a bandwidth limit releases them smoothly. */
const MAX_PIECE = 16 * 1024;

type Key = string;
const keyOf = (from: string, to: string): Key => `${from}\u0000${to}`;

/** Why a shape is not valid, or null. Exported so a scenario validator can say the same thing. */
export function checkLinkShape(s: LinkShape): string | null {
  const nonNeg = (v: number | undefined, name: string, max = Infinity) => (v === undefined || (Number.isFinite(v) && v >= 0 && v <= max) ? null : `${name}: expected a number in [0, ${max}], got ${String(v)}`);
  return (
    nonNeg(s.delayMs, 'delayMs', 600_000) ??
    nonNeg(s.jitterMs, 'jitterMs', 600_000) ??
    (s.bandwidthBytesPerSec === undefined || (Number.isFinite(s.bandwidthBytesPerSec) && s.bandwidthBytesPerSec > 0) ? null : `bandwidthBytesPerSec: expected a positive number, got ${String(s.bandwidthBytesPerSec)}`) ??
    nonNeg(s.burstBytes, 'burstBytes') ??
    nonNeg(s.loss, 'loss', 1) ??
    nonNeg(s.lossStallMs, 'lossStallMs', 600_000) ??
    (s.blackhole === undefined || s.blackhole === null || s.blackhole === 'drop' || s.blackhole === 'hold' ? null : `blackhole: expected 'drop', 'hold' or null, got ${JSON.stringify(s.blackhole)}`)
  );
}

interface Direction {
  from: string;
  to: string;
  rng: () => number;
  stats: LinkStats;
  /** GCRA theoretical arrival time of the bandwidth limiter (ms). */
  tat: number;
  pipes: Set<Pipe>;
}

interface Link {
  from: string;
  to: string;
  /** Null until the target's address is known (a container not started yet): connections are refused meanwhile. */
  target: HostPort | null;
  server: net.Server;
  listen: HostPort;
  sockets: Set<net.Socket>;
}

/** One direction of one proxied connection: a FIFO of chunks, each with the time it may leave. */
class Pipe {
  private readonly queue: Array<{ data: Buffer; at: number }> = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastRelease = 0;
  private blocked = false;
  private srcEnded = false;
  private closed = false;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly dir: Direction,
    private readonly shapeOf: () => LinkShape,
    private readonly maxQueue: number,
  ) {
    dir.pipes.add(this);
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    src.on('end', () => {
      this.srcEnded = true;
      this.pump();
    });
    dst.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
  }

  private onData(chunk: Buffer): void {
    const now = performance.now();
    const s = this.shapeOf();
    for (let off = 0; off < chunk.length; off += MAX_PIECE) {
      const piece = chunk.subarray(off, Math.min(chunk.length, off + MAX_PIECE));
      let leaves = now;
      if (s.bandwidthBytesPerSec) {
        const perByte = 1000 / s.bandwidthBytesPerSec;
        const tolerance = (s.burstBytes ?? DEFAULT_BURST) * perByte;
        leaves = Math.max(now, this.dir.tat - tolerance);
        this.dir.tat = Math.max(this.dir.tat, leaves) + piece.length * perByte;
      }
      let delay = s.delayMs ?? 0;
      if (s.jitterMs) delay = Math.max(0, delay + (this.dir.rng() * 2 - 1) * s.jitterMs);
      if (s.loss && this.dir.rng() < s.loss) delay += s.lossStallMs ?? DEFAULT_LOSS_STALL_MS;
      const at = Math.max(leaves + delay, this.lastRelease);
      this.lastRelease = at;
      this.queue.push({ data: piece, at });
      this.queued += piece.length;
      this.dir.stats.queuedBytes += piece.length;
    }
    if (this.queued > this.maxQueue) this.src.pause();
    this.pump();
  }

  /** Release what is due; wait for the next due chunk, for drain, or for a 'hold' to lift (kick()). */
  pump(): void {
    if (this.closed) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.shapeOf().blackhole === 'hold') return;
    const now = performance.now();
    while (this.queue.length > 0 && !this.blocked) {
      const head = this.queue[0]!;
      if (head.at > now + 0.5) {
        this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(head.at - now)));
        return;
      }
      this.queue.shift();
      this.queued -= head.data.length;
      this.dir.stats.queuedBytes -= head.data.length;
      this.dir.stats.bytes += head.data.length;
      this.dir.stats.chunks++;
      if (!this.dst.write(head.data)) this.blocked = true;
    }
    if (this.queued <= this.maxQueue / 2 && this.src.isPaused()) this.src.resume();
    if (this.queue.length === 0 && this.srcEnded) this.dst.end();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.dir.stats.queuedBytes -= this.queued;
    this.queue.length = 0;
    this.queued = 0;
    this.dir.pipes.delete(this);
  }
}

export class LinkShaper {
  private listenHost: string;
  private readonly seed: number;
  private readonly maxQueue: number;
  private readonly links = new Map<Key, Link>();
  private readonly dirs = new Map<Key, Direction>();
  private readonly shapes = new Map<Key, LinkShape>();
  /** Connections waiting for a 'hold' on their forward direction to lift. */
  private readonly waiting = new Map<Key, Set<() => void>>();
  private closed = false;

  constructor(opts: LinkShaperOptions = {}) {
    this.listenHost = opts.host ?? '127.0.0.1';
    this.seed = opts.seed ?? 1;
    this.maxQueue = opts.maxQueueBytes ?? 8 * 1024 * 1024;
  }

  /** Where the proxies listen. */
  get host(): string {
    return this.listenHost;
  }

  /** Listen on `host` from now on (before the first link: a container network's gateway is known only once it exists). */
  listenOn(host: string): void {
    if (this.links.size > 0) throw new LoadnetError('LN_ERR_INTERNAL', `link shaper: cannot move to ${host}, links listen on ${this.listenHost} already`);
    this.listenHost = host;
  }

  /**
   * Start the proxy for directed link from→to (from dials to at `target`); returns the address `from` must dial.
   * `target` may be null when `to` has no address yet (see retarget).
   */
  async addLink(from: string, to: string, target: HostPort | null): Promise<HostPort> {
    if (this.closed) throw new LoadnetError('LN_ERR_INTERNAL', 'link shaper is closed');
    const key = keyOf(from, to);
    const existing = this.links.get(key);
    if (existing) {
      existing.target = target;
      return existing.listen;
    }
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => this.accept(key, client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.listenHost, () => resolve());
    });
    server.on('error', () => undefined);
    const listen = { host: this.listenHost, port: (server.address() as net.AddressInfo).port };
    this.links.set(key, { from, to, target, server, listen, sockets });
    this.direction(from, to);
    this.direction(to, from);
    return listen;
  }

  /** `to` has a new address (a restarted container): every link to it forwards there from now on. */
  retarget(to: string, target: HostPort): void {
    for (const link of this.links.values()) if (link.to === to) link.target = target;
  }

  /** The address `from` dials to reach `to`, if that link is proxied. */
  addressOf(from: string, to: string): HostPort | undefined {
    return this.links.get(keyOf(from, to))?.listen;
  }

  /** Desired state of directed link from→to (an empty shape = pass through). */
  set(from: string, to: string, shape: LinkShape): void {
    const bad = checkLinkShape(shape);
    if (bad) throw new LoadnetError('LN_ERR_NODE_CONTROL', `link ${from}→${to}: ${bad}`);
    const key = keyOf(from, to);
    const clean = Object.fromEntries(Object.entries(shape).filter(([, v]) => v !== undefined && v !== null && v !== 0)) as LinkShape;
    if (Object.keys(clean).length === 0) this.shapes.delete(key);
    else this.shapes.set(key, clean);
    if (clean.blackhole === 'drop') this.dropConnections(from, to);
    // A lifted hold (or any change) may let queued chunks go and held connections proceed.
    for (const p of this.direction(from, to).pipes) p.pump();
    if (clean.blackhole !== 'hold') {
      const w = this.waiting.get(key);
      if (w) {
        this.waiting.delete(key);
        for (const go of w) go();
      }
    }
  }

  /** Every directed link back to pass-through. */
  clearAll(): void {
    for (const key of [...this.shapes.keys()]) {
      const [from, to] = key.split('\u0000') as [string, string];
      this.set(from, to, {});
    }
  }

  shapeOf(from: string, to: string): LinkShape {
    return this.shapes.get(keyOf(from, to)) ?? {};
  }

  /** The shaped links now (desired state), for the fault record and the report. */
  state(): Array<{ from: string; to: string; shape: LinkShape }> {
    return [...this.shapes].map(([k, shape]) => {
      const [from, to] = k.split('\u0000') as [string, string];
      return { from, to, shape: { ...shape } };
    });
  }

  stats(): LinkStats[] {
    return [...this.dirs.values()].map((d) => ({ ...d.stats }));
  }

  private direction(from: string, to: string): Direction {
    const key = keyOf(from, to);
    let d = this.dirs.get(key);
    if (!d) {
      const digest = createHash('sha256').update(`${this.seed}|${from}|${to}`).digest();
      d = { from, to, rng: seededRandom(digest.readUInt32LE(0)), stats: { from, to, bytes: 0, chunks: 0, connections: 0, dropped: 0, queuedBytes: 0 }, tat: 0, pipes: new Set() };
      this.dirs.set(key, d);
    }
    return d;
  }

  private isDropped(from: string, to: string): boolean {
    return this.shapeOf(from, to).blackhole === 'drop' || this.shapeOf(to, from).blackhole === 'drop';
  }

  private dropConnections(from: string, to: string): void {
    for (const key of [keyOf(from, to), keyOf(to, from)]) {
      const link = this.links.get(key);
      if (!link) continue;
      for (const s of link.sockets) {
        this.direction(link.from, link.to).stats.dropped++;
        s.resetAndDestroy();
      }
    }
  }

  private accept(key: Key, client: net.Socket): void {
    const link = this.links.get(key);
    if (!link || this.closed) return void client.destroy();
    const up = this.direction(link.from, link.to);
    up.stats.connections++;
    client.on('error', () => undefined);
    if (this.isDropped(link.from, link.to)) {
      up.stats.dropped++;
      client.resetAndDestroy();
      return;
    }
    link.sockets.add(client);
    client.once('close', () => link.sockets.delete(client));
    client.pause();
    const go = () => {
      if (client.destroyed) return;
      if (this.isDropped(link.from, link.to)) {
        up.stats.dropped++;
        client.resetAndDestroy();
        return;
      }
      this.connect(link, client);
    };
    if (this.shapeOf(link.from, link.to).blackhole === 'hold') {
      let w = this.waiting.get(key);
      if (!w) this.waiting.set(key, (w = new Set()));
      w.add(go);
      client.once('close', () => w.delete(go));
    } else go();
  }

  private connect(link: Link, client: net.Socket): void {
    if (!link.target) return void client.resetAndDestroy();
    const server = net.connect({ host: link.target.host, port: link.target.port });
    server.setNoDelay(true);
    client.setNoDelay(true);
    link.sockets.add(server);
    const up = new Pipe(client, server, this.direction(link.from, link.to), () => this.shapeOf(link.from, link.to), this.maxQueue);
    const down = new Pipe(server, client, this.direction(link.to, link.from), () => this.shapeOf(link.to, link.from), this.maxQueue);
    const teardown = () => {
      up.close();
      down.close();
      link.sockets.delete(server);
      if (!client.destroyed) client.destroy();
      if (!server.destroyed) server.destroy();
    };
    server.on('error', teardown);
    client.on('error', teardown);
    server.once('close', teardown);
    client.once('close', teardown);
    client.resume();
  }

  /** Stop every proxy and connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.values()) w.clear();
    const done: Array<Promise<void>> = [];
    for (const link of this.links.values()) {
      for (const s of link.sockets) s.destroy();
      done.push(new Promise<void>((resolve) => link.server.close(() => resolve())));
    }
    await Promise.all(done);
  }
}
