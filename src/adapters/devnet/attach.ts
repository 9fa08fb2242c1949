/**
 * Attaching to devnet nodes that already run (a user's own long-lived devnet): each node named as its
 * /health says, with its peer id from /network/info; wallets from a key file (JSON array of 32-byte hex
 * seeds, or {"wallets":[{"seed": ...}]}) or derived from a seed as the local deployer derives them (so a
 * devnet started from the same scenario seed is funded for them); their initial balances read from the chain.
 */
import { readFileSync } from 'node:fs';
import { LoadnetError } from '../../errors.js';
import { fromHex, toHex } from '../../util/bytes.js';
import type { ScenarioSpec } from '../../scenario/spec.js';
import type { AttachGiven, AttachPlan, ChainClient, ChainWallet } from '../seam.js';
import { DevnetChainClient } from './client.js';
import { ed25519Backend } from './wire/ed25519.js';
import { deriveKeyPair } from './wire/keys.js';

function badOption(field: string, value: unknown, allowed: string): LoadnetError {
  return new LoadnetError('LN_ERR_USAGE', `attach: ${field}: ${JSON.stringify(value)} is not allowed; allowed: ${allowed}`, { issues: [{ field, value, allowed }] });
}

export function readKeyFile(path: string): string[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new LoadnetError('LN_ERR_USAGE', `attach: cannot read key file ${path}: ${(e as Error).message}`, { hint: 'a JSON array of 32-byte hex seeds, or {"wallets":[{"seed":"<64 hex>"}]}' });
  }
  const list = Array.isArray(raw) ? raw : (raw as { wallets?: unknown })?.wallets;
  if (!Array.isArray(list)) throw badOption('keyFile', path, 'a JSON array of 32-byte hex seeds, or {"wallets":[{"seed":"<64 hex>"}]}');
  return list.map((w, i) => {
    const seed = typeof w === 'string' ? w : (w as { seed?: unknown })?.seed;
    if (typeof seed !== 'string' || !/^[0-9a-f]{64}$/.test(seed)) throw badOption(`keyFile[${i}]`, seed, 'a 32-byte seed as 64 lowercase hex chars');
    return seed;
  });
}

type AttachedNode = AttachPlan['nodes'][number];

async function describe(probe: DevnetChainClient, url: string, testingUrl: string | undefined): Promise<AttachedNode> {
  let health, net;
  try {
    [health, net] = await Promise.all([probe.api.health(), probe.api.networkInfo()]);
  } catch (e) {
    throw new LoadnetError('LN_ERR_DEPLOY', `attach: the node at ${url} does not answer: ${(e as Error).message}`, { hint: 'check the URL and that the node runs; loadnet attaches to its HTTP API (GET /health, /network/info)' });
  }
  return { name: health.node || url, role: health.role, apiUrl: url.replace(/\/$/, ''), ...(testingUrl ? { testingUrl } : {}), peerId: net.peer_id };
}

/** Two nodes answering with one name get -2, -3, ...: names identify nodes in the run. */
function uniqueNames(nodes: AttachedNode[]): void {
  const seen = new Map<string, number>();
  for (const n of nodes) {
    const count = seen.get(n.name) ?? 0;
    seen.set(n.name, count + 1);
    if (count > 0) n.name = `${n.name}-${count + 1}`;
  }
}

async function attachWallets(client: ChainClient, seeds: string[] | undefined, seed: number | string, count: number): Promise<ChainWallet[]> {
  const backend = ed25519Backend();
  const keys = seeds
    ? seeds.map((s) => ({ seed: s, publicKey: toHex(backend.keyFromSeed(fromHex(s, 32)).publicKey) }))
    : Array.from({ length: count }, (_, i) => {
        const kp = deriveKeyPair(seed, 'wallet', i);
        return { seed: kp.seed, publicKey: kp.publicKey };
      });
  const wallets: ChainWallet[] = [];
  // Balances from the chain, in small parallel chunks (a user's devnet may hold many wallets).
  for (let i = 0; i < keys.length; i += 64) {
    const chunk = keys.slice(i, i + 64);
    const balances = await Promise.all(chunk.map((k) => client.account(k.publicKey).then((a) => Number(a.balance), () => 0)));
    chunk.forEach((k, j) => wallets.push({ index: i + j, address: k.publicKey, secret: k.seed, initialBalance: balances[j]! }));
  }
  return wallets;
}

export async function planDevnetAttach(spec: ScenarioSpec, urls: readonly string[], given: AttachGiven = {}): Promise<AttachPlan> {
  const seeds = given.keyFile ? readKeyFile(given.keyFile) : undefined;
  const probes = urls.map((url, i) => new DevnetChainClient({ name: url, apiUrl: url, testingUrl: given.testingUrls?.[i], testingToken: given.testingToken }, { timeoutMs: 5000 }));
  try {
    const nodes = await Promise.all(probes.map((c, i) => describe(c, urls[i]!, given.testingUrls?.[i])));
    uniqueNames(nodes);
    const wallets = await attachWallets(probes[0]!, seeds, given.walletSeed ?? spec.seed, spec.wallets.count);
    return { nodes, wallets, expectedPeers: nodes.length > 1 ? 1 : 0 };
  } finally {
    await Promise.allSettled(probes.map((c) => c.close()));
  }
}
