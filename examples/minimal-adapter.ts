/**
 * A minimal chain adapter, written only against loadnet's public exports: copy it to test your own chain.
 * The chain here is a made-up "toy" node with a small JSON API (replace the paths and shapes with yours):
 *
 *   GET  /head                 → { height, hash, finalHeight, finalHash }
 *   GET  /blocks?from=&to=     → [{ hash, parent, height, time, txs: [txId, ...] }] (canonical, oldest first)
 *   GET  /account/<address>    → { nonce, balance }
 *   POST /txs  (JSON array of hex transactions) → [{ ok: true } | { error: 'nonce too low' | ... }]
 *
 * Two modules: this one (main thread: the adapter and its client) and minimal-adapter-tx.ts, the worker-side
 * transaction factory the load workers import by path (compiled JavaScript: `npm run build` puts it under
 * dist/examples/). Register the adapter before building a scenario that names it:
 *
 *   registerChain(toyAdapter);
 *   ScenarioBuilder.topology().validators(1).apply().onChain({ type: 'toy' }) ...
 *
 * docs/adapters.md explains each member.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { LoadnetError, registerChain, type AccountState, type ChainAdapter, type ChainBlock, type ChainClient, type ChainEndpoint, type ChainHead, type ClientOptions } from 'loadnet';
import { deriveKeyPair, ed25519Backend, fromHex, toHex } from 'loadnet/chain';

interface ToyBlock {
  hash: string;
  parent: string;
  height: number;
  time: number;
  txs: string[];
}

/** The node as the framework reads it: head, blocks with their tx ids, accounts. */
class ToyClient implements ChainClient {
  readonly name: string;
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(endpoint: ChainEndpoint, options: ClientOptions = {}) {
    this.name = endpoint.name;
    this.url = endpoint.apiUrl.replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(this.url + path, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new LoadnetError('LN_ERR_NODE_API', `${this.name}: GET ${path} answered ${res.status}`);
    return (await res.json()) as T;
  }

  async health() {
    const h = await this.get<{ height: number }>('/head');
    return { ok: true, height: h.height };
  }

  async head(): Promise<ChainHead> {
    const h = await this.get<{ height: number; hash: string; finalHeight: number; finalHash: string }>('/head');
    return { height: h.height, tip: h.hash, finalHeight: h.finalHeight, final: h.finalHash };
  }

  async peers() {
    return { count: 0 };
  }

  async blocksByHeight(from: number, to: number): Promise<ChainBlock[]> {
    const blocks = await this.get<ToyBlock[]>(`/blocks?from=${from}&to=${to}`);
    return blocks.map((b) => ({ id: b.hash, parent: b.parent, height: b.height, timestamp: b.time, txIds: b.txs }));
  }

  async block(id: string): Promise<ChainBlock | null> {
    // The toy API has no lookup by id: the feed asks for blocks by height when `ancestors` is absent.
    void id;
    return null;
  }

  async account(address: string): Promise<AccountState> {
    const a = await this.get<{ nonce: number; balance: string }>(`/account/${address}`);
    return { nonce: a.nonce, balance: BigInt(a.balance) };
  }

  async close(): Promise<void> {}
}

/** The worker-side factory as JavaScript next to this module's build (dist/examples/minimal-adapter-tx.js). */
function txModulePath(): string {
  const here = fileURLToPath(import.meta.url);
  const built = here.endsWith('.ts') ? resolve(dirname(here), '../dist/examples/minimal-adapter-tx.js') : join(dirname(here), 'minimal-adapter-tx.js');
  if (!existsSync(built)) throw new LoadnetError('LN_ERR_WORKLOAD', `toy chain: ${built} is missing`, { hint: 'build first (npm run build)' });
  return built;
}

export const toyAdapter: ChainAdapter = {
  name: 'toy',
  roles: ['validator'],
  // Nothing beyond sending and following: validation refuses DA, node control, multi-node safety, ...
  capabilities: new Set(),
  follow: 'poll',
  checkOptions: (options) => Object.keys(options).map((field) => ({ field, value: options[field], allowed: 'no options' })),
  client: (endpoint, options) => new ToyClient(endpoint, options),
  txFactory: (params) => ({ module: txModulePath(), options: { fee: params.fee, amount: params.amount } }),
  // The toy chain's addresses are ed25519 public keys, as hex.
  addressOf: (secret) => toHex(ed25519Backend().keyFromSeed(fromHex(secret, 32)).publicKey),
  // Attach only (the toy node is started by you): wallets derive from the scenario seed, as the node's genesis funds them.
  async planAttach(spec, urls) {
    const wallets = Array.from({ length: spec.wallets.count }, (_, index) => {
      const k = deriveKeyPair(spec.seed, 'wallet', index);
      return { index, address: k.publicKey, secret: k.seed, initialBalance: spec.wallets.fundsPerWallet };
    });
    return { nodes: urls.map((apiUrl, i) => ({ name: `toy-${i}`, role: 'validator', apiUrl })), wallets };
  },
};

registerChain(toyAdapter);
