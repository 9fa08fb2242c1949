/**
 * AttachDeployer: run a scenario's workloads and expectations against nodes that already run (a user's
 * own long-lived devnet). Nothing is deployed and nothing is torn down but our own HTTP clients; node
 * control is unavailable (a scenario that asks for it fails with a clear error before anything runs).
 * Readiness, the block feed and the run directory work as with every other deployer.
 * Wallets come from a key file (JSON array of 32-byte hex seeds, or {"wallets":[{"seed": ...}]}) or are
 * derived from a seed as the local deployer derives them (so a devnet started from the same scenario
 * seed is funded for them); their initial balances are read from the chain.
 */
import { readFileSync } from 'node:fs';
import type { ChainAdapter, ChainClient } from '../../adapters/seam.js';
import { chainOf } from '../../adapters/registry.js';
import { devnetAdapter } from '../../adapters/devnet/index.js';
import { devnetApi } from '../../adapters/devnet/client.js';
import { deriveKeyPair } from '../../adapters/devnet/wire/keys.js';
import { ed25519Backend } from '../../adapters/devnet/wire/ed25519.js';
import { fromHex, toHex } from '../../util/bytes.js';
import { LoadnetError } from '../../errors.js';
import type { Deployer, RunNode, Runner, Scenario, WalletAccount } from '../../runtime/contracts.js';
import type { Deployment } from '../../runtime/deployment.js';
import { launchRunner } from '../../runtime/launch.js';
import { noticeWriter, type RunnerOptions } from '../../runtime/runner-options.js';
import { sweepAtRunStart } from '../local/leftovers.js';

export interface AttachDeployerOptions extends RunnerOptions {
  /** API base URLs of the running nodes, e.g. http://127.0.0.1:8080. */
  nodes: string[];
  /** Testing API URLs, same order as `nodes` (optional; only informative without node control). */
  testingUrls?: string[];
  /** The nodes' testing-API token, when they were started with one (testing.token in their config). */
  testingToken?: string;
  /** Derive wallets from this seed instead of the scenario's. */
  walletSeed?: number | string;
  /** JSON file of wallet seeds. */
  keyFile?: string;
}

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

export class AttachDeployer implements Deployer {
  readonly name = 'attach';

  constructor(private readonly options: AttachDeployerOptions) {
    if (!Array.isArray(options?.nodes) || options.nodes.length === 0) throw badOption('nodes', options?.nodes, 'a non-empty list of node API URLs such as http://127.0.0.1:8080');
    options.nodes.forEach((u, i) => {
      try {
        const url = new URL(u);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      } catch {
        throw badOption(`nodes[${i}]`, u, 'an http(s) URL such as http://127.0.0.1:8080');
      }
    });
  }

  async deploy(scenario: Scenario): Promise<Runner> {
    const spec = scenario.spec;
    const chaos = spec.workloads.find((w) => w.type === 'chaos');
    if (spec.nodeControl || chaos) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `attach: node control is unavailable when attaching to running nodes, but the scenario ${spec.nodeControl ? 'enables node control' : 'has a chaos workload'}`, {
        hint: 'remove enableNodeControl()/chaos() from the scenario, or deploy with the local or compose deployer',
      });
    }
    const chain = chainOf(spec);
    if (chain.planAttach) return this.attachChain(scenario, chain);
    const seeds = this.options.keyFile ? readKeyFile(this.options.keyFile) : undefined;
    return launchRunner(scenario, this.options, async ({ record }) => {
      // Nothing is deployed here, but leftovers of dead local runs (nodes, port reservations) still go.
      sweepAtRunStart(record.events, noticeWriter(this.options));
      const clients = this.options.nodes.map((url, i) => devnetAdapter.client({ name: url, apiUrl: url, testingUrl: this.options.testingUrls?.[i], testingToken: this.options.testingToken }, { timeoutMs: 5000 }));
      try {
        const nodes = await Promise.all(clients.map((c, i) => describe(c, this.options.nodes[i]!, this.options.testingUrls?.[i], this.options.testingToken)));
        uniqueNames(nodes);
        const wallets = await attachWallets(nodes[0]!.client, seeds, this.options.walletSeed ?? spec.seed, spec.wallets.count);
        record.events.emit('attach', { nodes: nodes.map((n) => ({ name: n.descriptor.name, url: n.descriptor.apiUrl })), wallets: wallets.length });
        await Promise.all(clients.map((c) => c.close()));
        const deployment: Deployment = {
          deployer: 'attach',
          wallets,
          nodes: () => nodes,
          expectedPeers: () => (nodes.length > 1 ? 1 : 0),
          teardown: async () => {
            await Promise.allSettled(nodes.map((n) => n.client.close()));
          },
        };
        return deployment;
      } catch (e) {
        await Promise.allSettled(clients.map((c) => c.close()));
        throw e;
      }
    });
  }

  /** A chain whose adapter plans attachment (e.g. evm: wallets from the mnemonic, balances from the chain). */
  private attachChain(scenario: Scenario, chain: ChainAdapter): Promise<Runner> {
    return launchRunner(scenario, this.options, async ({ record }) => {
      sweepAtRunStart(record.events, noticeWriter(this.options));
      let plan;
      try {
        plan = await chain.planAttach!(scenario.spec, this.options.nodes);
      } catch (e) {
        throw new LoadnetError('LN_ERR_DEPLOY', `attach: chain '${chain.name}' at ${this.options.nodes.join(', ')}: ${(e as Error).message}`, { hint: 'check the URL and that the node runs; for chain evm loadnet speaks JSON-RPC (eth_chainId, eth_getBlockByNumber)' });
      }
      const nodes: RunNode[] = plan.nodes.map((n) => ({ descriptor: { name: n.name, role: n.role, apiUrl: n.apiUrl, peerId: '' }, client: chain.client({ name: n.name, apiUrl: n.apiUrl }, { timeoutMs: 5000 }) }));
      record.events.emit('attach', { chain: chain.name, nodes: nodes.map((n) => ({ name: n.descriptor.name, url: n.descriptor.apiUrl })), wallets: plan.wallets.length });
      const deployment: Deployment = {
        deployer: 'attach',
        wallets: plan.wallets,
        nodes: () => nodes,
        expectedPeers: () => 0,
        teardown: async () => {
          await Promise.allSettled(nodes.map((n) => n.client.close()));
        },
      };
      return deployment;
    });
  }
}

async function describe(probe: ChainClient, url: string, testingUrl: string | undefined, testingToken: string | undefined): Promise<RunNode> {
  let health, net;
  try {
    const api = devnetApi(probe, 'attach');
    [health, net] = await Promise.all([api.health(), api.networkInfo()]);
  } catch (e) {
    throw new LoadnetError('LN_ERR_DEPLOY', `attach: the node at ${url} does not answer: ${(e as Error).message}`, { hint: 'check the URL and that the node runs; loadnet attaches to its HTTP API (GET /health, /network/info)' });
  }
  const name = health.node || url;
  return {
    descriptor: { name, role: health.role, apiUrl: url.replace(/\/$/, ''), ...(testingUrl ? { testingUrl } : {}), peerId: net.peer_id },
    client: devnetAdapter.client({ name, apiUrl: url, testingUrl, testingToken }, { timeoutMs: 5000 }),
  };
}

function uniqueNames(nodes: RunNode[]): void {
  const seen = new Map<string, number>();
  for (const n of nodes) {
    const count = seen.get(n.descriptor.name) ?? 0;
    seen.set(n.descriptor.name, count + 1);
    if (count > 0) (n.descriptor as { name: string }).name = `${n.descriptor.name}-${count + 1}`;
  }
}

async function attachWallets(client: ChainClient, seeds: string[] | undefined, seed: number | string, count: number): Promise<WalletAccount[]> {
  const backend = ed25519Backend();
  const keys = seeds
    ? seeds.map((s) => ({ seed: s, publicKey: toHex(backend.keyFromSeed(fromHex(s, 32)).publicKey) }))
    : Array.from({ length: count }, (_, i) => {
        const kp = deriveKeyPair(seed, 'wallet', i);
        return { seed: kp.seed, publicKey: kp.publicKey };
      });
  const wallets: WalletAccount[] = [];
  // Balances from the chain, in small parallel chunks (a user's devnet may hold many wallets).
  for (let i = 0; i < keys.length; i += 64) {
    const chunk = keys.slice(i, i + 64);
    const balances = await Promise.all(chunk.map((k) => client.account(k.publicKey).then((a) => Number(a.balance), () => 0)));
    chunk.forEach((k, j) => wallets.push({ index: i + j, address: k.publicKey, secret: k.seed, initialBalance: balances[j]! }));
  }
  return wallets;
}
