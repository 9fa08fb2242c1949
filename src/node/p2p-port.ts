/**
 * The node's view of the P2P module (src/node/p2p/network.ts): the node core depends on these methods
 * only, so a test can stand in for the network.
 */
import type { Hex } from '../util/bytes.js';
import type { SigningKey } from '../adapters/devnet/wire/ed25519.js';
import type { LinkFault, NetworkInfo } from '../adapters/devnet/wire/api.js';
import type { PeerAddress } from './config.js';
import type { Logger } from './log.js';

export interface BlockRequest {
  ids?: string[];
  fromHeight?: number;
  toHeight?: number;
  max: number;
}

export interface P2PHandlers {
  onTx(bytes: Uint8Array, from: string): void;
  onBlock(bytes: Uint8Array, from: string): void;
  onBlockRequest(req: BlockRequest, from: string): Uint8Array[];
  onDaShare(bytes: Uint8Array, from: string): Uint8Array | null;
  /** Pending transactions to offer a peer on (re)connection (the mempool exchange), at most `limit`, each sender's in nonce order. */
  pendingTxs?(limit: number): Uint8Array[];
  /** A peer connected (or reconnected): its chain may be ahead of ours. */
  onPeerConnected?(peer: string): void;
}

export interface P2PNetworkOptions {
  identity: SigningKey;
  chainId: string;
  listen: { host: string; port: number };
  peers: PeerAddress[];
  handlers: P2PHandlers;
  log?: Logger;
  /** This node's name, sent in the handshake (informative). */
  name?: string;
}

export interface PeerView {
  id: string;
  name?: string;
  address: string;
  score: number;
  connected: boolean;
}

export interface P2PNetworkLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  broadcastTx(bytes: Uint8Array, except?: string): void;
  broadcastBlock(bytes: Uint8Array, except?: string): void;
  requestBlocks(peer: string, req: BlockRequest): Promise<Uint8Array[]>;
  sendDaShare(peer: string, bytes: Uint8Array): Promise<Uint8Array | null>;
  penalize(peer: string, points: number, reason: string): void;
  peers(): PeerView[];
  /** The largest outbound queue over the connections now, in bytes. */
  outboundQueueBytes(): number;
  info(): NetworkInfo;
  blockPeer(id: Hex): void;
  unblockPeer(id: Hex): void;
  setLinkFault(f: LinkFault): void;
  state(): { blocked: string[]; faults: Record<string, LinkFault> };
  metrics: { gossipIn: number; gossipOut: number; throttled: number; disconnected: number };
  /** The TCP port actually bound (when listening on port 0), if the module exposes it. */
  port?: number;
}
