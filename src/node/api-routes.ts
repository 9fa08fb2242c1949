/**
 * The node's HTTP API (src/adapters/devnet/wire/api.ts paths and shapes) and the testing API (its own port, only
 * when config.testing is set): network faults delegate to the P2P module, the clock offset to the
 * node's slot clock.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Hex } from '../util/bytes.js';
import { Paths, type AccountJson, type CryptarchiaInfo, type HealthJson, type LinkFault, type NetworkInfo, type StateRootJson, type SubmitTxResponse, type SupplyJson, type ValidatorsJson } from '../adapters/devnet/wire/api.js';
import { txBatchOffsets, txBytesFromJson } from '../adapters/devnet/wire/tx.js';
import { blockToJson, decodeBlock } from './block-codec.js';
import { HttpError, jsonBody, startHttpServer, type HttpRequest, type HttpServerHandle, type Route } from './http-server.js';
import type { DevnetNode } from './node.js';
import { stateRootOf } from './state-root.js';

const HEX64 = /^[0-9a-f]{64}$/;
const MAX_BLOCKS_PAGE = 100;
const MAX_BATCH_BODY = 64 * 1024 * 1024;
/**
 * Requests' worth taken from a client's budget per transaction it sent with an invalid signature: a
 * verification costs the node ~77 µs of a core (sodium, ~13k/s) where a request answered 429 costs ~23 µs
 * (bench/RESULTS.md), so a batch of 64 forged transactions is priced as ~256 requests, not one.
 */
export const INVALID_SIGNATURE_COST = 4;
/**
 * Blocks a /cryptarchia/blocks page serves per request's worth of its client's budget: one, so a page of 100
 * costs 100 requests. A block's JSON, built on the event loop, took 3 / 11 / 30 µs with 0 / 5 / 20 transfers
 * (blockToJson + stringify, 21:22 UTC, load 6), a request the node answers ~30 µs (bench/RESULTS.md).
 */
export const BLOCKS_PER_REQUEST = 1;

/** Requests' worth to charge beyond the request itself for a page of `blocks` (0 = pricing off). */
export function blockPageCharge(blocks: number, blocksPerRequest: number): number {
  return blocksPerRequest > 0 ? Math.max(0, Math.ceil(blocks / blocksPerRequest) - 1) : 0;
}

/**
 * Blocks' JSON text by id, the most recently served kept: a block's JSON never changes, and an old block is
 * otherwise read from storage, decoded and serialized again for every page that holds it (in a flood of
 * pages, 75 % of the node's busy time: bench/RESULTS.md).
 */
class BlockJsonCache {
  private readonly texts = new Map<Hex, string>();
  constructor(private readonly capacity: number) {}

  /** The block's JSON text, built (null: no such block) when not kept. */
  get(id: Hex, build: () => string | null): string | null {
    const kept = this.texts.get(id);
    if (kept !== undefined) {
      this.texts.delete(id);
      this.texts.set(id, kept);
      return kept;
    }
    const t = build();
    if (t === null) return null;
    if (this.texts.size >= this.capacity) this.texts.delete(this.texts.keys().next().value!);
    this.texts.set(id, t);
    return t;
  }
}

const BLOCK_JSON_CACHE = 2_048;

/** Binary bytes of blocks per /cryptarchia/blocks page: the JSON is ~3x that, built on the event loop, so keep pages short (clients page on). */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

function hexId(v: unknown, field: string): Hex {
  if (typeof v !== 'string' || !HEX64.test(v)) throw new HttpError(400, `${field}: expected a 32-byte id as 64 lowercase hex chars, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v;
}

function intParam(req: HttpRequest, name: string, dflt?: number): number {
  const raw = req.query.get(name);
  if (raw === null || raw === '') {
    if (dflt !== undefined) return dflt;
    throw new HttpError(400, `query parameter ${name} is required (a non-negative integer)`);
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, `query parameter ${name}: ${JSON.stringify(raw)} is not a non-negative integer`);
  return n;
}

function apiRoutes(node: DevnetNode): Route[] {
  const chain = node.chain;
  const signatureCost = node.config.api.limits?.invalidSignatureCost ?? INVALID_SIGNATURE_COST;
  const blocksPerRequest = node.config.api.limits?.blocksPerRequest ?? BLOCKS_PER_REQUEST;
  const blockJson = new BlockJsonCache(BLOCK_JSON_CACHE);
  return [
    {
      method: 'GET',
      path: Paths.info,
      handler: () => {
        const info: CryptarchiaInfo = { lib: chain.lib.id, tip: chain.tip.id, slot: Math.max(0, node.slotAt(node.now())), height: chain.height, mode: node.sync.isBootstrapping() ? 'Bootstrapping' : 'Online', lib_height: chain.libHeight, clock: clockJson(node) };
        return { json: info };
      },
    },
    {
      method: 'GET',
      path: Paths.headers,
      handler: (req) => {
        const from = req.query.get('from') || undefined;
        const to = req.query.get('to') || undefined;
        if (from !== undefined) hexId(from, 'from');
        if (to !== undefined) hexId(to, 'to');
        const ids = chain.idsBetween(from, to);
        if (ids === null) throw new HttpError(404, `unknown block ${from}`);
        return { json: ids };
      },
    },
    {
      method: 'GET',
      path: Paths.blocksByHeight,
      handler: (req) => {
        const from = intParam(req, 'from');
        const to = Math.min(intParam(req, 'to', chain.height), chain.height, from + MAX_BLOCKS_PAGE - 1);
        // Paid before the work, and no longer than the client's budget covers (the request itself paid for its
        // first block): the pages read in one turn of the event loop are otherwise all built before the first
        // is charged. A shorter page is a page: clients page on from its last block.
        const first = Math.max(1, from);
        const affordable = blocksPerRequest > 0 ? Math.floor((req.available() + 1) * blocksPerRequest) : Infinity;
        const last = Math.min(to, first - 1 + Math.max(1, affordable));
        req.charge(blockPageCharge(Math.max(0, last - first + 1), blocksPerRequest));
        const out: string[] = [];
        let bytes = 0;
        for (let h = first; h <= last; h++) {
          const id = chain.canonicalId(h)!;
          const text = blockJson.get(id, () => {
            const raw = chain.blockBytes(id);
            return raw ? JSON.stringify(blockToJson(chain.liveBlock(id) ?? decodeBlock(raw))) : null;
          });
          if (text === null) break;
          // The JSON is ~3x the binary block: the page's cap on binary bytes, counted on the text.
          bytes += text.length / 3;
          if (out.length > 0 && bytes > MAX_PAGE_BYTES) break;
          out.push(text);
        }
        return { text: `[${out.join(',')}]` };
      },
    },
    {
      method: 'POST',
      path: Paths.storageBlock,
      handler: (req) => {
        const id = hexId(jsonBody(req), 'body');
        const live = chain.liveBlock(id);
        if (live) return { json: blockToJson(live) };
        const raw = chain.blockBytes(id);
        return { json: raw && raw.length > 0 ? blockToJson(decodeBlock(raw)) : null };
      },
    },
    {
      method: 'POST',
      path: Paths.addTx,
      handler: (req) => {
        let bytes: Uint8Array;
        try {
          bytes = txBytesFromJson(jsonBody(req));
        } catch (e) {
          node.mempool.noteRejected('malformed');
          const body: SubmitTxResponse = { id: null, result: 'malformed', error: (e as Error).message };
          return { status: 400, json: body };
        }
        const out = node.submitTxBytes(bytes);
        if (out.result === 'bad_signature') req.charge(signatureCost);
        const body: SubmitTxResponse = { id: out.tx?.id ?? null, result: out.result, ...(out.error ? { error: out.error } : {}) };
        return { status: out.result === 'ok' ? 200 : 422, json: body };
      },
    },
    {
      method: 'POST',
      path: Paths.addTxs,
      maxBody: MAX_BATCH_BODY,
      handler: (req) => {
        const body = new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength);
        let at: Uint32Array;
        try {
          at = txBatchOffsets(body);
        } catch (e) {
          throw new HttpError(400, `bad batch frame: ${(e as Error).message}; expected count u32 | (len u32 | tx)* (encodeTxBatch)`);
        }
        // Refused before anything is decoded when the client's or the node's verification queue is at its bound.
        const queued = node.verifyQueue.reserve(req.client, at.length - 1);
        if (typeof queued === 'string') throw new HttpError(503, `${queued} (api.limits.verifyPendingPerClient, verifyPendingMax); retry after 1 s`, { 'retry-after': '1' });
        // Priced by what it cost: each invalid signature found is charged to the client, and a client in debt
        // gets no more verifications (a window's turn asks, so the batches queued ahead have been charged).
        const payer = signatureCost > 0 ? { owes: req.owes, invalid: (n: number) => req.charge(n * signatureCost) } : undefined;
        // Results are plain identifiers: joined, not JSON.stringify'd (a 100,000-entry answer in a few ms).
        return node
          .submitTxBatch({ length: at.length - 1, at: (i) => body.subarray(at[i]! + 4, at[i + 1]!) }, payer, queued.release)
          .then((results) => ({ text: results.length === 0 ? '{"results":[]}' : `{"results":["${results.join('","')}"]}` }))
          .finally(queued.done);
      },
    },
    { method: 'GET', path: Paths.mempoolMetrics, handler: () => ({ json: node.mempool.metrics() }) },
    { method: 'GET', path: Paths.mempoolTxs, handler: (req) => ({ json: node.mempool.pendingIds(Math.min(intParam(req, 'limit', 10_000), 100_000)) }) },
    {
      method: 'GET',
      path: Paths.account,
      prefix: true,
      handler: (req) => {
        const a = node.ledger.account(hexId(req.rest, 'account public key'));
        const body: AccountJson = { balance: a.balance, nonce: a.nonce };
        return { json: body };
      },
    },
    {
      method: 'GET',
      path: Paths.supply,
      handler: () => {
        const body: SupplyJson = { total: node.ledger.totalBalances(), genesis: node.ledger.genesisSupply, burned: node.ledger.burned, staked: node.ledger.totalBonded() };
        return { json: body };
      },
    },
    {
      method: 'GET',
      path: Paths.stateRoot,
      handler: (req) => {
        const height = intParam(req, 'height', chain.height);
        const snap = chain.snapshotAt(height);
        if (!snap) throw new HttpError(404, `no state at height ${height}: this node serves heights ${chain.libHeight} (its LIB) to ${chain.height} (its tip)`);
        const body: StateRootJson = { height, block: chain.canonicalId(height)!, ...stateRootOf(snap) };
        return { json: body };
      },
    },
    {
      method: 'GET',
      path: Paths.validators,
      handler: () => {
        const body: ValidatorsJson = { height: node.chain.height, validators: [...node.ledger.stakes].map(([pk, e]) => ({ public_key: pk, genesis: e.genesis, bonded: e.bonded })) };
        return { json: body };
      },
    },
    { method: 'GET', path: Paths.networkInfo, handler: () => ({ json: networkInfo(node) }) },
    {
      method: 'GET',
      path: Paths.health,
      handler: () => {
        const body: HealthJson = { ok: true, node: node.config.name, role: node.config.role, height: chain.height };
        return { json: body };
      },
    },
    { method: 'GET', path: Paths.metrics, handler: async () => ({ text: await node.metrics.text(), contentType: node.metrics.registry.contentType }) },
    ...node.extraRoutes(),
  ];
}

export function networkInfo(node: DevnetNode): NetworkInfo {
  if (node.p2p) return node.p2p.info();
  return { listen_addresses: [], peer_id: node.publicKey, n_peers: 0, n_connections: 0, n_pending_connections: 0, peers: [] };
}

function requireP2P(node: DevnetNode) {
  if (!node.p2p) throw new HttpError(503, 'the P2P module is not running on this node');
  return node.p2p;
}

function peerIdOf(req: HttpRequest): Hex {
  const body = jsonBody(req) as { peer_id?: unknown } | null;
  return hexId(body?.peer_id, 'peer_id');
}

function testingRoutes(node: DevnetNode): Route[] {
  return [
    { method: 'POST', path: Paths.testBlockPeer, handler: (req) => (requireP2P(node).blockPeer(peerIdOf(req)), { json: { ok: true } }) },
    { method: 'POST', path: Paths.testUnblockPeer, handler: (req) => (requireP2P(node).unblockPeer(peerIdOf(req)), { json: { ok: true } }) },
    {
      method: 'POST',
      path: Paths.testLinkFault,
      handler: (req) => {
        const b = jsonBody(req) as Partial<LinkFault> | null;
        const num = (v: unknown, f: string, max: number) => {
          if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) throw new HttpError(400, `${f}: expected a number in [0, ${max}], got ${JSON.stringify(v)}`);
          return v;
        };
        const fault: LinkFault = { peer_id: hexId(b?.peer_id, 'peer_id'), delay_ms: num(b?.delay_ms ?? 0, 'delay_ms', 600_000), jitter_ms: num(b?.jitter_ms ?? 0, 'jitter_ms', 600_000), loss: num(b?.loss ?? 0, 'loss', 1) };
        requireP2P(node).setLinkFault(fault);
        return { json: { ok: true } };
      },
    },
    { method: 'GET', path: Paths.testNetworkState, handler: () => ({ json: node.p2p ? node.p2p.state() : { blocked: [], faults: {} } }) },
    {
      method: 'POST',
      path: Paths.testClockOffset,
      handler: (req) => {
        const b = jsonBody(req) as { offset_ms?: unknown } | null;
        const v = b?.offset_ms;
        if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 86_400_000) throw new HttpError(400, `offset_ms: expected milliseconds within ±1 day, got ${JSON.stringify(v)}`);
        node.clockOffsetMs = v;
        return { json: { ok: true, offset_ms: v } };
      },
    },
  ];
}

/** With a token configured, every testing route first checks `Authorization: Bearer <token>` (in constant time). */
function requireToken(token: string | undefined, routes: Route[]): Route[] {
  if (token === undefined) return routes;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(`Bearer ${token}`);
  return routes.map((r) => ({
    ...r,
    handler: (req: HttpRequest) => {
      if (!timingSafeEqual(digest(req.authorization), expected)) throw new HttpError(401, 'testing API: missing or wrong token; send Authorization: Bearer <token> (a loadnet run writes it to <runDir>/testing-token)');
      return r.handler(req);
    },
  }));
}

/** Start the API server and, when configured, the testing server (index 1). */
export async function startApiServers(node: DevnetNode): Promise<HttpServerHandle[]> {
  const onTimed = (route: string, status: number, seconds: number) => node.metrics.httpDuration.observe({ route, status: String(status) }, seconds);
  const api = await startHttpServer({ ...node.config.api, routes: apiRoutes(node), onTimed });
  if (!node.config.testing) return [api];
  try {
    const { host, port, token } = node.config.testing;
    const testing = await startHttpServer({ host, port, routes: requireToken(token, testingRoutes(node)) });
    return [api, testing];
  } catch (e) {
    await api.close();
    throw e;
  }
}

function clockJson(node: DevnetNode): NonNullable<CryptarchiaInfo['clock']> {
  const c = node.clockRules;
  return { now_ms: Math.round(node.now()), future_held: c.futureHeld, future_rejected: c.futureRejected, late_blocks: c.lateBlocks, slots_missed: c.slotsMissed };
}
