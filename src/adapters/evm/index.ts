/**
 * The EVM adapter: any node answering Ethereum JSON-RPC; the local deployer launches anvil (Foundry's
 * dev node, from npm) for it. Transactions are EIP-1559 value transfers; wallets come from a BIP-39
 * mnemonic (m/44'/60'/0'/0/i); new heads by subscription (polling where refused); finality is `depth` blocks below the head
 * (the scenario's consensus.securityParam) or the node's `finalized` tag.
 *
 * Chain options (`chain: { type: 'evm', ... }`):
 *   mnemonic          wallets' mnemonic (default anvil's public dev mnemonic "test … junk")
 *   chainId           default 31337 (anvil's)
 *   mining            'interval' (default: a block every consensus.slotDurationMs) or 'auto' (a block per transaction)
 *   maxFeePerGasGwei, maxPriorityFeePerGasGwei
 *                     fee cap and tip of every transaction; each one the scenario leaves out is chosen from the
 *                     node's eth_feeHistory when the load starts (see prepare.ts) and written to the run
 *                     (`load.chain`). The workload's `fee` is not used by this chain; its `amount` is the value
 *                     in wei; wallets.fundsPerWallet is in ether
 *   heads             'subscribe' (default: eth_subscribe newHeads over WebSocket, polling where the node
 *                     refuses) or 'poll'; which one ran is the run's `feed.follow` event per node
 *   contractCalls     share (0..1) of transactions that call a counter contract deployed at the start (default 0)
 *   gasLimit          default 21000 (a plain transfer)
 *   finality          'depth' (default) or 'tag'
 *   signer            secp256k1 signer of the load workers: 'auto' (default: native when its addon loads), 'native', 'noble'
 */
import { LoadnetError } from '../../errors.js';
import type { ScenarioSpec } from '../../scenario/spec.js';
import type { AttachPlan, ChainAdapter, ChainCapability, ChainClient, ChainEndpoint, ChainOptionIssue, ChainWallet, ClientOptions, LocalPlan, LocalPlanContext, TxFactoryRef, TxParams } from '../seam.js';
import { workerModulePath } from '../module-path.js';
import { anvilBinary } from './anvil.js';
import { EvmChainClient } from './client.js';
import { addressOf, DEV_MNEMONIC, fromHex, hex, mnemonicKeys } from './keys.js';
import type { EvmTxOptions } from './tx-factory.js';
import { SIGNER_NAMES } from './signers.js';
import { prepareEvmLoad } from './prepare.js';
import { evmTxFuzzer } from './fuzz.js';

export interface EvmChainOptions {
  mnemonic: string;
  chainId: number;
  mining: 'interval' | 'auto';
  maxFeePerGasGwei?: number;
  maxPriorityFeePerGasGwei?: number;
  contractCalls: number;
  heads: 'subscribe' | 'poll';
  gasLimit: number;
  finality: 'depth' | 'tag';
  signer: string;
}

const DEFAULTS: EvmChainOptions = { mnemonic: DEV_MNEMONIC, chainId: 31337, mining: 'interval', contractCalls: 0, heads: 'subscribe', gasLimit: 21_000, finality: 'depth', signer: 'auto' };
const KNOWN = [...Object.keys(DEFAULTS), 'maxFeePerGasGwei', 'maxPriorityFeePerGasGwei'];
const GWEI = 1_000_000_000n;
const WEI_PER_ETHER = 10n ** 18n;

export function evmOptions(spec: Pick<ScenarioSpec, 'chain'>): EvmChainOptions {
  const { type: _type, ...given } = spec.chain ?? { type: 'evm' };
  return { ...DEFAULTS, ...(given as Partial<EvmChainOptions>) };
}

function checkOptions(o: Readonly<Record<string, unknown>>): ChainOptionIssue[] {
  const issues: ChainOptionIssue[] = [];
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) issues.push({ field: k, value: o[k], allowed: `an option of chain 'evm': ${KNOWN.join(', ')}` });
  const posInt = (k: string, max = Number.MAX_SAFE_INTEGER) => {
    const v = o[k];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= max)) issues.push({ field: k, value: v, allowed: `an integer from 1 to ${max}` });
  };
  posInt('chainId');
  posInt('maxFeePerGasGwei', 1_000_000);
  const tip = o.maxPriorityFeePerGasGwei;
  if (tip !== undefined && !(Number.isSafeInteger(tip) && (tip as number) >= 0 && (tip as number) <= 1_000_000)) issues.push({ field: 'maxPriorityFeePerGasGwei', value: tip, allowed: 'an integer from 0 to 1000000' });
  if (typeof o.maxFeePerGasGwei === 'number' && typeof tip === 'number' && tip > o.maxFeePerGasGwei) issues.push({ field: 'maxPriorityFeePerGasGwei', value: tip, allowed: `at most chain.maxFeePerGasGwei (${o.maxFeePerGasGwei})` });
  const calls = o.contractCalls;
  if (calls !== undefined && !(typeof calls === 'number' && calls >= 0 && calls <= 1)) issues.push({ field: 'contractCalls', value: calls, allowed: 'a share of transactions from 0 to 1 (e.g. 0.2)' });
  posInt('gasLimit', 30_000_000);
  if (o.mnemonic !== undefined && (typeof o.mnemonic !== 'string' || o.mnemonic.trim().split(/\s+/).length < 12)) issues.push({ field: 'mnemonic', value: '(hidden)', allowed: 'a BIP-39 mnemonic of 12 or 24 words' });
  if (o.mining !== undefined && o.mining !== 'interval' && o.mining !== 'auto') issues.push({ field: 'mining', value: o.mining, allowed: "'interval' (a block every consensus.slotDurationMs) or 'auto' (a block per transaction)" });
  if (o.heads !== undefined && o.heads !== 'subscribe' && o.heads !== 'poll') issues.push({ field: 'heads', value: o.heads, allowed: "'subscribe' (eth_subscribe newHeads over WebSocket, polling where refused) or 'poll'" });
  if (o.finality !== undefined && o.finality !== 'depth' && o.finality !== 'tag') issues.push({ field: 'finality', value: o.finality, allowed: "'depth' (consensus.securityParam blocks below the head) or 'tag' (the node's finalized block)" });
  if (o.signer !== undefined && !(SIGNER_NAMES as readonly unknown[]).includes(o.signer)) issues.push({ field: 'signer', value: o.signer, allowed: SIGNER_NAMES.join(', ') });
  return issues;
}

/** Wallets 0..count-1 of the mnemonic, with a balance (ether) as the plan or the chain says. */
function wallets(mnemonic: string, count: number, balanceEther: (i: number) => number): ChainWallet[] {
  return mnemonicKeys(mnemonic, count).map((k, index) => ({ index, address: addressOf(k), secret: hex(k), initialBalance: balanceEther(index) }));
}

const CAPABILITIES: ReadonlySet<ChainCapability> = new Set(['mempool', 'node-control']);

function makeAdapter(spec?: ScenarioSpec): ChainAdapter {
  const o = spec ? evmOptions(spec) : DEFAULTS;
  const depth = spec?.consensus.securityParam ?? 0;
  const adapter: ChainAdapter = {
    name: 'evm',
    roles: ['validator'],
    capabilities: CAPABILITIES,
    follow: o.heads,
    configure: (s) => makeAdapter(s),
    checkOptions,
    client(endpoint: ChainEndpoint, options?: ClientOptions): ChainClient {
      return new EvmChainClient(endpoint, { ...options, finalityDepth: depth, useFinalizedTag: o.finality === 'tag' });
    },
    txFactory(params: TxParams): TxFactoryRef {
      // Fees the scenario left out are filled in by prepareLoad from the node; until then the scenario's or 0.
      const options: EvmTxOptions = {
        chainId: String(o.chainId),
        maxFeePerGasWei: String(BigInt(o.maxFeePerGasGwei ?? 0) * GWEI),
        maxPriorityFeePerGasWei: String(BigInt(o.maxPriorityFeePerGasGwei ?? 0) * GWEI),
        gasLimit: String(o.gasLimit),
        valueWei: String(BigInt(Math.round(params.amount))),
        rpcPath: '/',
        signer: params.backend ?? o.signer,
      };
      return { module: workerModulePath(import.meta.url, 'tx-factory'), options };
    },
    prepareLoad: (ref, targets, loadWallets) =>
      prepareEvmLoad(ref, targets, loadWallets, {
        maxFeePerGasGwei: o.maxFeePerGasGwei,
        maxPriorityFeePerGasGwei: o.maxPriorityFeePerGasGwei,
        contractCalls: o.contractCalls,
        mineTimeoutMs: Math.max(30_000, 10 * (spec?.consensus.slotDurationMs ?? 1000)),
      }),
    addressOf: (secret) => addressOf(fromHex(secret, 32, 'private key')),
    producesWhenIdle: (s) => evmOptions(s).mining !== 'auto',
    txFuzzer: evmTxFuzzer(o.chainId),

    async planLocal(s: ScenarioSpec, ctx: LocalPlanContext): Promise<LocalPlan> {
      const so = evmOptions(s);
      const bin = anvilBinary();
      const [port] = await ctx.reservePorts(1);
      const name = 'validator-0';
      const state = ctx.nodePath(name, 'anvil-state.json');
      const args = ['--host', ctx.host, '--port', String(port), '--chain-id', String(so.chainId), '--mnemonic', so.mnemonic, '--accounts', String(Math.max(1, s.wallets.count)), '--balance', String(s.wallets.fundsPerWallet)];
      if (so.mining === 'interval') args.push('--block-time', String(s.consensus.slotDurationMs / 1000));
      if (so.finality === 'tag') args.push('--slots-in-an-epoch', String(Math.max(1, Math.ceil(s.consensus.securityParam / 2))));
      // --state: loads the chain from the file if it exists and writes it there on exit, so a restarted node keeps its chain.
      args.push('--state', state);
      return {
        nodes: [{ name, role: 'validator', command: bin, args, apiUrl: ctx.url(name, port!), stopGraceMs: 10_000 }],
        wallets: wallets(so.mnemonic, s.wallets.count, () => s.wallets.fundsPerWallet),
      };
    },

    async planAttach(s: ScenarioSpec, urls: readonly string[]): Promise<AttachPlan> {
      const so = evmOptions(s);
      const nodes = urls.map((url, i) => ({ name: `evm-${i}`, role: 'validator', apiUrl: url.replace(/\/$/, '') }));
      const probe = new EvmChainClient({ name: nodes[0]!.name, apiUrl: nodes[0]!.apiUrl }, { timeoutMs: 5000 });
      try {
        const list = wallets(so.mnemonic, s.wallets.count, () => 0);
        const states = await Promise.all(list.map((w) => probe.account(w.address)));
        list.forEach((w, i) => (w.initialBalance = Number((states[i]!.balance * 1000n) / WEI_PER_ETHER) / 1000));
        return { nodes, wallets: list };
      } finally {
        await probe.close();
      }
    },

    async checkDeployment(s: ScenarioSpec, clients: readonly ChainClient[], ws: readonly ChainWallet[]): Promise<void> {
      const so = evmOptions(s);
      for (const c of clients) {
        const evm = c as EvmChainClient;
        const id = await evm.chainId();
        if (id !== BigInt(so.chainId)) {
          throw new LoadnetError('LN_ERR_DEPLOY', `${c.name} (${c.url}) answers chain id ${id}, the scenario says ${so.chainId}`, { hint: `set chain.chainId to ${id} if this is the node you mean to test` });
        }
        await evm.rpc.batch([{ method: 'eth_chainId', params: [] }, { method: 'eth_blockNumber', params: [] }]); // refuses batches: said plainly
      }
      const sample = ws.slice(0, 8);
      const states = await Promise.all(sample.map((w) => clients[0]!.account(w.address)));
      const empty = sample.filter((_, i) => states[i]!.balance === 0n);
      if (sample.length > 0 && empty.length === sample.length) {
        throw new LoadnetError('LN_ERR_DEPLOY', `the mnemonic's accounts have no funds on ${clients[0]!.name}: ${empty.slice(0, 3).map((w) => w.address).join(', ')}${empty.length > 3 ? ', …' : ''} hold 0 wei`, {
          hint: 'fund the first wallets.count accounts of the mnemonic (m/44\'/60\'/0\'/0/i), or give chain.mnemonic the one the node funded (anvil: --mnemonic)',
        });
      }
    },
  };
  return adapter;
}

export const evmAdapter: ChainAdapter = makeAdapter();
