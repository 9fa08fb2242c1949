/**
 * `loadnet agent` as a container: the node image's agentCommand (what a Swarm service or `docker run` starts)
 * runs a real load agent that a coordinator hands a shard to, against a real devnet node. Host networking so the
 * containerised agent reaches the node on loopback; its own port, so other runs on this machine do not collide.
 * The container runs under libfaketime (the image's copy) with its wall clock AGENT_AHEAD_MS ahead, as another
 * host's could be: the coordinator measures that offset at the handshake and through the run, and corrects for
 * it both ways (the start time it sends, the intended send times it gets back), so schedule lag and inclusion
 * latency come out as on one clock. Uncorrected, the agent would see itself 7 s late and every inclusion 7 s early.
 */
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, Labels, runLabels } from '../../src/deployers/compose/engine.js';
import { ensureNodeImage } from '../../src/deployers/compose/image.js';
import type { AgentClockSample, AgentInfo } from '../../src/load/agent-client.js';
import { createLoadEngine } from '../../src/load/engine.js';
import type { LoadInterval } from '../../src/load/figures.js';
import { chainAdapter } from '../../src/adapters/registry.js';
import { PollingBlockFeed } from '../../src/runtime/block-feed.js';
import { freePort, planCluster, removeDir, spawnNode, stopProcess, waitFor, type ClusterPlan, type RunningProcess } from './node-harness.js';

const RUN_ID = `agent-container-${process.pid}`;
/** The agent container's wall clock, ahead of this host's. */
const AGENT_AHEAD_MS = 7000;
let docker: Docker;
let plan: ClusterPlan;
let node: RunningProcess;
let container: Docker.Container | undefined;

beforeAll(async () => {
  docker = connectEngine();
  plan = await planCluster({ nodes: 1, wallets: 4, slotDurationMs: 500, activeSlotCoeff: 0.8, walletBalance: 10_000_000 });
  node = await spawnNode(plan.configs[0]!);
}, 300_000);

afterAll(async () => {
  await container?.remove({ force: true }).catch(() => undefined);
  const left = await docker.listContainers({ all: true, filters: { label: [`${Labels.run}=${RUN_ID}`] } });
  expect(left).toEqual([]);
  if (node) await stopProcess(node);
  if (plan) removeDir(plan.dir);
});

describe('load agent in a container', () => {
  it("the node image's agent command serves a coordinator: handshake, a clock 7 s ahead measured and corrected, a shard sent and on chain", async () => {
    const image = await ensureNodeImage(docker, { progress: null });
    expect(image.agentCommand.slice(-3)).toEqual(['agent', '--listen', '0.0.0.0:7400']);
    expect(image.faketime, 'libfaketime in the node image (scripts/test-env.mjs installs it on the machine)').toMatch(/\/libfaketime[^/]*\.so(\.\d+)?$/);
    const port = await freePort();
    const cmd = [...image.agentCommand.slice(0, -1), `127.0.0.1:${port}`, '--once'];
    // Only the wall clock is skewed (nowMs = timeOrigin + the monotonic clock: the offset holds for the process's life).
    const Env = [`LD_PRELOAD=${image.faketime}`, `FAKETIME=+${AGENT_AHEAD_MS / 1000}s`, 'DONT_FAKE_MONOTONIC=1'];
    container = await docker.createContainer({ Image: image.ref, Cmd: cmd, Env, Labels: runLabels(RUN_ID), HostConfig: { NetworkMode: 'host' } });
    await container.start();
    const address = `127.0.0.1:${port}`;
    const infos: AgentInfo[] = [];
    const clocks: AgentClockSample[] = [];
    const intervals: LoadInterval[] = [];
    const wallets = plan.wallets.slice(0, 4);
    const apiUrl = `http://127.0.0.1:${node.apiPort}`;
    const feedNode = { descriptor: { name: 'validator-0', role: 'validator', apiUrl, peerId: '0x00' }, client: chainAdapter().client({ name: 'validator-0', apiUrl }) };
    const feed = new PollingBlockFeed({ nodes: () => [feedNode], slotDurationMs: 500, securityParam: 3 });
    feed.start();
    try {
      const engine = createLoadEngine({
        targets: [apiUrl],
        wallets: wallets.map((w) => ({ secret: w.seed })),
        rate: 40,
        durationMs: 4500,
        feed,
        agents: [address],
        onAgent: (i) => infos.push(i),
        onAgentClock: (c) => clocks.push(c),
        onInterval: (i) => intervals.push(i),
      });
      // The container's node process needs a moment to listen.
      await waitFor('the containerised agent to accept the coordinator', async () => engine.start().then(() => true, (e: Error) => (/cannot connect/.test(e.message) ? undefined : Promise.reject(e))), 20_000);
      const t = await engine.finished();
      expect(infos).toHaveLength(1);
      // The agent is the container's first process: it ran there, not on this host.
      expect(infos[0]!.pid).toBe(1);
      // Its offset, at the handshake and at each probe through the run: 7 s within the stated uncertainty (+1 ms rounding).
      expect(Math.abs(infos[0]!.offsetMs - AGENT_AHEAD_MS), JSON.stringify(infos[0])).toBeLessThanOrEqual(infos[0]!.uncertaintyMs + 1);
      expect(infos[0]!.uncertaintyMs, 'uncertainty on loopback').toBeLessThan(25);
      expect(clocks.length, 'probes through the run (every 2 s)').toBeGreaterThanOrEqual(1);
      for (const c of clocks) expect(Math.abs(c.sampleOffsetMs - AGENT_AHEAD_MS), JSON.stringify(c)).toBeLessThanOrEqual(c.sampleRttMs / 2 + 1);
      // Corrected both ways: the agent started on time (uncorrected: 7 s late, all of its schedule due at once) ...
      expect(t.scheduleLag.p99, 'schedule lag p99 (ms)').toBeLessThan(1000);
      // ... and inclusion latency, from the intended send time on the agent's clock to the block on this one, is
      // a few slots (uncorrected: 7 s less, below zero).
      const inclusion = intervals.filter((i) => i.inclusion.count > 0).map((i) => i.inclusion);
      expect(inclusion.length, 'intervals with inclusions').toBeGreaterThan(0);
      for (const p of inclusion) {
        expect(p.p50, JSON.stringify(p)).toBeGreaterThan(0);
        expect(p.max, JSON.stringify(p)).toBeLessThan(5000);
      }
      console.log(`[agent container] offset ${infos[0]!.offsetMs.toFixed(2)} ± ${infos[0]!.uncertaintyMs.toFixed(2)} ms (skew ${AGENT_AHEAD_MS}); probes ${clocks.map((c) => c.sampleOffsetMs.toFixed(1)).join(', ')}; schedule lag p99 ${t.scheduleLag.p99} ms; inclusion p50 ${inclusion.map((p) => p.p50).join(', ')} ms`);
      expect(t.accepted).toBeGreaterThan(0);
      expect(t.accepted).toBe(t.submitted);
      const moved = await waitFor(
        'the accepted transactions on chain',
        async () => {
          const sum = (await Promise.all(wallets.map(async (w) => (await node.client.account(w.publicKey)).nonce))).reduce((a, b) => a + b, 0);
          return sum >= t.accepted ? sum : undefined;
        },
        20_000,
      );
      expect(moved).toBe(t.accepted);
    } finally {
      await feed.stop();
    }
    // --once: the agent (and so the container) ends with the session.
    expect((await container.wait()).StatusCode).toBe(0);
  }, 300_000);
});
