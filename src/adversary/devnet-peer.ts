/**
 * A devnet P2P client for user code, attack tests and the flooding-peer workload: it speaks the devnet's
 * own framed TCP protocol (src/adapters/devnet/wire/p2p-frames.ts; not libp2p), joins a node through the
 * normal handshake with an identity of its own, answers pings, keeps what the node gossips to it, and sends
 * whatever frames its user wants. `halfOpen` and `randomPeers` are the other raw tools of the attack tests.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { deriveKeyPair } from '../adapters/devnet/wire/keys.js';
import type { SigningKey } from '../adapters/devnet/wire/ed25519.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, MsgType, decodeList, decodeReason, encodeBlockRequest, encodeFrame, encodeListFrame, u32Prefix, type BlockRequest } from '../adapters/devnet/wire/p2p-frames.js';
import { P2P_VERSION, decodeHello, encodeHello, newChallenge, newSession, signAuth } from '../adapters/devnet/wire/p2p-handshake.js';
import { ByteReader, toHex, type Hex } from '../util/bytes.js';

export interface DevnetPeerOptions {
  /** The node's P2P address. */
  host?: string;
  port: number;
  /** The chain id the node's genesis names (GET /cryptarchia/info does not carry it; the run's genesis does). */
  chainId: string;
  /** Our identity: a key, or index `index` of the keys derived from `seed` (the attack tests' way). */
  identity: SigningKey | { seed: string | number; index: number };
  /** Sent in the HELLO (the node shows it as the peer's name in p2p_peer_score). Default 'loadnet-peer'. */
  name?: string;
  /** How long to wait after our AUTH for the node to refuse us (it checks our HELLO before it answers). Default 200 ms. */
  acceptGraceMs?: number;
  /** Called with every frame the node sends after the handshake (pings are answered already). */
  onFrame?: (type: number, payload: Buffer) => void;
}

/** An authenticated connection to one devnet node. */
export class DevnetPeer {
  /** Resolves with the node's reason (its DISCONNECT frame) or 'socket closed' when the connection ends. */
  readonly closed: Promise<string>;
  /** Blocks the node gossiped to us, newest last (at most 64 kept). */
  readonly blocksSeen: Uint8Array[] = [];
  private reason = 'socket closed';
  private nextReqId = 1;
  private readonly pending = new Map<number, (payload: Buffer) => void>();

  private constructor(
    readonly socket: net.Socket,
    readonly peerId: Hex,
  ) {
    this.closed = new Promise<string>((r) => socket.once('close', () => r(this.reason)));
  }

  /** Connect and authenticate; resolves once the node kept us past the accept grace, rejects with its refusal. */
  static connect(o: DevnetPeerOptions): Promise<DevnetPeer> {
    const key = 'sign' in o.identity ? o.identity : deriveKeyPair(o.identity.seed, 'attacker', o.identity.index).key;
    return new Promise((resolve, reject) => {
      const socket = net.connect(o.port, o.host ?? '127.0.0.1');
      const peer = new DevnetPeer(socket, toHex(key.publicKey));
      const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
      let authed = false;
      let settled = false;
      const refuse = () => {
        if (settled) return;
        settled = true;
        reject(new Error(`refused: ${peer.reason}`));
      };
      socket.on('error', () => {});
      socket.once('close', () => (authed && settled ? undefined : refuse()));
      socket.on('connect', () => {
        socket.write(encodeFrame(MsgType.hello, encodeHello({ version: P2P_VERSION, chainId: o.chainId, peerId: key.publicKey, challenge: newChallenge(), session: newSession(), listenPort: 1, name: o.name ?? 'loadnet-peer' })));
      });
      socket.on('data', (chunk: Buffer) => {
        let frames: Array<{ type: number; payload: Buffer }>;
        try {
          frames = decoder.push(chunk);
        } catch {
          socket.destroy();
          return;
        }
        for (const f of frames) {
          if (f.type === MsgType.disconnect) peer.reason = decodeReason(f.payload);
          else if (f.type === MsgType.hello && !authed) {
            socket.write(encodeFrame(MsgType.auth, signAuth(key, o.chainId, decodeHello(f.payload))));
            authed = true;
            setTimeout(() => {
              if (socket.destroyed) return refuse();
              settled = true;
              resolve(peer);
            }, o.acceptGraceMs ?? 200);
          } else if (authed) peer.onFrame(f.type, f.payload, o.onFrame);
        }
      });
    });
  }

  private onFrame(type: number, payload: Buffer, user?: (type: number, payload: Buffer) => void): void {
    if (type === MsgType.ping) this.send(MsgType.pong, payload);
    else if (type === MsgType.block) {
      this.blocksSeen.push(new Uint8Array(payload));
      if (this.blocksSeen.length > 64) this.blocksSeen.shift();
    } else if (type === MsgType.blockResp && payload.length >= 4) {
      const reqId = payload.readUInt32LE(0);
      this.pending.get(reqId)?.(payload.subarray(4));
      this.pending.delete(reqId);
    }
    user?.(type, payload);
  }

  get connected(): boolean {
    return !this.socket.destroyed;
  }

  /** Write one frame; false when the socket's buffer is full (wait for 'drain') or it is closed. */
  send(type: number, payload: Uint8Array): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(encodeFrame(type, payload));
  }

  /** Gossip transactions (canonical bytes) in one TXS frame. */
  sendTxs(txs: readonly Uint8Array[]): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(encodeListFrame(MsgType.txs, txs));
  }

  /** Gossip a block (its canonical bytes). */
  sendBlock(block: Uint8Array): boolean {
    return this.send(MsgType.block, block);
  }

  /** Send a DA share message (a store or fetch message) as a SHARE_REQ; the node's answer is not awaited. */
  sendShare(share: Uint8Array): boolean {
    const payload = new Uint8Array(4 + share.length);
    payload.set(u32Prefix(this.nextReqId++ >>> 0), 0);
    payload.set(share, 4);
    return this.send(MsgType.shareReq, payload);
  }

  /** Ask the node for blocks (canonical bytes), as a syncing peer does. */
  requestBlocks(req: BlockRequest, timeoutMs = 10_000): Promise<Uint8Array[]> {
    const reqId = this.nextReqId++ >>> 0;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new Error(`no answer to block request ${reqId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(reqId, (payload) => {
        clearTimeout(timer);
        try {
          resolve(decodeList(new ByteReader(payload), 100_000, 'blocks').map((b) => new Uint8Array(b)));
        } catch (e) {
          reject(e as Error);
        }
      });
      this.send(MsgType.blockReq, encodeBlockRequest(reqId, req));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Open `n` TCP connections that never say a word; resolves with a counter of those the node closed. */
export async function halfOpen(port: number, n: number, host = '127.0.0.1'): Promise<{ sockets: net.Socket[]; closed: () => number }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, host, () => resolve());
          s.on('data', () => {});
          s.on('error', () => resolve());
          s.once('close', () => {
            closed++;
            resolve();
          });
          sockets.push(s);
        }),
    ),
  );
  return { sockets, closed: () => closed };
}

/** A PEERS payload of `count` random identities at 127.0.0.1 (what an address-book flood sends). */
export function randomPeers(count: number): Uint8Array {
  const out = Buffer.alloc(2 + count * (32 + 2 + 1 + 9));
  out.writeUInt16LE(count, 0);
  let o = 2;
  for (let i = 0; i < count; i++) {
    randomBytes(32).copy(out, o);
    out.writeUInt16LE(1000 + (i % 60000), o + 32);
    out[o + 34] = 9;
    out.write('127.0.0.1', o + 35);
    o += 44;
  }
  return out;
}
