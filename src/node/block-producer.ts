/**
 * Block building: the leader takes mempool transactions (highest fee first, each sender's in nonce
 * order; with the fee-ordering defense off, senders in order of first arrival), executes each on the
 * ledger to keep only executable ones, then rolls the ledger back: the built block is imported through
 * the same path as any other block.
 */
import type { Hex } from '../util/bytes.js';
import type { SigningKey } from '../adapters/devnet/wire/ed25519.js';
import type { SignedTransaction } from '../adapters/devnet/wire/tx.js';
import { HEADER_BYTES, buildBlock, type Block } from './block-codec.js';
import { Undo, type Ledger } from './ledger.js';
import type { Mempool } from './mempool.js';

export interface BuildLimits {
  maxTxs: number;
  maxBytes: number;
}

export function selectTransactions(ledger: Ledger, mempool: Mempool, proposer: Hex, limits: BuildLimits, byFee = true): SignedTransaction[] {
  const undo = new Undo();
  const txs: SignedTransaction[] = [];
  let bytes = HEADER_BYTES + 64 + 4;
  const skipped = new Set<Hex>();
  try {
    for (const entry of mempool.candidates((pk) => ledger.account(pk).nonce, byFee)) {
      if (txs.length >= limits.maxTxs) break;
      const tx = entry.tx;
      if (skipped.has(tx.from)) continue;
      const size = 4 + tx.bytes.length;
      if (bytes + size > limits.maxBytes || ledger.check(tx) !== null) {
        // Its successors cannot execute without it: skip the rest of this sender for this block.
        skipped.add(tx.from);
        continue;
      }
      ledger.apply(tx, proposer, undo);
      txs.push(tx);
      bytes += size;
    }
  } finally {
    ledger.revert(undo);
  }
  return txs;
}

export interface ProduceArgs {
  parent: Block;
  slot: number;
  leaderProof: Hex;
  now: number;
  key: SigningKey;
  proposer: Hex;
  ledger: Ledger;
  mempool: Mempool;
  limits: BuildLimits;
  /** Highest fee first (the default); false: senders in order of first arrival (the fee-ordering defense off). */
  byFee?: boolean;
}

export function produceBlock(a: ProduceArgs): Block {
  const txs = selectTransactions(a.ledger, a.mempool, a.proposer, a.limits, a.byFee ?? true);
  return buildBlock(
    {
      parent: a.parent.id,
      slot: a.slot,
      height: a.parent.header.height + 1,
      proposer: a.proposer,
      leaderProof: a.leaderProof,
      timestamp: Math.floor(a.now),
    },
    txs,
    a.key,
  );
}
