/**
 * The devnet node's defenses against hostile clients and peers, by name, and the switch that turns
 * them off. The switch is a test aid: an attack test or bench runs once with a defense off to show
 * that the bound it asserts is the defense's doing (docs/SECURITY.md). A node config lists names in
 * `defensesOff`; the environment variable LOADNET_DEFENSES (`off` = all, `off:<name>,<name>` = some,
 * `on` or unset = none) adds to it for node processes (`loadnet node`, every local deployer's nodes).
 *
 * Switched off, each defense behaves as the node did before it existed.
 */
import { LoadnetError } from '../errors.js';
import type { ApiLimits, NodeConfig } from './config.js';
import type { P2PDefenses } from './p2p/network.js';

export const DEFENSES = {
  'invalid-signature-memory': 'invalid signatures are remembered for 2 min: a signature the worker pool found invalid is not verified again at admission, nor when it comes back',
  'batch-windows': 'an API batch is handled in windows of 512 with a turn of the event loop between them (off: the whole batch in one go)',
  'batch-abandon': 'an API batch is abandoned after 512 invalid signatures in a row (api.limits.batchAbandonAfter)',
  'gossip-penalty': 'gossiped transactions that are validly signed but unfunded count as an offence (score)',
  'gossip-verify-budget': 'signature verifications per peer per second for its gossiped transactions (p2p.defenses.gossipVerifyPerSec)',
  'handshake-deadline': 'an unauthenticated P2P socket is closed 3 s after it connected',
  'pending-handshake-cap': 'unauthenticated P2P sockets have their own small cap; a new one evicts the oldest silent one (p2p.defenses.maxPendingHandshakes)',
  'unknown-identity-cap': 'identities outside genesis and the configured peers: capped, and admitted a few per interval (p2p.defenses.maxUnknownPeers, newUnknownPerInterval)',
  'outbound-queue-bound': 'a peer whose outbound queue is full is not served and not read (p2p.defenses.maxQueuedBytes)',
  'block-request-budget': 'block requests and block bytes served per peer per interval (p2p.defenses.blockRequestsPerInterval, blockBytesPerInterval)',
  'peers-rate': 'PEERS messages per peer per second (p2p.defenses.peersPerSec)',
  'ping-rate': 'pings answered per peer per second (p2p.defenses.pingsPerSec)',
  'address-book-cap': 'address book entries at most (p2p.defenses.maxAddressBook)',
  'peer-record-cap': 'per-peer records (scores, bans) at most, the oldest disconnected evicted (p2p.defenses.maxPeerRecords)',
  'mempool-exchange': 'pending transactions are offered to a peer when a connection to it is established (p2p.defenses.mempoolExchangeMax per connection, paced at mempoolExchangePerSec) and re-gossiped when a reorg puts them back in the mempool, so a node that was cut off catches up on the mempool, not only on blocks (off: only new gossip reaches a peer)',
  'http-header-timeout': "an API socket must send a request's headers in time (api.limits.headerTimeoutMs)",
  'http-idle-timeout': 'idle keep-alive API sockets are closed (api.limits.idleTimeoutMs)',
  'http-connection-cap': 'open API sockets at most, the longest idle evicted for a new one (api.limits.maxConnections)',
  'http-client-budget': 'requests per client address per second, over it 429 + Retry-After (api.limits.requestsPerSec, requestBurst)',
  'http-request-time-limit': 'a request not answered in time gets a 503 (api.limits.requestTimeoutMs)',
  'fee-ordering': 'blocks are built highest fee first, each sender in nonce order (off: senders in order of first arrival, whatever their fee)',
  'peer-ban': 'a peer whose score falls below p2p disconnectBelow is disconnected and banned for banMs (off: its score still falls and it is throttled, but it stays connected)',
  'http-body-cap': 'request body bytes held at once over all requests (api.limits.maxInflightBodyBytes)',
  'http-pipeline-cap': 'a socket with more unanswered pipelined requests than api.limits.maxPipelined is closed',
  'http-client-turn-share': "a client address is read at most api.limits.clientRequestsPerTurn requests per turn of the event loop, then waits for the next turn (off: every readable socket is read in each turn, so a client with thousands of requests in flight makes every other client wait behind all of them)",
  'http-overload-shed': "while the node's event loop runs more than api.limits.overloadDelayMs late and more than one client address is active, a client costing more than its max-min fair share (requests and what they were charged) is held to a rate, halved each 250 ms the overload lasts and raised by a tenth each 250 ms the loop runs under half that delay late, never below api.limits.shedFloorPerSec; over it 429 + Retry-After; a lone client is never held (off: a client within its budget is served however much it costs the others)",
  'http-signature-price': "a transaction sent to the API with an invalid signature costs its client's request budget api.limits.invalidSignatureCost requests more (the node paid a verification for it; off: one request whatever it holds)",
  'verify-queue-bound': 'API batch transactions waiting for or in signature verification, per client address and over all (api.limits.verifyPendingPerClient, verifyPendingMax); a batch past either bound is answered 503 + Retry-After before it is decoded (off: every batch waits its turn, however many wait ahead, holding its body and the pipelined answers behind it)',
  'http-blocks-price': "a GET /cryptarchia/blocks page costs its client's request budget one request per api.limits.blocksPerRequest blocks it serves (default 1) (each block's JSON is built on the event loop; off: one request however many blocks)",
} as const;

export type DefenseName = keyof typeof DEFENSES;
export const DEFENSE_NAMES = Object.keys(DEFENSES) as DefenseName[];
export const DEFENSES_ENV = 'LOADNET_DEFENSES';

/** Null when every name is a defense; else what is wrong and what is allowed. */
export function unknownDefense(names: readonly string[]): string | null {
  const bad = names.filter((n) => n !== 'all' && !(DEFENSE_NAMES as string[]).includes(n));
  return bad.length === 0 ? null : `no such defense: ${bad.join(', ')}; known: all, ${DEFENSE_NAMES.join(', ')}`;
}

/** The defenses LOADNET_DEFENSES switches off: `on`/unset none, `off` all, `off:a,b` those named. */
export function defensesOffFromEnv(value: string | undefined): DefenseName[] {
  const v = (value ?? '').trim();
  if (v === '' || v === 'on') return [];
  if (v === 'off') return [...DEFENSE_NAMES];
  const m = /^off:(.+)$/.exec(v);
  const names = m ? m[1]!.split(',').map((s) => s.trim()).filter(Boolean) : [];
  const problem = m ? unknownDefense(names) : `got ${JSON.stringify(v)}`;
  if (problem || names.length === 0) {
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `${DEFENSES_ENV}: ${problem ?? 'no defense named after off:'}; allowed: on, off, or off:<name>,<name> (a test aid: docs/SECURITY.md)`);
  }
  return names.includes('all') ? [...DEFENSE_NAMES] : (names as DefenseName[]);
}

export type DefenseSet = ReadonlySet<DefenseName>;

export function offSet(names: readonly string[] | undefined): DefenseSet {
  if (!names || names.length === 0) return new Set();
  return new Set(names.includes('all') ? DEFENSE_NAMES : (names as DefenseName[]));
}

/** The API limits with the switched-off ones at 0 (= no limit). */
export function apiLimitsWith(limits: ApiLimits | undefined, off: DefenseSet): ApiLimits {
  const out: ApiLimits = { ...limits };
  const zero = (name: DefenseName, keys: Array<keyof ApiLimits>) => {
    if (off.has(name)) for (const k of keys) out[k] = 0;
  };
  zero('http-header-timeout', ['headerTimeoutMs']);
  zero('http-idle-timeout', ['idleTimeoutMs']);
  zero('http-connection-cap', ['maxConnections']);
  zero('http-client-budget', ['requestsPerSec', 'requestBurst']);
  zero('http-request-time-limit', ['requestTimeoutMs']);
  zero('http-body-cap', ['maxInflightBodyBytes']);
  zero('http-pipeline-cap', ['maxPipelined']);
  zero('http-client-turn-share', ['clientRequestsPerTurn']);
  zero('http-overload-shed', ['overloadDelayMs']);
  zero('batch-abandon', ['batchAbandonAfter']);
  zero('http-signature-price', ['invalidSignatureCost']);
  zero('http-blocks-price', ['blocksPerRequest']);
  zero('verify-queue-bound', ['verifyPendingPerClient', 'verifyPendingMax']);
  return out;
}

/** The P2P defenses with the switched-off ones at 0 (= off). */
export function p2pDefensesWith(defenses: Partial<P2PDefenses> | undefined, off: DefenseSet): Partial<P2PDefenses> {
  const out: Partial<P2PDefenses> = { ...defenses };
  const zero = (name: DefenseName, keys: Array<keyof P2PDefenses>) => {
    if (off.has(name)) for (const k of keys) out[k] = 0;
  };
  zero('pending-handshake-cap', ['maxPendingHandshakes']);
  zero('unknown-identity-cap', ['maxUnknownPeers', 'newUnknownPerInterval']);
  zero('outbound-queue-bound', ['maxQueuedBytes']);
  zero('block-request-budget', ['blockRequestsPerInterval', 'blockBytesPerInterval']);
  zero('peers-rate', ['peersPerSec']);
  zero('ping-rate', ['pingsPerSec']);
  zero('address-book-cap', ['maxAddressBook']);
  zero('peer-record-cap', ['maxPeerRecords']);
  zero('gossip-verify-budget', ['gossipVerifyPerSec']);
  zero('mempool-exchange', ['mempoolExchangeMax']);
  return out;
}

/** The config a node runs with: `defensesOff` applied to its API limits and P2P defenses. */
export function configWithDefenses(config: NodeConfig): NodeConfig {
  const off = offSet(config.defensesOff);
  if (off.size === 0) return config;
  return {
    ...config,
    api: { ...config.api, limits: apiLimitsWith(config.api.limits, off) },
    p2p: { ...config.p2p, defenses: p2pDefensesWith(config.p2p.defenses, off) },
  };
}
