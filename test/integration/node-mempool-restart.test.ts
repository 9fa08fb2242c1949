/**
 * A gracefully restarted node keeps its mempool: pending transactions are saved on SIGTERM
 * (`<dataDir>/mempool.bin`), re-admitted on start (the file is then gone) and included once they can
 * execute. The transactions wait on a nonce gap (nonce 0 is sent only after the restart), so they are
 * certainly pending, not in a block, when the node stops.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeTxBatch, fromHex, signTransferFast } from '../../src/adapters/devnet/wire/index.js';
import { spawnNode, stopProcess, waitFor } from './node-harness.js';
import { clusterForFile } from './helpers/node-cluster.js';

const cluster = clusterForFile({ nodes: 1, wallets: 2, slotDurationMs: 500 });

describe('devnet node: mempool across a graceful restart', () => {
  it('pending transactions survive SIGTERM and are included after the restart', async () => {
    const w = cluster.plan.wallets[0]!;
    const to = fromHex(cluster.plan.wallets[1]!.publicKey);
    const tx = (nonce: number) => signTransferFast(w.key, nonce, 1, to, 3);
    const waiting = Array.from({ length: 20 }, (_, i) => tx(i + 1)); // nonces 1..20: wait for nonce 0
    let node = cluster.nodes[0]!;
    expect((await node.client.submitBatch(encodeTxBatch(waiting.map((t) => t.bytes)))).results).toEqual(waiting.map(() => 'ok'));
    expect(new Set(await node.client.mempoolTxs(1000))).toEqual(new Set(waiting.map((t) => t.id)));

    await stopProcess(node);
    const saved = path.join(cluster.plan.configs[0]!.dataDir, 'mempool.bin');
    expect(fs.existsSync(saved), 'mempool saved on SIGTERM').toBe(true);
    node = cluster.nodes[0] = await spawnNode(cluster.plan.configs[0]!);
    expect(fs.existsSync(saved), 'the saved mempool is taken once').toBe(false);
    expect(new Set(await node.client.mempoolTxs(1000))).toEqual(new Set(waiting.map((t) => t.id)));
    const log = fs.readFileSync(path.join(path.dirname(cluster.plan.configs[0]!.dataDir), 'node.log'), 'utf8');
    expect(log).toMatch(/"msg":"mempool restored","saved":20,"admitted":20/);

    expect((await node.client.submitBatch(encodeTxBatch([tx(0).bytes]))).results).toEqual(['ok']);
    await waitFor('all 21 transfers on chain', async () => (await node.client.account(w.publicKey)).nonce === 21, 30_000);
    expect(await node.client.mempoolTxs(1000)).toEqual([]);
  }, 90_000);
});
