/**
 * The ledger: accounts {balance, nonce} and DA channels, mutated transaction by transaction with an
 * undo log so that fork choice can revert blocks above the LIB and block building can try
 * transactions and roll back. Supply is exact: the sum of balances always equals genesis supply minus
 * burned fees (fees 'burn') or genesis supply (fees 'leader').
 */
import type { Hex } from '../util/bytes.js';
import { txSpend, txStakeDelta, txTransferTotal, type SignedTransaction } from '../adapters/devnet/wire/tx.js';
import type { GenesisConfig } from './config.js';
import { afterStakeOp, genesisStakeTable, stakeOpError, type StakeEntry, type StakeError, type StakeTable } from './stake.js';
import { ZERO_ID } from './block-codec.js';

export interface Account {
  balance: number;
  nonce: number;
}

export interface Channel {
  owner: Hex;
  lastMsg: Hex;
  blobs: number;
}

/** First prior value of everything a sequence of transactions touched (null = did not exist). */
export class Undo {
  readonly accounts = new Map<Hex, Account | null>();
  readonly channels = new Map<Hex, Channel | null>();
  readonly stakes = new Map<Hex, StakeEntry | null>();
  burned = -1;
}

export type FeeMode = 'burn' | 'leader';

/** Why a transaction cannot execute on the current state; the names are internal, for logs. */
export type ExecError = 'nonce_mismatch' | 'insufficient_funds' | 'overflow' | 'channel_exists' | 'channel_missing' | 'channel_parent_mismatch' | StakeError;

const ZERO_ACCOUNT: Readonly<Account> = Object.freeze({ balance: 0, nonce: 0 });

export interface LedgerSnapshot {
  accounts: Array<[Hex, number, number]>;
  channels: Array<[Hex, Hex, Hex, number]>;
  burned: number;
  /** The validator set [key, genesis stake, bonded stake]; absent in snapshots written before staking (genesis's set). */
  stakes?: Array<[Hex, number, number]>;
  /** The lottery's stake history at the LIB (chain.ts): the folded table and the final changes not yet in effect. */
  lottery?: { folded: Array<[Hex, number, number]>; pending: Array<[number, Hex, 'stake_declare' | 'stake_withdraw', number]> };
}

export class Ledger {
  readonly accounts = new Map<Hex, Account>();
  readonly channels = new Map<Hex, Channel>();
  /** The validator set at the tip (the lottery's per-branch view is the chain's: chain.ts stakeFor). */
  readonly stakes: StakeTable;
  burned = 0;
  readonly genesisSupply: number;

  constructor(private readonly genesis: GenesisConfig, readonly fees: FeeMode) {
    this.stakes = genesisStakeTable(genesis.validators);
    let supply = 0;
    for (const a of genesis.accounts) {
      const prev = this.accounts.get(a.publicKey)?.balance ?? 0;
      this.accounts.set(a.publicKey, { balance: prev + a.balance, nonce: 0 });
      supply += a.balance;
    }
    this.genesisSupply = supply;
  }

  account(pk: Hex): Readonly<Account> {
    return this.accounts.get(pk) ?? ZERO_ACCOUNT;
  }

  /** Sum of all balances now (computed, not tracked, so it checks the bookkeeping). */
  totalBalances(): number {
    let s = 0;
    for (const a of this.accounts.values()) s += a.balance;
    return s;
  }

  /** Stake bonded from balances (what the supply counts besides the balances). */
  totalBonded(): number {
    let s = 0;
    for (const e of this.stakes.values()) s += e.bonded;
    return s;
  }

  /** Null when `tx` executes on the current state, else why not. */
  check(tx: SignedTransaction): ExecError | null {
    const acct = this.account(tx.from);
    if (acct.nonce !== tx.nonce) return 'nonce_mismatch';
    const cost = txSpend(tx);
    if (!Number.isSafeInteger(cost)) return 'overflow';
    if (acct.balance < cost) return 'insufficient_funds';
    let created: Set<Hex> | undefined;
    let lastMsgs: Map<Hex, Hex> | undefined;
    let stake = this.stakes.get(tx.from);
    for (const op of tx.ops) {
      if (op.kind === 'transfer') {
        if (!Number.isSafeInteger(this.account(op.to).balance + op.amount)) return 'overflow';
      } else if (op.kind === 'stake_declare' || op.kind === 'stake_withdraw') {
        const err = stakeOpError(stake, op);
        if (err) return err;
        stake = afterStakeOp(stake, op);
      } else if (op.kind === 'channel_inscribe') {
        if (this.channels.has(op.channel) || created?.has(op.channel)) return 'channel_exists';
        (created ??= new Set()).add(op.channel);
      } else {
        const ch = this.channels.get(op.channel);
        const exists = ch !== undefined || created?.has(op.channel);
        if (!exists) return 'channel_missing';
        const last = lastMsgs?.get(op.channel) ?? ch?.lastMsg ?? ZERO_ID;
        if (op.parent !== last) return 'channel_parent_mismatch';
        (lastMsgs ??= new Map()).set(op.channel, op.blobId);
      }
    }
    return null;
  }

  private saveAccount(pk: Hex, undo: Undo): void {
    if (undo.accounts.has(pk)) return;
    const a = this.accounts.get(pk);
    undo.accounts.set(pk, a ? { balance: a.balance, nonce: a.nonce } : null);
  }

  private saveStake(pk: Hex, undo: Undo): void {
    if (undo.stakes.has(pk)) return;
    const e = this.stakes.get(pk);
    undo.stakes.set(pk, e ? { ...e } : null);
  }

  private saveChannel(id: Hex, undo: Undo): void {
    if (undo.channels.has(id)) return;
    const c = this.channels.get(id);
    undo.channels.set(id, c ? { ...c } : null);
  }

  /** Execute a transaction already `check`ed; records prior values in `undo`. */
  apply(tx: SignedTransaction, proposer: Hex, undo: Undo): void {
    if (undo.burned < 0) undo.burned = this.burned;
    this.saveAccount(tx.from, undo);
    const from = this.account(tx.from);
    // Declared stake leaves the balance, withdrawn stake comes back (check() made sure the balance covers txSpend).
    this.accounts.set(tx.from, { balance: from.balance - tx.fee - txTransferTotal(tx) - txStakeDelta(tx), nonce: from.nonce + 1 });
    for (const op of tx.ops) {
      if (op.kind === 'transfer') {
        this.saveAccount(op.to, undo);
        const to = this.account(op.to);
        this.accounts.set(op.to, { balance: to.balance + op.amount, nonce: to.nonce });
      } else if (op.kind === 'stake_declare' || op.kind === 'stake_withdraw') {
        this.saveStake(tx.from, undo);
        const next = afterStakeOp(this.stakes.get(tx.from), op);
        if (next) this.stakes.set(tx.from, next);
        else this.stakes.delete(tx.from);
      } else if (op.kind === 'channel_inscribe') {
        this.saveChannel(op.channel, undo);
        this.channels.set(op.channel, { owner: tx.from, lastMsg: ZERO_ID, blobs: 0 });
      } else {
        this.saveChannel(op.channel, undo);
        const ch = this.channels.get(op.channel)!;
        this.channels.set(op.channel, { owner: ch.owner, lastMsg: op.blobId, blobs: ch.blobs + 1 });
      }
    }
    if (this.fees === 'burn') {
      this.burned += tx.fee;
    } else if (tx.fee > 0) {
      this.saveAccount(proposer, undo);
      const p = this.account(proposer);
      this.accounts.set(proposer, { balance: p.balance + tx.fee, nonce: p.nonce });
    }
  }

  /** Restore everything `undo` recorded. */
  revert(undo: Undo): void {
    for (const [pk, a] of undo.accounts) {
      if (a === null) this.accounts.delete(pk);
      else this.accounts.set(pk, a);
    }
    for (const [id, c] of undo.channels) {
      if (c === null) this.channels.delete(id);
      else this.channels.set(id, c);
    }
    for (const [pk, e] of undo.stakes) {
      if (e === null) this.stakes.delete(pk);
      else this.stakes.set(pk, e);
    }
    if (undo.burned >= 0) this.burned = undo.burned;
  }

  snapshot(): LedgerSnapshot {
    return {
      accounts: [...this.accounts].map(([pk, a]) => [pk, a.balance, a.nonce]),
      channels: [...this.channels].map(([id, c]) => [id, c.owner, c.lastMsg, c.blobs]),
      burned: this.burned,
      stakes: [...this.stakes].map(([pk, e]) => [pk, e.genesis, e.bonded]),
    };
  }

  restore(s: LedgerSnapshot): void {
    this.accounts.clear();
    this.channels.clear();
    for (const [pk, balance, nonce] of s.accounts) this.accounts.set(pk, { balance, nonce });
    for (const [id, owner, lastMsg, blobs] of s.channels) this.channels.set(id, { owner, lastMsg, blobs });
    this.burned = s.burned;
    this.stakes.clear();
    if (s.stakes) for (const [pk, genesis, bonded] of s.stakes) this.stakes.set(pk, { genesis, bonded });
    else for (const [pk, e] of genesisStakeTable(this.genesis.validators)) this.stakes.set(pk, e);
  }
}
