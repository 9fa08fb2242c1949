/**
 * The EVM worker-side transaction factory: EIP-1559 value transfers signed in the worker, submitted as a
 * JSON-RPC batch of eth_sendRawTransaction (one round trip per batch), nonces from eth_getTransactionCount
 * at 'latest' (what the chain confirmed). Imported by the load workers by path (see evmAdapter.txFactory).
 */
import type { HttpCall, SignedTx, TxAnswer, TxFactoryInit, WorkerTxFactory } from '../seam.js';
import { addressOf, fromHex, hex } from './keys.js';
import { ACCEPTED, classifyRpcError } from './outcome.js';
import { signEip1559, type Eip1559Fields, type Secp256k1Sign } from './tx.js';
import { secp256k1Signer } from './signers.js';

/** What the adapter hands the workers (structured-clone data: bigints as decimal strings). */
export interface EvmTxOptions {
  chainId: string;
  maxFeePerGasWei: string;
  maxPriorityFeePerGasWei: string;
  gasLimit: string;
  valueWei: string;
  /** Path part of the RPC URL (usually '/'). */
  rpcPath: string;
  signer?: string;
}

interface Reply {
  id?: unknown;
  result?: unknown;
  error?: { message?: unknown };
}

class EvmTxFactory implements WorkerTxFactory {
  readonly addresses: string[];
  private readonly keys: Uint8Array[];
  private readonly base: Omit<Eip1559Fields, 'nonce' | 'to'>;
  private readonly to: Uint8Array[];
  private readonly path: string;

  constructor(init: TxFactoryInit, private readonly signer: Secp256k1Sign) {
    const o = init.options as EvmTxOptions;
    this.path = o.rpcPath || '/';
    this.keys = init.wallets.map((w) => fromHex(w.secret, 32, 'wallet private key'));
    this.addresses = this.keys.map(addressOf);
    this.to = init.wallets.map((w) => fromHex(init.recipients[(w.index + 1) % init.recipients.length]!, 20, 'recipient'));
    this.base = { chainId: BigInt(o.chainId), maxFeePerGas: BigInt(o.maxFeePerGasWei), maxPriorityFeePerGas: BigInt(o.maxPriorityFeePerGasWei), gasLimit: BigInt(o.gasLimit), value: BigInt(o.valueWei), data: new Uint8Array(0) };
  }

  sign(slot: number, nonce: number): SignedTx {
    return signEip1559({ ...this.base, nonce, to: this.to[slot]! }, this.keys[slot]!, this.signer);
  }

  submitCall(txs: readonly Uint8Array[]): HttpCall {
    const body = '[' + txs.map((t, i) => `{"jsonrpc":"2.0","id":${i},"method":"eth_sendRawTransaction","params":["${hex(t)}"]}`).join(',') + ']';
    return { method: 'POST', path: this.path, body, contentType: 'application/json' };
  }

  submitAnswers(status: number, body: string, count: number): readonly (TxAnswer | undefined)[] | undefined {
    if (status !== 200) return undefined;
    let replies: unknown;
    try {
      replies = JSON.parse(body);
    } catch {
      return undefined;
    }
    if (!Array.isArray(replies)) return undefined; // a batch refused as a whole (see the client's check at start)
    const out: (TxAnswer | undefined)[] = new Array(count);
    for (const r of replies as Reply[]) {
      const i = typeof r?.id === 'number' ? r.id : -1;
      if (i < 0 || i >= count) continue;
      if (r.error) out[i] = classifyRpcError(String(r.error.message ?? ''));
      else if (typeof r.result === 'string') out[i] = ACCEPTED;
    }
    return out;
  }

  nonceCall(address: string): HttpCall {
    return { method: 'POST', path: this.path, body: `{"jsonrpc":"2.0","id":1,"method":"eth_getTransactionCount","params":["${address}","latest"]}`, contentType: 'application/json' };
  }

  nonceAnswer(status: number, body: string): number {
    if (status !== 200) throw new Error(`eth_getTransactionCount: HTTP ${status}`);
    const r = JSON.parse(body) as Reply;
    if (r.error || typeof r.result !== 'string') throw new Error(`eth_getTransactionCount: ${String(r.error?.message ?? 'no result')}`);
    return Number.parseInt(r.result, 16);
  }
}

export async function createTxFactory(init: TxFactoryInit): Promise<WorkerTxFactory> {
  return new EvmTxFactory(init, await secp256k1Signer((init.options as EvmTxOptions).signer ?? init.params.backend));
}
