/**
 * A hostile peer for the attack tests and benches: speaks the devnet P2P wire protocol directly
 * (handshake with any identity, then whatever frames the attack needs), or leaves sockets half-open.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { deriveKeyPair } from '../../src/adapters/devnet/wire/keys.js';
import { FrameDecoder, MsgType, encodeFrame } from '../../src/node/p2p/frames.js';
import { P2P_VERSION, decodeHello, encodeHello, newChallenge, newSession, signAuth } from '../../src/node/p2p/handshake.js';

export interface RawPeer {
  socket: net.Socket;
  /** Resolves with the reason when the victim closes or refuses the connection. */
  closed: Promise<string>;
  send(type: number, payload: Uint8Array): boolean;
}

/** Connect and authenticate as identity `index` of `seed`; resolves once our AUTH is sent, or rejects with the victim's refusal. */
export function rawPeer(port: number, chainId: string, seed: string, index: number): Promise<RawPeer> {
  const key = deriveKeyPair(seed, 'attacker', index).key;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const decoder = new FrameDecoder(16 * 1024 * 1024);
    let reason = 'socket closed';
    let authed = false;
    const closed = new Promise<string>((r) => socket.once('close', () => r(reason)));
    socket.on('error', () => {});
    socket.once('close', () => {
      if (!authed) reject(new Error(`refused: ${reason}`));
    });
    socket.on('connect', () => {
      socket.write(encodeFrame(MsgType.hello, encodeHello({ version: P2P_VERSION, chainId, peerId: key.publicKey, challenge: newChallenge(), session: newSession(), listenPort: 1, name: 'attacker' })));
    });
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === MsgType.disconnect) reason = Buffer.from(f.payload.subarray(2)).toString('utf8');
        if (f.type === MsgType.hello && !authed) {
          socket.write(encodeFrame(MsgType.auth, signAuth(key, chainId, decodeHello(f.payload))));
          authed = true;
          // Give the victim a moment to refuse (it checks the HELLO before it answers with AUTH).
          setTimeout(() => (socket.destroyed ? reject(new Error(`refused: ${reason}`)) : resolve({ socket, closed, send: (type, payload) => socket.write(encodeFrame(type, payload)) })), 200);
        }
      }
    });
  });
}

/** Open `n` TCP connections that never say a word; resolves with a counter of those the victim closed. */
export async function halfOpen(port: number, n: number): Promise<{ sockets: net.Socket[]; closed: () => number }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => resolve());
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

/** A PEERS payload of `count` random identities (what an address-book flood sends). */
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

/** Victim's resident set size in MiB (from /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
