/**
 * The P2P handshake. Both sides send HELLO at once (chain id, peer id = ed25519 identity public key, a
 * fresh random challenge, a per-process session id), then AUTH: a signature by the identity key over
 *   'loadnet.devnet.p2p.v1\0' | chainId | the other side's challenge | signer id | receiver id
 * so nobody can claim a peer id without its key, and a signature cannot be replayed to another node or chain.
 * The session id tells a restarted peer (new session) from a simultaneous second dial (same session).
 */
import { randomBytes } from 'node:crypto';
import { ByteReader, ByteWriter } from '../../../util/bytes.js';
import { fastestEd25519, type SigningKey } from './ed25519.js';
import { LoadnetError } from '../../../errors.js';

export const P2P_VERSION = 1;
export const P2P_DOMAIN = new TextEncoder().encode('loadnet.devnet.p2p.v1\0');

export interface Hello {
  version: number;
  chainId: string;
  peerId: Uint8Array;
  challenge: Uint8Array;
  session: Uint8Array;
  listenPort: number;
  name: string;
}

export function newChallenge(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export function newSession(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

export function encodeHello(h: Hello): Uint8Array {
  const chain = new TextEncoder().encode(h.chainId);
  const name = new TextEncoder().encode(h.name).subarray(0, 255);
  return new ByteWriter(128 + chain.length + name.length)
    .u8(h.version)
    .u16(chain.length)
    .bytes(chain)
    .bytes(h.peerId)
    .bytes(h.challenge)
    .bytes(h.session)
    .u16(h.listenPort)
    .u8(name.length)
    .bytes(name)
    .finish();
}

/** Throws LN_ERR_CODEC when malformed. */
export function decodeHello(payload: Uint8Array): Hello {
  const r = new ByteReader(payload);
  const version = r.u8('version');
  const chainId = new TextDecoder().decode(r.bytes(r.u16('chainId length'), 'chainId'));
  const peerId = r.bytes(32, 'peerId').slice();
  const challenge = r.bytes(32, 'challenge').slice();
  const session = r.bytes(16, 'session').slice();
  const listenPort = r.u16('listenPort');
  const name = new TextDecoder().decode(r.bytes(r.u8('name length'), 'name'));
  if (r.remaining !== 0) throw new LoadnetError('LN_ERR_CODEC', `hello: ${r.remaining} trailing bytes`);
  return { version, chainId, peerId, challenge, session, listenPort, name };
}

function authMessage(chainId: string, challenge: Uint8Array, signer: Uint8Array, receiver: Uint8Array): Uint8Array {
  const chain = new TextEncoder().encode(chainId);
  return new ByteWriter(P2P_DOMAIN.length + chain.length + 96).bytes(P2P_DOMAIN).bytes(chain).bytes(challenge).bytes(signer).bytes(receiver).finish();
}

/** Our AUTH: proves we hold the key of our peer id, bound to their challenge. */
export function signAuth(identity: SigningKey, chainId: string, theirHello: Hello): Uint8Array {
  return identity.sign(authMessage(chainId, theirHello.challenge, identity.publicKey, theirHello.peerId));
}

/** Check their AUTH against the challenge we sent them. */
export function verifyAuth(signature: Uint8Array, chainId: string, ourChallenge: Uint8Array, theirId: Uint8Array, ourId: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  return fastestEd25519().verify(signature, authMessage(chainId, ourChallenge, theirId, ourId), theirId);
}
