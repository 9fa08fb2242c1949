/**
 * A node asks a peer for its chain as soon as it connects, not at its next probe (every other slot): a node that
 * starts, restarts or heals behind the others builds on their chain instead of its own. Here the only producer is
 * stopped (SIGSTOP) once it has a few blocks, so nothing is gossiped, and a third node joins through the second:
 * it holds their chain within a fraction of a slot of connecting (without the sync on connection, after its first
 * probe: 1.5-3 s, one or two slots of 1.5 s).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planCluster, removeDir, spawnNode, stopProcess, waitFor, type ClusterPlan, type RunningProcess } from './node-harness.js';

const started: RunningProcess[] = [];
let plan: ClusterPlan | undefined;

afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGCONT');
  await Promise.allSettled(started.map((p) => stopProcess(p)));
  if (plan) removeDir(plan.dir);
});

describe('devnet node: chain sync on connection', () => {
  it('a node joining behind the others holds their chain right after it connects, with no block gossiped', async () => {
    plan = await planCluster({ nodes: 3, slotDurationMs: 1500, activeSlotCoeff: 0.9, securityParam: 10 });
    const [c0, c1, c2] = plan.configs as [(typeof plan.configs)[0], (typeof plan.configs)[0], (typeof plan.configs)[0]];
    // node-0 holds all the stake; node-2 knows only node-1.
    const genesis = { ...c0.genesis, validators: c0.genesis.validators.slice(0, 1) };
    for (const c of plan.configs) c.genesis = genesis;
    c2.peers = [{ name: 'node-1', host: '127.0.0.1', port: c1.p2p.port }];
    const [producer, relay] = await Promise.all([spawnNode(c0), spawnNode(c1)]);
    started.push(producer, relay);
    await waitFor('node-1 at height 3', async () => (await relay.client.info()).height >= 3, 30_000, 100);
    producer.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 300)); // a block in flight reaches node-1
    const target = await relay.client.info();

    const joiner = await spawnNode(c2);
    started.push(joiner);
    const caughtUp = await waitFor('node-2 holds node-1 chain', async () => {
      const info = await joiner.client.info();
      return info.height >= target.height && info.tip === target.tip ? Date.now() : undefined;
    }, 10_000, 20);
    const log = fs.readFileSync(path.join(path.dirname(c2.dataDir), 'node.log'), 'utf8');
    const connected = log.split('\n').find((l) => l.includes('"msg":"peer connected"'));
    expect(connected, 'node-2 logged its connection to node-1').toBeDefined();
    const connectedAt = (JSON.parse(connected!) as { t: number }).t;
    const ms = caughtUp - connectedAt;
    console.log(`node-2 held node-1's chain (height ${target.height}) ${ms} ms after connecting`);
    expect(ms).toBeLessThan(700);
  });
});
