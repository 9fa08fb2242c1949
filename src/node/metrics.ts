/**
 * Prometheus metrics of one node (prom-client, one Registry per node so in-process test nodes do not
 * share series). Gauges and counters that mirror node state are read at scrape time from `source`;
 * events (blocks, reorgs, HTTP requests) are counted where they happen.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EVICT_REASONS, REJECT_REASONS, type MempoolMetrics } from '../adapters/devnet/wire/api.js';
import type { HttpDefenseStats } from './http-server.js';

/** What the P2P module counts of its defenses (optional: a stand-in network may not). */
export interface P2PDefenseCounts {
  handshakesDropped?: number;
  unknownRefused?: number;
  blockRequestsRefused?: number;
  mempoolExchanged?: number;
}

/** What the devnet's clock rules did (docs/devnet-node.md, "Clock rules"). */
export interface ClockRuleCounts {
  /** Blocks whose slot started more than the clock tolerance ahead of our clock: held until it did. */
  futureHeld: number;
  /** Blocks whose slot started more than k slots ahead: refused. */
  futureRejected: number;
  /** Gossiped blocks imported more than the clock tolerance after their slot ended. */
  lateBlocks: number;
  /** Slots we led whose turn came when the tip already had a block of that slot or later. */
  slotsMissed: number;
}

export interface MetricsSource {
  tipHeight(): number;
  finalizedHeight(): number;
  mempool(): MempoolMetrics;
  gossipRejected(): Record<string, number>;
  gossip(): ({ gossipIn: number; gossipOut: number; throttled: number; disconnected: number } & P2PDefenseCounts) | null;
  /** The API server's defense counters (null before it started). */
  http(): HttpDefenseStats | null;
  peerScores(): Array<{ id: string; name?: string; score: number }>;
  /** The largest outbound P2P queue now, bytes (0 without P2P). */
  outboundQueueBytes?(): number;
  verification(): { verified: number; cacheHits: number; pooled: number; rejectedHits: number; gossipOverBudget: number; queueRefused: number; queuePending: number };
  clockRules?(): ClockRuleCounts;
}

/** Set a counter to an absolute value read from state (prom-client counters only go up by inc). */
function mirror(c: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (labels) {
    c.reset();
    c.inc(labels, value);
  } else {
    c.reset();
    c.inc(value);
  }
}

export class NodeMetrics {
  readonly registry = new Registry();
  readonly blocksImported: Counter<string>;
  readonly blocksProduced: Counter<string>;
  readonly blockTransactions: Counter<string>;
  readonly reorgs: Counter<string>;
  readonly forks: Counter<string>;
  readonly invalidBlocks: Counter<string>;
  readonly httpDuration: Histogram<string>;
  readonly slotDelay: Histogram<string>;

  constructor(source: MetricsSource, node: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node });
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'consensus_tip_height', help: 'Height of the canonical tip', registers, collect() { this.set(source.tipHeight()); } });
    new Gauge({ name: 'consensus_finalized_height', help: 'Height of the last immutable block (LIB)', registers, collect() { this.set(source.finalizedHeight()); } });
    this.blocksImported = new Counter({ name: 'consensus_blocks_imported_total', help: 'Blocks accepted into the block tree', registers });
    this.blocksProduced = new Counter({ name: 'consensus_blocks_produced_total', help: 'Blocks this node proposed', registers });
    this.blockTransactions = new Counter({ name: 'consensus_block_transactions_total', help: 'Transactions in blocks that joined the canonical chain', registers });
    this.reorgs = new Counter({ name: 'consensus_reorgs_total', help: 'Canonical chain switches that reverted at least one block', registers });
    this.forks = new Counter({ name: 'consensus_forks_total', help: 'Blocks received whose parent was not the tip', registers });
    this.invalidBlocks = new Counter({ name: 'consensus_invalid_blocks_total', help: 'Blocks rejected as invalid', registers });
    new Gauge({ name: 'mempool_transactions_pending', help: 'Pending transactions', registers, collect() { this.set(source.mempool().pending); } });
    new Gauge({ name: 'mempool_bytes_pending', help: 'Bytes of pending transactions', registers, collect() { this.set(source.mempool().bytes); } });
    const mp = (name: string, help: string, key: 'added' | 'expired' | 'included') =>
      new Counter({ name, help, registers, collect() { mirror(this, source.mempool()[key]); } });
    mp('mempool_transactions_added_total', 'Transactions admitted', 'added');
    new Counter({
      name: 'mempool_transactions_evicted_total',
      help: 'Transactions evicted from a full mempool by reason (lowest_fee: displaced by a higher fee; after_evicted_nonce: a later nonce of that sender)',
      labelNames: ['reason'],
      registers,
      collect() {
        const by = source.mempool().evictedByReason;
        this.reset();
        for (const reason of EVICT_REASONS) this.inc({ reason }, by[reason]);
      },
    });
    mp('mempool_transactions_expired_total', 'Transactions dropped after their TTL', 'expired');
    mp('mempool_transactions_included_total', 'Pending transactions that were included in a block', 'included');
    new Counter({
      name: 'mempool_transactions_rejected_total',
      help: 'Rejected transactions by reason and source (api: submitted by clients; gossip: relayed by peers)',
      labelNames: ['reason', 'source'],
      registers,
      collect() {
        const r = source.mempool().rejected;
        const g = source.gossipRejected();
        this.reset();
        for (const reason of REJECT_REASONS) {
          this.inc({ reason, source: 'api' }, r[reason]);
          this.inc({ reason, source: 'gossip' }, g[reason] ?? 0);
        }
      },
    });
    const gossip = (name: string, help: string, key: 'gossipIn' | 'gossipOut' | 'throttled' | 'disconnected' | keyof P2PDefenseCounts) =>
      new Counter({ name, help, registers, collect() { mirror(this, source.gossip()?.[key] ?? 0); } });
    gossip('p2p_gossip_in_total', 'Gossip messages received', 'gossipIn');
    gossip('p2p_gossip_out_total', 'Gossip messages sent', 'gossipOut');
    gossip('p2p_throttled_total', 'Messages dropped by per-peer rate limits', 'throttled');
    gossip('p2p_disconnected_total', 'Peers disconnected for a low score', 'disconnected');
    gossip('p2p_handshakes_dropped_total', 'Unauthenticated sockets closed: handshake deadline passed or evicted for a newer one', 'handshakesDropped');
    gossip('p2p_unknown_refused_total', 'Identities outside genesis and the configured peers refused (cap or admission rate)', 'unknownRefused');
    gossip('p2p_block_requests_refused_total', 'Block requests refused: over the per-peer budget or outbound queue full', 'blockRequestsRefused');
    gossip('p2p_mempool_exchanged_total', 'Pending transactions offered to peers on (re)connection (the mempool exchange)', 'mempoolExchanged');
    new Counter({
      name: 'http_connections_closed_total',
      help: 'API sockets closed by the node: idle (keep-alive timeout), header (no request headers in time), evicted (connection cap), refused (cap, none idle)',
      labelNames: ['why'],
      registers,
      collect() {
        const h = source.http();
        this.reset();
        if (!h) return;
        this.inc({ why: 'idle' }, h.idleClosed);
        this.inc({ why: 'header' }, h.headerTimeouts);
        this.inc({ why: 'evicted' }, h.evicted);
        this.inc({ why: 'refused' }, h.refused);
      },
    });
    new Gauge({ name: 'http_connections_open', help: 'Open API sockets', registers, collect() { this.set(source.http()?.open ?? 0); } });
    new Counter({ name: 'http_requests_over_budget_total', help: "Requests answered 429 (over the client address's budget)", registers, collect() { mirror(this, source.http()?.overBudget ?? 0); } });
    new Counter({ name: 'http_requests_bodies_refused_total', help: 'Requests answered 503 because the request bodies held at once were at their cap', registers, collect() { mirror(this, source.http()?.bodiesRefused ?? 0); } });
    new Counter({ name: 'http_sockets_pipeline_closed_total', help: 'API sockets closed for having more unanswered pipelined requests than api.limits.maxPipelined', registers, collect() { mirror(this, source.http()?.pipelineClosed ?? 0); } });
    new Counter({ name: 'http_clients_held_total', help: 'Times a client address was read its share of a turn of the event loop (api.limits.clientRequestsPerTurn) and held to the next', registers, collect() { mirror(this, source.http()?.clientsHeld ?? 0); } });
    new Counter({ name: 'http_requests_shed_total', help: 'Requests answered 429 by the overload shed: the node was overloaded (api.limits.overloadDelayMs) and the client cost more than its fair share', registers, collect() { mirror(this, source.http()?.shed ?? 0); } });
    new Counter({ name: 'http_overload_windows_total', help: 'Windows (250 ms) of the overload shed in which the event loop ran later than api.limits.overloadDelayMs', registers, collect() { mirror(this, source.http()?.overloadedWindows ?? 0); } });
    new Gauge({ name: 'http_clients_shed', help: 'Client addresses the overload shed holds to a rate now', registers, collect() { this.set(source.http()?.clientsShed ?? 0); } });
    new Counter({ name: 'http_requests_timed_out_total', help: 'Requests answered 503 at the request time limit', registers, collect() { mirror(this, source.http()?.timedOut ?? 0); } });
    new Gauge({ name: 'p2p_outbound_queue_bytes_max', help: 'Bytes waiting in the fullest outbound P2P queue (gossip, answers) now', registers, collect() { this.set(source.outboundQueueBytes?.() ?? 0); } });
    new Gauge({
      name: 'p2p_peer_score',
      help: 'Score of each known peer',
      labelNames: ['peer', 'peer_name'],
      registers,
      collect() {
        this.reset();
        for (const p of source.peerScores()) this.set({ peer: p.id.slice(0, 16), peer_name: p.name ?? '' }, p.score);
      },
    });
    const ver = (name: string, help: string, key: 'verified' | 'cacheHits' | 'pooled' | 'rejectedHits' | 'gossipOverBudget' | 'queueRefused') =>
      new Counter({ name, help, registers, collect() { mirror(this, source.verification()[key]); } });
    ver('node_tx_signatures_verified_total', 'Transaction signatures verified (inline or in the worker pool)', 'verified');
    ver('node_tx_signature_cache_hits_total', 'Signature checks skipped because the id was verified before (e.g. block import after admission)', 'cacheHits');
    ver('node_tx_signatures_pooled_total', 'Transaction signatures verified in the worker pool', 'pooled');
    ver('node_tx_verify_queue_refused_total', "API batches answered 503: the client's or the node's transactions waiting for signature verification were at their bound (api.limits.verifyPendingPerClient, verifyPendingMax)", 'queueRefused');
    new Gauge({ name: 'node_tx_verify_queue_pending', help: 'API batch transactions waiting for signature verification or in it', registers, collect() { this.set(source.verification().queuePending); } });
    ver('node_tx_signature_rejected_hits_total', 'Signature checks skipped because the same invalid signature was found invalid before', 'rejectedHits');
    const clock = (name: string, help: string, key: keyof ClockRuleCounts) =>
      new Counter({ name, help, registers, collect() { mirror(this, source.clockRules?.()[key] ?? 0); } });
    clock('consensus_blocks_future_held_total', 'Blocks whose slot started beyond the clock tolerance ahead: held until it did', 'futureHeld');
    clock('consensus_blocks_future_rejected_total', 'Blocks whose slot started more than k slots ahead: refused', 'futureRejected');
    clock('consensus_blocks_late_total', 'Gossiped blocks imported more than the clock tolerance after their slot ended', 'lateBlocks');
    clock('consensus_slots_missed_total', 'Slots this node led but whose turn came when the tip already had that slot or a later one', 'slotsMissed');
    ver('p2p_gossip_over_verify_budget_total', "Gossiped transactions dropped unverified: over their peer's verification budget per second", 'gossipOverBudget');
    this.slotDelay = new Histogram({
      name: 'consensus_slot_delay_seconds',
      help: "How late the node's slot handling (leader check, block production, sync probe) ran after the slot began: consensus work waiting behind other work",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP API request duration',
      labelNames: ['route', 'status'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
