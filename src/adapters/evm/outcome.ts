/**
 * eth_sendRawTransaction answers → generic outcome classes. Node implementations word their errors
 * differently (geth, reth, anvil, erigon, nethermind); the patterns below cover the common wordings, and
 * anything else is a rejection labelled 'other' (its message is in the node's log and the tx records).
 */
import type { TxAnswer } from '../seam.js';

const RULES: ReadonlyArray<[RegExp, TxAnswer]> = [
  [/nonce too low|nonce has already been used|old nonce|invalid nonce.*lower/i, { outcome: 'stale_nonce', reason: 'nonce_too_low' }],
  [/already known|already imported|known transaction|alreadyknown|already in (the )?(mem|tx)pool/i, { outcome: 'duplicate', reason: 'duplicate' }],
  [/nonce too high|nonce gap|future nonce/i, { outcome: 'nonce_gap', reason: 'nonce_gap' }],
  [/replacement transaction underpriced|replacement.*underpriced/i, { outcome: 'rejected', reason: 'replacement_underpriced' }],
  [/insufficient funds|insufficient balance/i, { outcome: 'rejected', reason: 'insufficient_funds' }],
  // geth and anvil: "max priority fee per gas higher than max fee per gas" (before the fee rule: it names max fee)
  [/priority fee per gas higher than max fee|tip above fee cap|tip.*higher than.*fee cap/i, { outcome: 'rejected', reason: 'tip_above_fee_cap' }],
  [/base ?fee|fee cap|max fee per gas less|underpriced|gas price too low|fee too low/i, { outcome: 'rejected', reason: 'fee_too_low' }],
  [/txpool is full|pool is full|mempool full|too many/i, { outcome: 'rejected', reason: 'mempool_full' }],
  [/intrinsic gas too low|gas too low/i, { outcome: 'rejected', reason: 'gas_too_low' }],
  // anvil: "intrinsic gas too high -- tx.gas_limit > env.block.gas_limit"
  [/exceeds block gas limit|gas.limit > .*block|gas.limit/i, { outcome: 'rejected', reason: 'gas_limit' }],
  [/oversized data|max initcode size|too large|size exceeded/i, { outcome: 'rejected', reason: 'too_large' }],
  [/chain ?id|chainid|replay-protected/i, { outcome: 'rejected', reason: 'wrong_chain_id' }],
  [/transaction type not supported|unsupported transaction type|unknown transaction type/i, { outcome: 'rejected', reason: 'unsupported_type' }],
  // anvil: "Failed to recover the signer"; geth: "invalid sender" (the signature recovers no key)
  [/recover the signer|invalid sender|invalid signature|signature/i, { outcome: 'rejected', reason: 'bad_signature' }],
  // anvil: "Failed to decode transaction", "Empty transaction data"
  [/invalid transaction|rlp|decode|empty transaction/i, { outcome: 'rejected', reason: 'malformed' }],
];

export const ACCEPTED: TxAnswer = { outcome: 'accepted', reason: 'ok' };
const OTHER: TxAnswer = { outcome: 'rejected', reason: 'other' };

export function classifyRpcError(message: string): TxAnswer {
  for (const [re, answer] of RULES) if (re.test(message)) return answer;
  return OTHER;
}
