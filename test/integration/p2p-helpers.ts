/** Helpers for the P2P tests: real P2PNetwork instances on loopback sockets, in-process. */
import { deriveKeyPair } from '../../src/adapters/devnet/wire/keys.js';
import { P2PNetwork, type P2PHandlers, type P2POptions } from '../../src/node/p2p/network.js';
import type { PeerAddress } from '../../src/node/config.js';

export interface TestNode {
  net: P2PNetwork;
  id: string;
  name: string;
  txs: Array<{ bytes: Uint8Array; from: string }>;
  blocks: Array<{ bytes: Uint8Array; from: string }>;
  logs: Array<{ level: string; msg: string; data?: unknown }>;
  addr(): PeerAddress;
}

export const CHAIN = 'p2p-test-chain';

/** A node whose handlers record what arrives; relay=true re-gossips every tx/block like the core does. */
export function makeNode(
  index: number,
  peers: PeerAddress[],
  opts: { relay?: boolean; chainId?: string; port?: number; handlers?: Partial<P2PHandlers>; extra?: Partial<P2POptions> } = {},
): TestNode {
  const key = deriveKeyPair('p2p-test', 'node', index).key;
  const node = { txs: [], blocks: [], logs: [], name: `n${index}` } as unknown as TestNode;
  const handlers: P2PHandlers = {
    onTx(bytes, from) {
      node.txs.push({ bytes, from });
      if (opts.relay) node.net.broadcastTx(bytes, from);
    },
    onBlock(bytes, from) {
      node.blocks.push({ bytes, from });
      if (opts.relay) node.net.broadcastBlock(bytes, from);
    },
    onBlockRequest: () => [],
    onDaShare: () => null,
    ...opts.handlers,
  };
  node.net = new P2PNetwork({
    identity: key,
    chainId: opts.chainId ?? CHAIN,
    listen: { host: '127.0.0.1', port: opts.port ?? 0 },
    peers,
    handlers,
    name: node.name,
    log: (level, msg, data) => node.logs.push({ level, msg, data }),
    ...opts.extra,
  });
  node.id = node.net.peerId;
  node.addr = () => ({ name: node.name, host: '127.0.0.1', port: node.net.port });
  return node;
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const connectedIds = (n: TestNode): string[] => n.net.peers().filter((p) => p.connected).map((p) => p.id);

/** Distinct pseudo-transactions (the network does not decode them; the core does). */
export function fakeTxs(count: number, tag: number, size = 150): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(size);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, tag, true);
    dv.setUint32(4, i, true);
    out.push(b);
  }
  return out;
}
