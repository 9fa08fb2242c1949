/**
 * NodeClient: a typed client of one node's HTTP API (and its testing API), over an undici Pool.
 * undici 7 (not the global fetch, which costs 4–5x the CPU per request: bench/primitives.ts). Every call has a timeout;
 * a non-2xx answer becomes LN_ERR_NODE_API naming the node, path, status and body. A 429 (the node's per-client
 * budget, `api.requestsPerSec`) is waited out as its Retry-After says and the call made again, up to
 * `throttleWaitMs` in all; past that it fails naming the budget (docs/SECURITY.md).
 */
import { Pool } from 'undici';
import { LoadnetError } from '../../../errors.js';
import { sleep } from '../../../util/clock.js';
import type { Hex } from '../../../util/bytes.js';
import {
  Paths,
  type AccountJson,
  type BlockJson,
  type CryptarchiaInfo,
  type DaBlobStatus,
  type DaChannelJson,
  type DaShareJson,
  type DisperseRequest,
  type DisperseResponse,
  type HealthJson,
  type LinkFault,
  type MempoolMetrics,
  type NetworkInfo,
  type StateRootJson,
  type SubmitBatchResponse,
  type SubmitTxResponse,
  type SupplyJson,
  type ValidatorsJson,
} from './api.js';
import type { SignedTransactionJson } from './tx.js';

/** undici's error for a socket closed by the server before it answered (a kept-alive socket closing), or a reset. */
function isClosedSocket(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

export interface NodeClientOptions {
  /** Name used in errors and reports, e.g. 'validator-0'. */
  name?: string;
  /** Base URL of the testing API, when enabled. */
  testingUrl?: string;
  /** The testing API's token (sent as `Authorization: Bearer <token>`), when the node has one. */
  testingToken?: string;
  timeoutMs?: number;
  connections?: number;
  /** How long a call waits out 429 answers (per their Retry-After) before it fails (default 30 s). */
  throttleWaitMs?: number;
}

/** The 429s a client waited out: how many and for how long in all. */
export interface ThrottleFigures {
  answers: number;
  waitedMs: number;
}

export class NodeClient {
  readonly name: string;
  readonly url: string;
  readonly testingUrl?: string;
  private readonly pool: Pool;
  private testingPool?: Pool;
  private readonly testingToken?: string;
  private readonly timeoutMs: number;
  private readonly throttleWaitMs: number;
  readonly throttled: ThrottleFigures = { answers: 0, waitedMs: 0 };

  constructor(url: string, options: NodeClientOptions = {}) {
    this.url = url.replace(/\/$/, '');
    this.name = options.name ?? this.url;
    this.testingUrl = options.testingUrl?.replace(/\/$/, '');
    this.testingToken = options.testingToken;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.throttleWaitMs = options.throttleWaitMs ?? 30_000;
    this.pool = new Pool(this.url, { connections: options.connections ?? 4, keepAliveTimeout: 10_000 });
  }

  private async request<T>(pool: Pool, method: 'GET' | 'POST', path: string, body?: string | Uint8Array, contentType = 'application/json', timeoutMs = this.timeoutMs, authorization?: string): Promise<{ status: number; json: T; retryAfterS?: number }> {
    const send = () =>
      pool.request({
        method,
        path,
        body: body === undefined ? undefined : typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        headers: { ...(body === undefined ? {} : { 'content-type': contentType }), ...(authorization ? { authorization } : {}) },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    let res;
    try {
      res = await send().catch((e: unknown) => {
        // A kept-alive socket the server closed as the request went out: a GET changes nothing, so it is sent
        // once more (on a fresh socket); a POST may have been acted on and is not.
        if (method === 'GET' && isClosedSocket(e)) return send();
        throw e;
      });
    } catch (e) {
      throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: ${method} ${path} failed: ${(e as Error).message}`, { cause: e });
    }
    const text = await res.body.text();
    let json: T;
    try {
      json = (text.length ? JSON.parse(text) : null) as T;
    } catch {
      throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: ${method} ${path} answered ${res.statusCode} with non-JSON body: ${text.slice(0, 200)}`);
    }
    const retryAfter = res.statusCode === 429 ? Number(res.headers['retry-after']) : NaN;
    return { status: res.statusCode, json, ...(Number.isFinite(retryAfter) ? { retryAfterS: retryAfter } : {}) };
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, okStatuses: number[] = [200]): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let waited = 0;
    let { status, json, retryAfterS } = await this.request<T>(this.pool, method, path, payload);
    // Over the node's per-client budget nothing was done: wait as told (at least 1 s) and ask again.
    while (status === 429) {
      const ms = Math.max(1, retryAfterS ?? 1) * 1000;
      if (waited + ms > this.throttleWaitMs) {
        throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: ${method} ${path} answered 429 (over this client's request budget) for ${Math.round(waited / 1000)} s, longer than ${this.throttleWaitMs / 1000} s: the node's per-client budget (devnet api.requestsPerSec) is too low for loadnet's own reads; raise it: ${JSON.stringify(json).slice(0, 200)}`);
      }
      this.throttled.answers++;
      this.throttled.waitedMs += ms;
      waited += ms;
      await sleep(ms);
      ({ status, json, retryAfterS } = await this.request<T>(this.pool, method, path, payload));
    }
    if (!okStatuses.includes(status)) throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: ${method} ${path} answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  }

  private async testing<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    if (!this.testingUrl) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${this.name}: the testing API is not enabled on this node`, { hint: 'deploy with node control enabled (enableNodeControl()) or start the node with testing.enabled' });
    this.testingPool ??= new Pool(this.testingUrl, { connections: 1 });
    const auth = this.testingToken === undefined ? undefined : `Bearer ${this.testingToken}`;
    const { status, json } = await this.request<T>(this.testingPool, method, path, body === undefined ? undefined : JSON.stringify(body), undefined, undefined, auth);
    if (status !== 200) throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: testing ${method} ${path} answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  }

  info(): Promise<CryptarchiaInfo> {
    return this.call('GET', Paths.info);
  }

  headers(from?: Hex, to?: Hex): Promise<Hex[]> {
    const q = new URLSearchParams();
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    const qs = q.toString();
    return this.call('GET', Paths.headers + (qs ? `?${qs}` : ''));
  }

  /** Canonical blocks by height, inclusive, oldest first (bounded by the node to a page). */
  blocksByHeight(from: number, to: number): Promise<BlockJson[]> {
    return this.call('GET', `${Paths.blocksByHeight}?from=${from}&to=${to}`);
  }

  block(id: Hex): Promise<BlockJson | null> {
    return this.call('POST', Paths.storageBlock, id);
  }

  /** Submit one transaction as JSON; a rejection is a result, not an error. */
  async submitTx(tx: SignedTransactionJson): Promise<SubmitTxResponse> {
    return this.call('POST', Paths.addTx, tx, [200, 422]);
  }

  /** Submit a binary batch (encodeTxBatch); one result per transaction in input order. */
  async submitBatch(batch: Uint8Array): Promise<SubmitBatchResponse> {
    const { status, json } = await this.request<SubmitBatchResponse>(this.pool, 'POST', Paths.addTxs, batch, 'application/octet-stream');
    if (status !== 200) throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: POST ${Paths.addTxs} answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  }

  mempoolMetrics(): Promise<MempoolMetrics> {
    return this.call('GET', Paths.mempoolMetrics);
  }

  mempoolTxs(limit = 10_000): Promise<Hex[]> {
    return this.call('GET', `${Paths.mempoolTxs}?limit=${limit}`);
  }

  /** The state root after the canonical block at `height` (default: the tip); 404 outside LIB..tip. */
  stateRoot(height?: number): Promise<StateRootJson> {
    return this.call('GET', height === undefined ? Paths.stateRoot : `${Paths.stateRoot}?height=${height}`);
  }

  account(pk: Hex): Promise<AccountJson> {
    return this.call('GET', Paths.account + pk);
  }

  supply(): Promise<SupplyJson> {
    return this.call('GET', Paths.supply);
  }

  validators(): Promise<ValidatorsJson> {
    return this.call('GET', Paths.validators);
  }

  networkInfo(): Promise<NetworkInfo> {
    return this.call('GET', Paths.networkInfo);
  }

  health(): Promise<HealthJson> {
    return this.call('GET', Paths.health);
  }

  disperse(req: DisperseRequest): Promise<DisperseResponse> {
    return this.call('POST', Paths.disperse, req);
  }

  daShare(blobId: Hex, index: number): Promise<DaShareJson | null> {
    return this.call('GET', `${Paths.daShare}${blobId}/${index}`, undefined, [200, 404]).then((j) => ((j as { error?: string } | null)?.error ? null : (j as DaShareJson)));
  }

  daBlob(blobId: Hex): Promise<DaBlobStatus> {
    return this.call('GET', Paths.daBlob + blobId);
  }

  daChannel(channelId: Hex): Promise<DaChannelJson | null> {
    return this.call('GET', Paths.daChannel + channelId, undefined, [200, 404]).then((j) => ((j as { error?: string } | null)?.error ? null : (j as DaChannelJson)));
  }

  /** Prometheus text exposition. */
  async metricsText(): Promise<string> {
    const res = await this.pool.request({ method: 'GET', path: Paths.metrics, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    return res.body.text();
  }

  blockPeer(peerId: Hex): Promise<unknown> {
    return this.testing('POST', Paths.testBlockPeer, { peer_id: peerId });
  }

  unblockPeer(peerId: Hex): Promise<unknown> {
    return this.testing('POST', Paths.testUnblockPeer, { peer_id: peerId });
  }

  setLinkFault(fault: LinkFault): Promise<unknown> {
    return this.testing('POST', Paths.testLinkFault, fault);
  }

  networkState(): Promise<{ blocked: Hex[]; faults: Record<Hex, LinkFault> }> {
    return this.testing('GET', Paths.testNetworkState);
  }

  setClockOffset(offsetMs: number): Promise<unknown> {
    return this.testing('POST', Paths.testClockOffset, { offset_ms: offsetMs });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pool.close(), this.testingPool?.close()]);
  }
}
