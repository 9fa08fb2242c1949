/**
 * A load worker (piscina task, one per thread, running for the whole load): owns a disjoint shard of
 * wallets, pre-signs ahead of the schedule, releases transactions at their due times, submits them itself
 * over its own undici Pools and measures every answer.
 *
 * Why workers submit (instead of handing signed bytes to the coordinator): signing and sending stay on the
 * same thread (the engine's CPU per transaction is at or below a bare sign-and-POST loop's into a null sink:
 * bench/load-max-rate.ts --paired, bench/RESULTS.md), and it keeps the coordinator's event loop off the hot path,
 * so block-feed polling, inclusion matching and event writing never delay a send. Signed transactions are held
 * packed (signed-queue.ts): nothing is allocated per transaction where the chain's factory signs into a buffer. Each worker paces its own slice of one global schedule (tx i goes to worker i mod W),
 * so the merged stream is exactly the target schedule.
 */
import { seededRandom } from '../src/util/random.js';
import type { MessagePort } from 'node:worker_threads';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Pool } from 'undici';
import { setMaxListeners } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { HttpCall, TxAnswer, TxFactoryModule, WorkerTxFactory } from '../src/adapters/seam.js';
import { nowMs } from '../src/util/clock.js';
import { Schedule } from '../src/load/schedule.js';
import { SampleCounts } from '../src/load/histogram.js';
import type { CoordinatorMessage, LateReason, ShardInit, WorkerMessage, WorkerReport, WorkerResult } from '../src/load/protocol.js';
import { NonceLanes, type OutstandingTx } from './nonce-lanes.js';
import { packedCall, SignedBatch, SignedQueue, submitCallOf } from './signed-queue.js';
import { TxRecordWriter } from './tx-records.js';

const SIGN_CHUNK = 64;
/** How long a worker's initial nonce sync retries nodes that do not answer (a restart under chaos as load starts). */
const SYNC_RETRY_MS = 30_000;
/** Requests started within this many ms of each other share one deadline signal (see deadline()). */
const DEADLINE_SHARE_MS = 50;


class ShardWorker {
  private readonly schedule: Schedule;
  private readonly lanes: NonceLanes;
  private readonly factory: WorkerTxFactory;
  private pools: Pool[] = [];
  /** Nonce look-ups, apart from submissions (see openPools). */
  private controlPools: Pool[] = [];
  private sharedDeadline?: AbortSignal;
  private sharedDeadlineAt = -Infinity;
  private targets: string[];
  private readonly random: () => number;
  private targetCursor: number;
  private readonly records?: TxRecordWriter;
  /** What an answered transaction still needs: its bytes (kept as an outstanding record), its id (kept, tracked or recorded). */
  private readonly keepsBytes: boolean;
  private readonly keepsIds: boolean;
  private maxInFlight: number;

  private readonly queue: SignedQueue;
  private readonly isCurrent = (slot: number, nonce: number): boolean => this.lanes.isCurrent(this.lanes.lanes[slot]!, nonce);
  private t0 = 0;
  /** Local transactions due so far / handed to the HTTP client so far. */
  private dueLocal = 0;
  private sentLocal = 0;
  private nextDueAt = Infinity;
  private generationDone = false;
  private stopping = false;
  private inFlight = 0;
  private blockedBy: LateReason | null = null;
  private wakeUp: (() => void) | null = null;
  private signTokens = SIGN_CHUNK;
  private signTokensAt = 0;

  // interval figures
  private sent = 0;
  private accepted = 0;
  private rejected: Record<string, number> = {};
  private errored = 0;
  private late: Partial<Record<LateReason, number>> = {};
  private signed = 0;
  private signingMs = 0;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  /** Stalled lanes whose outstanding transactions were re-submitted. */
  private resyncs = 0;
  private resent = 0;
  private resentAccepted = 0;
  private recoveredAccepted = 0;
  private inFlightResubmits = 0;
  private checksRunning = 0;
  private checkCursor = 0;
  private checkTimer: NodeJS.Timeout | null = null;
  /** Latency samples of the interval, reported as bucket counts (no histogram is encoded per interval). */
  private readonly correctedSamples = new SampleCounts();
  private readonly uncorrectedSamples = new SampleCounts();
  private readonly lagSamples = new SampleCounts();
  private acceptedIds: string[] = [];
  private acceptedIntended: number[] = [];

  constructor(private readonly init: ShardInit, private readonly port: MessagePort, factory: WorkerTxFactory) {
    this.schedule = new Schedule(init.schedule);
    this.factory = factory;
    this.lanes = new NonceLanes(init.wallets, factory, (init.stallMs ?? 0) > 0);
    this.keepsBytes = (init.stallMs ?? 0) > 0;
    this.keepsIds = this.keepsBytes || init.trackAccepted || init.recordsDir !== undefined;
    this.queue = new SignedQueue(factory, this.keepsIds); // first: it refuses a factory it cannot use, before anything opens
    this.targets = init.targets;
    this.random = seededRandom(init.seed + init.workerIndex * 7919); // target choice
    this.targetCursor = init.workerIndex;
    this.maxInFlight = init.connections * init.pipelining * Math.max(1, init.targets.length);
    this.openPools();
    if (init.recordsDir) this.records = new TxRecordWriter(init.recordsDir, `w${init.workerIndex}`, init.recordsPerFile, init.recordsMaxFiles);
  }

  private openPools(): void {
    this.pools = this.targets.map((t) => new Pool(t, { connections: this.init.connections, pipelining: this.init.pipelining, keepAliveTimeout: 30_000 }));
    // Queued behind the submissions to a node that stopped answering, a nonce look-up would wait for that
    // node's whole backlog, and with it every stall check of the worker: stranded wallets stay stranded.
    this.controlPools = this.targets.map((t) => new Pool(t, { connections: 2, keepAliveTimeout: 30_000 }));
  }

  /**
   * Every request ends by the request timeout, time spent queued for a connection included. A timeout signal
   * costs a timer and an event target (~13 µs of CPU each, bench/RESULTS.md), so requests started within
   * DEADLINE_SHARE_MS of each other share one that fires DEADLINE_SHARE_MS after the timeout: each request
   * gets between the timeout and the timeout + DEADLINE_SHARE_MS, never less.
   */
  private deadline(): AbortSignal {
    const now = nowMs();
    if (this.sharedDeadline === undefined || now - this.sharedDeadlineAt >= DEADLINE_SHARE_MS) {
      this.sharedDeadline = AbortSignal.timeout(this.init.requestTimeoutMs + DEADLINE_SHARE_MS);
      setMaxListeners(0, this.sharedDeadline); // every request of the window listens to it
      this.sharedDeadlineAt = now;
    }
    return this.sharedDeadline;
  }

  private post(msg: WorkerMessage, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(msg, transfer ?? []);
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private globalIndex(local: number): number {
    return local * this.init.workerCount + this.init.workerIndex;
  }

  private dueAt(local: number): number {
    const rel = this.schedule.dueMs(this.globalIndex(local));
    return rel >= this.init.durationMs ? Infinity : this.t0 + rel;
  }

  /**
   * Far behind the schedule (asked for more than it can offer), counting due transactions one due time at
   * a time would cost a schedule evaluation per transaction never sent: jump to a count known to be due
   * (from C(t) a little under, checked against the exact due time of the last one jumped over; due times
   * only grow with the index), and leave the rest to the exact one-by-one count.
   */
  private skipDue(now: number): void {
    if (this.nextDueAt > now) return;
    const globalDue = Math.floor(this.schedule.countAt(now - this.t0)) - 2;
    const local = Math.floor((globalDue - this.init.workerIndex) / this.init.workerCount);
    if (local - 1 <= this.dueLocal || this.dueAt(local - 1) > now) return;
    this.dueLocal = local;
    this.nextDueAt = this.dueAt(local);
  }

  private refillTokens(now: number): void {
    const cap = this.init.signCapPerSec;
    if (cap === undefined) return;
    this.signTokens = Math.min(this.signTokens + ((now - this.signTokensAt) * cap) / 1000, Math.max(SIGN_CHUNK, cap));
    this.signTokensAt = now;
  }

  /** Sign up to n transactions into the buffer (bounded by the signing cap); returns how many. */
  private presign(n: number): number {
    let done = 0;
    const started = performance.now();
    if (this.init.signCapPerSec !== undefined) {
      this.refillTokens(nowMs());
      n = Math.min(n, Math.floor(this.signTokens));
    }
    for (; done < n; done++) {
      const lane = this.lanes.nextLane();
      if (!lane) break;
      this.queue.push(lane.slot, this.lanes.takeNonce(lane));
    }
    this.signed += done;
    this.signingMs += performance.now() - started;
    if (this.init.signCapPerSec !== undefined) this.signTokens -= done;
    return done;
  }

  /**
   * Pre-sign before the schedule starts: lookaheadMs of the schedule, but no more than the worker signs in
   * lookaheadMs. Beyond that the schedule outruns signing anyway (asked for more than it can offer), and a head
   * start of thousands of entries outlives young-generation GCs: the heap it grows stays grown for the whole run
   * and every later transaction pays for it (bench/load-max-rate.ts, bench/RESULTS.md).
   */
  private presignHeadStart(): void {
    const target = this.lookaheadTarget();
    const until = performance.now() + this.init.lookaheadMs;
    do {
      if (this.presign(Math.min(SIGN_CHUNK, target - this.buffered())) === 0) break;
    } while (this.buffered() < target && performance.now() < until);
  }

  private buffered(): number {
    return this.queue.length;
  }

  private lookaheadTarget(): number {
    const rate = this.schedule.rateAt(nowMs() - this.t0) / this.init.workerCount;
    return Math.min(16_384, Math.max(SIGN_CHUNK, Math.ceil((rate * this.init.lookaheadMs) / 1000)));
  }

  private chooseTarget(): number {
    const n = this.targets.length;
    const c = this.init.targetChoice;
    if (typeof c === 'object') return Math.min(c.index, n - 1);
    if (c === 'random') return Math.floor(this.random() * n);
    return this.targetCursor++ % n;
  }

  private sendBatch(max: number): number {
    // What the queue lacks is signed in one go (one timing per batch, not per transaction); stale transactions
    // (of a lane that resynced since) are skipped when taken, and signed for again.
    for (let current = this.queue.countCurrent(max, this.isCurrent); current < max; current = this.queue.countCurrent(max, this.isCurrent)) {
      if (this.presign(max - current) === 0) {
        this.blockedBy = this.lanes.lanes.every((l) => l.resyncing) ? 'lanes' : 'signing';
        break;
      }
    }
    const batch = this.queue.take(max, this.isCurrent);
    if (!batch) return 0;
    const n = batch.count;
    const intended = batch.intended;
    for (let j = 0; j < n; j++) intended[j] = this.dueAt(this.sentLocal + j);
    this.sentLocal += n;
    this.sent += n;
    const sentAt = nowMs();
    let late = 0;
    for (let j = 0; j < n; j++) {
      const lagMs = sentAt - intended[j]!;
      this.lagSamples.recordMs(lagMs);
      if (lagMs > this.init.lateThresholdMs) late++;
    }
    if (late > 0) {
      const reason = this.blockedBy ?? 'eventLoop';
      this.late[reason] = (this.late[reason] ?? 0) + late;
    }
    const target = this.chooseTarget();
    this.inFlight++;
    const request = this.request(target, packedCall(this.factory, batch.body, n, () => batch.views()), this.init.pipelining > 1);
    // The request holds the body now: it is read again only to keep a transaction as an outstanding record.
    if (!this.keepsBytes) batch.dropBody();
    request
      .then(async (res) => this.factory.submitAnswers(res.statusCode, await res.body.text(), n))
      .catch(() => undefined) // transport error, timeout, unreadable reply: every transaction errored
      // Once per batch: an error in it is the worker's, not the request's (not answered twice).
      .then((results) => this.onAnswer(batch, sentAt, nowMs(), target, results))
      .finally(() => {
        this.inFlight--;
        this.wake();
      });
    return n;
  }

  /** One answer for a batch: `results` undefined = transport error, timeout or a reply the chain calls failed. */
  private onAnswer(batch: SignedBatch, sentAt: number, answeredAt: number, target: number, results: readonly (TxAnswer | undefined)[] | undefined): void {
    const lost: OutstandingTx[] = [];
    const lanes = this.lanes.lanes;
    this.uncorrectedSamples.recordMs(answeredAt - sentAt, batch.count); // one answer for the whole batch
    for (let j = 0; j < batch.count; j++) {
      const lane = lanes[batch.slot[j]!]!;
      const nonce = batch.nonce[j]!;
      const intended = batch.intended[j]!;
      const r = results?.[j];
      this.correctedSamples.recordMs(answeredAt - intended);
      let label: string;
      if (r?.outcome === 'accepted') {
        this.accepted++;
        label = 'ok';
        this.lanes.keep(lane, nonce, true, target, answeredAt, batch, j);
        if (this.init.trackAccepted) {
          this.acceptedIds.push(batch.txId(j));
          this.acceptedIntended.push(intended);
        }
      } else if (r) {
        const reason = r.reason;
        this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
        label = reason;
        if (r.outcome === 'duplicate') this.lanes.keep(lane, nonce, false, target, answeredAt, batch, j); // it is in that mempool
        else if (r.outcome === 'stale_nonce') lane.checkedAt = 0; // the chain is past it: check the lane now
        else {
          // nonce_gap: that node misses a lower nonce; give it the lane's outstanding ones right away.
          if (r.outcome === 'nonce_gap') for (const o of lane.outstanding.values()) if (o.nonce < nonce) lost.push(o);
          this.lanes.release(lane, nonce);
        }
      } else {
        this.errored++;
        label = 'error';
        // Unknown whether it got in (the node may have died before gossiping it): keep it and give it to
        // another node now; a duplicate there is harmless, and the id stays the same.
        this.lanes.keep(lane, nonce, false, target, answeredAt, batch, j);
        const kept = lane.outstanding.get(nonce);
        if (kept) lost.push(kept);
      }
      this.records?.add(intended, sentAt, answeredAt, label, target, lane.walletIndex, nonce, batch.txId(j));
    }
    if (lost.length > 0) this.resend(lost.sort((a, b) => a.nonce - b.nonce), results === undefined ? target + 1 : target);
  }

  private request(target: number, call: HttpCall, pipelined = false, pools = this.pools) {
    const body = call.body;
    return pools[target]!.request({
      method: call.method,
      path: call.path,
      body: body === undefined || typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      headers: call.contentType ? { 'content-type': call.contentType } : undefined,
      signal: this.deadline(),
      ...(pipelined ? { idempotent: true, blocking: false } : {}),
    });
  }

  /**
   * Re-submit outstanding transactions' original bytes (same ids) to a node. Not counted as submissions:
   * an id answered 'ok' here was either accepted already (counted once) or had no answer the first time
   * (counted as errored), so submitted = accepted + rejected + errored and the inclusion accounting stay exact.
   */
  private resend(txs: OutstandingTx[], target: number): void {
    if (txs.length === 0 || this.pools.length === 0) return;
    const t = ((target % this.pools.length) + this.pools.length) % this.pools.length;
    this.resent += txs.length;
    const now = nowMs();
    for (const o of txs) {
      o.target = t;
      o.sentAt = now;
    }
    this.inFlightResubmits++;
    this.request(t, submitCallOf(this.factory, txs.map((o) => o.bytes)))
      .then(async (res) => {
        const text = await res.body.text();
        const results = this.factory.submitAnswers(res.statusCode, text, txs.length);
        if (!results) return;
        const answeredAt = nowMs();
        txs.forEach((o, j) => {
          const r = results[j];
          if (r?.outcome === 'accepted') {
            this.resentAccepted++;
            // Accepted once already, yet this node did not have it: a loss the re-submission repaired.
            if (o.accepted) this.recoveredAccepted++;
          }
          this.records?.add(o.sentAt, o.sentAt, answeredAt, `resent:${r ? (r.outcome === 'accepted' ? 'ok' : r.reason) : 'error'}`, t, o.wallet, o.nonce, o.id);
        });
      })
      .catch(() => undefined) // still outstanding: the next lane check tries another node
      .finally(() => {
        this.inFlightResubmits--;
      });
  }

  /**
   * Lane checks: a lane with outstanding transactions asks a node for its account nonce every half stall
   * period (a few at a time); past what the chain confirmed is forgotten, and a lane whose nonce did not
   * move for a stall period has its outstanding transactions re-submitted to another node.
   */
  private checkLanes(): void {
    const now = nowMs();
    const stallMs = this.init.stallMs ?? 0;
    for (const lane of this.lanes.dueForCheck(now, stallMs / 2)) {
      if (this.checksRunning >= 8) break;
      lane.checking = true;
      this.checksRunning++;
      const first = this.checkCursor++;
      void (async () => {
        try {
          for (let attempt = 0; attempt < this.targets.length && !this.stopping; attempt++) {
            const target = (first + attempt) % this.targets.length;
            try {
              const nonce = await this.fetchNonce(target, lane.address);
              const stalled = this.lanes.confirm(lane, nonce, nowMs(), stallMs);
              if (stalled.length > 0) {
                this.resyncs++;
                // Another node than the one the oldest record last went to (it may be the lost one).
                this.resend(stalled, stalled[0]!.target + 1);
              }
              return;
            } catch {
              // that node is down: ask the next one
            }
          }
          lane.checkedAt = nowMs();
        } finally {
          lane.checking = false;
          this.checksRunning--;
        }
      })();
    }
  }

  private async fetchNonce(target: number, address: string): Promise<number> {
    const res = await this.request(target, this.factory.nonceCall(address), false, this.controlPools);
    const text = await res.body.text();
    return this.factory.nonceAnswer(res.statusCode, text);
  }

  /**
   * Initial nonces of every lane, a few requests at a time. A node that does not answer is retried (on the
   * next target, backing off) for up to SYNC_RETRY_MS: chaos may be restarting the only node as load starts.
   */
  private async syncAll(): Promise<void> {
    const lanes = [...this.lanes.lanes];
    const deadline = nowMs() + SYNC_RETRY_MS;
    const next = async (): Promise<void> => {
      for (let lane = lanes.shift(); lane; lane = lanes.shift()) {
        for (let attempt = 0; ; attempt++) {
          try {
            this.lanes.start(lane, await this.fetchNonce((lane.walletIndex + attempt) % this.targets.length, lane.address), nowMs());
            break;
          } catch (e) {
            if (this.stopping || nowMs() >= deadline) {
              throw new Error(`initial nonce of ${lane.address}: no node answered within ${SYNC_RETRY_MS / 1000} s (${attempt + 1} attempts; last: ${e instanceof Error ? e.message : String(e)})`, { cause: e });
            }
            await new Promise((r) => setTimeout(r, Math.min(1000, 200 * (attempt + 1))));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, lanes.length) }, next));
  }

  private report(final: boolean): void {
    const ids = this.acceptedIds.join('');
    const intended = Float64Array.from(this.acceptedIntended);
    const msg: WorkerReport = {
      type: 'report',
      workerIndex: this.init.workerIndex,
      final,
      atMs: nowMs(),
      sent: this.sent,
      accepted: this.accepted,
      rejected: this.rejected,
      errored: this.errored,
      late: this.late,
      signed: this.signed,
      signingMs: this.signingMs,
      elu: performance.eventLoopUtilization(this.elu).utilization,
      resyncs: this.resyncs,
      resent: this.resent,
      resentAccepted: this.resentAccepted,
      recoveredAccepted: this.recoveredAccepted,
      inFlight: this.inFlight,
      backlog: this.dueLocal - this.sentLocal,
      submitCorrected: this.correctedSamples.take(),
      submitUncorrected: this.uncorrectedSamples.take(),
      scheduleLag: this.lagSamples.take(),
      acceptedIds: ids,
      acceptedIntended: intended,
      dueCount: this.dueLocal,
    };
    this.post(msg, [intended.buffer as ArrayBuffer]);
    this.sent = this.accepted = this.errored = this.signed = this.resyncs = this.signingMs = this.resent = this.resentAccepted = this.recoveredAccepted = 0;
    this.elu = performance.eventLoopUtilization();
    this.rejected = {};
    this.late = {};
    this.acceptedIds = [];
    this.acceptedIntended = [];
  }

  async run(): Promise<WorkerResult> {
    let totalSent = 0;
    const onMessage = (m: CoordinatorMessage) => {
      if (m.type === 'stop') {
        this.stopping = true;
        this.wake();
      } else if (m.type === 'targets') {
        const old = [...this.pools, ...this.controlPools];
        this.targets = m.targets;
        this.maxInFlight = this.init.connections * this.init.pipelining * Math.max(1, m.targets.length);
        this.openPools();
        for (const p of old) void p.close().catch(() => undefined);
      } else if (m.type === 'go') {
        this.t0 = m.t0;
        this.wake();
      }
    };
    this.port.on('message', onMessage);
    try {
      await this.syncAll();
      if ((this.init.stallMs ?? 0) > 0) this.checkTimer = setInterval(() => this.checkLanes(), 250);
      this.signTokensAt = nowMs();
      this.presignHeadStart();
      this.post({ type: 'ready', workerIndex: this.init.workerIndex, signed: this.signed });
      while (this.t0 === 0 && !this.stopping) await new Promise<void>((r) => (this.wakeUp = r));
      this.nextDueAt = this.dueAt(0);
      let nextReport = this.t0 + this.init.reportIntervalMs;
      // Interval reports on the report grid; a late check skips the missed slots rather than bursting.
      const reportIfDue = (now: number) => {
        if (now < nextReport) return;
        totalSent += this.sent;
        this.report(false);
        nextReport += this.init.reportIntervalMs * Math.max(1, Math.ceil((now - nextReport + 1) / this.init.reportIntervalMs));
      };
      while (!this.stopping) {
        const now = nowMs();
        this.skipDue(now);
        while (this.nextDueAt <= now) {
          this.dueLocal++;
          this.nextDueAt = this.dueAt(this.dueLocal);
        }
        // Generation ends with the window: what is still unsent then is reported as unsent, not sent late.
        if (this.nextDueAt === Infinity && (this.dueLocal === this.sentLocal || now >= this.t0 + this.init.durationMs)) this.generationDone = true;
        // Release every due transaction, coalesced into batches; never hold one back to fill a batch.
        while (!this.generationDone && this.sentLocal < this.dueLocal && this.inFlight < this.maxInFlight) {
          if (this.sendBatch(Math.min(this.dueLocal - this.sentLocal, this.init.maxBatch)) === 0) break;
        }
        if (this.sentLocal < this.dueLocal && this.inFlight >= this.maxInFlight) this.blockedBy = 'connections';
        if (this.sentLocal === this.dueLocal) this.blockedBy = null;
        reportIfDue(now);
        if (this.generationDone) break;
        // Top up the pre-signed buffer in chunks (~0.8 ms each with sodium) while nothing is waiting to go.
        // Behind the schedule with every connection busy, only as far as the connections take at once: signing
        // further ahead sends nothing sooner, and an entry held that long (16k of them: ~0.5 s at the maximum)
        // outlives the young generation, so every transaction paid for promotion and old-space GC.
        const behind = this.sentLocal < this.dueLocal;
        const want = (behind ? Math.min(this.lookaheadTarget(), this.maxInFlight * this.init.maxBatch) : this.lookaheadTarget()) - this.buffered();
        const canSign = !behind || this.inFlight >= this.maxInFlight;
        if (want > 0 && canSign && this.presign(Math.min(want, SIGN_CHUNK)) > 0) {
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        // Sleep until the next due time (timers have ~1 ms granularity: due transactions are then coalesced;
        // spinning instead would burn the core the target may need).
        const untilDue = this.sentLocal < this.dueLocal ? (this.blockedBy === 'signing' ? 2 : Infinity) : this.nextDueAt - nowMs();
        const delay = Math.max(1, Math.min(untilDue, nextReport - nowMs(), 1000));
        await new Promise<void>((r) => {
          const t = setTimeout(() => r(), delay);
          this.wakeUp = () => {
            clearTimeout(t);
            r();
          };
        });
        this.wakeUp = null;
      }
      // Drain: wait for the answers of what is in flight, bounded by the request timeout at the natural end
      // and by 2 s after a stop (the run wants its workloads back). What is still open then is aborted and
      // counts as errored, so every submitted transaction still has exactly one outcome.
      const drainUntil = nowMs() + (this.generationDone ? this.init.requestTimeoutMs + 1000 : 2000);
      const waitAnswers = async (until: number) => {
        while (this.inFlight > 0 && nowMs() < until) await new Promise<void>((r) => ((this.wakeUp = r), setTimeout(r, 20)));
      };
      await waitAnswers(drainUntil);
      if (this.inFlight > 0) {
        await Promise.allSettled(this.pools.map((p) => p.destroy(new Error('load stopped'))));
        await waitAnswers(nowMs() + 5000);
      }
      // Settle: keep checking lanes (re-submitting what a lost node held) until the chain has every
      // outstanding transaction, the settle time is up or the run stops us.
      const settleUntil = nowMs() + (this.init.settleMs ?? 0);
      while (!this.stopping && this.lanes.outstandingCount() > 0 && nowMs() < settleUntil) {
        await new Promise<void>((r) => ((this.wakeUp = r), setTimeout(r, 100)));
        this.wakeUp = null;
        reportIfDue(nowMs());
      }
      if (this.checkTimer) clearInterval(this.checkTimer);
      for (let waited = 0; this.inFlightResubmits > 0 && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      totalSent += this.sent;
      this.report(true);
      return { workerIndex: this.init.workerIndex, sent: totalSent };
    } catch (e) {
      this.post({ type: 'fatal', message: (e as Error).message });
      throw e;
    } finally {
      if (this.checkTimer) clearInterval(this.checkTimer);
      this.port.off('message', onMessage);
      await this.records?.close();
      await Promise.allSettled([...this.pools, ...this.controlPools].map((p) => p.destroy()));
    }
  }
}

/** The chain's transaction factory, from the module the coordinator named. */
async function loadFactory(init: ShardInit): Promise<WorkerTxFactory> {
  const ref = init.txFactory;
  const url = ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href;
  const mod = (await import(url)) as Partial<TxFactoryModule>;
  if (typeof mod.createTxFactory !== 'function') throw new Error(`transaction factory module ${ref.module} does not export createTxFactory(init)`);
  return mod.createTxFactory({ wallets: init.wallets, recipients: init.recipients, params: init.params, options: ref.options });
}

export default async function runShard(task: { init: ShardInit; port: MessagePort }): Promise<WorkerResult> {
  let worker: ShardWorker;
  try {
    worker = new ShardWorker(task.init, task.port, await loadFactory(task.init));
  } catch (e) {
    task.port.postMessage({ type: 'fatal', message: (e as Error).message } satisfies WorkerMessage);
    throw e;
  }
  return worker.run();
}
