/**
 * The devnet reference node: wires ledger, mempool, block tree, storage, slot clock and leader
 * lottery, the P2P module (when built) and the HTTP APIs. `startNode(config)` runs one in-process
 * (tests); `bin.ts` runs one as a process.
 */
import { fromHex, toHex, type Hex } from '../util/bytes.js';
import { fastestEd25519, type Ed25519Backend, type SigningKey } from '../adapters/devnet/wire/ed25519.js';
import type { SubmitResult } from '../adapters/devnet/wire/api.js';
import { nowMs } from '../util/clock.js';
import type { NodeConfig } from './config.js';
import { decodeBlock, peekBlock, type Block } from './block-codec.js';
import { Chain, type FinalRef, type ImportResult } from './chain.js';
import { genesisBlock } from './genesis.js';
import { Ledger } from './ledger.js';
import { Lottery } from './lottery.js';
import { Mempool, type AdmitOutcome } from './mempool.js';
import { TxVerifier } from './tx-verifier.js';
import { BlockLog, readSnapshot, writeSnapshot } from './storage.js';
import { saveMempool, takeSavedMempool } from './mempool-store.js';
import { NodeMetrics, type ClockRuleCounts } from './metrics.js';
import { produceBlock } from './block-producer.js';
import { MIN_POOLED, VerifyPool } from './verify-pool.js';
import { VERIFY_PENDING_MAX, VERIFY_PENDING_PER_CLIENT, VerifyQueueBound } from './verify-queue.js';
import type { SignedTransaction } from '../adapters/devnet/wire/tx.js';
import { BlockSync } from './block-sync.js';
import { createLogger, type Logger } from './log.js';
import type { P2PNetworkLike } from './p2p-port.js';
import { P2PNetwork } from './p2p/network.js';
import { createDaService, type DaService } from './da/service.js';
import { daRoutes } from './da/routes.js';
import { startApiServers } from './api-routes.js';
import { configWithDefenses, offSet, type DefenseSet } from './defenses.js';
import { HttpError, type HttpServerHandle, type Route } from './http-server.js';

export interface StartNodeOptions {
  log?: Logger;
}

const SNAPSHOT_EVERY_MS = 5_000;
/** Transactions of an API batch handled per turn of the event loop. */
const BATCH_WINDOW = 512;
/** Invalid signatures in a row after which the rest of an API batch is not looked at. */
export const BATCH_ABANDON_AFTER = 512;

/** Who pays for an API batch's signature checks: asked before each window is verified, told what it cost. */
export interface BatchPayer {
  /** Seconds until the client may have more verified (0: go on). */
  owes(): number;
  /** Transactions of a window found with invalid signatures. */
  invalid(count: number): void;
}

export class DevnetNode {
  readonly backend: Ed25519Backend = fastestEd25519();
  readonly key: SigningKey;
  readonly publicKey: Hex;
  readonly ledger: Ledger;
  readonly lottery: Lottery;
  readonly verifier: TxVerifier;
  readonly mempool: Mempool;
  readonly chain: Chain;
  readonly metrics: NodeMetrics;
  readonly sync: BlockSync;
  readonly log: Logger;
  readonly startedAt = nowMs();
  readonly config: NodeConfig;
  /** Defenses switched off (a test aid: defenses.ts); empty in every normal run. */
  readonly defensesOff: DefenseSet;
  p2p: P2PNetworkLike | null = null;
  readonly verifyPool: VerifyPool | null;
  /** API batch transactions waiting for signature verification (defense verify-queue-bound). */
  readonly verifyQueue: VerifyQueueBound;
  da: DaService | null = null;
  clockOffsetMs: number;
  /** What the clock rules did (docs/devnet-node.md, "Clock rules"): counted for metrics and /cryptarchia/info. */
  readonly clockRules: ClockRuleCounts = { futureHeld: 0, futureRejected: 0, lateBlocks: 0, slotsMissed: 0 };
  blocksProduced = 0;
  apiUrl = '';
  testingUrl: string | null = null;
  private readonly blockLog: BlockLog;
  private replayRefs: Map<Hex, () => Uint8Array> | null = null;
  private servers: HttpServerHandle[] = [];
  private slotTimer: NodeJS.Timeout | null = null;
  private housekeeping: NodeJS.Timeout | null = null;
  private lastSlot = -1;
  private lastSnapshotAt = 0;
  private snapshotDue = false;
  private stopped = false;
  /**
   * Test knob, not a protocol feature: LOADNET_DEVNET_PRODUCE_DELAY_MS (ms, default 0) makes a leader take that
   * long to produce its block: the transactions are chosen at the slot's start, the block is imported and sent
   * that much later, as from a slow block builder, so every transaction waits that much longer. A measurably
   * slower build for `loadnet compare`'s own test (test/integration/compare-runs.test.ts); keep it below the
   * slot duration.
   */
  private readonly produceDelayMs = produceDelayFromEnv(process.env.LOADNET_DEVNET_PRODUCE_DELAY_MS);
  /** API batches take turns in the verification pool (block verification is never behind more than one window). */
  private apiPoolTurn: Promise<unknown> = Promise.resolve();

  constructor(given: NodeConfig, opts: StartNodeOptions = {}) {
    const config = configWithDefenses(given);
    this.config = config;
    this.defensesOff = offSet(config.defensesOff);
    this.log = opts.log ?? createLogger(config.name, config.logLevel);
    this.clockOffsetMs = config.clockOffsetMs;
    this.key = this.backend.keyFromSeed(fromHex(config.identitySeed, 32, 'identitySeed'));
    this.publicKey = toHex(this.key.publicKey);
    this.lottery = new Lottery(config.genesis.epochNonce, this.backend);
    // DA attestations come from the genesis validators (the DA committee does not change with staking).
    const daCommittee = new Set(config.genesis.validators.map((v) => v.publicKey));
    this.ledger = new Ledger(config.genesis, config.fees);
    this.verifier = new TxVerifier(this.backend, (pk) => daCommittee.has(pk), undefined, !this.defensesOff.has('invalid-signature-memory'));
    this.mempool = new Mempool(config.mempool, config.block.maxBytes, this.verifier, (pk) => this.ledger.account(pk));
    this.blockLog = new BlockLog(config.dataDir);
    this.chain = new Chain(genesisBlock(config.genesis), this.ledger, this.lottery, this.verifier, this.backend, config, {
      persist: (block) => this.persist(block),
      onCanonicalChange: (reverted, applied) => this.onCanonicalChange(reverted, applied),
      onFinal: (blocks) => {
        this.verifier.forget(blocks.flatMap((b) => b.txs.map((t) => t.id)));
        this.snapshotDue = true;
      },
    });
    this.metrics = new NodeMetrics(
      {
        tipHeight: () => this.chain.height,
        finalizedHeight: () => this.chain.libHeight,
        mempool: () => this.mempool.metrics(),
        gossipRejected: () => this.mempool.gossipRejected,
        gossip: () => this.p2p?.metrics ?? null,
        peerScores: () => this.p2p?.peers() ?? [],
        outboundQueueBytes: () => this.p2p?.outboundQueueBytes() ?? 0,
        verification: () => ({ verified: this.verifier.verifications, cacheHits: this.verifier.cacheHits, pooled: this.verifyPool?.pooled ?? 0, rejectedHits: this.verifier.rejectedHits, gossipOverBudget: this.sync.overVerifyBudget, queueRefused: this.verifyQueue.refused, queuePending: this.verifyQueue.pending }),
        http: () => this.servers[0]?.stats ?? null,
        clockRules: () => this.clockRules,
      },
      config.name,
    );
    this.sync = new BlockSync(this);
    this.verifyPool = VerifyPool.create(config.verifyThreads);
    const limits = config.api.limits;
    this.verifyQueue = new VerifyQueueBound(limits?.verifyPendingPerClient ?? VERIFY_PENDING_PER_CLIENT, limits?.verifyPendingMax ?? VERIFY_PENDING_MAX);
  }

  /**
   * Consensus time: the wall clock plus the configured/testing offset. Slots map to wall-clock time, as in
   * every chain that maps slots to UTC, so a skewed system clock (libfaketime, NTP trouble) skews the node.
   */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  slotAt(t: number): number {
    return Math.floor((t - this.config.genesis.timeMs) / this.config.consensus.slotDurationMs);
  }

  async start(): Promise<void> {
    this.restoreFromDisk();
    this.restoreMempool();
    const p2p = new P2PNetwork({
      identity: this.key,
      chainId: this.config.genesis.chainId,
      listen: this.config.p2p,
      peers: this.config.peers,
      handlers: { ...this.sync.handlers(), pendingTxs: (limit) => this.mempool.pendingBytes().slice(0, limit) },
      log: this.log,
      name: this.config.name,
      trusted: this.config.genesis.validators.map((v) => v.publicKey),
      defenses: this.config.p2p.defenses,
      ...(this.defensesOff.has('handshake-deadline') ? { handshakeTimeoutMs: 0 } : {}),
      ...(this.defensesOff.has('peer-ban') ? { ban: false } : {}),
    });
    this.p2p = p2p;
    this.da = createDaService({
      role: this.config.role,
      identity: this.key,
      backend: this.backend,
      validators: this.config.genesis.validators.map((v) => v.publicKey),
      subnetworks: this.config.da.subnetworks,
      dataDir: this.config.dataDir,
      network: p2p,
      submitLocal: (bytes) => this.submitTxBytes(bytes),
      nextNonce: () => this.ledger.account(this.publicKey).nonce + this.mempool.pendingOf(this.publicKey),
      fee: this.config.mempool.minFee,
      channel: (id) => this.ledger.channels.get(id) ?? null,
      log: this.log,
    });
    await p2p.start();
    this.servers = await startApiServers(this);
    this.apiUrl = `http://${this.config.api.host}:${this.servers[0]!.port}`;
    if (this.servers[1]) this.testingUrl = `http://${this.config.testing!.host}:${this.servers[1].port}`;
    this.scheduleSlot();
    this.housekeeping = setInterval(() => this.tidy(), 1000);
    this.housekeeping.unref();
    this.sync.start();
    if (this.defensesOff.size > 0) this.log('warn', 'defenses switched off (a test aid: docs/SECURITY.md)', { off: [...this.defensesOff] });
    this.log('info', 'node started', { api: this.apiUrl, testing: this.testingUrl, peerId: this.publicKey, height: this.chain.height, lib: this.chain.libHeight });
  }

  /**
   * Reload the block log (truncating a torn tail) and the last snapshot, then replay what follows.
   * Only headers are kept for blocks at or below the snapshot (they are final and read back from the
   * log when served); blocks above it are decoded and re-imported (trusted: they were validated
   * before being written), so fork choice rebuilds the tip exactly.
   */
  private restoreFromDisk(): void {
    const metas = new Map<Hex, FinalRef>();
    let count = 0;
    const { truncatedBytes, corrupt } = this.blockLog.open((rec) => {
      count++;
      try {
        const peek = peekBlock(rec.payload);
        metas.set(peek.id, { ...peek, read: () => this.blockLog.read(rec.offset, rec.length) });
      } catch (e) {
        this.log('warn', 'undecodable block in the log: skipped', { error: (e as Error).message });
      }
    }, this.config.storage?.onCorruptRecord ?? 'stop');
    if (truncatedBytes > 0) this.log('warn', 'block log had a torn tail: truncated', { bytes: truncatedBytes });
    if (corrupt) this.log('warn', 'block log has a damaged record: cut there, the blocks after it will be re-synced from peers', { file: this.blockLog.file, ...corrupt });
    if (metas.size === 0) return;
    this.replayRefs = new Map([...metas].map(([id, m]) => [id, m.read]));
    let base = 0;
    const read = readSnapshot(this.config.dataDir);
    if (read.snapshot === null && read.problem) this.log('warn', 'snapshot refused: rebuilding state from the block log', { problem: read.problem });
    const snap = read.snapshot;
    if (snap && snap.chainId === this.config.genesis.chainId && metas.has(snap.blockId)) {
      const path: FinalRef[] = [];
      let cur = metas.get(snap.blockId);
      while (cur) {
        path.push(cur);
        cur = metas.get(cur.header.parent);
      }
      if (path[path.length - 1]!.header.parent === this.chain.genesis.id && path.length === snap.height) {
        path.reverse();
        this.chain.restoreFinal(path, decodeBlock(path[path.length - 1]!.read()), snap.ledger);
        base = snap.height;
      } else this.log('warn', 'snapshot does not match the block log (its block is not at its height on a chain to genesis): rebuilding state from the block log', { blockId: snap.blockId, height: snap.height });
    } else if (snap) this.log('warn', 'snapshot refers to a block that is not in the block log: rebuilding state from the block log', { blockId: snap.blockId, chainId: snap.chainId });
    const rest = [...metas.values()].filter((m) => m.header.height > base).sort((x, y) => x.header.height - y.header.height);
    const now = this.now();
    for (const m of rest) {
      try {
        this.chain.import(decodeBlock(m.read()), now, true);
      } catch (e) {
        this.log('warn', 'undecodable block in the log: skipped', { id: m.id, error: (e as Error).message });
      }
    }
    this.replayRefs = null;
    if (this.chain.height === 0) this.log('warn', 'no block of the log extends this genesis: is the data dir from another chain?', { dataDir: this.config.dataDir, blocks: count });
    this.log('info', 'restored from disk', { blocks: count, snapshotHeight: base, height: this.chain.height, lib: this.chain.libHeight });
  }

  /** Re-admit what the last graceful stop saved (see mempool-store.ts); included ones are refused as nonce_too_low. */
  private restoreMempool(): void {
    let saved: Uint8Array[];
    try {
      saved = takeSavedMempool(this.config.dataDir);
    } catch (e) {
      this.log('warn', 'saved mempool unreadable: ignored', { error: (e as Error).message });
      return;
    }
    if (saved.length === 0) return;
    const now = this.now();
    const restored: SignedTransaction[] = [];
    for (const bytes of saved) {
      const out = this.mempool.admitBytes(bytes, now, 'restore');
      if (out.result === 'ok' && out.tx) restored.push(out.tx);
    }
    this.log('info', 'mempool restored', { saved: saved.length, admitted: restored.length });
    // Peers may have lost them too (or never had them): gossip what is still pending once they reconnected.
    setTimeout(() => {
      if (this.stopped) return;
      for (const tx of restored) if (this.mempool.has(tx.id)) this.p2p?.broadcastTx(tx.bytes);
    }, 2000).unref();
  }

  private persist(block: Block): () => Uint8Array {
    const pre = this.replayRefs?.get(block.id);
    if (pre) return pre;
    const { offset, length } = this.blockLog.append(block.bytes);
    return () => this.blockLog.read(offset, length);
  }

  private onCanonicalChange(reverted: Block[], applied: Block[]): void {
    this.da?.onCanonicalChange(reverted, applied);
    for (const b of applied) {
      this.mempool.onApplied(b.txs);
      this.metrics.blockTransactions.inc(b.txs.length);
    }
    if (reverted.length > 0) {
      this.metrics.reorgs.inc();
      this.log('info', 'reorg', { depth: reverted.length, tip: this.chain.tip.id, height: this.chain.height });
      const now = this.now();
      // Part of the mempool exchange: peers on the winning fork never saw what only our lost blocks carried.
      const regossip = !this.defensesOff.has('mempool-exchange');
      for (const b of reverted) {
        for (const tx of b.txs) if (this.mempool.admit(tx, now, 'reorg').result === 'ok' && regossip) this.p2p?.broadcastTx(tx.bytes);
      }
    }
  }

  /** Import a block from any source; the caller handles what the result means for the sender. */
  importBlock(block: Block): ImportResult {
    const forks = this.chain.forks;
    const r = this.chain.import(block, this.now());
    if (this.chain.forks > forks) this.metrics.forks.inc(this.chain.forks - forks);
    if (r.status === 'imported') this.metrics.blocksImported.inc();
    else if (r.status === 'invalid') this.metrics.invalidBlocks.inc();
    return r;
  }

  /** Admit transaction bytes from the API or gossip; re-gossips what is new. */
  submitTxBytes(bytes: Uint8Array, from?: string): AdmitOutcome {
    const out = this.mempool.admitBytes(bytes, this.now(), from === undefined ? 'api' : 'gossip');
    if (out.result === 'ok' && out.tx) this.p2p?.broadcastTx(out.tx.bytes, from);
    return out;
  }

  /**
   * Admit a batch in input order, in windows with a turn of the event loop between them, so a huge
   * batch never holds the loop (slot timers, sync, other clients go on between windows). Each window's
   * unverified signatures are first checked by the worker pool, one API window in the pool at a time
   * so block verification queues behind at most one. After `batchAbandonAfter` invalid signatures in
   * a row the rest of the batch is answered 'batch_abandoned' without being looked at. A payer (the API
   * client) is charged for the invalid signatures found and, while it owes, gets no window verified:
   * a 429 for the first, the rest 'batch_abandoned'. `verified` is told how many transactions each window
   * took past verification (the queue bound's count goes down by them).
   */
  async submitTxBatch(txs: Uint8Array[] | { length: number; at(i: number): Uint8Array }, payer?: BatchPayer, verified?: (count: number) => void): Promise<SubmitResult[]> {
    const item = Array.isArray(txs) ? (i: number) => txs[i]! : (i: number) => txs.at(i);
    const abandonAfter = this.config.api.limits?.batchAbandonAfter ?? BATCH_ABANDON_AFTER;
    const results: SubmitResult[] = new Array<SubmitResult>(txs.length);
    let badRun = 0;
    const window = this.defensesOff.has('batch-windows') ? Math.max(1, txs.length) : BATCH_WINDOW;
    for (let start = 0; start < txs.length; start += window) {
      if (start > 0) await new Promise<void>((r) => setImmediate(r));
      if (this.stopped) throw new HttpError(503, 'node stopping');
      const end = Math.min(txs.length, start + window);
      const decoded: Array<SignedTransaction | AdmitOutcome> = [];
      for (let i = start; i < end; i++) decoded.push(this.mempool.decode(item(i), 'api'));
      if (this.verifyPool) {
        const fresh = decoded.filter((d): d is SignedTransaction => !('result' in d) && !this.mempool.has(d.id));
        if (fresh.length >= MIN_POOLED) {
          // Asked when the window's turn comes, so the invalid signatures of the batches ahead are priced by then.
          const turn = this.apiPoolTurn.then(() => (payer && payer.owes() > 0 ? undefined : this.verifyPool!.preverify(fresh, this.verifier)));
          this.apiPoolTurn = turn.catch(() => undefined);
          await turn;
        }
      }
      verified?.(end - start);
      const wait = payer ? payer.owes() : 0;
      if (wait > 0) {
        if (start === 0) throw new HttpError(429, `this client owes its request budget for invalid signatures it sent; retry after ${wait} s`, { 'retry-after': String(wait) });
        results.fill('batch_abandoned', start);
        this.mempool.noteRejected('batch_abandoned', txs.length - start);
        return results;
      }
      const now = this.now();
      let invalid = 0;
      for (let i = 0; i < decoded.length; i++) {
        const d = decoded[i]!;
        let r: SubmitResult;
        if ('result' in d) r = d.result;
        else {
          r = this.mempool.admit(d, now, 'api').result;
          if (r === 'ok') this.p2p?.broadcastTx(d.bytes);
        }
        results[start + i] = r;
        badRun = r === 'bad_signature' ? badRun + 1 : 0;
        if (r === 'bad_signature') invalid++;
        if (abandonAfter > 0 && badRun >= abandonAfter) {
          payer?.invalid(invalid);
          const left = txs.length - (start + i + 1);
          results.fill('batch_abandoned', start + i + 1);
          this.mempool.noteRejected('batch_abandoned', left);
          if (left > 0) this.log('warn', 'batch abandoned after a run of invalid signatures', { invalidInARow: badRun, looked: start + i + 1, abandoned: left });
          return results;
        }
      }
      payer?.invalid(invalid);
    }
    return results;
  }

  private scheduleSlot(): void {
    if (this.stopped) return;
    const dur = this.config.consensus.slotDurationMs;
    const now = this.now();
    const next = this.config.genesis.timeMs + (this.slotAt(now) + 1) * dur;
    this.slotTimer = setTimeout(() => this.onSlot(), Math.max(1, next - now + 1));
  }

  private onSlot(): void {
    try {
      const now = this.now();
      const slot = this.slotAt(now);
      if (slot > this.lastSlot && slot > 0) {
        this.lastSlot = slot;
        this.metrics.slotDelay.observe((now - (this.config.genesis.timeMs + slot * this.config.consensus.slotDurationMs)) / 1000);
        this.tryProduce(slot);
      }
      this.sync.onSlot();
    } catch (e) {
      this.log('error', 'slot handling failed', { error: (e as Error).stack });
    }
    this.scheduleSlot();
  }

  private tryProduce(slot: number): void {
    const parent = this.chain.tip;
    const proof = this.lottery.tryLead(this.key, slot, this.chain.stakeFor(parent.id, slot));
    if (!proof) return;
    // Our clock is behind: the tip, or a validly led block we hold from the future, is at or past the slot
    // we lead, so a block now could only fork off the network's chain: the slot is missed.
    const passed = Math.max(parent.header.slot, this.sync.newestHeldSlot());
    if (slot <= passed) {
      this.clockRules.slotsMissed++;
      this.log('info', 'leader of a slot the chain has passed (clock behind): missed', { slot, tipSlot: parent.header.slot, newestHeldSlot: this.sync.newestHeldSlot() });
      return;
    }
    // While catching up, a block on our old tip could only fork below the others' chain.
    if (this.sync.isBootstrapping()) {
      this.log('info', 'leader but catching up: not proposing', { slot, height: parent.header.height });
      return;
    }
    const t0 = performance.now();
    const block = produceBlock({
      parent,
      slot,
      leaderProof: proof,
      now: this.now(),
      key: this.key,
      proposer: this.publicKey,
      ledger: this.ledger,
      mempool: this.mempool,
      limits: this.config.block,
      byFee: !this.defensesOff.has('fee-ordering'),
    });
    if (this.produceDelayMs > 0) {
      // The test knob: the block's transactions were chosen now, it comes out produceDelayMs later.
      setTimeout(() => {
        if (this.stopped) return;
        try {
          this.publishOwnBlock(block, t0);
        } catch (e) {
          this.log('error', 'slot handling failed', { error: (e as Error).stack });
        }
      }, this.produceDelayMs);
      return;
    }
    this.publishOwnBlock(block, t0);
  }

  private publishOwnBlock(block: Block, t0: number): void {
    const r = this.chain.import(block, this.now(), true);
    if (r.status !== 'imported') {
      this.log(this.produceDelayMs > 0 ? 'info' : 'error', 'own block rejected', { result: r });
      return;
    }
    this.blocksProduced++;
    this.metrics.blocksProduced.inc();
    this.metrics.blocksImported.inc();
    this.p2p?.broadcastBlock(block.bytes);
    this.log('debug', 'produced block', { slot: block.header.slot, height: block.header.height, txs: block.txs.length, ms: +(performance.now() - t0).toFixed(1) });
  }

  private tidy(): void {
    try {
      this.mempool.expire(this.now());
      this.blockLog.sync();
      if (this.snapshotDue && nowMs() - this.lastSnapshotAt >= SNAPSHOT_EVERY_MS) this.snapshot();
    } catch (e) {
      this.log('error', 'housekeeping failed', { error: (e as Error).stack });
    }
  }

  /** Write the ledger state at the LIB (the block log is synced first: the snapshot refers to it). */
  snapshot(): void {
    this.blockLog.sync();
    writeSnapshot(this.config.dataDir, {
      version: 1,
      chainId: this.config.genesis.chainId,
      blockId: this.chain.lib.id,
      height: this.chain.libHeight,
      ledger: this.chain.libSnapshot(),
    });
    this.lastSnapshotAt = nowMs();
    this.snapshotDue = false;
  }

  /** Routes added by optional modules (DA on executors and validators). */
  extraRoutes(): Route[] {
    return this.da ? daRoutes(this.da) : [];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.slotTimer) clearTimeout(this.slotTimer);
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.sync.stop();
    await Promise.allSettled(this.servers.map((s) => s.close()));
    await this.verifyPool?.close().catch(() => undefined);
    await this.p2p?.stop().catch((e) => this.log('warn', 'p2p stop failed', { error: (e as Error).message }));
    try {
      if (this.chain.libHeight > 0) this.snapshot();
    } catch (e) {
      this.log('warn', 'final snapshot failed', { error: (e as Error).message });
    }
    try {
      saveMempool(this.config.dataDir, this.mempool.pendingBytes());
    } catch (e) {
      this.log('warn', 'saving the mempool failed', { error: (e as Error).message });
    }
    this.blockLog.close();
    this.log('info', 'node stopped', { height: this.chain.height, lib: this.chain.libHeight });
  }
}

export async function startNode(config: NodeConfig, opts: StartNodeOptions = {}): Promise<DevnetNode> {
  const node = new DevnetNode(config, opts);
  try {
    await node.start();
  } catch (e) {
    await node.stop().catch(() => undefined);
    throw e;
  }
  return node;
}

function produceDelayFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`LOADNET_DEVNET_PRODUCE_DELAY_MS is ${JSON.stringify(value)}; allowed: a number of ms ≥ 0`);
  return ms;
}
