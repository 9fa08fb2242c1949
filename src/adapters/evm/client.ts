/**
 * An EVM node as a ChainClient over JSON-RPC: heads and blocks through eth_getBlockByNumber (ids are block
 * hashes, txIds the transaction hashes), finality from the `finalized` tag where the node has one, else
 * `depth` blocks below the head; the mempool through txpool_status / txpool_content where the node has them.
 */
import { LoadnetError } from '../../errors.js';
import { WebSocket } from 'undici';
import type { AccountState, ChainBlock, ChainClient, ChainEndpoint, ChainHead, ChainHealth, ClientOptions, HeadSubscription, PeerInfo } from '../seam.js';
import { JsonRpc } from './rpc.js';

interface RpcBlock {
  hash: string;
  parentHash: string;
  number: string;
  timestamp: string;
  miner?: string;
  transactions: string[];
}

const num = (h: string): number => Number.parseInt(h, 16);
const qty = (n: number): string => '0x' + n.toString(16);

export function chainBlockOf(b: RpcBlock): ChainBlock {
  return { id: b.hash, parent: b.parentHash, height: num(b.number), timestamp: num(b.timestamp) * 1000, txIds: b.transactions, ...(b.miner ? { proposer: b.miner } : {}) };
}

export interface EvmClientOptions extends ClientOptions {
  /** Blocks below the head taken as final when the node has no `finalized` tag (or `useFinalizedTag` is false). */
  finalityDepth?: number;
  useFinalizedTag?: boolean;
}

export class EvmChainClient implements ChainClient {
  readonly rpc: JsonRpc;
  private readonly depth: number;
  /** undefined until asked: whether the node answers the `finalized` tag. */
  private hasFinalizedTag?: boolean;

  constructor(endpoint: ChainEndpoint, options: EvmClientOptions = {}) {
    this.rpc = new JsonRpc(endpoint.apiUrl, endpoint.name, options.timeoutMs ?? 10_000, options.connections ?? 4);
    this.depth = options.finalityDepth ?? 0;
    if (options.useFinalizedTag === false) this.hasFinalizedTag = false;
  }

  get name(): string {
    return this.rpc.name;
  }

  get url(): string {
    return this.rpc.url;
  }

  async health(): Promise<ChainHealth> {
    const height = num(await this.rpc.call<string>('eth_blockNumber'));
    return { ok: true, height, role: 'node' };
  }

  async chainId(): Promise<bigint> {
    return BigInt(await this.rpc.call<string>('eth_chainId'));
  }

  async head(): Promise<ChainHead> {
    const calls = [{ method: 'eth_getBlockByNumber', params: ['latest', false] }];
    if (this.hasFinalizedTag !== false) calls.push({ method: 'eth_getBlockByNumber', params: ['finalized', false] });
    const [latest, finalized] = await this.rpc.batch(calls);
    if (!latest?.result) throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: no latest block (${latest?.error?.message ?? 'empty answer'})`);
    const tip = latest.result as RpcBlock;
    const height = num(tip.number);
    if (finalized && this.hasFinalizedTag === undefined) this.hasFinalizedTag = !finalized.error && finalized.result !== null;
    let finalHeight: number;
    let final: string;
    if (this.hasFinalizedTag && finalized?.result) {
      const f = finalized.result as RpcBlock;
      finalHeight = num(f.number);
      final = f.hash;
    } else {
      finalHeight = Math.max(0, height - this.depth);
      final = finalHeight === height ? tip.hash : ((await this.rpc.call<RpcBlock | null>('eth_getBlockByNumber', [qty(finalHeight), false]))?.hash ?? '');
    }
    return { height, tip: tip.hash, finalHeight, final };
  }

  async peers(): Promise<PeerInfo> {
    try {
      return { count: num(await this.rpc.call<string>('net_peerCount')) };
    } catch {
      return { count: 0 };
    }
  }

  async blocksByHeight(from: number, to: number): Promise<ChainBlock[]> {
    const last = Math.min(to, from + 99);
    if (last < from) return [];
    const replies = await this.rpc.batch(Array.from({ length: last - from + 1 }, (_, i) => ({ method: 'eth_getBlockByNumber', params: [qty(from + i), false] })));
    const out: ChainBlock[] = [];
    for (const r of replies) {
      if (!r.result) break; // past the head
      out.push(chainBlockOf(r.result as RpcBlock));
    }
    return out;
  }

  async block(id: string): Promise<ChainBlock | null> {
    const b = await this.rpc.call<RpcBlock | null>('eth_getBlockByHash', [id, false]);
    return b ? chainBlockOf(b) : null;
  }

  async mempoolSize(): Promise<number> {
    const s = await this.rpc.call<{ pending: string; queued: string }>('txpool_status');
    return num(s.pending) + num(s.queued);
  }

  async mempoolIds(): Promise<string[]> {
    const c = await this.rpc.call<{ pending: Record<string, Record<string, { hash: string }>>; queued: Record<string, Record<string, { hash: string }>> }>('txpool_content');
    const ids: string[] = [];
    for (const group of [c.pending, c.queued]) for (const byNonce of Object.values(group ?? {})) for (const tx of Object.values(byNonce)) ids.push(tx.hash);
    return ids;
  }

  async account(address: string): Promise<AccountState> {
    const [n, b] = await this.rpc.batch([
      { method: 'eth_getTransactionCount', params: [address, 'latest'] },
      { method: 'eth_getBalance', params: [address, 'latest'] },
    ]);
    if (n?.error || b?.error) throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: account ${address}: ${(n?.error ?? b?.error)!.message}`);
    return { nonce: num(n!.result as string), balance: BigInt(b!.result as string) };
  }

  /**
   * eth_subscribe newHeads over WebSocket (undici's, same host and port as the HTTP endpoint, as anvil, geth
   * and reth serve it). Rejects, saying why, when the node takes no WebSocket or refuses the subscription.
   */
  subscribeHeads(onHead: () => void, timeoutMs = 3000): Promise<HeadSubscription> {
    const url = this.rpc.url.replace(/^http/, 'ws');
    return new Promise<HeadSubscription>((resolve, reject) => {
      const ws = new WebSocket(url);
      let subscribed = false;
      let endNow!: () => void;
      const ended = new Promise<void>((r) => (endNow = r));
      const fail = (why: string) => {
        clearTimeout(timer);
        try {
          ws.close();
        } catch {
          // not open
        }
        reject(new LoadnetError('LN_ERR_NODE_API', `${this.name}: no newHeads subscription at ${url}: ${why}`));
      };
      const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
      ws.addEventListener('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] })));
      ws.addEventListener('error', () => (subscribed ? undefined : fail('the WebSocket failed (the node takes none?)')));
      ws.addEventListener('close', () => {
        if (!subscribed) fail('the WebSocket closed');
        endNow();
      });
      ws.addEventListener('message', (ev: { data: unknown }) => {
        let m: { id?: unknown; result?: unknown; error?: { message?: string }; method?: unknown };
        try {
          m = JSON.parse(String(ev.data)) as typeof m;
        } catch {
          return;
        }
        if (m.method === 'eth_subscription') onHead();
        else if (m.id === 1 && !subscribed) {
          if (m.error || typeof m.result !== 'string') return fail(`eth_subscribe refused: ${m.error?.message ?? 'no subscription id'}`);
          subscribed = true;
          clearTimeout(timer);
          resolve({ ended, close: () => ws.close() });
        }
      });
    });
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
