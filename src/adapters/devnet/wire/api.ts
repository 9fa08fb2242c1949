/**
 * The devnet node's HTTP API: paths and JSON shapes, shared by the node (server) and the client.
 * Paths follow Nomos where Nomos has one; hex ids are lowercase without 0x.
 */
import type { Hex } from '../../../util/bytes.js';
import type { SignedTransactionJson } from './tx.js';

export const Paths = {
  info: '/cryptarchia/info',
  headers: '/cryptarchia/headers', // ?from=<tip-side id>&to=<older id>: ids from `from` back to `to`
  blocksByHeight: '/cryptarchia/blocks', // ?from=<height>&to=<height>: canonical blocks, oldest first (loadnet extension)
  storageBlock: '/storage/block', // POST body: JSON string of a header id → BlockJson | null
  addTx: '/mempool/add/tx', // POST JSON SignedTransactionJson → SubmitTxResponse
  addTxs: '/mempool/add/txs', // POST application/octet-stream batch (encodeTxBatch) → SubmitBatchResponse
  mempoolMetrics: '/mempool/metrics',
  mempoolTxs: '/mempool/txs', // GET ids of pending transactions (loadnet extension; ?limit=)
  account: '/ledger/account/', // + pk
  supply: '/ledger/supply',
  stateRoot: '/ledger/state_root', // GET ?height=<h> (default: the tip) → StateRootJson (loadnet extension)
  validators: '/ledger/validators', // GET ValidatorsJson: the validator set at the tip (docs/devnet-node.md, "Staking")
  networkInfo: '/network/info',
  disperse: '/disperse-data', // executors only
  daShare: '/da/share/', // + blobId + '/' + index → DaShareJson (validators holding it)
  daBlob: '/da/blob/', // + blobId → DaBlobStatus
  daChannel: '/da/channel/', // + channelId → DaChannelJson
  metrics: '/metrics',
  health: '/health',
  // testing API (separate port, off by default)
  testBlockPeer: '/test/network/block-peer', // POST {peer_id}
  testUnblockPeer: '/test/network/unblock-peer', // POST {peer_id}
  testLinkFault: '/test/network/link-fault', // POST {peer_id, delay_ms, jitter_ms, loss} (zeros clear)
  testNetworkState: '/test/network/state', // GET {blocked:[], faults:{}}
  testClockOffset: '/test/clock-offset', // POST {offset_ms}
} as const;

export type SyncMode = 'Bootstrapping' | 'Online';

export interface CryptarchiaInfo {
  lib: Hex;
  tip: Hex;
  slot: number;
  height: number;
  mode: SyncMode;
  /** loadnet extension: height of the LIB block. */
  lib_height: number;
  /** loadnet extension: the node's consensus clock (Unix ms) and what its clock rules counted (docs/devnet-node.md, "Clock rules"). */
  clock?: { now_ms: number; future_held: number; future_rejected: number; late_blocks: number; slots_missed: number };
}

export interface BlockHeaderJson {
  parent: Hex;
  slot: number;
  height: number;
  proposer: Hex;
  tx_root: Hex;
  /** Leader proof: the proposer's VRF-like signature over (epoch nonce, slot). */
  leader_proof: Hex;
  /** Milliseconds since the Unix epoch at which the proposer built the block. */
  timestamp: number;
}

export interface BlockJson {
  id: Hex;
  header: BlockHeaderJson;
  signature: Hex;
  transactions: SignedTransactionJson[];
}

export type RejectReason =
  | 'malformed'
  | 'bad_signature'
  | 'nonce_too_low'
  | 'nonce_gap'
  | 'insufficient_funds'
  | 'fee_too_low'
  | 'mempool_full'
  | 'duplicate'
  | 'too_large'
  /** Not looked at: the node gave up on the rest of a batch after a run of invalid signatures. */
  | 'batch_abandoned';

export const REJECT_REASONS: readonly RejectReason[] = ['malformed', 'bad_signature', 'nonce_too_low', 'nonce_gap', 'insufficient_funds', 'fee_too_low', 'mempool_full', 'duplicate', 'too_large', 'batch_abandoned'];

/** 'ok' = accepted into the mempool. */
export type SubmitResult = 'ok' | RejectReason;

/** GET /ledger/validators: each validator's genesis and bonded stake at the node's tip (the lottery counts a change k slots later). */
export interface ValidatorsJson {
  height: number;
  validators: Array<{ public_key: Hex; genesis: number; bonded: number }>;
}

/** POST /mempool/add/tx: 200 when accepted, 422 when rejected (same body), 400 when not decodable. */
export interface SubmitTxResponse {
  id: Hex | null;
  result: SubmitResult;
  error?: string;
}

/** POST /mempool/add/txs: one result per transaction, in input order. 400 when the batch frame is bad. */
export interface SubmitBatchResponse {
  results: SubmitResult[];
}

/** Why the mempool evicted a pending transaction (src/node/mempool.ts). */
export const EVICT_REASONS = ['lowest_fee', 'after_evicted_nonce'] as const;
export type EvictReason = (typeof EVICT_REASONS)[number];

export interface MempoolMetrics {
  pending: number;
  bytes: number;
  added: number;
  evicted: number;
  /** `evicted` by reason: displaced as the lowest fee by a higher one, or a later nonce of such a sender. */
  evictedByReason: Record<EvictReason, number>;
  expired: number;
  included: number;
  rejected: Record<RejectReason, number>;
}

export interface AccountJson {
  balance: number;
  nonce: number;
}

/** A hash over the ledger after the canonical block at `height` (src/node/state-root.ts). */
export interface StateRootJson {
  height: number;
  /** The canonical block at that height on this node. */
  block: Hex;
  root: Hex;
  /** Non-empty accounts hashed. */
  accounts: number;
}

export interface SupplyJson {
  /** Sum of all balances now. */
  total: number;
  genesis: number;
  burned: number;
  /** Stake bonded from balances (stake_declare): total + staked = genesis − burned. */
  staked: number;
}

export interface NetworkInfo {
  listen_addresses: string[];
  peer_id: Hex;
  n_peers: number;
  n_connections: number;
  n_pending_connections: number;
  /** loadnet extension: peer ids connected now. */
  peers?: Hex[];
}

export interface DisperseRequest {
  channel_id: Hex;
  parent_msg_id: Hex;
  signer: Hex;
  /** Blob bytes, hex. */
  data: Hex;
}

export interface DisperseResponse {
  blob_id: Hex;
  /** The id of the channel_blob transaction put into the mempool. */
  tx_id: Hex;
}

export interface DaShareJson {
  blob_id: Hex;
  index: number;
  data: Hex;
}

export interface DaBlobStatus {
  blob_id: Hex;
  /** Share indexes this node holds. */
  shares: number[];
  /** Height of the block that included the certificate, or null. */
  included_height: number | null;
}

export interface DaChannelJson {
  channel_id: Hex;
  owner: Hex;
  /** Last blob id published on the channel (parent for the next one), or zeros. */
  last_msg: Hex;
  blobs: number;
}

export interface HealthJson {
  ok: boolean;
  node: string;
  role: 'validator' | 'executor';
  height: number;
}

export interface LinkFault {
  peer_id: Hex;
  delay_ms: number;
  jitter_ms: number;
  /** Probability 0..1 of dropping each message. */
  loss: number;
}
