/**
 * Peers per topology shape on real nodes: after readiness, every node is connected to exactly the peers
 * its shape gives it (star: the hub to all, others to the hub; full: everyone; ring: both neighbours).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import type { Runner } from '../../src/runtime/contracts.js';
import { expectedPeerCounts, topologyDials } from '../../src/adapters/devnet/plan.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-topology-'));
const runners: Runner[] = [];
afterAll(async () => {
  await Promise.allSettled(runners.map((r) => r.dispose()));
  rmSync(outDir, { recursive: true, force: true });
});

describe('topology shapes on real nodes', () => {
  it('star, full and ring connect exactly the planned edges', async () => {
    const shapes = ['star', 'full', 'ring'] as const;
    const deployed = await Promise.all(shapes.map((shape) => new LocalDeployer({ outDir, reports: false }).deploy(scenarioOf(localSpec({ name: `shape-${shape}`, shape, validators: 3, executors: 1 })))));
    runners.push(...deployed);
    for (const [i, shape] of shapes.entries()) {
      const nodes = deployed[i]!.context.nodes();
      const dials = topologyDials(shape, nodes.length);
      const expected = expectedPeerCounts(dials);
      for (const [pos, n] of nodes.entries()) {
        const info = await n.client.peers();
        expect(info.count, `${shape} ${n.descriptor.name}`).toBe(expected[pos]);
        const neighbours = nodes.filter((_, j) => dials[pos]!.includes(j) || dials[j]!.includes(pos)).map((m) => m.descriptor.peerId);
        expect([...(info.ids ?? [])].sort(), `${shape} ${n.descriptor.name}`).toEqual([...neighbours].sort());
      }
    }
  });
});
