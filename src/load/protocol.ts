/**
 * What the coordinator and the load workers say to each other. Plain structured-clone data only: a worker
 * gets a ShardInit with its piscina task and a MessagePort; it answers 'ready', waits for 'go', then sends a
 * WorkerReport every interval and a final one when it has drained.
 */
import type { Hex, TxFactoryRef, TxParams } from '../adapters/seam.js';
import type { BucketCounts } from './histogram.js';
import type { ScheduleData } from './schedule.js';

export type TargetChoice = 'round-robin' | 'random' | { index: number };

export interface ShardWallet {
  /** Index in the engine's wallet list (for records and recipients). */
  index: number;
  /** What the chain's transaction factory signs with. */
  secret: Hex;
}

export interface ShardInit {
  workerIndex: number;
  workerCount: number;
  schedule: ScheduleData;
  /** Generation stops at this time relative to t0 (ms); Infinity = until told to stop. */
  durationMs: number;
  wallets: ShardWallet[];
  /** Addresses transfers go to (every wallet of the engine): wallet i sends to wallet (i + 1) mod n. */
  recipients: string[];
  /** The chain's worker-side transaction factory module and what it is given. */
  txFactory: TxFactoryRef;
  params: TxParams;
  targets: string[];
  targetChoice: TargetChoice;
  /** Most transactions per submission request (due transactions are coalesced, never held back). */
  maxBatch: number;
  connections: number;
  pipelining: number;
  /** Pre-sign this far ahead of the schedule (at least 64 transactions). */
  lookaheadMs: number;
  /** Cap on this worker's signatures per second (to test a starved generator); undefined = no cap. */
  signCapPerSec?: number;
  requestTimeoutMs: number;
  /** A transaction sent this much after its due time counts as late. */
  lateThresholdMs: number;
  reportIntervalMs: number;
  /** Per-transaction records are streamed here (rotated), when set. */
  recordsDir?: string;
  recordsPerFile: number;
  recordsMaxFiles: number;
  /** Send accepted ids (for inclusion tracking) with every report. */
  trackAccepted: boolean;
  /** Random seed for target choice. */
  seed: number;
  /**
   * A lane whose account nonce does not move past an outstanding transaction for this long has its
   * outstanding transactions re-submitted (original bytes) to another node; 0 or absent = off.
   */
  stallMs?: number;
  /** After generation, keep re-submitting stalled lanes for up to this long (until stopped); default 0. */
  settleMs?: number;
}

export type LateReason = 'signing' | 'connections' | 'lanes' | 'eventLoop';

export interface WorkerReport {
  type: 'report';
  workerIndex: number;
  final: boolean;
  /** Unix ms at which the interval closed. */
  atMs: number;
  sent: number;
  accepted: number;
  /** Rejections by the chain's own reason label. */
  rejected: Record<string, number>;
  errored: number;
  /** Late transactions by the reason they were late. */
  late: Partial<Record<LateReason, number>>;
  signed: number;
  /** Time spent signing in this interval (ms) and the worker's event-loop utilisation (0..1). */
  signingMs: number;
  elu: number;
  resyncs: number;
  /** Outstanding transactions re-submitted (not counted in sent), and how many of those a node took as new. */
  resent?: number;
  resentAccepted?: number;
  /** Of those, ones answered 'ok' on their first submission: accepted, then lost (e.g. with a killed node). */
  recoveredAccepted?: number;
  inFlight: number;
  /** Transactions due but not yet sent at the close of the interval. */
  backlog: number;
  /** This interval's latency samples (µs) in the histograms' buckets (histogram.ts). */
  submitCorrected: BucketCounts;
  submitUncorrected: BucketCounts;
  scheduleLag: BucketCounts;
  /** Accepted ids (all of one length, the chain's), concatenated; and their intended send times (Unix ms). */
  acceptedIds: string;
  acceptedIntended: Float64Array;
  /** Intended-time index of the last due transaction counted (for exact totals). */
  dueCount: number;
}

export type WorkerMessage = { type: 'ready'; workerIndex: number; signed: number } | WorkerReport | { type: 'fatal'; message: string };

export type CoordinatorMessage = { type: 'go'; t0: number } | { type: 'stop' } | { type: 'targets'; targets: string[] };

/** Result of the piscina task (after the final report). */
export interface WorkerResult {
  workerIndex: number;
  sent: number;
}

/** A shard whose agent was lost: what it had reported, and what is unknown since. */
export interface LostShard {
  agent: string;
  workerIndex: number;
  wallets: number;
  reason: string;
  /** Coordinator time (Unix ms) at which the loss was detected. */
  lostAtMs: number;
  /** Coordinator time of its last report (0: none), and the transactions in flight then (their fate unknown). */
  lastReportAtMs: number;
  inFlightAtLastReport: number;
  /** Sent and accepted in its reports so far. */
  sent: number;
  accepted: number;
}
