/**
 * The EVM worker-side transaction factory: EIP-1559 value transfers (and, with a contract-call mix, calls of
 * a counter contract) signed in the worker, submitted as a JSON-RPC batch of eth_sendRawTransaction (one
 * round trip per batch), nonces from eth_getTransactionCount at 'latest' (what the chain confirmed).
 * Imported by the load workers by path (see evmAdapter.txFactory).
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
  /** Contract-call mix: this share of transactions call the counter at `to` (set by prepareLoad once deployed). */
  call?: { to: string; fraction: number };
}

/**
 * The counter the contract-call mix calls, in EVM bytecode: any call adds 1 to storage slot 0
 * (PUSH1 1, PUSH1 0, SLOAD, ADD, PUSH1 0, SSTORE, STOP); the init code copies that runtime code out and
 * returns it. Written by hand so no compiler is needed; the anvil test reads slot 0 back.
 */
const COUNTER_RUNTIME = '600160005401600055' + '00';
export const COUNTER_INIT_CODE = Uint8Array.from(Buffer.from('600a80600b6000396000f3' + COUNTER_RUNTIME, 'hex'));
/** increment(): the selector a Solidity counter would have (the bytecode above ignores calldata). */
const INCREMENT_SELECTOR = Uint8Array.from([0xd0, 0x9d, 0xe0, 0x8a]);
/** Gas of one call: 21,000 + calldata + a cold SLOAD and an SSTORE that may set a zero slot (~45k); with room. */
export const CALL_GAS_LIMIT = 60_000n;

/**
 * Whether wallet `walletIndex`'s transaction at `nonce` is a contract call: a fixed hash of (wallet, nonce)
 * against the fraction, so the content stays a function of (wallet, nonce) alone (one nonce, one
 * transaction: a re-signed nonce has the same id) and anyone can recount the calls from the tx records.
 */
export function isContractCall(walletIndex: number, nonce: number, fraction: number): boolean {
  if (fraction <= 0) return false;
  let x = Math.imul(walletIndex + 1, 0x9e3779b1) ^ Math.imul(nonce + 1, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 4294967296 < fraction;
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
  private readonly walletIndex: number[];
  private readonly call?: { to: Uint8Array; fraction: number };

  constructor(init: TxFactoryInit, private readonly signer: Secp256k1Sign) {
    const o = init.options as EvmTxOptions;
    this.path = o.rpcPath || '/';
    this.keys = init.wallets.map((w) => fromHex(w.secret, 32, 'wallet private key'));
    this.addresses = this.keys.map(addressOf);
    this.to = init.wallets.map((w) => fromHex(init.recipients[(w.index + 1) % init.recipients.length]!, 20, 'recipient'));
    this.walletIndex = init.wallets.map((w) => w.index);
    if (o.call) this.call = { to: fromHex(o.call.to, 20, 'contract address'), fraction: o.call.fraction };
    this.base = { chainId: BigInt(o.chainId), maxFeePerGas: BigInt(o.maxFeePerGasWei), maxPriorityFeePerGas: BigInt(o.maxPriorityFeePerGasWei), gasLimit: BigInt(o.gasLimit), value: BigInt(o.valueWei), data: new Uint8Array(0) };
  }

  sign(slot: number, nonce: number): SignedTx {
    const c = this.call;
    if (c && isContractCall(this.walletIndex[slot]!, nonce, c.fraction)) {
      return signEip1559({ ...this.base, nonce, to: c.to, value: 0n, data: INCREMENT_SELECTOR, gasLimit: CALL_GAS_LIMIT }, this.keys[slot]!, this.signer);
    }
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
