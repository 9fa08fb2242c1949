/**
 * Three real devnet node processes on loopback (full mesh over the P2P module): they produce blocks,
 * agree on every block up to the LIB, include a transaction submitted to one of them and show it on
 * all, and conserve supply (genesis − burned fees = sum of balances) over a run with transfers.
 */
import { describe, expect, it } from 'vitest';
import { encodeTxBatch, fromHex, signTransferFast, signTx, txToJson, type BlockJson } from '../../src/adapters/devnet/wire/index.js';
import { waitFor } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const cluster = clusterForFile({ nodes: 3, wallets: 6, slotDurationMs: 500, securityParam: 5 });
const nodes = cluster.nodes;

describe('devnet node: three-node chain', () => {
  it('every node is connected to the two others', async () => {
    await waitFor('full mesh', async () => (await Promise.all(nodes.map((n) => n.client.networkInfo()))).every((i) => i.n_peers === 2), 15_000);
  });

  it('a transfer submitted to one node is included and visible on all nodes', async () => {
    const [from, to] = cluster.plan.wallets;
    const tx = signTx({ from: from!.publicKey, nonce: 0, fee: 3, ops: [{ kind: 'transfer', to: to!.publicKey, amount: 1234 }] }, from!.key);
    const res = await nodes[0]!.client.submitTx(txToJson(tx));
    expect(res).toEqual({ id: tx.id, result: 'ok' });
    for (const n of nodes) {
      const acct = await waitFor(`${n.config.name} sees the transfer`, async () => {
        const a = await n.client.account(to!.publicKey);
        return a.balance === 1_000_000 + 1234 ? a : null;
      }, 30_000);
      expect(acct.nonce).toBe(0);
      expect(await n.client.account(from!.publicKey)).toEqual({ balance: 1_000_000 - 1234 - 3, nonce: 1 });
    }
    // The same nonce again, now below the account nonce.
    const again = signTx({ from: from!.publicKey, nonce: 0, fee: 3, ops: [{ kind: 'transfer', to: to!.publicKey, amount: 1 }] }, from!.key);
    expect((await nodes[1]!.client.submitTx(txToJson(again))).result).toBe('nonce_too_low');
  });

  it('supply is conserved over a run of batched transfers sent to different nodes', async () => {
    let fees = 3; // the transfer of the previous test
    const perWallet = 40;
    for (let w = 2; w < cluster.plan.wallets.length; w++) {
      const wallet = cluster.plan.wallets[w]!;
      const txs = [];
      for (let nonce = 0; nonce < perWallet; nonce++) {
        const to = fromHex(cluster.plan.wallets[(w + 1 + (nonce % 3)) % cluster.plan.wallets.length]!.publicKey);
        txs.push(signTransferFast(wallet.key, nonce, 1 + (nonce % 4), to, 10 + nonce).bytes);
        fees += 1 + (nonce % 4);
      }
      const res = await nodes[w % nodes.length]!.client.submitBatch(encodeTxBatch(txs));
      expect(res.results.every((r) => r === 'ok')).toBe(true);
    }
    for (const n of nodes) {
      await waitFor(`${n.config.name} includes all transfers`, async () => {
        const accts = await Promise.all(cluster.plan.wallets.slice(2).map((w) => n.client.account(w.publicKey)));
        return accts.every((a) => a.nonce === perWallet);
      }, 45_000);
      const supply = await n.client.supply();
      expect(supply.genesis).toBe(cluster.plan.wallets.length * 1_000_000);
      expect(supply.burned).toBe(fees);
      expect(supply.total).toBe(supply.genesis - supply.burned);
    }
  });

  it('blocks come from several proposers and all nodes agree on every block up to the LIB', async () => {
    await waitFor('LIB ≥ 8 on all nodes', async () => (await Promise.all(nodes.map((n) => n.client.info()))).every((i) => i.lib_height >= 8), 60_000);
    const infos = await Promise.all(nodes.map((n) => n.client.info()));
    const lib = Math.min(...infos.map((i) => i.lib_height));
    const chains: BlockJson[][] = await Promise.all(nodes.map((n) => n.client.blocksByHeight(1, lib)));
    for (const c of chains) expect(c.map((b) => b.header.height)).toEqual(Array.from({ length: lib }, (_, i) => i + 1));
    const ids = chains.map((c) => c.map((b) => b.id));
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    // Parent links and strictly increasing slots hold along the agreed chain.
    const c0 = chains[0]!;
    for (let i = 1; i < c0.length; i++) {
      expect(c0[i]!.header.parent).toBe(c0[i - 1]!.id);
      expect(c0[i]!.header.slot).toBeGreaterThan(c0[i - 1]!.header.slot);
    }
    const proposers = new Set(c0.map((b) => b.header.proposer));
    expect(proposers.size).toBeGreaterThanOrEqual(2);
    for (const p of proposers) expect(cluster.plan.validators.map((v) => v.publicKey)).toContain(p);
    // Each node's LIB id is the agreed block at its LIB height.
    for (const info of infos) {
      const [b] = await nodes[0]!.client.blocksByHeight(info.lib_height, info.lib_height);
      expect(b?.id).toBe(info.lib);
    }
  });

  it('headers walk from the tip back to the LIB and storage serves blocks by id', async () => {
    const info = await nodes[0]!.client.info();
    const ids = await nodes[0]!.client.headers(info.tip, info.lib);
    expect(ids[0]).toBe(info.tip);
    expect(ids[ids.length - 1]).toBe(info.lib);
    const block = await nodes[1]!.client.block(info.lib);
    expect(block?.id).toBe(info.lib);
    expect(await nodes[1]!.client.block('ab'.repeat(32))).toBeNull();
  });

  it('exposes Prometheus metrics for the chain, the mempool and gossip', async () => {
    const text = await nodes[0]!.client.metricsText();
    for (const name of ['consensus_tip_height', 'consensus_finalized_height', 'consensus_blocks_imported_total', 'mempool_transactions_pending', 'mempool_transactions_rejected_total{reason="nonce_too_low"', 'p2p_gossip_in_total', 'p2p_peer_score', 'http_request_duration_seconds_bucket']) {
      expect(text).toContain(name);
    }
    const tip = Number(/consensus_tip_height\{[^}]*\} (\d+)/.exec(text)?.[1]);
    expect(tip).toBeGreaterThan(0);
  });

  it('verifies each transaction signature once per node: block import takes the cache', async () => {
    // 162 distinct transactions were seen (1 + 160 transfers + the nonce_too_low one). A node's own
    // blocks skip the check entirely; blocks from others hit the cache for what gossip brought first.
    let totalHits = 0;
    for (const n of nodes) {
      const text = await n.client.metricsText();
      const verified = Number(/node_tx_signatures_verified_total\{[^}]*\} (\d+)/.exec(text)?.[1]);
      const hits = Number(/node_tx_signature_cache_hits_total\{[^}]*\} (\d+)/.exec(text)?.[1]);
      expect(verified, n.config.name).toBeGreaterThanOrEqual(161);
      expect(verified, n.config.name).toBeLessThanOrEqual(162);
      totalHits += hits;
    }
    expect(totalHits).toBeGreaterThanOrEqual(100);
  });
});
