/**
 * The devnet node as a ChainClient: the generic reads over the node's own HTTP API client (NodeClient,
 * src/adapters/devnet/wire/node-client.ts), with the ledger's blocks for the supply audit and DA (./da.ts).
 * `devnetApi()` reaches the node's own API where only a devnet node can be meant (tests, attach's probe).
 */
import { NodeClient } from './wire/node-client.js';
import type { BlockJson } from './wire/api.js';
import { txFromJson, txStakeDelta } from './wire/tx.js';
import { DevnetDaClient } from './da.js';
import { LoadnetError } from '../../errors.js';
import type { AccountState, ChainBlock, ChainClient, ChainEndpoint, ChainHead, ChainHealth, ClientOptions, DaClient, LedgerBlock, LinkFaultSetting, NodeNetworkControl, PeerInfo, SupplyState } from '../seam.js';

export function chainBlockOf(b: BlockJson): ChainBlock {
  return {
    id: b.id,
    parent: b.header.parent,
    height: b.header.height,
    slot: b.header.slot,
    proposer: b.header.proposer,
    timestamp: b.header.timestamp,
    txIds: b.transactions.map((tx) => tx.id ?? txFromJson(tx).id),
  };
}

/** A block as the supply audit replays it: each transaction's fee and transfers. */
export function ledgerBlockOf(b: BlockJson): LedgerBlock {
  return {
    id: b.id,
    parent: b.header.parent,
    height: b.header.height,
    proposer: b.header.proposer,
    txs: b.transactions.map((tx) => ({
      id: tx.id ?? txFromJson(tx).id,
      from: tx.from,
      fee: tx.fee,
      transfers: tx.ops.flatMap((op) => (op.kind === 'transfer' ? [{ to: op.to, amount: op.amount }] : [])),
      ...stakedOf(tx.ops),
    })),
  };
}

function stakedOf(ops: BlockJson['transactions'][number]['ops']): { staked?: number } {
  const delta = txStakeDelta({ from: '', nonce: 0, fee: 0, ops });
  return delta === 0 ? {} : { staked: delta };
}

const NO_BLOCK = '0'.repeat(64);
/** Marks a devnet client across copies of this module (a user's scenario may load loadnet from src, the CLI from dist). */
const DEVNET_API = Symbol.for('loadnet.devnet.api');

export class DevnetChainClient implements ChainClient {
  /** The node's own API, for devnet-only features. */
  readonly api: NodeClient;
  readonly network: NodeNetworkControl;
  readonly da: DaClient;

  constructor(endpoint: ChainEndpoint, options: ClientOptions = {}) {
    this.api = new NodeClient(endpoint.apiUrl, { name: endpoint.name, testingUrl: endpoint.testingUrl, testingToken: endpoint.testingToken, timeoutMs: options.timeoutMs, connections: options.connections });
    const api = this.api;
    (this as unknown as Record<symbol, NodeClient>)[DEVNET_API] = api;
    this.da = new DevnetDaClient(api);
    this.network = {
      blockPeer: (peerId) => api.blockPeer(peerId),
      unblockPeer: (peerId) => api.unblockPeer(peerId),
      setLinkFault: (peerId, f: LinkFaultSetting) => api.setLinkFault({ peer_id: peerId, delay_ms: f.delayMs, jitter_ms: f.jitterMs, loss: f.loss }),
      state: () => api.networkState(),
      setClockOffset: (offsetMs) => api.setClockOffset(offsetMs),
    };
  }

  get name(): string {
    return this.api.name;
  }

  get url(): string {
    return this.api.url;
  }

  async health(): Promise<ChainHealth> {
    const h = await this.api.health();
    return { ok: h.ok !== false, height: h.height, role: h.role };
  }

  async head(): Promise<ChainHead> {
    const i = await this.api.info();
    return { height: i.height, tip: i.tip, finalHeight: i.lib_height, final: i.lib, slot: i.slot };
  }

  async peers(): Promise<PeerInfo> {
    const n = await this.api.networkInfo();
    return { count: n.n_peers, ...(n.peers ? { ids: n.peers } : {}) };
  }

  async blocksByHeight(from: number, to: number): Promise<ChainBlock[]> {
    return (await this.api.blocksByHeight(from, to)).map(chainBlockOf);
  }

  async block(id: string): Promise<ChainBlock | null> {
    const b = await this.api.block(id);
    return b ? chainBlockOf(b) : null;
  }

  ancestors(from: string, until: 'final' | 'genesis' = 'final'): Promise<string[]> {
    // An id no chain holds as `to` makes the node walk back towards genesis, a page at a time.
    return until === 'final' ? this.api.headers(from) : this.api.headers(from, NO_BLOCK);
  }

  async mempoolSize(): Promise<number> {
    return (await this.api.mempoolMetrics()).pending;
  }

  mempoolIds(limit?: number): Promise<string[]> {
    return this.api.mempoolTxs(limit);
  }

  async mempoolEvictions(): Promise<Record<string, number>> {
    return { ...(await this.api.mempoolMetrics()).evictedByReason };
  }

  async account(address: string): Promise<AccountState> {
    const a = await this.api.account(address);
    return { nonce: a.nonce, balance: BigInt(a.balance) };
  }

  supply(): Promise<SupplyState> {
    return this.api.supply();
  }

  async ledgerBlocks(from: number, to: number): Promise<LedgerBlock[]> {
    return (await this.api.blocksByHeight(from, to)).map(ledgerBlockOf);
  }

  metricsText(): Promise<string> {
    return this.api.metricsText();
  }

  close(): Promise<void> {
    return this.api.close();
  }
}

/** The devnet API of a node's client; a clear error on another chain (a devnet-only feature was asked for). */
export function devnetApi(client: ChainClient, feature: string): NodeClient {
  const api = (client as unknown as Record<symbol, NodeClient | undefined>)[DEVNET_API];
  if (api) return api;
  throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${feature} needs the devnet chain; node ${client.name} is not a devnet node`, { hint: 'remove it from the scenario, or run it with chain: { type: "devnet" }' });
}
