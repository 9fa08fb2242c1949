/**
 * The block tree, fork choice and ledger in memory (no network, no disk): longest chain with ties
 * kept, reorgs above the LIB that revert state exactly, invalid blocks that change nothing, forks
 * below the LIB refused, future blocks held back, fees burned or paid, and the LIB snapshot equal to
 * a replay up to the LIB. Also the lottery's leader rate against phi.
 */
import { describe, expect, it } from 'vitest';
import { deriveKeyPair, fastestEd25519, signTx, toHex, type SignedTransaction } from '../../src/adapters/devnet/wire/index.js';
import { buildBlock, type Block } from '../../src/node/block-codec.js';
import { Chain } from '../../src/node/chain.js';
import type { NodeConfig } from '../../src/node/config.js';
import { genesisBlock } from '../../src/node/genesis.js';
import { Ledger } from '../../src/node/ledger.js';
import { Lottery, StakeDistribution, phi } from '../../src/node/lottery.js';
import { genesisStakeTable } from '../../src/node/stake.js';
import { TxVerifier } from '../../src/node/tx-verifier.js';

const backend = fastestEd25519();
const A = deriveKeyPair('unit-consensus', 'validator', 0);
const B = deriveKeyPair('unit-consensus', 'validator', 1);
const W = deriveKeyPair('unit-consensus', 'wallet', 0);
const V = deriveKeyPair('unit-consensus', 'wallet', 1);

function setup(opts: { k?: number; fees?: 'burn' | 'leader'; f?: number } = {}) {
  const cfg = {
    genesis: { chainId: 'unit', timeMs: 1_000_000, epochNonce: '01'.repeat(32), accounts: [{ publicKey: W.publicKey, balance: 10_000 }], validators: [{ publicKey: A.publicKey, stake: 1 }, { publicKey: B.publicKey, stake: 1 }] },
    consensus: { slotDurationMs: 1000, activeSlotCoeff: opts.f ?? 1, securityParam: opts.k ?? 3, clockToleranceMs: 500 },
    block: { maxTxs: 100, maxBytes: 100_000 },
  } satisfies Pick<NodeConfig, 'genesis' | 'consensus' | 'block'>;
  const stake = new StakeDistribution(genesisStakeTable(cfg.genesis.validators), cfg.consensus.activeSlotCoeff);
  const lottery = new Lottery(cfg.genesis.epochNonce, backend);
  const ledger = new Ledger(cfg.genesis, opts.fees ?? 'burn');
  const verifier = new TxVerifier(backend, (pk) => stake.isValidator(pk));
  const changes: Array<{ reverted: string[]; applied: string[] }> = [];
  const chain = new Chain(genesisBlock(cfg.genesis), ledger, lottery, verifier, backend, cfg, {
    persist: (b) => () => b.bytes,
    onCanonicalChange: (r, a) => changes.push({ reverted: r.map((b) => b.id), applied: a.map((b) => b.id) }),
  });
  const now = cfg.genesis.timeMs + 1_000_000_000;
  const mk = (parent: Block, slot: number, who = A, txs: SignedTransaction[] = []) =>
    buildBlock({ parent: parent.id, slot, height: parent.header.height + 1, proposer: who.publicKey, leaderProof: lottery.tryLead(who.key, slot, chain.stakeFor(parent.id, slot))!, timestamp: cfg.genesis.timeMs + slot * 1000 }, txs, who.key);
  return { chain, ledger, lottery, changes, now, mk, cfg, genesis: chain.genesis };
}

const pay = (nonce: number, amount: number, fee = 1) => signTx({ from: W.publicKey, nonce, fee, ops: [{ kind: 'transfer', to: V.publicKey, amount }] }, W.key);

describe('fork choice and execution', () => {
  it('follows the longest chain, keeps the tip on a tie and reorgs with exact state', () => {
    const { chain, ledger, mk, now, genesis, changes } = setup({ k: 10 });
    const a1 = mk(genesis, 1, A, [pay(0, 100)]);
    expect(chain.import(a1, now)).toEqual({ status: 'imported', tipChanged: true });
    const b1 = mk(genesis, 2, B, [pay(0, 7)]);
    expect(chain.import(b1, now)).toEqual({ status: 'imported', tipChanged: false });
    expect(chain.tip.id).toBe(a1.id);
    expect(ledger.account(V.publicKey).balance).toBe(100);
    const b2 = mk(b1, 3, B, [pay(1, 8)]);
    expect(chain.import(b2, now)).toEqual({ status: 'imported', tipChanged: true });
    expect(chain.tip.id).toBe(b2.id);
    expect(changes.at(-1)).toEqual({ reverted: [a1.id], applied: [b1.id, b2.id] });
    expect(ledger.account(V.publicKey).balance).toBe(15);
    expect(ledger.account(W.publicKey)).toEqual({ balance: 10_000 - 15 - 2, nonce: 2 });
    expect(ledger.burned).toBe(2);
    expect(chain.reorgs).toBe(1);
    expect(chain.import(b2, now)).toEqual({ status: 'known' });
  });

  it('rejects invalid blocks without touching state', () => {
    const { chain, ledger, mk, now, genesis, lottery } = setup();
    const ok = mk(genesis, 1);
    chain.import(ok, now);
    const before = JSON.stringify(ledger.snapshot());
    const overspend = mk(ok, 2, A, [pay(0, 20_000)]);
    expect(chain.import(overspend, now)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('insufficient_funds') });
    const replay = mk(ok, 3, A, [pay(0, 1), pay(0, 1)]);
    expect(chain.import(replay, now)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('nonce_mismatch') });
    const sameSlot = mk(ok, 1, B);
    expect(chain.import(sameSlot, now)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('slot') });
    const outsider = deriveKeyPair('unit-consensus', 'extra', 9);
    const fake = buildBlock({ parent: ok.id, slot: 5, height: 2, proposer: outsider.publicKey, leaderProof: toHex(outsider.key.sign(new Uint8Array(8))), timestamp: 0 }, [], outsider.key);
    expect(chain.import(fake, now)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('proposer is not a validator at slot') });
    const stolenProof = buildBlock({ parent: ok.id, slot: 6, height: 2, proposer: A.publicKey, leaderProof: lottery.tryLead(A.key, 6, chain.stakeFor(ok.id, 6))!, timestamp: 0 }, [], B.key);
    expect(chain.import(stolenProof, now)).toMatchObject({ status: 'invalid', reason: 'block signature invalid' });
    const forged = pay(0, 1);
    const badSig = { ...forged, bytes: forged.bytes.slice() };
    badSig.bytes[badSig.bytes.length - 1]! ^= 1;
    badSig.signature = toHex(badSig.bytes.subarray(badSig.bytes.length - 64));
    expect(chain.import(mk(ok, 7, A, [badSig]), now)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('bad_signature') });
    expect(JSON.stringify(ledger.snapshot())).toBe(before);
    expect(chain.tip.id).toBe(ok.id);
  });

  it('holds back future blocks, reports orphans and refuses forks below the LIB', () => {
    const { chain, mk, genesis, cfg } = setup({ k: 2 });
    const b1 = mk(genesis, 10);
    expect(chain.import(b1, cfg.genesis.timeMs + 10_000 - 501)).toMatchObject({ status: 'future' });
    expect(chain.import(b1, cfg.genesis.timeMs + 10_000 - 500)).toMatchObject({ status: 'imported' });
    const b2 = mk(b1, 11);
    const b3 = mk(b2, 12);
    const now = cfg.genesis.timeMs + 1e9;
    expect(chain.import(b3, now)).toEqual({ status: 'orphan' });
    chain.import(b2, now);
    chain.import(b3, now);
    expect(chain.libHeight).toBe(1);
    expect(chain.import(mk(genesis, 13, B), now)).toMatchObject({ status: 'stale' });
    const b4 = mk(b3, 14);
    chain.import(b4, now);
    expect(chain.lib.id).toBe(b2.id);
    // A fork from b1 (below the LIB b2) can never win, however long.
    expect(chain.import(mk(b1, 15, B), now)).toMatchObject({ status: 'stale' });
    expect(chain.canonicalId(2)).toBe(b2.id);
    expect(chain.idsBetween()).toEqual([b4.id, b3.id, b2.id]);
  });

  it('the LIB snapshot equals the state of a replay up to the LIB', () => {
    const { chain, ledger, mk, now, genesis } = setup({ k: 2 });
    let tip = genesis;
    const blocks: Block[] = [];
    for (let i = 0; i < 5; i++) {
      tip = mk(tip, i + 1, i % 2 ? A : B, [pay(i, 10 * (i + 1))]);
      blocks.push(tip);
      expect(chain.import(tip, now).status).toBe('imported');
    }
    expect(chain.libHeight).toBe(3);
    const replay = setup({ k: 100 });
    for (const b of blocks.slice(0, 3)) replay.chain.import(b, now);
    // The lottery's stake history is the chain's (not the ledger's): compared by the staking tests.
    const norm = ({ lottery: _, ...s }: ReturnType<Ledger['snapshot']>) => ({ ...s, accounts: [...s.accounts].sort(), stakes: [...(s.stakes ?? [])].sort() });
    expect(norm(chain.libSnapshot())).toEqual(norm(replay.ledger.snapshot()));
    expect(ledger.account(W.publicKey).nonce).toBe(5);
  });

  it("pays fees to the proposer with fees 'leader' and keeps supply constant", () => {
    const { chain, ledger, mk, now, genesis } = setup({ fees: 'leader' });
    chain.import(mk(genesis, 1, B, [pay(0, 50, 7)]), now);
    expect(ledger.account(B.publicKey).balance).toBe(7);
    expect(ledger.burned).toBe(0);
    expect(ledger.totalBalances()).toBe(ledger.genesisSupply);
  });

  it('channels: inscribe once, blobs chain through parent ids, attestations checked', () => {
    const { chain, ledger, mk, now, genesis } = setup();
    const channel = 'cc'.repeat(32);
    const blobId = 'b1'.repeat(32);
    const att = (blob: string) => {
      const msg = new Uint8Array([...new TextEncoder().encode('loadnet.devnet.da.v1\0'), ...Buffer.from(blob, 'hex')]);
      return { validator: A.publicKey, signature: toHex(A.key.sign(msg)) };
    };
    const inscribe = signTx({ from: W.publicKey, nonce: 0, fee: 1, ops: [{ kind: 'channel_inscribe', channel, data: '' }] }, W.key);
    const blob = signTx({ from: W.publicKey, nonce: 1, fee: 1, ops: [{ kind: 'channel_blob', blobId, size: 10, channel, parent: '00'.repeat(32), attestations: [att(blobId)] }] }, W.key);
    const b1 = mk(genesis, 1, A, [inscribe, blob]);
    expect(chain.import(b1, now).status).toBe('imported');
    expect(ledger.channels.get(channel)).toEqual({ owner: W.publicKey, lastMsg: blobId, blobs: 1 });
    const again = signTx({ from: W.publicKey, nonce: 2, fee: 1, ops: [{ kind: 'channel_inscribe', channel, data: '' }] }, W.key);
    expect(chain.import(mk(b1, 2, A, [again]), now)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('channel_exists') });
    const wrongParent = signTx({ from: W.publicKey, nonce: 2, fee: 1, ops: [{ kind: 'channel_blob', blobId: 'b2'.repeat(32), size: 1, channel, parent: '00'.repeat(32), attestations: [att('b2'.repeat(32))] }] }, W.key);
    expect(chain.import(mk(b1, 3, A, [wrongParent]), now)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('channel_parent_mismatch') });
    const forgedAtt = signTx({ from: W.publicKey, nonce: 2, fee: 1, ops: [{ kind: 'channel_blob', blobId: 'b3'.repeat(32), size: 1, channel, parent: blobId, attestations: [att('b4'.repeat(32))] }] }, W.key);
    expect(chain.import(mk(b1, 4, A, [forgedAtt]), now)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('bad_attestation') });
  });
});

describe('leader lottery', () => {
  it('phi follows 1 − (1 − f)^(stake/total)', () => {
    expect(phi(0.5, 1, 1)).toBeCloseTo(0.5, 12);
    expect(phi(0.5, 1, 3)).toBeCloseTo(1 - Math.pow(0.5, 1 / 3), 12);
    expect(phi(0.5, 0, 3)).toBe(0);
    expect(phi(1, 1, 100)).toBe(1);
  });

  it('a validator with a third of the stake leads about phi of the slots, and proofs verify only for their slot', () => {
    const stake = new StakeDistribution(genesisStakeTable([{ publicKey: A.publicKey, stake: 1 }, { publicKey: B.publicKey, stake: 2 }]), 0.5);
    const lottery = new Lottery('02'.repeat(32), backend);
    let wins = 0;
    const slots = 4000;
    let sample: { slot: number; proof: string } | null = null;
    for (let s = 1; s <= slots; s++) {
      const p = lottery.tryLead(A.key, s, stake);
      if (p) {
        wins++;
        sample ??= { slot: s, proof: p };
        expect(lottery.checkProof(A.publicKey, s, p, stake)).toBeNull();
      }
    }
    const expected = phi(0.5, 1, 3);
    expect(Math.abs(wins / slots - expected)).toBeLessThan(0.03);
    expect(lottery.checkProof(A.publicKey, sample!.slot + 1, sample!.proof, stake)).toBe('leader proof signature invalid');
    expect(lottery.checkProof(B.publicKey, sample!.slot, sample!.proof, stake)).toBe('leader proof signature invalid');
  });
});
