/**
 * Staking (docs/devnet-node.md, "Staking"): who may lead slots, with what weight. A validator's stake is what
 * genesis gave it plus what it bonded from its balance with `stake_declare`; `stake_withdraw` gives bonded
 * stake back, and a validator with no bonded stake left after a withdrawal leaves the set (its genesis stake
 * with it). One rule, `stakeOpError`/`applyStakeOp`, serves the ledger (balances, at the tip) and the
 * lottery (weights, per branch).
 *
 * The lottery of slot t on a branch counts the stake changes of that branch's blocks whose slot is ≤ t − k
 * (k = securityParam): a change takes effect k slots after the block that carries it, the same on every node
 * that sees the branch, so every node judges a leader proof alike whatever its own tip.
 */
import type { Hex } from '../util/bytes.js';
import type { StakeOp } from '../adapters/devnet/wire/tx.js';
import type { GenesisValidator } from './config.js';

export interface StakeEntry {
  genesis: number;
  bonded: number;
}

export type StakeTable = Map<Hex, StakeEntry>;

export type StakeError = 'not_staked' | 'stake_too_low' | 'overflow';

export function genesisStakeTable(validators: readonly GenesisValidator[]): StakeTable {
  const t: StakeTable = new Map();
  for (const v of validators) {
    const e = t.get(v.publicKey);
    t.set(v.publicKey, { genesis: (e?.genesis ?? 0) + v.stake, bonded: 0 });
  }
  return t;
}

/** Why `op` by `pk` cannot apply to `entry` (undefined: not a validator), or null. */
export function stakeOpError(entry: StakeEntry | undefined, op: StakeOp): StakeError | null {
  if (op.kind === 'stake_declare') return Number.isSafeInteger((entry?.bonded ?? 0) + op.amount) ? null : 'overflow';
  if (!entry) return 'not_staked';
  return op.amount > entry.bonded ? 'stake_too_low' : null;
}

/** The entry after `op` (undefined: no longer a validator); `op` must have passed stakeOpError. */
export function afterStakeOp(entry: StakeEntry | undefined, op: StakeOp): StakeEntry | undefined {
  if (op.kind === 'stake_declare') return { genesis: entry?.genesis ?? 0, bonded: (entry?.bonded ?? 0) + op.amount };
  const bonded = entry!.bonded - op.amount;
  return bonded > 0 ? { genesis: entry!.genesis, bonded } : undefined;
}

/** A stake change as the lottery replays it: who, what, and the slot of the block that carried it. */
export interface StakeEvent {
  slot: number;
  pk: Hex;
  op: StakeOp;
}

/** Apply an event to a table, skipping one the rule refuses (its block cannot execute, so it never counts). */
export function applyStakeEvent(table: StakeTable, ev: StakeEvent): void {
  const entry = table.get(ev.pk);
  if (stakeOpError(entry, ev.op)) return;
  const next = afterStakeOp(entry, ev.op);
  if (next) table.set(ev.pk, next);
  else table.delete(ev.pk);
}

export function stakeOf(entry: StakeEntry | undefined): number {
  return entry ? entry.genesis + entry.bonded : 0;
}
