/**
 * The devnet node's P2P network: persistent authenticated TCP connections to peers, gossip of transactions
 * and blocks with duplicate suppression, block and DA-share request/response, per-peer rate limits and
 * scoring, and testing hooks (block a peer, add delay/loss to a link).
 *
 * Contract for the node core (src/node/node.ts):
 *  - Handlers are called synchronously from socket events; byte arguments are views of received frames
 *    (never reused by the network, safe to keep). A handler that throws is logged, never fatal.
 *  - onTx/onBlock see each message once (duplicates are dropped here); after validating, call
 *    broadcastTx/broadcastBlock(bytes, from) to relay, and penalize(from, points, reason) for invalid or
 *    stale messages (suggested: 10 for a bad signature or malformed block, 1 for stale).
 *  - requestBlocks/sendDaShare reject with LoadnetError LN_ERR_NODE_API when the peer is not connected,
 *    does not answer within requestTimeoutMs, or disconnects. sendDaShare first connects on demand to a
 *    peer that is not a neighbour, through the address book that peers exchange (PEERS messages), the
 *    way Nomos executors reach DA subnetwork members directly; that connection then stays like any other.
 *  - Relay suppression: each peer's PEERS message lists its current neighbours; a transaction relayed on
 *    behalf of peer X (broadcastTx(bytes, X)) skips X's neighbours, which X has already sent it to (or knew
 *    had it). In a full mesh that cuts relaying from ~n(n-1) to n-1 link sends per transaction. Blocks are
 *    always flooded (rare and important: redundancy wins).
 *  - Link faults (delay ± jitter, loss) apply to messages in both directions at this node; handshake and
 *    keep-alive traffic is exempt so a lossy link stays a link (blockPeer is the way to cut it).
 *  - Hostile peers (P2PDefenses): unauthenticated sockets have a deadline and their own small cap (the
 *    oldest silent one is evicted for a new one), so half-open sockets never take an honest peer's
 *    place; identities outside the trusted set (genesis validators, configured peers) are capped in
 *    number and in how many new ones are admitted per interval (on one machine every peer shares an
 *    address, so banning a key alone does not hold); block requests have a per-peer budget per interval
 *    (over it: answered empty, then scored down) and are not served while the peer's outbound queue is
 *    full, when reading from it also pauses; PEERS messages and pings have their own rates; the address
 *    book and the per-peer records are bounded, the oldest evicted first.
 *  - Mempool exchange: when a connection to a peer is established (first time or again after a partition,
 *    a ban, a restart), this node offers it its pending transactions (handlers.pendingTxs), at most
 *    mempoolExchangeMax, paced at mempoolExchangePerSec, skipping what the seen cache says the peer has, as
 *    ordinary TXS gossip, so the peer's own defenses (rate, verification budget, scoring) apply to it.
 */
import * as net from 'node:net';
import type { LinkFault, NetworkInfo } from '../../adapters/devnet/wire/api.js';
import { ByteReader, toHex } from '../../util/bytes.js';
import type { SigningKey } from '../../adapters/devnet/wire/ed25519.js';
import { sha256Hex } from '../../util/hash.js';
import { LoadnetError } from '../../errors.js';
import type { PeerAddress } from '../config.js';
import type { P2PHandlers } from '../p2p-port.js';
import { Connection, type ConnectionEvents, type ConnectionOptions, type HandshakeContext } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES, MsgType, decodeBlockRequest, decodeList, decodePeers, encodeBlockRequest, encodeListFrame, encodePeers, u32Prefix, type BlockRequest } from '../../adapters/devnet/wire/p2p-frames.js';
import { newSession, type Hello } from '../../adapters/devnet/wire/p2p-handshake.js';
import { DEFAULT_LIMITS, MESSAGE_COST, PeerScore, TokenBucket, type PeerLimits } from './peer-score.js';
import { SeenCache, bit } from './seen-cache.js';

export type { BlockRequest } from '../../adapters/devnet/wire/p2p-frames.js';
export type { PeerLimits } from './peer-score.js';

// The handlers' interface is the node's view of this module (p2p-port.ts), defined once there.
export type { P2PHandlers } from '../p2p-port.js';

/** Compatible with the node's Logger (src/node/log.ts) and with any (level: string, msg, data?: unknown) function. */
export type P2PLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;

export interface P2PDefenses {
  /** Unauthenticated inbound sockets at most; a new one evicts the oldest that sent no HELLO (0 = no cap). */
  maxPendingHandshakes: number;
  /** Connected identities outside the trusted set at most (0 = no cap). */
  maxUnknownPeers: number;
  /** New untrusted identities admitted per unknownIntervalMs (0 = no cap). */
  newUnknownPerInterval: number;
  unknownIntervalMs: number;
  /** Outbound bytes queued per peer above which requests are not served and reading pauses (0 = unbounded). */
  maxQueuedBytes: number;
  /** Block requests served per peer per blockBudgetIntervalMs, and bytes of blocks (0 = no budget). */
  blockRequestsPerInterval: number;
  blockBytesPerInterval: number;
  blockBudgetIntervalMs: number;
  /** PEERS messages per second per peer, burst 4× (0 = no limit). */
  peersPerSec: number;
  /** Pings answered per second per peer, burst 4× (0 = no limit). */
  pingsPerSec: number;
  /** Address book entries at most; the oldest learned second-hand go first (0 = unbounded). */
  maxAddressBook: number;
  /** Per-peer records (scores, bans) kept at most; the oldest disconnected go first (0 = unbounded). */
  maxPeerRecords: number;
  /**
   * Signature verifications per peer per second for its gossiped transactions; over it they are dropped
   * unverified and the peer scored down (applied by the node core, block-sync.ts; 0 = no budget).
   */
  gossipVerifyPerSec: number;
  /** Pending transactions offered to a peer when a connection to it is established (0 = no exchange). */
  mempoolExchangeMax: number;
  /** Pace of that offer, transactions per second (0 = all at once). */
  mempoolExchangePerSec: number;
}

export const DEFAULT_DEFENSES: P2PDefenses = {
  maxPendingHandshakes: 64,
  maxUnknownPeers: 16,
  newUnknownPerInterval: 8,
  unknownIntervalMs: 10_000,
  maxQueuedBytes: 8 * 1024 * 1024,
  blockRequestsPerInterval: 300,
  blockBytesPerInterval: 128 * 1024 * 1024,
  blockBudgetIntervalMs: 10_000,
  peersPerSec: 2,
  pingsPerSec: 5,
  maxAddressBook: 4096,
  maxPeerRecords: 1024,
  // Honest relaying stays far below: a peer relays each transaction once.
  gossipVerifyPerSec: 10_000,
  // Well under the peer's verification budget: the catch-up never crowds out live gossip.
  mempoolExchangeMax: 20_000,
  mempoolExchangePerSec: 5_000,
};

/** The mempool exchange sends a slice of its offer per tick. */
const EXCHANGE_TICK_MS = 50;


export interface P2POptions {
  identity: SigningKey;
  chainId: string;
  /** Port 0 = any free port; `address()` tells which after start(). */
  listen: { host: string; port: number };
  peers: PeerAddress[];
  handlers: P2PHandlers;
  log?: P2PLog;
  /** This node's name, sent in the handshake (informative). */
  name?: string;
  limits?: Partial<PeerLimits>;
  maxFrameBytes?: number;
  requestTimeoutMs?: number;
  /** Reconnect backoff: first retry after initialMs, doubling up to maxMs. */
  dialBackoff?: { initialMs: number; maxMs: number };
  pingIntervalMs?: number;
  idleTimeoutMs?: number;
  /** An unauthenticated socket is closed this long after it connected (default 3 s; 0 = never). */
  handshakeTimeoutMs?: number;
  seenCache?: { maxEntries: number; maxAgeMs: number };
  maxInboundConnections?: number;
  /** Identities given priority (genesis validators); configured peers' identities are added once known. */
  trusted?: string[];
  defenses?: Partial<P2PDefenses>;
  /** Disconnect and ban a peer whose score falls below disconnectBelow (default true; false = the peer-ban defense off). */
  ban?: boolean;
}

export interface P2PMetrics {
  gossipIn: number;
  gossipOut: number;
  throttled: number;
  disconnected: number;
  /** Gossip dropped because it was already seen. */
  duplicates: number;
  /** Outbound gossip dropped for a peer whose socket was backed up. */
  droppedOut: number;
  banned: number;
  /** Sockets closed before authenticating: deadline passed or evicted for a newer one. */
  handshakesDropped: number;
  /** Untrusted identities refused (cap or admission rate). */
  unknownRefused: number;
  /** Block requests answered empty (over budget) or not served (queue full). */
  blockRequestsRefused: number;
  /** Pending transactions sent to peers by the mempool exchange on (re)connection. */
  mempoolExchanged: number;
}

interface PeerRecord {
  id: string;
  name?: string;
  address: string;
  score: PeerScore;
  conn: Connection | null;
  bannedUntil: number;
  /** The peer's neighbours per its latest PEERS message (null until one arrives). */
  neighbours: Set<string> | null;
  wasThrottled: boolean;
  peersRate: TokenBucket;
  blockWindowStart: number;
  blockRequests: number;
  blockBytes: number;
}

interface DialTarget {
  addr: PeerAddress;
  key: string;
  knownId?: string;
  self: boolean;
  backoffMs: number;
  timer: NodeJS.Timeout | null;
  busy: boolean;
}

const noop: P2PLog = () => {};

export class P2PNetwork {
  readonly metrics: P2PMetrics = { gossipIn: 0, gossipOut: 0, throttled: 0, disconnected: 0, duplicates: 0, droppedOut: 0, banned: 0, handshakesDropped: 0, unknownRefused: 0, blockRequestsRefused: 0, mempoolExchanged: 0 };
  readonly peerId: string;
  private readonly log: P2PLog;
  private readonly limits: PeerLimits;
  private readonly connOpts: ConnectionOptions;
  private readonly seen: SeenCache;
  private readonly session = newSession();
  private readonly records = new Map<string, PeerRecord>();
  private readonly connections = new Set<Connection>();
  private readonly targets: DialTarget[];
  private readonly blocked = new Set<string>();
  /** Which dial target an outbound connection came from. */
  private readonly dialTargets = new WeakMap<Connection, DialTarget>();
  private readonly dialSockets = new Set<net.Socket>();
  private readonly faults = new Map<string, LinkFault>();
  /** Where each known peer listens: observed on our own connections (direct) or told by a neighbour. */
  private readonly book = new Map<string, { host: string; port: number; direct: boolean }>();
  /** Callers of connectTo waiting for a peer's connection. */
  private readonly waiters = new Map<string, Array<() => void>>();
  private bookTimer: NodeJS.Timeout | null = null;
  private bookUpdate: NodeJS.Timeout | null = null;
  private server: net.Server | null = null;
  private boundPort = 0;
  private dialing = 0;
  private running = false;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly defenses: P2PDefenses;
  private readonly trusted: Set<string>;
  private unknownWindowStart = 0;
  private unknownAdmitted = 0;

  constructor(private readonly opts: P2POptions) {
    this.defenses = { ...DEFAULT_DEFENSES, ...opts.defenses };
    this.trusted = new Set(opts.trusted ?? []);
    this.peerId = toHex(opts.identity.publicKey);
    this.log = opts.log ?? noop;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.backoff = opts.dialBackoff ?? { initialMs: 100, maxMs: 2_000 };
    const seenOpts = opts.seenCache ?? { maxEntries: 100_000, maxAgeMs: 30_000 };
    this.seen = new SeenCache(seenOpts.maxEntries, seenOpts.maxAgeMs);
    this.connOpts = {
      maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 3_000,
      pingIntervalMs: opts.pingIntervalMs ?? 5_000,
      idleTimeoutMs: opts.idleTimeoutMs ?? 20_000,
      maxBufferedBytes: 32 * 1024 * 1024,
      txBatchBytes: 256 * 1024,
      maxQueuedBytes: this.defenses.maxQueuedBytes,
      pingsPerSec: this.defenses.pingsPerSec,
    };
    this.targets = opts.peers.map((addr) => ({ addr, key: `${addr.host}:${addr.port}`, self: false, backoffMs: this.backoff.initialMs, timer: null, busy: false }));
  }

  /** The bound listen address (after start). */
  address(): { host: string; port: number } {
    return { host: this.opts.listen.host, port: this.boundPort };
  }

  /** The bound TCP port (after start; useful when listening on port 0). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const server = net.createServer((socket) => this.onInbound(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.listen.port, this.opts.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      throw new LoadnetError('LN_ERR_CONFIG_INVALID', `p2p: cannot listen on ${this.opts.listen.host}:${this.opts.listen.port}: ${e.code ?? e.message}`, { hint: 'choose a free port (0 = any)' });
    });
    server.on('error', (e) => this.log('error', 'p2p server error', { error: e.message }));
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    this.running = true;
    this.log('info', 'p2p listening', { address: `${this.opts.listen.host}:${this.boundPort}`, peerId: this.peerId });
    for (const t of this.targets) this.scheduleDial(t, 0);
    this.bookTimer = setInterval(() => this.shareAddressBook(), 10_000);
    this.bookTimer.unref();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.targets) if (t.timer) clearTimeout(t.timer);
    if (this.bookTimer) clearInterval(this.bookTimer);
    if (this.bookUpdate) clearTimeout(this.bookUpdate);
    for (const s of this.dialSockets) s.destroy();
    const conns = [...this.connections];
    const closed = Promise.all(conns.map((c) => (c.socket.destroyed ? Promise.resolve() : new Promise<void>((r) => c.socket.once('close', () => r())))));
    for (const c of conns) c.close('node stopping');
    const server = this.server;
    this.server = null;
    await Promise.race([closed, new Promise((r) => setTimeout(r, 300).unref())]);
    for (const c of conns) c.socket.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  // ---- connections -------------------------------------------------------------------------------

  private handshakeContext(): HandshakeContext {
    return {
      identity: this.opts.identity,
      chainId: this.opts.chainId,
      session: this.session,
      listenPort: this.boundPort,
      name: this.opts.name ?? '',
      accept: (hello, conn) => this.acceptHello(hello, conn),
    };
  }

  private readonly events: ConnectionEvents = {
    established: (c) => this.onEstablished(c),
    frame: (c, type, payload) => this.onFrame(c, type, payload),
    closed: (c, reason) => this.onClosed(c, reason),
    violation: (c, reason) => {
      if (c.established) this.penalize(c.peerId, this.limits.malformedPenalty, reason);
    },
    overRate: (c, what, count) => {
      this.metrics.throttled += count;
      if (c.established) this.penalize(c.peerId, 5, `over the rate of ${what}`);
    },
  };

  private onInbound(socket: net.Socket): void {
    if (!this.running) return void socket.destroy();
    let established = 0;
    let pending = 0;
    let oldestSilent: Connection | null = null;
    let oldestPending: Connection | null = null;
    for (const c of this.connections) {
      if (c.established) established++;
      else if (!c.outbound) {
        pending++;
        oldestPending ??= c;
        if (!oldestSilent && !c.hello) oldestSilent = c;
      }
    }
    const maxPending = this.defenses.maxPendingHandshakes;
    if (maxPending > 0 && pending >= maxPending) {
      // Honest peers send HELLO at once and finish within a round trip: the silent ones are the half-open sockets.
      this.metrics.handshakesDropped++;
      (oldestSilent ?? oldestPending)!.close('evicted: too many pending handshakes', false);
    }
    if (established + (maxPending > 0 ? 0 : pending) >= (this.opts.maxInboundConnections ?? 256)) {
      socket.destroy();
      return;
    }
    const addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.connections.add(new Connection(socket, false, addr, this.handshakeContext(), this.events, this.connOpts));
  }

  private scheduleDial(t: DialTarget, delayMs: number): void {
    if (!this.running || t.self) return;
    if (t.timer) clearTimeout(t.timer);
    t.timer = setTimeout(() => {
      t.timer = null;
      this.dial(t);
    }, delayMs);
    t.timer.unref();
  }

  private dial(t: DialTarget): void {
    if (!this.running || t.busy) return;
    const id = t.knownId;
    if (id && (this.records.get(id)?.conn || this.blocked.has(id) || this.isBanned(id))) {
      // Connected through another connection, blocked or banned: look again later.
      return this.scheduleDial(t, this.backoff.maxMs);
    }
    t.busy = true;
    this.dialing++;
    const socket = net.connect({ host: t.addr.host, port: t.addr.port });
    this.dialSockets.add(socket);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      this.dialSockets.delete(socket);
      this.dialing--;
      if (!this.running) return socket.destroy();
      const conn = new Connection(socket, true, t.key, this.handshakeContext(), this.events, this.connOpts);
      this.dialTargets.set(conn, t);
      this.connections.add(conn);
    });
    socket.once('error', () => {});
    socket.once('close', () => {
      this.dialSockets.delete(socket);
      if (!connected) {
        this.dialing--;
        t.busy = false;
        this.retry(t);
      }
    });
  }

  private retry(t: DialTarget): void {
    const d = t.backoffMs * (0.75 + Math.random() * 0.5);
    t.backoffMs = Math.min(this.backoff.maxMs, t.backoffMs * 2);
    this.scheduleDial(t, d);
  }

  private isBanned(id: string): boolean {
    const r = this.records.get(id);
    return !!r && r.bannedUntil > Date.now();
  }

  private acceptHello(hello: Hello, conn: Connection): string | null {
    const id = toHex(hello.peerId);
    const target = this.dialTargets.get(conn);
    if (target) target.knownId = id;
    if (id === this.peerId) {
      if (target) target.self = true;
      return 'connected to itself';
    }
    if (!this.running) return 'node stopping';
    if (this.blocked.has(id)) return 'peer is blocked at this node';
    if (this.isBanned(id)) return `peer is banned for ${Math.ceil((this.records.get(id)!.bannedUntil - Date.now()) / 1000)} s more`;
    if (!conn.outbound && !this.isTrusted(id)) return this.admitUnknown(id);
    return null;
  }

  private isTrusted(id: string): boolean {
    return this.trusted.has(id) || this.targets.some((t) => t.knownId === id);
  }

  /** An inbound identity outside the trusted set: within the cap and the per-interval admission rate? */
  private admitUnknown(id: string): string | null {
    const d = this.defenses;
    if (d.maxUnknownPeers > 0) {
      let unknown = 0;
      for (const r of this.records.values()) if (r.conn && r.id !== id && !this.isTrusted(r.id)) unknown++;
      if (unknown >= d.maxUnknownPeers) {
        this.metrics.unknownRefused++;
        return `too many peers outside the genesis and configured set (${unknown}); try later`;
      }
    }
    if (d.newUnknownPerInterval > 0 && !this.records.has(id)) {
      const now = Date.now();
      if (now - this.unknownWindowStart >= d.unknownIntervalMs) {
        this.unknownWindowStart = now;
        this.unknownAdmitted = 0;
      }
      if (this.unknownAdmitted >= d.newUnknownPerInterval) {
        this.metrics.unknownRefused++;
        return `too many new identities (${d.newUnknownPerInterval} per ${d.unknownIntervalMs} ms); try later`;
      }
      this.unknownAdmitted++;
    }
    return null;
  }

  /** Deterministic choice between two connections of one pair: both ends keep the same one. */
  private tieKey(c: Connection): string {
    const dialer = c.outbound ? this.peerId : c.peerId;
    const dialerChallenge = c.outbound ? c.ownChallenge : c.hello!.challenge;
    return dialer + toHex(dialerChallenge);
  }

  private onEstablished(c: Connection): void {
    let rec = this.records.get(c.peerId);
    if (!rec) {
      this.makeRoomForRecord();
      rec = {
        id: c.peerId,
        address: c.address,
        score: new PeerScore(this.limits),
        conn: null,
        bannedUntil: 0,
        neighbours: null,
        wasThrottled: false,
        peersRate: new TokenBucket(this.defenses.peersPerSec, 4 * this.defenses.peersPerSec),
        blockWindowStart: 0,
        blockRequests: 0,
        blockBytes: 0,
      };
      this.records.set(c.peerId, rec);
    }
    const existing = rec.conn;
    if (existing && !existing.closed) {
      if (existing.session !== c.session) {
        existing.close('replaced by a connection from a newer session of the peer');
      } else if (this.tieKey(c) < this.tieKey(existing)) {
        existing.close('duplicate connection');
      } else {
        return c.close('duplicate connection');
      }
    }
    rec.conn = c;
    rec.name = c.hello!.name || this.dialTargets.get(c)?.addr.name || rec.name;
    rec.address = c.outbound ? c.address : `${(c.socket.remoteAddress ?? '?').replace(/^::ffff:/, '')}:${c.hello!.listenPort}`;
    c.slot = this.seen.allocSlot();
    c.fault = this.faults.get(c.peerId) ?? null;
    const target = this.dialTargets.get(c);
    if (target) target.backoffMs = this.backoff.initialMs;
    const [host, port] = splitHostPort(rec.address);
    this.book.set(c.peerId, { host, port, direct: true });
    rec.neighbours = null;
    c.sendFrame(MsgType.peers, encodePeers(this.addressBook(c.peerId)), true);
    this.scheduleAddressBookUpdate();
    this.log('info', 'peer connected', { peer: c.peerId.slice(0, 16), name: rec.name, address: rec.address, outbound: c.outbound });
    const waiting = this.waiters.get(c.peerId);
    this.waiters.delete(c.peerId);
    for (const w of waiting ?? []) w();
    this.offerPending(rec, c);
    this.opts.handlers.onPeerConnected?.(c.peerId);
  }

  /**
   * Send a newly connected peer our pending transactions: a snapshot of at most mempoolExchangeMax, a slice
   * per tick at mempoolExchangePerSec, skipping those the peer sent us or we sent it on this connection, and
   * waiting while its outbound queue is over half its bound. Stops when the connection goes.
   */
  private offerPending(rec: PeerRecord, c: Connection): void {
    const max = this.defenses.mempoolExchangeMax;
    const pending = max > 0 ? this.opts.handlers.pendingTxs?.(max) : undefined;
    if (!pending || pending.length === 0) return;
    const perSec = this.defenses.mempoolExchangePerSec;
    const slice = perSec > 0 ? Math.max(1, Math.ceil((perSec * EXCHANGE_TICK_MS) / 1000)) : pending.length;
    const queueBound = this.defenses.maxQueuedBytes > 0 ? this.defenses.maxQueuedBytes / 2 : Infinity;
    let next = 0;
    const step = (): void => {
      if (!this.running || rec.conn !== c || c.closed) return;
      if (c.queuedBytes <= queueBound) {
        const b = bit(c.slot);
        for (const end = Math.min(pending.length, next + slice); next < end; next++) {
          const bytes = pending[next]!;
          const { entry } = this.seen.touch(sha256Hex(bytes));
          if ((entry.recv | entry.sent) & b) continue;
          entry.sent |= b;
          this.metrics.mempoolExchanged++;
          c.sendTx(bytes);
        }
      }
      if (next < pending.length) setTimeout(step, EXCHANGE_TICK_MS).unref();
      else this.log('debug', 'mempool offered', { peer: c.peerId.slice(0, 16), txs: pending.length });
    };
    step();
  }

  /** At the record cap, forget the oldest disconnected peer (one not banned first). */
  private makeRoomForRecord(): void {
    const max = this.defenses.maxPeerRecords;
    if (max <= 0 || this.records.size < max) return;
    let victim: string | null = null;
    const now = Date.now();
    for (const r of this.records.values()) {
      if (r.conn) continue;
      if (r.bannedUntil <= now) {
        victim = r.id;
        break;
      }
      victim ??= r.id;
    }
    if (victim) this.records.delete(victim);
  }

  /** Remember where a peer listens; at the cap the oldest second-hand entry makes room. */
  private learnAddress(id: string, host: string, port: number): void {
    const max = this.defenses.maxAddressBook;
    if (max > 0 && this.book.size >= max && !this.book.has(id)) {
      let victim: string | null = null;
      for (const [k, a] of this.book) {
        if (!a.direct) {
          victim = k;
          break;
        }
      }
      if (!victim) return;
      this.book.delete(victim);
    }
    this.book.set(id, { host, port, direct: false });
  }

  private addressBook(except: string): Array<{ id: string; host: string; port: number }> {
    const out = [];
    for (const [id, a] of this.book) if (id !== except && a.direct && this.records.get(id)?.conn) out.push({ id, host: a.host, port: a.port });
    return out;
  }

  /** Neighbour sets drive relay suppression: tell every peer soon after ours change. */
  private scheduleAddressBookUpdate(): void {
    if (this.bookUpdate || !this.running) return;
    this.bookUpdate = setTimeout(() => {
      this.bookUpdate = null;
      this.shareAddressBook();
    }, 20);
    this.bookUpdate.unref();
  }

  private shareAddressBook(): void {
    for (const rec of this.records.values()) if (rec.conn) rec.conn.sendFrame(MsgType.peers, encodePeers(this.addressBook(rec.id)), true);
  }

  /** Connect to a peer known from the address book (no-op when connected). Rejects with LN_ERR_NODE_API. */
  async connectTo(peer: string, timeoutMs = 5_000): Promise<void> {
    if (this.records.get(peer)?.conn) return;
    if (peer === this.peerId) throw new LoadnetError('LN_ERR_NODE_API', 'cannot connect to this node itself');
    if (this.blocked.has(peer)) throw new LoadnetError('LN_ERR_NODE_API', `peer ${peer.slice(0, 16)} is blocked at this node`);
    const a = this.book.get(peer);
    if (!a) throw new LoadnetError('LN_ERR_NODE_API', `peer ${peer.slice(0, 16)} is not connected and no neighbour knows its address`);
    const key = `${a.host}:${a.port}`;
    let t = this.targets.find((x) => x.key === key);
    if (!t) {
      t = { addr: { host: a.host, port: a.port }, key, knownId: peer, self: false, backoffMs: this.backoff.initialMs, timer: null, busy: false };
      this.targets.push(t);
    }
    if (!t.busy) this.scheduleDial(t, 0);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(peer) ?? [];
        list.splice(list.indexOf(done), 1);
        reject(new LoadnetError('LN_ERR_NODE_API', `could not connect to peer ${peer.slice(0, 16)} at ${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const list = this.waiters.get(peer) ?? [];
      list.push(done);
      this.waiters.set(peer, list);
    });
  }

  private onClosed(c: Connection, reason: string): void {
    this.connections.delete(c);
    if (!c.established && reason === 'handshake timeout') this.metrics.handshakesDropped++;
    const rec = this.records.get(c.peerId);
    const target = this.dialTargets.get(c);
    if (target) target.busy = false;
    if (rec && rec.conn === c) {
      rec.conn = null;
      rec.neighbours = null;
      this.seen.freeSlot(c.slot);
      this.scheduleAddressBookUpdate();
      this.log('info', 'peer disconnected', { peer: c.peerId.slice(0, 16), reason });
      // Redial every address known to lead to this peer (a restarted peer comes back by itself).
      for (const t of this.targets) if (t.knownId === c.peerId && t !== target && !t.busy) this.scheduleDial(t, t.backoffMs);
    } else if (c.established || reason !== 'socket closed') {
      this.log('debug', 'connection closed', { peer: c.peerId.slice(0, 16), reason });
    }
    if (target) this.retry(target);
  }

  // ---- inbound messages --------------------------------------------------------------------------

  private admit(c: Connection, rec: PeerRecord, cost: number): boolean {
    if (rec.score.admit(cost)) return true;
    this.metrics.throttled++;
    rec.score.penalizeThrottled();
    this.checkScore(rec, 'over the rate limit');
    return false;
  }

  /** Duplicate suppression for gossip: true when the message is new and should reach the handler. */
  private fresh(c: Connection, bytes: Uint8Array): boolean {
    const { entry, created } = this.seen.touch(sha256Hex(bytes));
    const b = bit(c.slot);
    if (!created) {
      this.metrics.duplicates++;
      if (entry.recv & b) this.penalize(c.peerId, this.limits.duplicatePenalty, 'repeated a message');
      entry.recv |= b;
      return false;
    }
    entry.recv |= b;
    return true;
  }

  private onFrame(c: Connection, type: number, payload: Buffer): void {
    const rec = this.records.get(c.peerId);
    if (!rec || rec.conn !== c) return;
    try {
      this.dispatch(c, rec, type, payload);
    } catch (e) {
      if ((e as LoadnetError).code === 'LN_ERR_CODEC') this.penalize(c.peerId, this.limits.malformedPenalty, `malformed message type ${type}: ${(e as Error).message}`);
      else this.log('error', 'p2p handler failed', { type, error: (e as Error).stack ?? String(e) });
    }
  }

  private dispatch(c: Connection, rec: PeerRecord, type: number, payload: Buffer): void {
    const h = this.opts.handlers;
    switch (type) {
      case MsgType.txs: {
        const txs = decodeList(new ByteReader(payload), 1_000_000, 'txs');
        for (const tx of txs) {
          if (rec.conn !== c) return; // banned mid-batch
          this.metrics.gossipIn++;
          if (!this.admit(c, rec, MESSAGE_COST.tx) || !this.fresh(c, tx)) continue;
          this.guard(() => h.onTx(tx, c.peerId));
        }
        return;
      }
      case MsgType.block:
        this.metrics.gossipIn++;
        if (!this.admit(c, rec, MESSAGE_COST.block) || !this.fresh(c, payload)) return;
        this.guard(() => h.onBlock(payload, c.peerId));
        return;
      case MsgType.blockReq: {
        if (!this.admit(c, rec, MESSAGE_COST.blockReq)) return;
        const { reqId, req } = decodeBlockRequest(payload);
        const refusal = this.blockBudget(c, rec);
        if (refusal) {
          this.metrics.blockRequestsRefused++;
          if (refusal === 'over budget') {
            this.penalize(c.peerId, 1, 'block requests over budget');
            c.sendRaw(encodeListFrame(MsgType.blockResp, [], u32Prefix(reqId)));
          }
          return;
        }
        const blocks = this.guard(() => h.onBlockRequest(req, c.peerId)) ?? [];
        // Answer within the request's max and the frame bound; the requester asks again from where it stopped.
        const out: Uint8Array[] = [];
        let size = 16;
        for (const b of blocks.slice(0, Math.max(0, req.max))) {
          if (size + b.length + 4 > this.connOpts.maxFrameBytes - 16) break;
          size += b.length + 4;
          out.push(b);
        }
        rec.blockBytes += size;
        c.sendRaw(encodeListFrame(MsgType.blockResp, out, u32Prefix(reqId)));
        return;
      }
      case MsgType.shareReq: {
        if (!this.admit(c, rec, MESSAGE_COST.share)) return;
        if (this.defenses.maxQueuedBytes > 0 && c.queuedBytes > this.defenses.maxQueuedBytes) return;
        if (payload.length < 4) throw new LoadnetError('LN_ERR_CODEC', 'share request without a request id');
        const reply = this.guard(() => h.onDaShare(payload.subarray(4), c.peerId)) ?? null;
        const resp = Buffer.allocUnsafe(5 + (reply?.length ?? 0));
        payload.copy(resp, 0, 0, 4);
        resp[4] = reply ? 1 : 0;
        if (reply) resp.set(reply, 5);
        c.sendFrame(MsgType.shareResp, resp);
        return;
      }
      case MsgType.peers: {
        if (!this.admit(c, rec, MESSAGE_COST.blockReq)) return;
        if (!rec.peersRate.take()) {
          this.metrics.throttled++;
          this.penalize(c.peerId, 2, 'PEERS messages over their rate');
          return;
        }
        const entries = decodePeers(payload);
        rec.neighbours = new Set(entries.map((e) => e.id));
        for (const e of entries) {
          if (e.id === this.peerId || this.book.get(e.id)?.direct) continue;
          this.learnAddress(e.id, e.host, e.port);
        }
        return;
      }
      default:
        this.penalize(c.peerId, this.limits.malformedPenalty, `unknown message type ${type}`);
    }
  }

  /** Null when a block request may be served now; otherwise why not. */
  private blockBudget(c: Connection, rec: PeerRecord): 'queue full' | 'over budget' | null {
    const d = this.defenses;
    if (d.maxQueuedBytes > 0 && c.queuedBytes > d.maxQueuedBytes) return 'queue full';
    if (d.blockRequestsPerInterval <= 0 && d.blockBytesPerInterval <= 0) return null;
    const now = Date.now();
    if (now - rec.blockWindowStart >= d.blockBudgetIntervalMs) {
      rec.blockWindowStart = now;
      rec.blockRequests = 0;
      rec.blockBytes = 0;
    }
    if ((d.blockRequestsPerInterval > 0 && rec.blockRequests >= d.blockRequestsPerInterval) || (d.blockBytesPerInterval > 0 && rec.blockBytes >= d.blockBytesPerInterval)) return 'over budget';
    rec.blockRequests++;
    return null;
  }

  private guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.log('error', 'p2p handler threw', { error: (e as Error).stack ?? String(e) });
      return undefined;
    }
  }

  // ---- outbound ----------------------------------------------------------------------------------

  private gossip(bytes: Uint8Array, except: string | undefined, send: (c: Connection) => void, suppress: boolean): void {
    const { entry } = this.seen.touch(sha256Hex(bytes));
    const skip = suppress && except !== undefined ? this.records.get(except)?.neighbours : undefined;
    for (const rec of this.records.values()) {
      const c = rec.conn;
      if (!c || rec.id === except || skip?.has(rec.id)) continue;
      const b = bit(c.slot);
      if ((entry.recv | entry.sent) & b) continue;
      entry.sent |= b;
      this.metrics.gossipOut++;
      send(c);
    }
  }

  broadcastTx(bytes: Uint8Array, except?: string): void {
    this.gossip(bytes, except, (c) => c.sendTx(bytes), true);
  }

  broadcastBlock(bytes: Uint8Array, except?: string): void {
    this.gossip(bytes, except, (c) => c.sendFrame(MsgType.block, bytes), false);
  }

  private connected(peer: string): Connection {
    const c = this.records.get(peer)?.conn;
    if (!c) throw new LoadnetError('LN_ERR_NODE_API', `peer ${peer.slice(0, 16)} is not connected`);
    return c;
  }

  async requestBlocks(peer: string, req: BlockRequest): Promise<Uint8Array[]> {
    const c = this.connected(peer);
    const resp = await c.request(MsgType.blockReq, (reqId) => encodeBlockRequest(reqId, req), this.opts.requestTimeoutMs ?? 10_000);
    const r = new ByteReader(resp, 4);
    return decodeList(r, 1_000_000, 'block response');
  }

  async sendDaShare(peer: string, bytes: Uint8Array): Promise<Uint8Array | null> {
    await this.connectTo(peer);
    const c = this.connected(peer);
    const resp = await c.request(
      MsgType.shareReq,
      (reqId) => {
        const p = new Uint8Array(4 + bytes.length);
        p.set(u32Prefix(reqId), 0);
        p.set(bytes, 4);
        return p;
      },
      this.opts.requestTimeoutMs ?? 10_000,
    );
    if (resp.length < 5) throw new LoadnetError('LN_ERR_NODE_API', `peer ${peer.slice(0, 16)} sent a malformed share response`);
    return resp[4] === 1 ? new Uint8Array(resp.subarray(5)) : null;
  }

  // ---- scoring and control -----------------------------------------------------------------------

  penalize(peer: string, points: number, reason: string): void {
    const rec = this.records.get(peer);
    if (!rec) return;
    rec.score.penalize(points);
    if (points >= 1) this.log('debug', 'peer penalized', { peer: peer.slice(0, 16), points, reason, score: rec.score.value });
    this.checkScore(rec, reason);
  }

  /** Log the step into throttling, and disconnect + ban below the threshold. */
  private checkScore(rec: PeerRecord, reason: string): void {
    const peer = rec.id;
    const throttled = rec.score.throttled;
    if (throttled && !rec.wasThrottled) this.log('warn', 'peer throttled', { peer: peer.slice(0, 16), reason, score: rec.score.value });
    rec.wasThrottled = throttled;
    if (rec.score.shouldDisconnect && rec.conn && this.opts.ban !== false) {
      rec.bannedUntil = Date.now() + this.limits.banMs;
      this.metrics.disconnected++;
      this.metrics.banned++;
      this.log('warn', 'peer disconnected and banned', { peer: peer.slice(0, 16), reason, score: rec.score.value, banMs: this.limits.banMs });
      rec.conn.close(`score ${rec.score.value.toFixed(1)} below ${this.limits.disconnectBelow} (${reason}); banned for ${this.limits.banMs} ms`);
    }
  }

  /** The largest outbound queue over the connections now, in bytes (what gossip and answers wait in). */
  outboundQueueBytes(): number {
    let max = 0;
    for (const c of this.connections) max = Math.max(max, c.queuedBytes);
    return max;
  }

  peers(): Array<{ id: string; name?: string; address: string; score: number; connected: boolean; rttMs?: number }> {
    return [...this.records.values()].map((r) => ({ id: r.id, name: r.name, address: r.address, score: Math.round(r.score.value * 100) / 100, connected: r.conn !== null, ...(r.conn?.rttMs != null ? { rttMs: r.conn.rttMs } : {}) }));
  }

  info(): NetworkInfo {
    const ids = [...this.records.values()].filter((r) => r.conn).map((r) => r.id);
    const pendingHandshakes = [...this.connections].filter((c) => !c.established).length;
    return {
      listen_addresses: [`/ip4/${this.opts.listen.host}/tcp/${this.boundPort}`],
      peer_id: this.peerId,
      n_peers: ids.length,
      n_connections: ids.length,
      n_pending_connections: this.dialing + pendingHandshakes,
      peers: ids,
    };
  }

  blockPeer(id: string): void {
    this.blocked.add(id);
    for (const c of [...this.connections]) if (c.peerId === id) c.close('peer is blocked at this node');
    this.log('info', 'peer blocked', { peer: id.slice(0, 16) });
  }

  unblockPeer(id: string): void {
    if (!this.blocked.delete(id)) return;
    this.log('info', 'peer unblocked', { peer: id.slice(0, 16) });
    for (const t of this.targets) {
      if (t.knownId !== id) continue;
      t.backoffMs = this.backoff.initialMs;
      if (!t.busy) this.scheduleDial(t, 0);
    }
  }

  setLinkFault(f: LinkFault): void {
    const bad = (v: unknown, max = Infinity): boolean => typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max;
    if (typeof f.peer_id !== 'string' || !/^[0-9a-f]{64}$/.test(f.peer_id) || bad(f.delay_ms, 600_000) || bad(f.jitter_ms, 600_000) || bad(f.loss, 1)) {
      throw new LoadnetError('LN_ERR_USAGE', `link fault ${JSON.stringify(f)}: peer_id must be a 64-char hex peer id, delay_ms and jitter_ms 0..600000, loss 0..1`);
    }
    const clear = f.delay_ms === 0 && f.jitter_ms === 0 && f.loss === 0;
    const fault = clear ? null : { peer_id: f.peer_id, delay_ms: f.delay_ms, jitter_ms: f.jitter_ms, loss: f.loss };
    if (fault) this.faults.set(f.peer_id, fault);
    else this.faults.delete(f.peer_id);
    const c = this.records.get(f.peer_id)?.conn;
    if (c) c.fault = fault;
    this.log('info', clear ? 'link fault cleared' : 'link fault set', { peer: f.peer_id.slice(0, 16), ...fault });
  }

  state(): { blocked: string[]; faults: Record<string, LinkFault> } {
    return { blocked: [...this.blocked], faults: Object.fromEntries(this.faults) };
  }
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
