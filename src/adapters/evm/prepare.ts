/**
 * What an EVM load settles with the node before it starts (evmAdapter.prepareLoad):
 *  - fees the scenario left open, from eth_feeHistory: the priority fee is the median of the last blocks'
 *    50th-percentile tips (eth_maxPriorityFeePerGas when they paid none), the fee cap twice the next block's
 *    base fee plus that tip (room for the base fee to double before a transaction is priced out);
 *  - for a contract-call mix, a counter contract deployed from the first load wallet (mined before the
 *    workers read their nonces, so that wallet's lane starts after it).
 */
import { LoadnetError } from '../../errors.js';
import type { LoadWallet, PreparedLoad, TxFactoryRef } from '../seam.js';
import { fromHex } from './keys.js';
import { JsonRpc } from './rpc.js';
import { signEip1559 } from './tx.js';
import { COUNTER_INIT_CODE, type EvmTxOptions } from './tx-factory.js';

const GWEI = 1_000_000_000n;
const DEPLOY_GAS = 100_000n;

export interface FeeChoice {
  maxFeePerGasWei: bigint;
  maxPriorityFeePerGasWei: bigint;
  source: { maxFeePerGas: 'scenario' | 'eth_feeHistory'; maxPriorityFeePerGas: 'scenario' | 'eth_feeHistory' | 'eth_maxPriorityFeePerGas' };
  nextBaseFeeWei?: bigint;
}

const median = (xs: bigint[]): bigint => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[Math.floor(xs.length / 2)]!;

/** Fees for this load: the scenario's where it set them, else from the node's recent blocks. */
export async function chooseFees(rpc: JsonRpc, maxFeeGwei: number | undefined, priorityGwei: number | undefined): Promise<FeeChoice> {
  if (maxFeeGwei !== undefined && priorityGwei !== undefined) {
    return { maxFeePerGasWei: BigInt(maxFeeGwei) * GWEI, maxPriorityFeePerGasWei: BigInt(priorityGwei) * GWEI, source: { maxFeePerGas: 'scenario', maxPriorityFeePerGas: 'scenario' } };
  }
  const h = await rpc.call<{ baseFeePerGas?: string[]; reward?: string[][] }>('eth_feeHistory', ['0x14', 'latest', [50]]);
  const bases = h?.baseFeePerGas ?? [];
  if (bases.length === 0) {
    throw new LoadnetError('LN_ERR_NODE_API', `${rpc.name}: eth_feeHistory has no base fees (a chain without EIP-1559?)`, { hint: 'set chain.maxFeePerGasGwei and chain.maxPriorityFeePerGasGwei in the scenario' });
  }
  const nextBase = BigInt(bases[bases.length - 1]!); // the entry after the last block: the next block's base fee
  let priority: bigint;
  let prioritySource: FeeChoice['source']['maxPriorityFeePerGas'];
  if (priorityGwei !== undefined) {
    priority = BigInt(priorityGwei) * GWEI;
    prioritySource = 'scenario';
  } else {
    const tips = (h.reward ?? []).map((r) => BigInt(r[0] ?? '0x0')).filter((t) => t > 0n);
    if (tips.length > 0) {
      priority = median(tips);
      prioritySource = 'eth_feeHistory';
    } else {
      priority = BigInt(await rpc.call<string>('eth_maxPriorityFeePerGas'));
      prioritySource = 'eth_maxPriorityFeePerGas';
    }
  }
  const maxFee = maxFeeGwei !== undefined ? BigInt(maxFeeGwei) * GWEI : 2n * nextBase + priority;
  return { maxFeePerGasWei: maxFee, maxPriorityFeePerGasWei: priority, source: { maxFeePerGas: maxFeeGwei !== undefined ? 'scenario' : 'eth_feeHistory', maxPriorityFeePerGas: prioritySource }, nextBaseFeeWei: nextBase };
}

/** Deploy the counter from `from`, wait until it is mined; its address and the deploying transaction. */
async function deployCounter(rpc: JsonRpc, from: LoadWallet, o: EvmTxOptions, fees: FeeChoice, timeoutMs: number): Promise<{ address: string; deployTx: string }> {
  const nonce = Number.parseInt(await rpc.call<string>('eth_getTransactionCount', [from.address, 'pending']), 16);
  const { bytes, id } = signEip1559(
    { chainId: BigInt(o.chainId), nonce, maxPriorityFeePerGas: fees.maxPriorityFeePerGasWei, maxFeePerGas: fees.maxFeePerGasWei, gasLimit: DEPLOY_GAS, to: new Uint8Array(0), value: 0n, data: COUNTER_INIT_CODE },
    fromHex(from.secret, 32, 'wallet private key'),
  );
  await rpc.call<string>('eth_sendRawTransaction', ['0x' + Buffer.from(bytes).toString('hex')]);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await rpc.call<{ status?: string; contractAddress?: string } | null>('eth_getTransactionReceipt', [id]);
    if (receipt) {
      if (receipt.status !== '0x1' || !receipt.contractAddress) throw new LoadnetError('LN_ERR_WORKLOAD', `${rpc.name}: the contract-call mix's counter contract failed to deploy (transaction ${id}, status ${receipt.status})`);
      return { address: receipt.contractAddress.toLowerCase(), deployTx: id };
    }
    if (Date.now() > until) throw new LoadnetError('LN_ERR_WORKLOAD', `${rpc.name}: the counter contract's deployment (${id}) was not mined within ${timeoutMs} ms`, { hint: 'is the node producing blocks? (chain.mining)' });
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PrepareSettings {
  maxFeePerGasGwei?: number;
  maxPriorityFeePerGasGwei?: number;
  contractCalls: number;
  /** How long a deployment may wait for its block. */
  mineTimeoutMs: number;
}

export async function prepareEvmLoad(ref: TxFactoryRef, targets: readonly string[], wallets: readonly LoadWallet[], s: PrepareSettings): Promise<PreparedLoad> {
  const rpc = new JsonRpc(targets[0]!, 'evm-0', 10_000, 1);
  try {
    const fees = await chooseFees(rpc, s.maxFeePerGasGwei, s.maxPriorityFeePerGasGwei);
    const options: EvmTxOptions = { ...(ref.options as EvmTxOptions), maxFeePerGasWei: String(fees.maxFeePerGasWei), maxPriorityFeePerGasWei: String(fees.maxPriorityFeePerGasWei) };
    const notes: Record<string, unknown> = {
      fees: { maxFeePerGasWei: String(fees.maxFeePerGasWei), maxPriorityFeePerGasWei: String(fees.maxPriorityFeePerGasWei), source: fees.source, ...(fees.nextBaseFeeWei !== undefined ? { nextBaseFeeWei: String(fees.nextBaseFeeWei) } : {}) },
    };
    if (s.contractCalls > 0) {
      const c = await deployCounter(rpc, wallets[0]!, options, fees, s.mineTimeoutMs);
      options.call = { to: c.address, fraction: s.contractCalls };
      notes.contract = { address: c.address, deployTx: c.deployTx, callFraction: s.contractCalls };
    }
    return { ref: { ...ref, options }, notes };
  } finally {
    await rpc.close();
  }
}
