/**
 * Replays a chain's transactions over the genesis accounts with the devnet's fee rule (src/node/ledger.ts):
 * the sender pays fee + transfers and its nonce rises by one; each transfer credits its receiver; fees are
 * burned, or credited to the block's proposer. Pure: the supply expectation compares the result with what
 * the nodes report, the way Jepsen's bank test compares reads with the history of transfers.
 */
import type { Hex } from '../util/bytes.js';
import type { BlockJson } from '../adapters/devnet/wire/api.js';
import type { GenesisAccount } from '../node/config.js';
import { txFromJson, txTransferTotal, type Transaction } from '../adapters/devnet/wire/tx.js';

export type FeeRule = 'burn' | 'leader';

export interface ReplayedAccount {
  balance: number;
  nonce: number;
  /** Included transactions sent by this account. */
  sent: number;
}

export class LedgerReplay {
  readonly accounts = new Map<Hex, ReplayedAccount>();
  readonly genesisSupply: number;
  burned = 0;
  transactions = 0;
  blocks = 0;
  lastHeight = 0;
  lastId?: Hex;

  constructor(genesis: readonly GenesisAccount[], readonly fees: FeeRule) {
    let supply = 0;
    for (const a of genesis) {
      this.account(a.publicKey).balance += a.balance;
      supply += a.balance;
    }
    this.genesisSupply = supply;
  }

  account(pk: Hex): ReplayedAccount {
    let a = this.accounts.get(pk);
    if (!a) this.accounts.set(pk, (a = { balance: 0, nonce: 0, sent: 0 }));
    return a;
  }

  applyTx(tx: Transaction, proposer: Hex): void {
    const from = this.account(tx.from);
    from.balance -= tx.fee + txTransferTotal(tx);
    from.nonce += 1;
    from.sent += 1;
    for (const op of tx.ops) if (op.kind === 'transfer') this.account(op.to).balance += op.amount;
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
  extends(block: BlockJson): boolean {
    return this.lastId === undefined ? block.header.height === 1 : block.header.parent === this.lastId && block.header.height === this.lastHeight + 1;
  }

  /** Apply blocks in height order; `skip` leaves transactions out (to show what a withheld one does). */
  applyBlock(block: BlockJson, skip?: (txId: Hex) => boolean): void {
    for (const tx of block.transactions) {
      if (skip?.(tx.id ?? txFromJson(tx).id)) continue;
      this.applyTx(tx, block.header.proposer);
    }
    this.blocks += 1;
    this.lastHeight = block.header.height;
    this.lastId = block.id;
  }

  totalBalances(): number {
    let s = 0;
    for (const a of this.accounts.values()) s += a.balance;
    return s;
  }
}
