/**
 * Crash recovery with real node processes: a node is SIGKILLed, its block log gets a torn tail (half
 * a record, as a crash mid-write leaves it), and on restart it reloads from disk (truncating the tail,
 * losing nothing final) and catches up with the other nodes over P2P chain sync.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeTxBatch, fromHex, signTransferFast } from '../../src/adapters/devnet/wire/index.js';
import { spawnNode, stopProcess, waitFor } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const cluster = clusterForFile({ nodes: 3, wallets: 3, slotDurationMs: 500, securityParam: 4 });
const nodes = cluster.nodes;

describe('devnet node: restart from disk', () => {
  it('a SIGKILLed node restarts from its data dir, truncates a torn tail and catches up', async () => {
    const victim = nodes[2]!;
    const w = cluster.plan.wallets[0]!;
    const txs = Array.from({ length: 50 }, (_, n) => signTransferFast(w.key, n, 2, fromHex(cluster.plan.wallets[1]!.publicKey), 5).bytes);
    expect((await nodes[0]!.client.submitBatch(encodeTxBatch(txs))).results.every((r) => r === 'ok')).toBe(true);
    await waitFor('the transfers final on the victim', async () => {
      const [info, acct] = await Promise.all([victim.client.info(), victim.client.account(w.publicKey)]);
      return acct.nonce === 50 && info.lib_height >= 6;
    }, 60_000);
    await new Promise((r) => setTimeout(r, 6000)); // let a snapshot be written, then more blocks follow it
    const before = await victim.client.info();
    const [libBlock] = await victim.client.blocksByHeight(before.lib_height, before.lib_height);

    victim.child.kill('SIGKILL');
    await victim.exited;
    await victim.client.close();
    const logFile = path.join(victim.config.dataDir, 'blocks.log');
    const cleanSize = fs.statSync(logFile).size;
    // A torn write: a record header announcing 5000 bytes followed by only 100 of them.
    const torn = Buffer.alloc(108);
    torn.writeUInt32LE(5000, 0);
    torn.writeUInt32LE(0xdeadbeef, 4);
    fs.appendFileSync(logFile, torn);

    await waitFor('the others advance while the victim is down', async () => (await nodes[0]!.client.info()).height >= before.height + 4, 30_000);
    nodes[2] = await spawnNode(victim.config);
    const restarted = nodes[2];
    expect(fs.statSync(logFile).size).toBeGreaterThanOrEqual(cleanSize);
    const log = fs.readFileSync(path.join(path.dirname(victim.config.dataDir), 'node.log'), 'utf8');
    expect(log).toMatch(/torn tail: truncated","bytes":108/);
    // It restored from the periodic snapshot (not from genesis) and replayed the blocks after it.
    const restored = JSON.parse(log.split('\n').filter((l) => l.includes('restored from disk')).pop()!) as { snapshotHeight: number; height: number };
    expect(restored.snapshotHeight).toBeGreaterThan(0);
    expect(restored.height).toBeGreaterThan(restored.snapshotHeight);

    // Nothing final was lost: right after the restart the old LIB block is still there.
    const afterStart = await restarted.client.info();
    expect(afterStart.height).toBeGreaterThanOrEqual(before.lib_height);
    const [sameLib] = await restarted.client.blocksByHeight(before.lib_height, before.lib_height);
    expect(sameLib?.id).toBe(libBlock?.id);
    expect(await restarted.client.account(w.publicKey)).toEqual(await nodes[0]!.client.account(w.publicKey));

    // It catches up with the tip and agrees on everything final.
    await waitFor('the restarted node reaches the others', async () => {
      const [a, b] = await Promise.all([nodes[0]!.client.info(), restarted.client.info()]);
      return b.height >= a.height - 1 && b.lib_height >= a.lib_height - 1;
    }, 60_000);
    const lib = Math.min(...(await Promise.all(nodes.map((n) => n.client.info()))).map((i) => i.lib_height));
    const chains = await Promise.all(nodes.map((n) => n.client.blocksByHeight(Math.max(1, lib - 20), lib)));
    expect(chains[2]!.map((b) => b.id)).toEqual(chains[0]!.map((b) => b.id));
    const supply = await restarted.client.supply();
    expect(supply.total).toBe(supply.genesis - supply.burned);
    expect(supply.burned).toBe(100);
  });

  it('SIGTERM stops a node cleanly (exit code 0) and it resumes from its snapshot', async () => {
    const n = nodes[1]!;
    const before = await n.client.info();
    expect(await stopProcess(n, 'SIGTERM')).toBe(0);
    const snap = JSON.parse(fs.readFileSync(path.join(n.config.dataDir, 'state.json'), 'utf8')) as { height: number; blockId: string };
    // The shutdown snapshot is taken at the LIB of the moment it stopped.
    expect(snap.height).toBeGreaterThanOrEqual(before.lib_height);
    nodes[1] = await spawnNode(n.config);
    const after = await nodes[1].client.info();
    expect(after.lib_height).toBeGreaterThanOrEqual(snap.height);
    const log = fs.readFileSync(path.join(path.dirname(n.config.dataDir), 'node.log'), 'utf8');
    expect(log).toContain(`"snapshotHeight":${snap.height}`);
  });
});
