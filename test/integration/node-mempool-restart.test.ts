/**
 * A gracefully restarted node keeps its mempool: pending transactions are saved on SIGTERM
 * (`<dataDir>/mempool.bin`), re-admitted on start (the file is then gone) and included once they can
 * execute. The transactions wait on a nonce gap (nonce 0 is sent only after the restart), so they are
 * certainly pending, not in a block, when the node stops.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTxBatch, fromHex, signTransferFast } from '../../src/adapters/devnet/wire/index.js';
import { planCluster, removeDir, spawnNode, stopProcess, waitFor, type ClusterPlan, type RunningProcess } from './node-harness.js';

let plan: ClusterPlan;
let node: RunningProcess | undefined;

beforeAll(async () => {
  plan = await planCluster({ nodes: 1, wallets: 2, slotDurationMs: 500 });
  node = await spawnNode(plan.configs[0]!);
});

afterAll(async () => {
  if (node) await stopProcess(node);
  if (plan) removeDir(plan.dir);
});

describe('devnet node: mempool across a graceful restart', () => {
  it('pending transactions survive SIGTERM and are included after the restart', async () => {
    const w = plan.wallets[0]!;
    const to = fromHex(plan.wallets[1]!.publicKey);
    const tx = (nonce: number) => signTransferFast(w.key, nonce, 1, to, 3);
    const waiting = Array.from({ length: 20 }, (_, i) => tx(i + 1)); // nonces 1..20: wait for nonce 0
    expect((await node!.client.submitBatch(encodeTxBatch(waiting.map((t) => t.bytes)))).results).toEqual(waiting.map(() => 'ok'));
    expect(new Set(await node!.client.mempoolTxs(1000))).toEqual(new Set(waiting.map((t) => t.id)));

    await stopProcess(node!);
    const saved = path.join(plan.configs[0]!.dataDir, 'mempool.bin');
    expect(fs.existsSync(saved), 'mempool saved on SIGTERM').toBe(true);
    node = await spawnNode(plan.configs[0]!);
    expect(fs.existsSync(saved), 'the saved mempool is taken once').toBe(false);
    expect(new Set(await node.client.mempoolTxs(1000))).toEqual(new Set(waiting.map((t) => t.id)));
    const log = fs.readFileSync(path.join(path.dirname(plan.configs[0]!.dataDir), 'node.log'), 'utf8');
    expect(log).toMatch(/"msg":"mempool restored","saved":20,"admitted":20/);

    expect((await node.client.submitBatch(encodeTxBatch([tx(0).bytes]))).results).toEqual(['ok']);
    await waitFor('all 21 transfers on chain', async () => (await node!.client.account(w.publicKey)).nonce === 21, 30_000);
    expect(await node.client.mempoolTxs(1000)).toEqual([]);
  }, 90_000);
});
