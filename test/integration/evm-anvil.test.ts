// The EVM adapter on a real anvil (from the npm package): the seed's load progression shortened, exact
// accounting checked against the chain's own blocks, a restart under load with nothing accepted lost, and
// the errors a user meets (no binary, wrong chain id, unfunded mnemonic, a feature the chain lacks).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { acceptedIds, auditEvmRun as audit, chainTxIds, evmSpec as spec, failedExpectations, RestartOnce, runEvents as events } from './helpers/evm-run.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import { AttachDeployer } from '../../src/deployers/attach/index.js';
import { scenarioFromSpec } from '../../src/scenario/build.js';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { EvmChainClient } from '../../src/adapters/evm/client.js';
import { isContractCall } from '../../src/adapters/evm/tx-factory.js';
import { anvilBinary } from '../../src/adapters/evm/anvil.js';
import { PollingBlockFeed } from '../../src/runtime/block-feed.js';
import { chainOf } from '../../src/adapters/registry.js';
import type { BlockFeedOptions } from '../../src/runtime/block-feed.js';

let outDir: string;
beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'loadnet-evm-'));
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Every tx record row (any result): id → [wallet, nonce]. */
function recordedTxs(runDir: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  const dir = join(runDir, 'tx');
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n').slice(1)) {
      const cols = line.split(',');
      if (cols.length < 8) continue;
      out.set(cols[7]!, [Number(cols[5]), Number(cols[6])]);
    }
  }
  return out;
}

/**
 * A JSON-RPC gateway in front of a real anvil, HTTP only (a WebSocket upgrade is refused), optionally refusing
 * batches the way some hosted gateways do (one error object for the whole array). A fake gateway, named as such.
 */
function jsonRpcProxy(target: string, refuseBatches: boolean): Promise<{ url: string; server: Server }> {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (refuseBatches && body.toString().trimStart().startsWith('[')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch requests are not supported"}}');
        return;
      }
      const up = httpRequest({ host: t.hostname, port: t.port, path: '/', method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => {
        res.writeHead(r.statusCode ?? 502, { 'content-type': 'application/json' });
        r.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server })));
}

describe('evm adapter on anvil (local deployer)', () => {
  it('load progression (5 and 30 per block, 1 s blocks): liveness and full inclusion; accounting matches the chain', async () => {
    for (const perBlock of [5, 30]) {
      const scenario = scenarioFromSpec(spec(`evm-progression-${perBlock}`, perBlock));
      const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
      const handle = await runner.run(scenario, { rejectOnFailure: false });
      try {
        expect(failedExpectations(handle), `rate ${perBlock}`).toEqual([]);
        const load = handle.summary.load as Record<string, number>;
        expect(load.offeredTps).toBeGreaterThan(0.9 * perBlock);
        await audit(handle);
      } finally {
        await handle.dispose();
      }
    }
  }, 180_000);

  it('restarts anvil under load (node control, --state): the chain continues and nothing accepted is lost', async () => {
    const restart = new RestartOnce();
    const built = scenarioFromSpec({ ...spec('evm-restart', 10), nodeControl: true, durationMs: '10s', cooldownMs: '30s' });
    const scenario = { ...built, workloads: [...built.workloads, restart] };
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    const handle = await runner.run(scenario, { rejectOnFailure: false });
    try {
      expect(restart.restarted).toBe(true);
      const seen = events(handle.runDir);
      const faults = seen.filter((e) => e.kind === 'fault.end' && e.fault === 'restart');
      expect(faults).toHaveLength(1);
      expect(faults[0]!.ok).toBe(true);
      // The chain after the restart extends the one before it: no block the feed saw was reverted.
      expect(seen.filter((e) => e.kind === 'reorg')).toEqual([]);
      await audit(handle);
    } finally {
      await handle.dispose();
    }
  }, 180_000);
});

describe('evm adapter: fees and a contract-call mix (local deployer)', () => {
  it('chooses fees from eth_feeHistory, deploys a counter, calls it at 30 % of the rate; the counter equals the calls included', async () => {
    const scenario = scenarioFromSpec({ ...spec('evm-calls', 10), chain: { type: 'evm', contractCalls: 0.3 }, durationMs: '6s' });
    const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
    const handle = await runner.run(scenario, { rejectOnFailure: false });
    try {
      await audit(handle);
      const client = handle.context.nodes()[0]!.client as EvmChainClient;
      const [chainEvent] = events(handle.runDir).filter((e) => e.kind === 'load.chain');
      expect(chainEvent?.chain).toBe('evm');
      // Fees: none in the scenario, so both come from the node, and the cap follows the stated rule.
      const fees = chainEvent!.fees;
      expect(fees.source.maxFeePerGas).toBe('eth_feeHistory');
      expect(['eth_feeHistory', 'eth_maxPriorityFeePerGas']).toContain(fees.source.maxPriorityFeePerGas);
      expect(BigInt(fees.maxFeePerGasWei)).toBe(2n * BigInt(fees.nextBaseFeeWei) + BigInt(fees.maxPriorityFeePerGasWei));
      // Calls and transfers alike: which ones are calls is recomputed from (wallet, nonce).
      const contract = chainEvent!.contract;
      expect(contract.callFraction).toBe(0.3);
      const onChain = await chainTxIds(client);
      const included = [...recordedTxs(handle.runDir)].filter(([id]) => onChain.has(id));
      const calls = included.filter(([, [w, n]]) => isContractCall(w, n, 0.3));
      expect(calls.length).toBeGreaterThan(0.15 * included.length);
      expect(calls.length).toBeLessThan(0.45 * included.length);
      const counter = BigInt(await client.rpc.call<string>('eth_getStorageAt', [contract.address, '0x0', 'latest']));
      expect(counter).toBe(BigInt(calls.length));
      // The transactions on chain carry the chosen fees.
      const tx = await client.rpc.call<{ maxFeePerGas: string; maxPriorityFeePerGas: string; to: string }>('eth_getTransactionByHash', [calls[0]![0]]);
      expect(BigInt(tx.maxFeePerGas)).toBe(BigInt(fees.maxFeePerGasWei));
      expect(BigInt(tx.maxPriorityFeePerGas)).toBe(BigInt(fees.maxPriorityFeePerGasWei));
      expect(tx.to.toLowerCase()).toBe(contract.address);
    } finally {
      await handle.dispose();
    }
  }, 120_000);
});

describe('evm adapter: what a user meets', () => {
  it('refuses at validation what one anvil cannot do, naming the chain and the feature', () => {
    expect(() => scenarioFromSpec({ ...spec('x', 5), workloads: [{ type: 'da' }] })).toThrow(/workloads\[0\]: "da"; allowed: a feature chain 'evm' has: it has no data availability/);
    expect(() => scenarioFromSpec({ ...spec('x', 5), topology: { validators: 3 } })).toThrow(/topology: "3 nodes"; allowed: a feature chain 'evm' has: it has no multi-node deployment/);
    expect(() => scenarioFromSpec({ ...spec('x', 5), expectations: [{ type: 'safety' }] })).toThrow(/chain 'evm' has: it has no several block producers/);
    const options = () => scenarioFromSpec({ ...spec('x', 5), chain: { type: 'evm', mining: 'sometimes', blockTime: 2 } });
    expect(options).toThrow(/chain\.mining: "sometimes"; allowed: 'interval'/);
    expect(options).toThrow(/chain\.blockTime: 2; allowed: an option of chain 'evm': mnemonic, chainId, mining/);
    expect(() => scenarioFromSpec({ ...spec('x', 5), chain: { type: 'evm', contractCalls: 1.5 } })).toThrow(/chain\.contractCalls: 1\.5; allowed: a share of transactions from 0 to 1/);
    expect(() => scenarioFromSpec({ ...spec('x', 5), chain: { type: 'evm', maxFeePerGasGwei: 5, maxPriorityFeePerGasGwei: 6 } })).toThrow(/chain\.maxPriorityFeePerGasGwei: 6; allowed: at most chain\.maxFeePerGasGwei \(5\)/);
  });

  it('names the missing anvil binary and what to install', async () => {
    const before = process.env.LOADNET_ANVIL;
    process.env.LOADNET_ANVIL = join(outDir, 'no-anvil-here');
    try {
      const scenario = scenarioFromSpec(spec('evm-no-binary', 5));
      await expect(new LocalDeployer({ outDir, reports: false }).deploy(scenario)).rejects.toThrow(/anvil binary not found at LOADNET_ANVIL=/);
    } finally {
      if (before === undefined) delete process.env.LOADNET_ANVIL;
      else process.env.LOADNET_ANVIL = before;
    }
    // Without LOADNET_ANVIL, a platform whose npm package is not installed: the package and the install command.
    if (before === undefined) {
      const missing = (() => {
        try {
          return anvilBinary('freebsd', 'x64');
        } catch (e) {
          return e;
        }
      })();
      expect(missing).toMatchObject({ code: 'LN_ERR_DEPLOY', message: expect.stringContaining('the npm package @foundry-rs/anvil-freebsd-amd64 is not installed'), hint: expect.stringContaining('npm install @foundry-rs/anvil') });
    }
  });

  it('attach: a wrong chain id and an unfunded mnemonic are said before the run', async () => {
    const base = scenarioFromSpec({ ...spec('evm-host', 5), durationMs: '60s' });
    const host = await new LocalDeployer({ outDir, reports: false }).deploy(base);
    try {
      const url = host.context.nodes()[0]!.descriptor.apiUrl;
      const wrongId = scenarioFromSpec({ ...spec('evm-wrong-id', 5), chain: { type: 'evm', chainId: 1 } });
      await expect(new AttachDeployer({ nodes: [url], outDir, reports: false }).deploy(wrongId)).rejects.toThrow(/answers chain id 31337, the scenario says 1/);
      const unfunded = scenarioFromSpec({ ...spec('evm-unfunded', 5), chain: { type: 'evm', mnemonic: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about' } });
      await expect(new AttachDeployer({ nodes: [url], outDir, reports: false }).deploy(unfunded)).rejects.toThrow(/the mnemonic's accounts have no funds/);
      // The same node with the right mnemonic: attach runs load against it.
      // New heads by subscription on the real anvil; a reorg (anvil_reorg) is found by parent hash. Through an
      // HTTP-only gateway the same feed polls, and says why.
      const seen: Array<Record<string, any>> = [];
      const log = { emit: (kind: string, data: Record<string, unknown>) => void seen.push({ kind, ...data }) } as unknown as BlockFeedOptions['events'];
      const plain = await jsonRpcProxy(url, false);
      const hostNode = host.context.nodes()[0]!;
      const feed = new PollingBlockFeed({
        nodes: () => [hostNode, { descriptor: { ...hostNode.descriptor, name: 'via-http-only', apiUrl: plain.url }, client: hostNode.client }],
        events: log,
        slotDurationMs: 1000,
        securityParam: 3,
        chain: chainOf(base.spec),
      });
      try {
        feed.start();
        const waitFor = async (what: string, pred: (e: Record<string, any>) => boolean) => {
          for (let i = 0; i < 100 && !seen.some(pred); i++) await new Promise((r) => setTimeout(r, 100));
          expect(seen.find(pred), what).toBeDefined();
        };
        await waitFor('subscribed', (e) => e.kind === 'feed.follow' && e.node === hostNode.descriptor.name && e.mode === 'subscribe');
        await waitFor('polling via the gateway', (e) => e.kind === 'feed.follow' && e.node === 'via-http-only' && e.mode === 'poll' && /no newHeads subscription/.test(e.reason));
        await waitFor('blocks', (e) => e.kind === 'block' && e.height >= 4);
        await (hostNode.client as EvmChainClient).rpc.call('anvil_reorg', [2, []]);
        await waitFor('the reorg', (e) => e.kind === 'reorg' && e.node === hostNode.descriptor.name && e.depth >= 1);
      } finally {
        await feed.stop();
        plain.server.close();
      }
      // An endpoint that refuses JSON-RPC batches (a gateway in front of the same anvil) is said plainly.
      const proxy = await jsonRpcProxy(url, true);
      try {
        await expect(new AttachDeployer({ nodes: [proxy.url], outDir, reports: false }).deploy(scenarioFromSpec(spec('evm-no-batches', 5)))).rejects.toThrow(/refuses JSON-RPC batches/);
      } finally {
        proxy.server.close();
      }
      // The same node with the right mnemonic: attach runs load against it, with the scenario's fees winning.
      const ok = scenarioFromSpec({ ...spec('evm-attached', 5), chain: { type: 'evm', maxFeePerGasGwei: 50, maxPriorityFeePerGasGwei: 2 }, durationMs: '4s', cooldownMs: '4s' });
      const runner = await new AttachDeployer({ nodes: [url], outDir, reports: false }).deploy(ok);
      const handle = await runner.run(ok, { rejectOnFailure: false });
      await handle.dispose();
      expect((handle.summary.load as Record<string, number>).included).toBeGreaterThan(0);
      const [chainEvent] = events(handle.runDir).filter((e) => e.kind === 'load.chain');
      expect(chainEvent!.fees).toEqual({ maxFeePerGasWei: String(50n * 10n ** 9n), maxPriorityFeePerGasWei: String(2n * 10n ** 9n), source: { maxFeePerGas: 'scenario', maxPriorityFeePerGas: 'scenario' } });
      const [id] = acceptedIds(handle.runDir);
      const tx = await (host.context.nodes()[0]!.client as EvmChainClient).rpc.call<{ maxFeePerGas: string }>('eth_getTransactionByHash', [id]);
      expect(BigInt(tx.maxFeePerGas)).toBe(50n * 10n ** 9n);
    } finally {
      await host.dispose();
    }
  }, 120_000);
});
