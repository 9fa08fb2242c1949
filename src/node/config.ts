/**
 * The devnet node's configuration file (JSON), written by deployers and read by `loadnet node --config`.
 * Everything a node needs to join a chain: identity, addresses, peers, genesis and protocol parameters.
 */
import type { Hex } from '../util/bytes.js';
import type { HttpLimits } from './http-server.js';
import type { P2PDefenses } from './p2p/network.js';

export type NodeRole = 'validator' | 'executor';

export interface GenesisAccount {
  publicKey: Hex;
  balance: number;
}

export interface GenesisValidator {
  /** Node name, informative. */
  name?: string;
  /** ed25519 public key of the stake holder (the node's identity key). */
  publicKey: Hex;
  stake: number;
}

export interface GenesisConfig {
  chainId: string;
  /** Unix ms of slot 0. Slot s starts at timeMs + s × slotDurationMs. */
  timeMs: number;
  /** Seed of the leader lottery (fixed epoch nonce for the devnet). */
  epochNonce: Hex;
  accounts: GenesisAccount[];
  validators: GenesisValidator[];
}

export interface PeerAddress {
  /** Informative name of the peer (e.g. 'validator-0'). */
  name?: string;
  host: string;
  port: number;
}

/**
 * The API's limits: the HTTP server's, two of the node's own for transaction batches: batchAbandonAfter
 * (node.ts BATCH_ABANDON_AFTER) and invalidSignatureCost (api-routes.ts INVALID_SIGNATURE_COST: requests'
 * worth taken from a client's budget per transaction it sent with an invalid signature), and blocksPerRequest
 * (api-routes.ts BLOCKS_PER_REQUEST: blocks a /cryptarchia/blocks page serves per request's worth), and
 * verifyPendingPerClient / verifyPendingMax (verify-queue.ts: API batch transactions waiting for signature
 * verification, per client address and over all; 0 = no bound).
 */
export type ApiLimits = Partial<HttpLimits> & { batchAbandonAfter?: number; invalidSignatureCost?: number; blocksPerRequest?: number; verifyPendingPerClient?: number; verifyPendingMax?: number };

export interface NodeConfig {
  name: string;
  role: NodeRole;
  /** 32-byte hex seed of the node's ed25519 identity (peer id = public key; also its stake key). */
  identitySeed: Hex;
  dataDir: string;
  /** limits: defenses against hostile API clients (http-server.ts DEFAULT_HTTP_LIMITS; 0 switches one off). */
  api: { host: string; port: number; limits?: ApiLimits };
  /**
   * The testing API (network faults, clock offset); null = off. With a token, every request must carry
   * `Authorization: Bearer <token>`; a host other than loopback is refused without one.
   */
  testing: { host: string; port: number; token?: string } | null;
  /** defenses: against hostile peers (p2p/network.ts DEFAULT_DEFENSES; 0 switches one off). */
  p2p: { host: string; port: number; defenses?: Partial<P2PDefenses> };
  /** Initial peers to dial. */
  peers: PeerAddress[];
  genesis: GenesisConfig;
  consensus: {
    slotDurationMs: number;
    activeSlotCoeff: number;
    securityParam: number;
    /** Blocks whose slot starts more than this far in the future are held back. */
    clockToleranceMs: number;
  };
  mempool: {
    maxCount: number;
    maxBytes: number;
    /** Largest allowed gap between the next expected nonce and a submitted nonce. */
    maxNonceGap: number;
    ttlMs: number;
    minFee: number;
  };
  block: { maxTxs: number; maxBytes: number };
  /** Fees are burned (supply decreases by the fees) or paid to the block's proposer (supply constant). */
  fees: 'burn' | 'leader';
  da: { subnetworks: number };
  /** The node exits when this process id is gone (coordinator watchdog); null = no watchdog. */
  parentPid: number | null;
  /** Added to the node's clock (ms), for clock-skew tests. */
  clockOffsetMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Worker threads that verify signatures of large API batches and blocks in parallel (default:
   * one per core, at most 4; 0 = verify inline on the main thread only).
   */
  verifyThreads?: number;
  /**
   * A damaged record in the middle of the block log: 'stop' (default) refuses to start, naming file
   * and offset; 'resync' keeps a copy, cuts the log there and fetches the later blocks from peers.
   */
  storage?: { onCorruptRecord?: 'stop' | 'resync' };
  /**
   * A test aid: defenses switched off by name (defenses.ts DEFENSES; 'all' = every one), so an attack
   * test can show its bound fails without them. LOADNET_DEFENSES in the node's environment adds to it.
   */
  defensesOff?: string[];
}
