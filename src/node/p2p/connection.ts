/**
 * One TCP connection to a peer: framing, the handshake, coalesced writes, link faults, request/response
 * matching, keep-alive. The network decides policy (who to accept, dedup, scoring); this class only moves
 * bytes reliably and fast.
 *
 * Writes are coalesced: every frame and every gossiped transaction of one event-loop tick goes out in a
 * single socket write (transactions packed into one TXS frame), which is what lets a node carry thousands
 * of tx/s without a syscall per transaction.
 */
import type { Socket } from 'node:net';
import type { LinkFault } from '../../adapters/devnet/wire/api.js';
import type { SigningKey } from '../../adapters/devnet/wire/ed25519.js';
import { toHex } from '../../util/bytes.js';
import { LoadnetError } from '../../errors.js';
import { FrameDecoder, MsgType, decodeReason, encodeFrame, encodeListFrame, encodeReason } from '../../adapters/devnet/wire/p2p-frames.js';
import { P2P_VERSION, decodeHello, encodeHello, newChallenge, signAuth, verifyAuth, type Hello } from '../../adapters/devnet/wire/p2p-handshake.js';
import { TokenBucket } from './peer-score.js';

export interface HandshakeContext {
  identity: SigningKey;
  chainId: string;
  session: Uint8Array;
  listenPort: number;
  name: string;
  /** Policy check on the other side's HELLO: a reason to refuse, or null to continue. */
  accept(hello: Hello, conn: Connection): string | null;
}

export interface ConnectionEvents {
  established(conn: Connection): void;
  frame(conn: Connection, type: number, payload: Buffer): void;
  closed(conn: Connection, reason: string): void;
  /** A protocol violation worth penalizing (malformed frame); the network scores it. */
  violation(conn: Connection, reason: string): void;
  /** Control messages over their rate were dropped (`count` since the last report); the network scores it. */
  overRate?(conn: Connection, what: string, count: number): void;
}

export interface ConnectionOptions {
  maxFrameBytes: number;
  /** 0 = no deadline (the defense switched off). */
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  idleTimeoutMs: number;
  /** Gossip is dropped (not queued) while the socket has more than this buffered: a slow peer must not grow our memory. */
  maxBufferedBytes: number;
  /** A TXS frame is closed at this size even within a tick. */
  txBatchBytes: number;
  /**
   * Backpressure: while more than this is queued for the peer, reading from it pauses until the
   * socket drains (a peer that asks and never reads stops being read; 0 = never pause).
   */
  maxQueuedBytes?: number;
  /** Pings answered per second (burst 4×); more are dropped and reported (0 = no limit). */
  pingsPerSec?: number;
}

interface Pending {
  resolve(payload: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

let nextConnId = 1;
const HANDSHAKE_MAX_FRAME_BYTES = 4096;

export class Connection {
  readonly connId = nextConnId++;
  /** Hex peer id once HELLO arrived (authenticated only when `established`). */
  peerId = '';
  hello: Hello | null = null;
  established = false;
  closed = false;
  /** Slot in the seen cache (assigned by the network). */
  slot = -1;
  fault: LinkFault | null = null;
  droppedOut = 0;
  rttMs: number | null = null;
  private readonly decoder: FrameDecoder;
  /** The challenge we sent in our HELLO. */
  readonly ownChallenge = newChallenge();
  private out: Buffer[] = [];
  private txs: Uint8Array[] = [];
  private txBytes = 0;
  private flushScheduled = false;
  private lastRecvAt = Date.now();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pingTimer: NodeJS.Timeout | null = null;
  private pingSentAt = 0;
  private nextReqId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly pings: TokenBucket;
  private droppedPings = 0;
  private pausedForDrain = false;

  constructor(
    readonly socket: Socket,
    /** True when we dialed. */
    readonly outbound: boolean,
    /** host:port we dialed, or the remote socket address. */
    readonly address: string,
    private readonly ctx: HandshakeContext,
    private readonly events: ConnectionEvents,
    private readonly opts: ConnectionOptions,
  ) {
    // Unauthenticated peers get small frames only: a HELLO is ~150 bytes.
    this.decoder = new FrameDecoder(HANDSHAKE_MAX_FRAME_BYTES);
    this.pings = new TokenBucket(opts.pingsPerSec ?? 0, 4 * (opts.pingsPerSec ?? 0));
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(`socket error: ${err.message}`, false));
    socket.on('close', () => this.close('socket closed', false));
    if (opts.handshakeTimeoutMs > 0) {
      this.later(opts.handshakeTimeoutMs, () => {
        if (!this.established) this.close('handshake timeout', false);
      });
    }
    const hello = encodeHello({ version: P2P_VERSION, chainId: ctx.chainId, peerId: ctx.identity.publicKey, challenge: this.ownChallenge, session: ctx.session, listenPort: ctx.listenPort, name: ctx.name });
    this.writeNow(encodeFrame(MsgType.hello, hello));
  }

  /** Session id of the remote process (hex). */
  get session(): string {
    return this.hello ? toHex(this.hello.session) : '';
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastRecvAt = Date.now();
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      // The stream cannot be resynchronised after a bad length: report and drop the connection.
      this.events.violation(this, (e as Error).message);
      this.close(`bad frame: ${(e as Error).message}`);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      if (!this.established) this.onHandshakeFrame(f.type, f.payload);
      else this.onFrame(f.type, f.payload);
    }
  }

  private onHandshakeFrame(type: number, payload: Buffer): void {
    if (type === MsgType.disconnect) return this.close(`refused by peer: ${decodeReason(payload)}`, false);
    if (type === MsgType.hello && !this.hello) {
      let hello: Hello;
      try {
        hello = decodeHello(payload);
      } catch (e) {
        return this.close(`bad hello: ${(e as Error).message}`);
      }
      if (hello.version !== P2P_VERSION) return this.close(`protocol version ${hello.version}, this node speaks ${P2P_VERSION}`);
      if (hello.chainId !== this.ctx.chainId) return this.close(`wrong chain id ${JSON.stringify(hello.chainId)}, this node is on ${JSON.stringify(this.ctx.chainId)}`);
      this.hello = hello;
      this.peerId = toHex(hello.peerId);
      const refusal = this.ctx.accept(hello, this);
      if (refusal) return this.close(refusal);
      this.writeNow(encodeFrame(MsgType.auth, signAuth(this.ctx.identity, this.ctx.chainId, hello)));
      return;
    }
    if (type === MsgType.auth && this.hello) {
      if (!verifyAuth(payload, this.ctx.chainId, this.ownChallenge, this.hello.peerId, this.ctx.identity.publicKey)) {
        this.events.violation(this, 'bad handshake signature');
        return this.close('handshake signature does not match the claimed peer id');
      }
      this.established = true;
      this.decoder.maxFrameBytes = this.opts.maxFrameBytes;
      this.pingTimer = setInterval(() => this.keepAlive(), this.opts.pingIntervalMs);
      this.pingTimer.unref();
      this.events.established(this);
      return;
    }
    this.close(`unexpected message type ${type} during the handshake`);
  }

  private onFrame(type: number, payload: Buffer): void {
    switch (type) {
      case MsgType.ping:
        if (!this.pings.take()) {
          if (++this.droppedPings % 50 === 0) this.events.overRate?.(this, 'pings', 50);
          return;
        }
        this.sendFrame(MsgType.pong, payload, true);
        return;
      case MsgType.pong:
        if (this.pingSentAt > 0) this.rttMs = Date.now() - this.pingSentAt;
        this.pingSentAt = 0;
        return;
      case MsgType.disconnect:
        return this.close(`closed by peer: ${decodeReason(payload)}`, false);
      default:
        // Everything but control traffic crosses the link fault on the way in too.
        this.faulted(() => this.onMessage(type, payload));
    }
  }

  private onMessage(type: number, payload: Buffer): void {
    if (type === MsgType.blockResp || type === MsgType.shareResp) {
      if (payload.length < 4) return this.events.violation(this, 'response without a request id');
      const reqId = payload.readUInt32LE(0);
      const p = this.pending.get(reqId);
      if (!p) return; // late answer to a timed-out request
      this.pending.delete(reqId);
      clearTimeout(p.timer);
      p.resolve(payload);
      return;
    }
    this.events.frame(this, type, payload);
  }

  private keepAlive(): void {
    if (Date.now() - this.lastRecvAt > this.opts.idleTimeoutMs) return this.close(`no traffic for ${this.opts.idleTimeoutMs} ms`);
    this.pingSentAt = Date.now();
    this.sendFrame(MsgType.ping, new Uint8Array(4), true);
  }

  /** Random loss, then delay ± jitter, per the link fault; control traffic is exempt so the link stays up. */
  private faulted(deliver: () => void): void {
    const f = this.fault;
    if (!f) return deliver();
    if (f.loss > 0 && Math.random() < f.loss) return;
    const d = f.delay_ms + (f.jitter_ms > 0 ? (Math.random() * 2 - 1) * f.jitter_ms : 0);
    if (d <= 0) return deliver();
    this.later(d, () => {
      if (!this.closed) deliver();
    });
  }

  sendTx(bytes: Uint8Array): void {
    if (this.closed) return;
    this.faulted(() => {
      if (this.socket.writableLength + this.txBytes > this.opts.maxBufferedBytes) {
        this.droppedOut++;
        return;
      }
      this.txs.push(bytes);
      this.txBytes += bytes.length + 4;
      if (this.txBytes >= this.opts.txBatchBytes) this.closeTxBatch();
      this.scheduleFlush();
    });
  }

  sendFrame(type: number, payload: Uint8Array, control = false): void {
    if (this.closed) return;
    const frame = encodeFrame(type, payload);
    const queue = (): void => {
      this.closeTxBatch();
      this.out.push(frame);
      this.scheduleFlush();
    };
    if (control) queue();
    else this.faulted(queue);
  }

  /** Send a prebuilt frame through the fault and the coalescing queue. */
  sendRaw(frame: Buffer): void {
    if (this.closed) return;
    this.faulted(() => {
      this.closeTxBatch();
      this.out.push(frame);
      this.scheduleFlush();
    });
  }

  /** A request whose response carries the same id in its first 4 bytes. */
  request(type: number, build: (reqId: number) => Uint8Array, timeoutMs: number): Promise<Buffer> {
    if (this.closed || !this.established) return Promise.reject(new LoadnetError('LN_ERR_NODE_API', `peer ${this.peerId.slice(0, 16)} is not connected`));
    const reqId = this.nextReqId++ >>> 0;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new LoadnetError('LN_ERR_NODE_API', `peer ${this.peerId.slice(0, 16)} did not answer request ${reqId} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(reqId, { resolve, reject, timer });
      this.sendFrame(type, build(reqId));
    });
  }

  private closeTxBatch(): void {
    if (this.txs.length === 0) return;
    this.out.push(encodeListFrame(MsgType.txs, this.txs));
    this.txs = [];
    this.txBytes = 0;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    this.closeTxBatch();
    if (this.out.length === 0 || this.closed) return;
    const data = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
    this.out = [];
    this.writeNow(data);
  }

  /** Bytes waiting to go to this peer (socket buffer + this tick's frames). */
  get queuedBytes(): number {
    let n = this.socket.writableLength + this.txBytes;
    for (const b of this.out) n += b.length;
    return n;
  }

  private writeNow(data: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(data);
    const max = this.opts.maxQueuedBytes ?? 0;
    if (max > 0 && !this.pausedForDrain && this.socket.writableLength > max) {
      this.pausedForDrain = true;
      this.socket.pause();
      this.socket.once('drain', () => {
        this.pausedForDrain = false;
        if (!this.closed) this.socket.resume();
      });
    }
  }

  /** Close once: tell the peer why (when polite), reject pending requests, notify the network. */
  close(reason: string, polite = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new LoadnetError('LN_ERR_NODE_API', `connection to peer ${this.peerId.slice(0, 16)} closed: ${reason}`));
    }
    this.pending.clear();
    if (polite && !this.socket.destroyed && this.socket.writable) {
      this.socket.end(encodeFrame(MsgType.disconnect, encodeReason(reason)));
      const t = setTimeout(() => this.socket.destroy(), 1_000);
      t.unref();
    } else {
      this.socket.destroy();
    }
    this.events.closed(this, reason);
  }
}
