/**
 * The block feed: follows every node of the run (not one, as upstream did), so it survives the restart of
 * any node and sees forks that only some nodes hold. Each node is polled on its own loop at a sub-slot
 * interval through its ChainClient: `head()` for tip and final block, then the ids from its tip to its
 * final block (`ancestors()`, where the chain has it) with `block(id)` for blocks no node showed yet; a node
 * first followed, far behind, or without `ancestors` is read by height instead (`blocksByHeight`). Each block is emitted once by id with the time loadnet first saw it on any node;
 * it becomes final when some node's LIB passes it (k deep). A block replaced at a height on a node's
 * canonical chain is a reorg; reverting a final block is flagged `revertedFinal` (a safety violation).
 *
 * Memory is bounded for long runs: per node only ids of recent heights; per block a slim record, whose
 * txIds are dropped once it is `retainTxIdsBlocks` behind the newest (consumers take them in onBlock).
 */
import type { ChainAdapter, ChainBlock, ChainClient, ChainHead, HeadSubscription, Hex } from '../adapters/seam.js';
import { chainAdapter } from '../adapters/registry.js';
import { nowMs, sleep } from '../util/clock.js';
import { NodeChainView, type ChainBlockRef } from './chain-view.js';
import type { BlockFeed, BlockFeedListener, EventLog, FeedBlock, NodeTip, ReorgEvent, RunNode } from './contracts.js';

export interface BlockFeedOptions {
  /** The live node set (nodes joined at runtime appear, removed ones disappear). */
  nodes: () => readonly RunNode[];
  events?: EventLog;
  slotDurationMs: number;
  securityParam: number;
  /** Poll interval per node; default a quarter slot within 100..500 ms. */
  pollMs?: number;
  /** Per-request timeout: a paused node must not stall its loop for long. Default max(1 s, 2 slots). */
  requestTimeoutMs?: number;
  /** History taken from a node followed for the first time (heights below its tip). Default 2k + 64. */
  initialDepth?: number;
  retainTxIdsBlocks?: number;
  /** Upper bound on block records kept (oldest evicted first). */
  maxBlocks?: number;
  /**
   * 'auto' (default): id lists tip->LIB for followed nodes, full blocks only when unseen; 'range': always
   * read canonical blocks by height (for nodes without /cryptarchia/headers, and to compare).
   */
  readMode?: 'auto' | 'range';
  /** How the feed talks to a node (default: its own client from the chain's adapter, with a short timeout). */
  clientFor?: (node: RunNode, timeoutMs: number) => ChainClient;
  /** The chain whose clients the feed opens (default: the devnet). */
  chain?: ChainAdapter;
}

interface Follow {
  node: RunNode;
  client: ChainClient;
  view: NodeChainView;
  inFlight?: Promise<void>;
  loop?: Promise<void>;
  /** New heads pushed by the node (chains that follow by 'subscribe'); `headSeen` wakes the loop. */
  sub?: HeadSubscription;
  headSeen?: () => void;
  /** 'subscribe' | 'poll' last said in a feed.follow event, and when to try subscribing again. */
  mode?: 'subscribe' | 'poll';
  subscribeAfter: number;
}

const PAGE = 200;

export class PollingBlockFeed implements BlockFeed {
  private readonly listeners = new Set<BlockFeedListener>();
  private readonly blocks = new Map<Hex, FeedBlock>();
  private readonly finalByHeight = new Map<number, Hex>();
  private readonly follows = new Map<string, Follow>();
  private readonly tipByNode = new Map<string, NodeTip>();
  private readonly abort = new AbortController();
  private readonly pollMs: number;
  private readonly requestTimeoutMs: number;
  private readonly initialDepth: number;
  private readonly window: number;
  private readonly retainTxIds: number;
  private readonly maxBlocks: number;
  private readonly recentWithTxIds: Hex[] = [];
  private readonly bodiesInFlight = new Map<Hex, Promise<ChainBlock | null>>();
  private syncTimer?: NodeJS.Timeout;
  /** Counters for the summary: `reorgs` counts per-node reorg events, `orphanedBlocks` distinct reverted blocks. */
  readonly stats = { blocks: 0, finalBlocks: 0, reorgs: 0, maxReorgDepth: 0, revertedFinal: 0, finalConflicts: 0, orphanedBlocks: 0 };
  /** How the feed read the nodes: tip->LIB id lists, height ranges, and single full blocks fetched. */
  readonly reads = { headers: 0, ranges: 0, blockBodies: 0 };
  /** Distinct blocks some node reverted (one fork seen by many nodes counts once here). */
  private readonly orphaned = new Set<Hex>();

  constructor(private readonly opts: BlockFeedOptions) {
    this.pollMs = opts.pollMs ?? Math.min(500, Math.max(100, Math.floor(opts.slotDurationMs / 4)));
    this.requestTimeoutMs = opts.requestTimeoutMs ?? Math.max(1000, 2 * opts.slotDurationMs);
    this.initialDepth = opts.initialDepth ?? 2 * opts.securityParam + 64;
    this.window = Math.max(4 * opts.securityParam, 256);
    this.retainTxIds = opts.retainTxIdsBlocks ?? 1024;
    this.maxBlocks = opts.maxBlocks ?? 500_000;
  }

  /** Start following; picks up nodes joining and leaving at every poll interval. */
  start(): void {
    this.syncNodes();
    this.syncTimer = setInterval(() => this.syncNodes(), this.pollMs);
    this.syncTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.syncTimer) clearInterval(this.syncTimer);
    const follows = [...this.follows.values()];
    this.follows.clear();
    await Promise.allSettled(follows.map((f) => f.loop));
    await Promise.allSettled(follows.map((f) => f.client.close()));
  }

  subscribe(listener: BlockFeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  block(id: Hex): FeedBlock | undefined {
    return this.blocks.get(id);
  }

  tips(): NodeTip[] {
    return [...this.tipByNode.values()];
  }

  finalAt(height: number): Hex | undefined {
    return this.finalByHeight.get(height);
  }

  /** Highest height any followed node reported, and the highest final height. */
  heights(): { best: number; final: number } {
    let best = 0;
    for (const t of this.tipByNode.values()) best = Math.max(best, t.height);
    let final = 0;
    for (const t of this.tipByNode.values()) final = Math.max(final, t.libHeight);
    return { best, final };
  }

  async refresh(): Promise<void> {
    this.syncNodes();
    await Promise.allSettled([...this.follows.values()].map(async (f) => {
      await f.inFlight;
      await this.pollOnce(f);
    }));
  }

  private syncNodes(): void {
    if (this.abort.signal.aborted) return;
    const live = this.opts.nodes();
    const names = new Set(live.map((n) => n.descriptor.name));
    for (const [name, f] of this.follows) {
      if (!names.has(name) || live.find((n) => n.descriptor.name === name)!.descriptor.apiUrl !== f.node.descriptor.apiUrl) {
        this.follows.delete(name);
        this.tipByNode.delete(name);
        void f.client.close();
      }
    }
    for (const node of live) {
      if (this.follows.has(node.descriptor.name)) continue;
      const f: Follow = {
        node,
        client: this.opts.clientFor?.(node, this.requestTimeoutMs) ?? (this.opts.chain ?? chainAdapter()).client({ name: node.descriptor.name, apiUrl: node.descriptor.apiUrl }, { timeoutMs: this.requestTimeoutMs, connections: 1 }),
        view: new NodeChainView(this.window),
        subscribeAfter: 0,
      };
      this.follows.set(node.descriptor.name, f);
      f.loop = this.runLoop(f);
    }
  }

  private async runLoop(f: Follow): Promise<void> {
    const subscribing = (this.opts.chain?.follow ?? 'poll') === 'subscribe';
    try {
      while (!this.abort.signal.aborted && this.follows.get(f.node.descriptor.name) === f) {
        await f.inFlight;
        await this.pollOnce(f);
        if (subscribing && !f.sub && nowMs() >= f.subscribeAfter) await this.subscribeHeads(f);
        if (f.sub) await this.nextHead(f);
        else await sleep(this.pollMs, this.abort.signal);
      }
    } finally {
      f.sub?.close();
    }
  }

  /**
   * Follow by subscription where the node offers it: each pushed head wakes one read (the same read a poll
   * makes, so reorgs are still found by parent hash). Refused, or ended later: polling, and another try
   * after 10 s. Each change of mode is said once per node (`feed.follow`).
   */
  private async subscribeHeads(f: Follow): Promise<void> {
    const say = (mode: 'subscribe' | 'poll', reason?: string) => {
      if (f.mode === mode) return;
      f.mode = mode;
      this.opts.events?.emit('feed.follow', { node: f.node.descriptor.name, mode, ...(reason ? { reason } : {}) });
    };
    if (!f.client.subscribeHeads) return say('poll', 'the chain client cannot subscribe');
    try {
      const sub = await f.client.subscribeHeads(() => f.headSeen?.());
      if (this.follows.get(f.node.descriptor.name) !== f || this.abort.signal.aborted) return sub.close();
      f.sub = sub;
      void sub.ended.then(() => {
        if (f.sub !== sub) return;
        f.sub = undefined;
        f.subscribeAfter = nowMs() + 10_000;
        if (!this.abort.signal.aborted) say('poll', 'the subscription ended');
        f.headSeen?.();
      });
      say('subscribe');
    } catch (e) {
      f.subscribeAfter = nowMs() + 10_000;
      say('poll', (e as Error).message);
    }
  }

  /** Wait for a pushed head; at most two slots, so a lost notification never stalls the feed. */
  private nextHead(f: Follow): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        f.headSeen = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(this.pollMs, 2 * this.opts.slotDurationMs));
      this.abort.signal.addEventListener('abort', done, { once: true });
      f.headSeen = done;
    });
  }

  private pollOnce(f: Follow): Promise<void> {
    if (!f.inFlight) f.inFlight = this.poll(f).finally(() => (f.inFlight = undefined));
    return f.inFlight;
  }

  private async poll(f: Follow): Promise<void> {
    const name = f.node.descriptor.name;
    let info;
    try {
      info = await f.client.head();
    } catch {
      if (this.follows.get(name) !== f) return; // removed while we asked
      const prev = this.tipByNode.get(name);
      const tip: NodeTip = { node: name, at: nowMs(), height: prev?.height ?? 0, tip: prev?.tip ?? '', libHeight: prev?.libHeight ?? 0, lib: prev?.lib ?? '', up: false };
      this.tipByNode.set(name, tip);
      this.notify('onTip', tip);
      return;
    }
    try {
      if (info.tip !== f.view.tipId && !(await this.catchUpByHeaders(f, info))) await this.catchUp(f, info.height);
    } catch {
      // A failed fetch is retried at the next poll; the tip report below still counts.
    }
    if (this.follows.get(name) !== f) return; // removed while we asked: no stale tip for a gone node
    const tip: NodeTip = { node: name, at: nowMs(), height: info.height, tip: info.tip, libHeight: info.finalHeight, lib: info.final, up: true };
    this.tipByNode.set(name, tip);
    this.notify('onTip', tip);
    this.markFinal(f, info.finalHeight);
  }

  private async fetchRange(client: ChainClient, from: number, to: number): Promise<ChainBlock[]> {
    const out: ChainBlock[] = [];
    let next = from;
    while (next <= to) {
      const page = await client.blocksByHeight(next, Math.min(to, next + PAGE - 1));
      this.reads.ranges++;
      if (page.length === 0) break;
      out.push(...page);
      next = page[page.length - 1]!.height + 1;
    }
    return out;
  }

  /**
   * The cheap path once a node is followed: the ids from its tip down to its LIB (`/cryptarchia/headers`,
   * a few dozen bytes per block), and full blocks only for ids the feed has not seen on any node. Each
   * block's transactions then cross the wire once per run, not once per node. Returns false when the node
   * is further ahead than its LIB window (a restarted or joining node catching up): the range path does it.
   */
  private async catchUpByHeaders(f: Follow, info: ChainHead): Promise<boolean> {
    const view = f.view;
    if (!view.known || this.opts.readMode === 'range' || !f.client.ancestors) return false;
    const ids = await f.client.ancestors(info.tip);
    this.reads.headers++;
    if (ids.length === 0 || ids[0] !== info.tip) return false;
    const lowest = info.height - ids.length + 1;
    if (lowest > view.tipHeight + 1) return false;
    const fresh = new Map<string, ChainBlock>();
    for (let i = ids.length - 1; i >= 0; i--) {
      const bid = ids[i]!;
      if (info.height - i < 1 || this.blocks.has(bid)) continue;
      const b = await this.fetchBody(f.client, bid);
      if (!b) return false; // pruned or gone meanwhile: let the range path decide
      fresh.set(bid, b);
    }
    const refs: ChainBlockRef[] = [];
    for (let i = ids.length - 1; i >= 0; i--) {
      const height = info.height - i;
      if (height < 1) continue; // genesis is not a block of the run
      const bid = ids[i]!;
      // The lowest id's parent comes from the block itself: never assume a node's LIB links to what we
      // saw (a node reverting final blocks is exactly what the feed must catch).
      const parent = i + 1 < ids.length ? ids[i + 1]! : (this.blocks.get(bid)?.parent ?? fresh.get(bid)!.parent);
      refs.push({ id: bid, height, parent });
    }
    if (refs.length === 0) return true;
    const result = view.apply(refs);
    if (result.status === 'unlinked') return false; // diverged below the list: the range path steps back
    if (result.status !== 'applied') return true;
    const seenAt = nowMs();
    for (const b of fresh.values()) this.addBlock(b, f.node.descriptor.name, seenAt); // oldest first
    if (result.reverted.length > 0) this.reportReorg(f.node.descriptor.name, result.reverted.map((r) => r.id), result.adopted);
    return true;
  }

  /** One fetch per unseen block even when several nodes show it at once (their polls run concurrently). */
  private fetchBody(client: ChainClient, id: Hex): Promise<ChainBlock | null> {
    let p = this.bodiesInFlight.get(id);
    if (!p) {
      this.reads.blockBodies++;
      p = client.block(id).finally(() => this.bodiesInFlight.delete(id));
      this.bodiesInFlight.set(id, p);
    }
    return p;
  }

  private async catchUp(f: Follow, reportedHeight: number): Promise<void> {
    let from = f.view.fetchFrom(reportedHeight, this.initialDepth);
    let step = 1;
    for (;;) {
      const blocks = await this.fetchRange(f.client, from, Math.max(reportedHeight, from));
      const floor = f.view.lowestHeight;
      const force = from <= Math.max(1, floor);
      const refs = blocks.map((b) => ({ id: b.id, parent: b.parent, height: b.height }));
      const result = f.view.apply(refs, force);
      if (result.status === 'empty') return;
      if (result.status === 'unlinked') {
        // The node switched branch below what we fetched: step back (doubling) until the parent links.
        step *= 2;
        from = Math.max(1, from - step);
        continue;
      }
      const seenAt = nowMs();
      for (const b of blocks.slice(0, result.accepted)) this.addBlock(b, f.node.descriptor.name, seenAt);
      if (result.reverted.length > 0) this.reportReorg(f.node.descriptor.name, result.reverted.map((r) => r.id), result.adopted);
      return;
    }
  }

  private addBlock(b: ChainBlock, node: string, at: number): void {
    if (this.blocks.has(b.id)) return;
    const block: FeedBlock = { ...b, firstSeenAt: at, firstSeenOn: node };
    this.blocks.set(b.id, block);
    this.stats.blocks++;
    this.opts.events?.emit('block', { id: block.id, height: block.height, slot: block.slot, node, txCount: block.txIds.length });
    this.notify('onBlock', block);
    this.recentWithTxIds.push(b.id);
    if (this.recentWithTxIds.length > this.retainTxIds * 2) {
      for (const id of this.recentWithTxIds.splice(0, this.recentWithTxIds.length - this.retainTxIds)) {
        const old = this.blocks.get(id);
        if (old) this.blocks.set(id, { ...old, txIds: [] });
      }
    }
    if (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next().value as Hex;
      this.blocks.delete(oldest);
    }
  }

  private markFinal(f: Follow, libHeight: number): void {
    const view = f.view;
    const upTo = Math.min(libHeight, view.tipHeight);
    if (upTo <= view.finalizedUpTo) return;
    const at = nowMs();
    for (let h = Math.max(view.finalizedUpTo + 1, view.lowestHeight); h <= upTo; h++) {
      const id = view.idAt(h);
      if (id === undefined) continue;
      const already = this.finalByHeight.get(h);
      if (already === id) continue;
      if (already !== undefined) {
        // Two nodes finalised different blocks at one height: a safety violation, recorded as such.
        this.stats.finalConflicts++;
        this.opts.events?.emit('block.final.conflict', { height: h, ids: [already, id], node: f.node.descriptor.name });
        continue;
      }
      this.finalByHeight.set(h, id);
      const block = this.blocks.get(id);
      if (block && block.finalAt === undefined) {
        block.finalAt = at;
        this.stats.finalBlocks++;
        this.opts.events?.emit('block.final', { id, height: h });
        this.notify('onFinal', block);
      }
    }
    view.finalizedUpTo = upTo;
  }

  canonicalOn(id: Hex): string[] {
    const b = this.blocks.get(id);
    if (!b) return [];
    const out: string[] = [];
    for (const [name, f] of this.follows) {
      if (this.tipByNode.get(name)?.up === false) continue;
      if (f.view.idAt(b.height) === id) out.push(name);
    }
    return out;
  }

  private reportReorg(node: string, reverted: Hex[], adopted: Hex[]): void {
    const finalIds = new Set<Hex>();
    for (const id of reverted) if (this.blocks.get(id)?.finalAt !== undefined) finalIds.add(id);
    const event: ReorgEvent = { node, at: nowMs(), reverted, adopted, depth: reverted.length, revertedFinal: finalIds.size > 0 };
    this.stats.reorgs++;
    for (const id of reverted) this.orphaned.add(id);
    this.stats.orphanedBlocks = this.orphaned.size;
    this.stats.maxReorgDepth = Math.max(this.stats.maxReorgDepth, event.depth);
    if (event.revertedFinal) this.stats.revertedFinal++;
    this.opts.events?.emit('reorg', { node, depth: event.depth, reverted, revertedFinal: event.revertedFinal });
    this.notify('onReorg', event);
  }

  private notify<K extends keyof BlockFeedListener>(kind: K, arg: Parameters<NonNullable<BlockFeedListener[K]>>[0]): void {
    for (const l of this.listeners) {
      try {
        (l[kind] as ((a: typeof arg) => void) | undefined)?.call(l, arg);
      } catch {
        // A faulty listener must not stop the feed for everyone else.
      }
    }
  }
}
