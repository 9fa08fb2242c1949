/**
 * Block handling from the network, against a real block tree with a stand-in for the P2P module
 * (a FAKE network that records calls): gossip is imported and relayed, invalid, stale and malformed
 * blocks are penalised, an orphan makes the node fetch the sender's chain above its LIB, and blocks
 * from the future are held back until their slot comes.
 */
import { describe, expect, it } from 'vitest';
import { deriveKeyPair, fastestEd25519, signTx } from '../../src/adapters/devnet/wire/index.js';
import { buildBlock, type Block } from '../../src/node/block-codec.js';
import { BlockSync } from '../../src/node/block-sync.js';
import { Chain } from '../../src/node/chain.js';
import { genesisBlock } from '../../src/node/genesis.js';
import { Ledger } from '../../src/node/ledger.js';
import { Lottery, StakeDistribution } from '../../src/node/lottery.js';
import { genesisStakeTable } from '../../src/node/stake.js';
import { TxVerifier } from '../../src/node/tx-verifier.js';
import type { DevnetNode } from '../../src/node/node.js';
import type { BlockRequest } from '../../src/node/p2p-port.js';

const backend = fastestEd25519();
const A = deriveKeyPair('unit-sync', 'validator', 0);
const W = deriveKeyPair('unit-sync', 'wallet', 0);
const genesisCfg = { chainId: 'sync', timeMs: 0, epochNonce: '03'.repeat(32), accounts: [{ publicKey: W.publicKey, balance: 100 }], validators: [{ publicKey: A.publicKey, stake: 1 }] };
const cfg = { genesis: genesisCfg, consensus: { slotDurationMs: 1000, activeSlotCoeff: 1, securityParam: 2, clockToleranceMs: 0 }, block: { maxTxs: 100, maxBytes: 1 << 20 }, p2p: { host: '127.0.0.1', port: 0 } };

function setup() {
  const stake = new StakeDistribution(genesisStakeTable(genesisCfg.validators), 1);
  const lottery = new Lottery(genesisCfg.epochNonce, backend);
  const verifier = new TxVerifier(backend, (pk) => stake.isValidator(pk));
  const chain = new Chain(genesisBlock(genesisCfg), new Ledger(genesisCfg, 'burn'), lottery, verifier, backend, cfg, { persist: (b) => () => b.bytes, onCanonicalChange: () => undefined });
  const clock = { now: 1_000_000 };
  const calls = { penalize: [] as Array<[string, number, string]>, relayed: [] as Array<[string, string | undefined]>, requests: [] as BlockRequest[] };
  let serve: Block[] = [];
  const node = {
    chain,
    verifier,
    verifyPool: null,
    config: cfg,
    defensesOff: new Set(),
    clockRules: { lateBlocks: 0, futureHeld: 0, futureRejected: 0 },
    lottery,
    log: () => undefined,
    importBlock: (b: Block) => chain.import(b, clock.now),
    now: () => clock.now,
    p2p: {
      penalize: (peer: string, points: number, reason: string) => calls.penalize.push([peer, points, reason]),
      broadcastBlock: (bytes: Uint8Array, except?: string) => calls.relayed.push([Buffer.from(bytes).toString('hex').slice(0, 8), except]),
      requestBlocks: async (_peer: string, req: BlockRequest) => {
        calls.requests.push(req);
        return serve.filter((b) => b.header.height >= req.fromHeight! && b.header.height <= req.toHeight!).map((b) => b.bytes);
      },
      peers: () => [{ id: 'peer-a', address: 'x', score: 0, connected: true }],
    },
  } as unknown as DevnetNode;
  const sync = new BlockSync(node);
  sync.start();
  const mk = (parent: Block, slot: number, txs = [] as ReturnType<typeof signTx>[]) =>
    buildBlock({ parent: parent.id, slot, height: parent.header.height + 1, proposer: A.publicKey, leaderProof: lottery.tryLead(A.key, slot, stake)!, timestamp: slot * 1000 }, txs, A.key);
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { chain, sync, calls, mk, settle, clock, node, setServe: (b: Block[]) => (serve = b), genesis: chain.genesis };
}

describe('block sync with a fake network', () => {
  it('relays gossip once its header checks out (not back to the sender); penalises malformed, invalid and stale blocks', async () => {
    const { chain, sync, calls, mk, settle, genesis } = setup();
    const h = sync.handlers();
    const b1 = mk(genesis, 1);
    h.onBlock(b1.bytes, 'peer-a');
    await settle();
    expect(chain.tip.id).toBe(b1.id);
    expect(calls.relayed).toEqual([[Buffer.from(b1.bytes).toString('hex').slice(0, 8), 'peer-a']]);
    h.onBlock(new Uint8Array([1, 2, 3]), 'peer-b');
    const overspend = mk(b1, 2, [signTx({ from: W.publicKey, nonce: 0, fee: 1, ops: [{ kind: 'transfer', to: A.publicKey, amount: 1000 }] }, W.key)]);
    h.onBlock(overspend.bytes, 'peer-c');
    await settle();
    let tip = b1;
    for (let s = 3; s <= 6; s++) chain.import((tip = mk(tip, s)), 1_000_000);
    h.onBlock(mk(genesis, 7).bytes, 'peer-d'); // forks below the LIB
    await settle();
    expect(calls.penalize.map(([p, pts]) => [p, pts])).toEqual([
      ['peer-b', 20],
      ['peer-c', 50],
      ['peer-d', 2],
    ]);
    expect(calls.penalize[1]![2]).toContain('insufficient_funds');
    // Relayed at once on a valid header: b1 and the overspending block (its proposer signed it; its
    // transactions are found invalid afterwards). Malformed and stale blocks are never relayed.
    expect(calls.relayed.map(([, except]) => except)).toEqual(['peer-a', 'peer-c']);
  });

  it('an orphan makes it fetch the sender’s chain from above its LIB and adopt it', async () => {
    const { chain, sync, calls, mk, settle, genesis, setServe } = setup();
    const remote: Block[] = [];
    let tip = genesis;
    for (let s = 1; s <= 5; s++) remote.push((tip = mk(tip, s)));
    setServe(remote);
    sync.handlers().onBlock(remote[4]!.bytes, 'peer-a');
    await settle();
    await settle();
    expect(calls.requests[0]).toMatchObject({ fromHeight: 1 });
    expect(chain.tip.id).toBe(remote[4]!.id);
    expect(chain.height).toBe(5);
    expect(sync.syncedBlocks).toBeGreaterThanOrEqual(4);
  });

  it('holds a block from the future and imports it once its slot has come', async () => {
    const { chain, sync, mk, settle, genesis, clock } = setup();
    clock.now = 4_000;
    // Slot 6 starts 2 s ahead: within the horizon of k = 2 slots, so it is held, not refused.
    const b = mk(genesis, 6);
    sync.handlers().onBlock(b.bytes, 'peer-a');
    await settle();
    expect(chain.height).toBe(0);
    sync.onSlot();
    expect(chain.height).toBe(0);
    clock.now = 6_000;
    sync.onSlot();
    expect(chain.tip.id).toBe(b.id);
  });

  it('refuses a block starting beyond the horizon (k slots ahead): counted, never imported', async () => {
    const { chain, sync, mk, settle, genesis, clock, node } = setup();
    clock.now = 4_000;
    const b = mk(genesis, 10);
    sync.handlers().onBlock(b.bytes, 'peer-a');
    await settle();
    expect(node.clockRules.futureRejected).toBe(1);
    expect(node.clockRules.futureHeld).toBe(0);
    clock.now = 10_000;
    sync.onSlot();
    expect(chain.height).toBe(0);
  });

  it('serves canonical blocks by height range and by id, bounded by max', () => {
    const { chain, sync, mk, genesis } = setup();
    let tip = genesis;
    const ids: string[] = [];
    for (let s = 1; s <= 6; s++) {
      chain.import((tip = mk(tip, s)), 1_000_000);
      ids.push(tip.id);
    }
    expect(sync.serve({ fromHeight: 2, toHeight: 5, max: 10 })).toHaveLength(4);
    expect(sync.serve({ fromHeight: 1, toHeight: 6, max: 2 })).toHaveLength(2);
    expect(sync.serve({ ids: [ids[0]!, 'ff'.repeat(32), ids[5]!], max: 10 })).toHaveLength(2);
    expect(sync.serve({ fromHeight: 100, max: 10 })).toHaveLength(0);
  });
});
