/**
 * A JSON-RPC 2.0 client over an undici Pool (one endpoint), with batches. A refused call becomes a
 * LoadnetError naming the node, the method and the node's own message.
 */
import { Pool } from 'undici';
import { LoadnetError } from '../../errors.js';

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface RpcReply {
  id: number;
  result?: unknown;
  error?: RpcError;
}

export class JsonRpc {
  private readonly pool: Pool;
  private readonly path: string;
  private nextId = 1;

  constructor(
    readonly url: string,
    readonly name: string,
    private readonly timeoutMs = 10_000,
    connections = 4,
  ) {
    const u = new URL(url);
    this.path = u.pathname + u.search;
    this.pool = new Pool(u.origin, { connections, keepAliveTimeout: 10_000 });
  }

  private async post(body: unknown): Promise<unknown> {
    let res;
    try {
      res = await this.pool.request({ method: 'POST', path: this.path, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    } catch (e) {
      throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: JSON-RPC request failed: ${(e as Error).message}`, { cause: e });
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: JSON-RPC answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: JSON-RPC answered non-JSON: ${text.slice(0, 200)}`);
    }
  }

  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const reply = (await this.post({ jsonrpc: '2.0', id: this.nextId++, method, params })) as RpcReply;
    if (reply?.error) throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: ${method} failed: ${reply.error.message} (code ${reply.error.code})`);
    return reply?.result as T;
  }

  /**
   * Several calls in one request; replies in call order. An endpoint that answers a batch with a single
   * object (or not at all) refuses batches: that is said plainly, since the load generator depends on them.
   */
  async batch(calls: ReadonlyArray<{ method: string; params: unknown[] }>): Promise<RpcReply[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const reply = await this.post(calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params })));
    if (!Array.isArray(reply)) {
      throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: the endpoint refuses JSON-RPC batches (answered ${JSON.stringify(reply).slice(0, 160)})`, {
        hint: 'loadnet sends transactions in JSON-RPC batches; use an endpoint that accepts them (anvil, geth, reth, erigon, nethermind do; some hosted gateways do not)',
      });
    }
    const byId = new Map((reply as RpcReply[]).map((r) => [r.id, r]));
    return calls.map((_, i) => byId.get(first + i) ?? { id: first + i, error: { code: -32603, message: 'no reply for this call in the batch' } });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
