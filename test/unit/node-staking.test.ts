/**
 * Staking on chain (docs/devnet-node.md, "Staking"): the stake ops' codec (old transactions unchanged), the
 * ledger's accounting (balances + bonded = supply), the lottery counting a declaration from k slots after its
 * block on that branch only, a withdrawal deregistering, and the LIB snapshot carrying the stake history.
 */
import { describe, expect, it } from 'vitest';
import { decodeTx, deriveKeyPair, fastestEd25519, signTx, type SignedTransaction } from '../../src/adapters/devnet/wire/index.js';
import { buildBlock, type Block } from '../../src/node/block-codec.js';
import { Chain } from '../../src/node/chain.js';
import type { NodeConfig } from '../../src/node/config.js';
import { genesisBlock } from '../../src/node/genesis.js';
import { Ledger } from '../../src/node/ledger.js';
import { Lottery } from '../../src/node/lottery.js';
import { TxVerifier } from '../../src/node/tx-verifier.js';

const backend = fastestEd25519();
const A = deriveKeyPair('unit-staking', 'validator', 0);
const J = deriveKeyPair('unit-staking', 'joiner', 0);
const K = 3;

function setup() {
  const cfg = {
    genesis: { chainId: 'stake', timeMs: 1_000_000, epochNonce: '05'.repeat(32), accounts: [{ publicKey: J.publicKey, balance: 10_000 }], validators: [{ publicKey: A.publicKey, stake: 1 }] },
    consensus: { slotDurationMs: 1000, activeSlotCoeff: 1, securityParam: K, clockToleranceMs: 500 },
    block: { maxTxs: 100, maxBytes: 100_000 },
  } satisfies Pick<NodeConfig, 'genesis' | 'consensus' | 'block'>;
  const lottery = new Lottery(cfg.genesis.epochNonce, backend);
  const ledger = new Ledger(cfg.genesis, 'burn');
  const chain = new Chain(genesisBlock(cfg.genesis), ledger, lottery, new TxVerifier(backend, () => false), backend, cfg, { persist: (b) => () => b.bytes, onCanonicalChange: () => undefined });
  const now = cfg.genesis.timeMs + 1_000_000_000;
  /** A block by `who` at `slot`, its proof from the branch's own stake (null when `who` does not lead there). */
  const mk = (parent: Block, slot: number, who = A, txs: SignedTransaction[] = []): Block | null => {
    const proof = lottery.tryLead(who.key, slot, chain.stakeFor(parent.id, slot));
    return proof ? buildBlock({ parent: parent.id, slot, height: parent.header.height + 1, proposer: who.publicKey, leaderProof: proof, timestamp: cfg.genesis.timeMs + slot * 1000 }, txs, who.key) : null;
  };
  return { chain, ledger, lottery, now, mk, genesis: chain.genesis };
}

const declare = (nonce: number, amount: number) => signTx({ from: J.publicKey, nonce, fee: 1, ops: [{ kind: 'stake_declare', amount }] }, J.key);
const withdraw = (who: typeof J, nonce: number, amount: number) => signTx({ from: who.publicKey, nonce, fee: 1, ops: [{ kind: 'stake_withdraw', amount }] }, who.key);

describe('stake ops codec', () => {
  it('round-trips stake_declare and stake_withdraw; a transfer encodes to the bytes it always had', () => {
    const tx = signTx({ from: J.publicKey, nonce: 3, fee: 2, ops: [{ kind: 'stake_declare', amount: 500 }, { kind: 'stake_withdraw', amount: 7 }] }, J.key);
    const back = decodeTx(tx.bytes);
    expect(back.ops).toEqual([{ kind: 'stake_declare', amount: 500 }, { kind: 'stake_withdraw', amount: 7 }]);
    expect(back.id).toBe(tx.id);
    const transfer = signTx({ from: J.publicKey, nonce: 0, fee: 1, ops: [{ kind: 'transfer', to: A.publicKey, amount: 5 }] }, J.key);
    // version 1 | from | nonce | fee | count 1 | tag 1 | to | amount: 1 + 32 + 8 + 8 + 2 + 1 + 32 + 8 bytes, then the signature.
    expect(transfer.bytes.length).toBe(92 + 64);
    expect(transfer.bytes[0]).toBe(1);
    expect(transfer.bytes[51]).toBe(1);
  });
});

describe('staking on chain', () => {
  it('a declaration bonds balance (supply exact) and its key leads from k slots after its block, not before', () => {
    const { chain, ledger, mk, now, genesis } = setup();
    const b1 = mk(genesis, 1, A, [declare(0, 4000)])!;
    expect(chain.import(b1, now).status).toBe('imported');
    expect(ledger.account(J.publicKey)).toEqual({ balance: 10_000 - 4000 - 1, nonce: 1 });
    expect(ledger.totalBonded()).toBe(4000);
    expect(ledger.totalBalances() + ledger.totalBonded()).toBe(ledger.genesisSupply - ledger.burned);
    // Before slot 1 + k the joiner is no validator: it cannot lead, and a block claiming it is invalid.
    expect(mk(b1, 1 + K - 1, J)).toBeNull();
    expect(chain.stakeFor(b1.id, 1 + K - 1).isValidator(J.publicKey)).toBe(false);
    const stolen = buildBlock({ parent: b1.id, slot: 2, height: 2, proposer: J.publicKey, leaderProof: '00'.repeat(64), timestamp: 0 }, [], J.key);
    expect(chain.import(stolen, now)).toMatchObject({ status: 'invalid', reason: 'proposer is not a validator at slot 2' });
    // From slot 1 + k on (f = 1: every validator leads every slot) it leads and its block is accepted.
    const j1 = mk(b1, 1 + K, J)!;
    expect(j1).not.toBeNull();
    expect(chain.import(j1, now)).toEqual({ status: 'imported', tipChanged: true });
    expect(chain.stakeFor(j1.id, 10).total).toBe(4001);
  });

  it('counts a declaration only on the branch that carries it', () => {
    const { chain, mk, now, genesis } = setup();
    const b1 = mk(genesis, 1, A, [declare(0, 100)])!;
    const c1 = mk(genesis, 2, A)!;
    expect(chain.import(b1, now).status).toBe('imported');
    expect(chain.import(c1, now)).toEqual({ status: 'imported', tipChanged: false });
    expect(chain.stakeFor(b1.id, 20).isValidator(J.publicKey)).toBe(true);
    expect(chain.stakeFor(c1.id, 20).isValidator(J.publicKey)).toBe(false);
    // A joiner block on the side branch is refused there, while the same slot on its own branch is fine.
    const onC = buildBlock({ parent: c1.id, slot: 20, height: 2, proposer: J.publicKey, leaderProof: chain.stakeFor(b1.id, 20) && mk(b1, 20, J)!.header.leaderProof, timestamp: 0 }, [], J.key);
    expect(chain.import(onC, now)).toMatchObject({ status: 'invalid', reason: 'proposer is not a validator at slot 20' });
  });

  it('a withdrawal returns the bonded stake and deregisters k slots later; a genesis validator deregisters with amount 0', () => {
    const { chain, ledger, mk, now, genesis } = setup();
    const b1 = mk(genesis, 1, A, [declare(0, 4000)])!;
    chain.import(b1, now);
    expect(ledger.check(withdraw(J, 1, 4001))).toBe('stake_too_low');
    expect(ledger.check(withdraw(A, 0, 0))).toBe('insufficient_funds'); // A has no balance to pay the fee
    const b2 = mk(b1, 5, J, [withdraw(J, 1, 4000)])!;
    expect(chain.import(b2, now).status).toBe('imported');
    expect(ledger.account(J.publicKey).balance).toBe(10_000 - 2);
    expect(ledger.totalBonded()).toBe(0);
    expect(ledger.stakes.has(J.publicKey)).toBe(false);
    expect(ledger.totalBalances()).toBe(ledger.genesisSupply - ledger.burned);
    expect(chain.stakeFor(b2.id, 5 + K - 1).isValidator(J.publicKey)).toBe(true);
    expect(chain.stakeFor(b2.id, 5 + K).isValidator(J.publicKey)).toBe(false);
    expect(ledger.check(withdraw(J, 2, 0))).toBe('not_staked');
  });

  it('the LIB snapshot carries the stake history, and a chain restored from it judges proofs alike', () => {
    const { chain, mk, now, genesis } = setup();
    let tip = mk(genesis, 1, A, [declare(0, 50)])!;
    chain.import(tip, now);
    for (let s = 2; s <= 8; s++) {
      tip = mk(tip, s, A)!;
      chain.import(tip, now);
    }
    expect(chain.libHeight).toBe(5);
    const snap = chain.libSnapshot();
    expect(snap.stakes).toContainEqual([J.publicKey, 0, 50]);
    expect(snap.lottery!.folded).toContainEqual([J.publicKey, 0, 50]);
    const other = setup();
    const lib = chain.lib;
    other.chain.restoreFinal([{ id: lib.id, header: lib.header, txCount: 0, read: () => lib.bytes }], lib, snap);
    expect(other.chain.stakeFor(lib.id, 9).total).toBe(chain.stakeFor(lib.id, 9).total);
    expect(other.chain.stakeFor(lib.id, 9).total).toBe(51);
    expect(other.ledger.totalBonded()).toBe(50);
  });
});
