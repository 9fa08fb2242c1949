/**
 * Two local deployments side by side on one machine: both reach readiness, their ports never collide,
 * each has its own run directory and chain (different chain ids: a node of one never joins the other),
 * and both tear down cleanly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import type { Runner } from '../../src/runtime/contracts.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { alive, pidsOf, waitFor } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-parallel-'));
const runners: Runner[] = [];
afterAll(async () => {
  await Promise.allSettled(runners.map((r) => r.dispose()));
  rmSync(outDir, { recursive: true, force: true });
});

function ports(runDir: string): number[] {
  return readdirSync(join(runDir, 'nodes')).flatMap((n) => {
    const c = JSON.parse(readFileSync(join(runDir, 'nodes', n, 'config.json'), 'utf8'));
    return [c.api.port, c.p2p.port, ...(c.testing ? [c.testing.port] : [])];
  });
}

describe('two deploys in parallel', () => {
  it('both become ready on distinct ports and chains, and both tear down', async () => {
    // Same scenario name and seed on purpose: run directories and chain ids must still differ.
    const scenario = scenarioOf(localSpec({ name: 'parallel', validators: 2, executors: 1, nodeControl: true }));
    const deployed = await Promise.all([0, 1].map(() => new LocalDeployer({ outDir, reports: false }).deploy(scenario)));
    runners.push(...deployed);
    const [a, b] = deployed as [Runner, Runner];
    expect(a.context.runDir).not.toBe(b.context.runDir);
    const pa = ports(a.context.runDir);
    const pb = ports(b.context.runDir);
    expect(new Set([...pa, ...pb]).size).toBe(pa.length + pb.length);
    const chainId = (r: Runner) => JSON.parse(readFileSync(join(r.context.runDir, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId;
    expect(chainId(a)).not.toBe(chainId(b));
    // Each network only knows its own nodes.
    for (const r of [a, b]) {
      const ownIds = new Set(r.context.nodes().map((n) => n.descriptor.peerId));
      for (const n of r.context.nodes()) {
        const info = await n.client.peers();
        for (const p of info.ids ?? []) expect(ownIds.has(p)).toBe(true);
      }
    }
    // Both chains advance at the same time.
    const before = await Promise.all([a, b].map((r) => r.context.nodes()[0]!.client.head().then((i) => i.height)));
    await waitFor(async () => {
      const now = await Promise.all([a, b].map((r) => r.context.nodes()[0]!.client.head().then((i) => i.height)));
      return now[0]! > before[0]! && now[1]! > before[1]!;
    }, 15_000, 'both chains to advance');
    const pids = [...pidsOf(a.context.runDir), ...pidsOf(b.context.runDir)];
    await Promise.all([a.dispose(), b.dispose()]);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});
