import { describe, expect, it } from 'vitest';
import { LedgerReplay } from '../../src/expectations/ledger-replay.js';
import { judgeSupply, type SupplyObservation } from '../../src/expectations/supply.js';
import type { BlockJson } from '../../src/adapters/devnet/wire/api.js';
import type { LedgerBlock } from '../../src/adapters/seam.js';
import { ledgerBlockOf } from '../../src/adapters/devnet/client.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const P = 'c'.repeat(64);
const wallets = [
  { index: 0, address: A },
  { index: 1, address: B },
];

// Devnet blocks as the node serves them, seen through the devnet adapter's ledger view (what the replay reads).
function block(height: number, txs: Array<{ id: string; from: string; nonce: number; fee: number; to: string; amount: number }>): LedgerBlock {
  const json: BlockJson = {
    id: `${height}`.padStart(64, '0'),
    header: { parent: '0'.repeat(64), slot: height, height, proposer: P, tx_root: '', leader_proof: '', timestamp: 0 },
    signature: '',
    transactions: txs.map((t) => ({ id: t.id, from: t.from, nonce: t.nonce, fee: t.fee, ops: [{ kind: 'transfer', to: t.to, amount: t.amount }], signature: '' })),
  };
  return ledgerBlockOf(json);
}

const blocks = [block(1, [{ id: 't1', from: A, nonce: 0, fee: 2, to: B, amount: 10 }]), block(2, [{ id: 't2', from: A, nonce: 1, fee: 2, to: B, amount: 5 }, { id: 't3', from: B, nonce: 0, fee: 1, to: A, amount: 3 }])];

function observe(accounts: Array<[string, number, number]>, supply: { total: number; genesis: number; burned: number; staked?: number }): SupplyObservation {
  return { node: 'v0', height: 2, supply, accounts: new Map(accounts.map(([pk, balance, nonce]) => [pk, { balance, nonce }])) };
}

describe('LedgerReplay + judgeSupply (bank-test style)', () => {
  it('replays with burned fees and passes when the node agrees', () => {
    const r = new LedgerReplay([{ address: A, balance: 100 }, { address: B, balance: 100 }], 'burn');
    blocks.forEach((b) => r.applyBlock(b));
    expect(r.account(A)).toEqual({ balance: 100 - 12 - 7 + 3, nonce: 2, sent: 2 });
    expect(r.account(B)).toEqual({ balance: 100 + 15 - 4, nonce: 1, sent: 1 });
    expect(r.burned).toBe(5);
    const v = judgeSupply(r, observe([[A, 84, 2], [B, 111, 1]], { total: 195, genesis: 200, burned: 5 }), wallets);
    expect(v.status).toBe('pass');
    expect(v.message).toContain('supply 195 = genesis 200 − burned 5 (fees burn)');
    expect(v.figures.sendingWallets).toBe(2);
  });

  it('counts stake bonded out of balances (stake_declare, stake_withdraw) as supply, and names a node that lost some', () => {
    const staking: BlockJson = {
      id: '3'.padStart(64, '0'),
      header: { parent: '0'.repeat(64), slot: 3, height: 3, proposer: P, tx_root: '', leader_proof: '', timestamp: 0 },
      signature: '',
      transactions: [{ id: 't4', from: B, nonce: 1, fee: 1, ops: [{ kind: 'stake_declare', amount: 50 }, { kind: 'stake_withdraw', amount: 20 }], signature: '' }],
    };
    const r = new LedgerReplay([{ address: A, balance: 100 }, { address: B, balance: 100 }], 'burn');
    [...blocks, ledgerBlockOf(staking)].forEach((b) => r.applyBlock(b));
    expect(r.staked).toBe(30);
    expect(r.account(B)).toEqual({ balance: 111 - 1 - 30, nonce: 2, sent: 2 });
    const ok = judgeSupply(r, observe([[A, 84, 2], [B, 80, 2]], { total: 164, genesis: 200, burned: 6, staked: 30 }), wallets);
    expect(ok.status).toBe('pass');
    expect(ok.message).toContain('supply 164 + staked 30 = genesis 200 − burned 6');
    const lost = judgeSupply(r, observe([[A, 84, 2], [B, 80, 2]], { total: 164, genesis: 200, burned: 6, staked: 20 }), wallets);
    expect(lost.status).toBe('fail');
    expect(lost.message).toContain('supply total 164 + staked 20 ≠ genesis 200 − burned 6 = 194');
    expect(lost.message).toContain('staked 20, but the included transactions bond 30');
  });

  it('pays fees to the proposer under the leader rule (supply constant)', () => {
    const r = new LedgerReplay([{ address: A, balance: 100 }, { address: B, balance: 100 }], 'leader');
    blocks.forEach((b) => r.applyBlock(b));
    expect(r.account(P).balance).toBe(5);
    expect(r.totalBalances()).toBe(200);
    expect(judgeSupply(r, observe([[A, 84, 2], [B, 111, 1]], { total: 200, genesis: 200, burned: 0 }), wallets).status).toBe('pass');
  });

  it('a withheld transaction shows as a wallet mismatch naming balance and nonce', () => {
    const r = new LedgerReplay([{ address: A, balance: 100 }, { address: B, balance: 100 }], 'burn');
    blocks.forEach((b) => r.applyBlock(b, (id) => id === 't2'));
    const v = judgeSupply(r, observe([[A, 84, 2], [B, 111, 1]], { total: 195, genesis: 200, burned: 5 }), wallets);
    expect(v.status).toBe('fail');
    expect(v.message).toContain('burned 5, but the 2 included transactions carry 3 in burned fees');
    expect(v.message).toContain('wallet 0 (aaaaaaaa…): balance 84 nonce 2, its 1 included txs imply balance 91 nonce 1');
    expect(v.message).toContain('wallet 1 (bbbbbbbb…): balance 111 nonce 1, its 1 included txs imply balance 106 nonce 1');
  });

  it('fails when the reported supply does not add up', () => {
    const r = new LedgerReplay([{ address: A, balance: 100 }, { address: B, balance: 100 }], 'burn');
    blocks.forEach((b) => r.applyBlock(b));
    const v = judgeSupply(r, observe([[A, 84, 2], [B, 111, 1]], { total: 196, genesis: 200, burned: 5 }), wallets);
    expect(v.message).toContain('supply total 196 ≠ genesis 200 − burned 5 = 195');
  });

  it('a clone extends independently, and only a block on top of the last one extends the replay', () => {
    const r = new LedgerReplay([{ address: A, balance: 100 }, { address: B, balance: 100 }], 'burn');
    expect(r.extends(blocks[1]!)).toBe(false); // height 2 cannot start a replay
    expect(r.extends(blocks[0]!)).toBe(true);
    r.applyBlock(blocks[0]!);
    const c = r.clone();
    const next = { ...blocks[1]!, parent: blocks[0]!.id };
    expect(c.extends(blocks[1]!)).toBe(false); // wrong parent
    expect(c.extends(next)).toBe(true);
    c.applyBlock(next);
    expect(c.account(A).nonce).toBe(2);
    expect(r.account(A).nonce).toBe(1);
    expect(r.lastHeight).toBe(1);
    expect(c.burned).toBe(5);
    expect(r.burned).toBe(2);
  });
});
