/**
 * Replays a chain's transactions over the genesis accounts with the chain's fee rule (as the devnet's
 * src/node/ledger.ts applies it): the sender pays fee + transfers + the stake it bonds (gets back what it
 * withdraws) and its nonce rises by one; each transfer credits its receiver; fees are burned, or credited to the block's proposer. Blocks come from the chain's
 * client (ChainClient.ledgerBlocks, the 'supply' capability). Pure: the supply expectation compares the
 * result with what the nodes report, the way Jepsen's bank test compares reads with the history of transfers.
 */
import type { FeeRule, LedgerBlock, LedgerGenesis, LedgerTx } from '../adapters/seam.js';

export type { FeeRule };

export interface ReplayedAccount {
  balance: number;
  nonce: number;
  /** Included transactions sent by this account. */
  sent: number;
}

export class LedgerReplay {
  readonly accounts = new Map<string, ReplayedAccount>();
  readonly genesisSupply: number;
  burned = 0;
  /** Value bonded as stake out of balances (on chains with on-chain staking). */
  staked = 0;
  transactions = 0;
  blocks = 0;
  lastHeight = 0;
  lastId?: string;

  constructor(genesis: LedgerGenesis['accounts'], readonly fees: FeeRule) {
    let supply = 0;
    for (const a of genesis) {
      this.account(a.address).balance += a.balance;
      supply += a.balance;
    }
    this.genesisSupply = supply;
  }

  account(pk: string): ReplayedAccount {
    let a = this.accounts.get(pk);
    if (!a) this.accounts.set(pk, (a = { balance: 0, nonce: 0, sent: 0 }));
    return a;
  }

  applyTx(tx: LedgerTx, proposer: string): void {
    const from = this.account(tx.from);
    let paid = 0;
    for (const t of tx.transfers) paid += t.amount;
    const staked = tx.staked ?? 0;
    from.balance -= tx.fee + paid + staked;
    this.staked += staked;
    from.nonce += 1;
    from.sent += 1;
    for (const t of tx.transfers) this.account(t.to).balance += t.amount;
    if (this.fees === 'burn') this.burned += tx.fee;
    else this.account(proposer).balance += tx.fee;
    this.transactions += 1;
  }

  /** A copy to extend without touching this one (the final-chain follower's state, extended to the tip). */
  clone(): LedgerReplay {
    const c = Object.create(LedgerReplay.prototype) as LedgerReplay;
    Object.assign(c, this, { accounts: new Map([...this.accounts].map(([pk, a]) => [pk, { ...a }])) });
    return c;
  }

  /** True when `block` extends what was replayed so far (any first block extends an empty replay). */
  extends(block: LedgerBlock): boolean {
    return this.lastId === undefined ? block.height === 1 : block.parent === this.lastId && block.height === this.lastHeight + 1;
  }

  /** Apply blocks in height order; `skip` leaves transactions out (to show what a withheld one does). */
  applyBlock(block: LedgerBlock, skip?: (txId: string) => boolean): void {
    for (const tx of block.txs) {
      if (skip?.(tx.id)) continue;
      this.applyTx(tx, block.proposer);
    }
    this.blocks += 1;
    this.lastHeight = block.height;
    this.lastId = block.id;
  }

  totalBalances(): number {
    let s = 0;
    for (const a of this.accounts.values()) s += a.balance;
    return s;
  }
}
