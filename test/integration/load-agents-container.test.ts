/**
 * `loadnet agent` as a container: the node image's agentCommand (what a Swarm service or `docker run` starts)
 * runs a real load agent that a coordinator hands a shard to, against a real devnet node. Host networking so the
 * containerised agent reaches the node on loopback; its own port, so other runs on this machine do not collide.
 */
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, Labels, runLabels } from '../../src/deployers/compose/engine.js';
import { ensureNodeImage } from '../../src/deployers/compose/image.js';
import type { AgentInfo } from '../../src/load/agent-client.js';
import { createLoadEngine } from '../../src/load/engine.js';
import { freePort, planCluster, removeDir, spawnNode, stopProcess, waitFor, type ClusterPlan, type RunningProcess } from './node-harness.js';

const RUN_ID = `agent-container-${process.pid}`;
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
  it("the node image's agent command serves a coordinator: handshake, clock, a shard sent and on chain", async () => {
    const image = await ensureNodeImage(docker, { progress: null });
    expect(image.agentCommand.slice(-3)).toEqual(['agent', '--listen', '0.0.0.0:7400']);
    const port = await freePort();
    const cmd = [...image.agentCommand.slice(0, -1), `127.0.0.1:${port}`, '--once'];
    container = await docker.createContainer({ Image: image.ref, Cmd: cmd, Labels: runLabels(RUN_ID), HostConfig: { NetworkMode: 'host' } });
    await container.start();
    const address = `127.0.0.1:${port}`;
    const infos: AgentInfo[] = [];
    const wallets = plan.wallets.slice(0, 4);
    const engine = createLoadEngine({ targets: [`http://127.0.0.1:${node.apiPort}`], wallets: wallets.map((w) => ({ secret: w.seed })), rate: 40, durationMs: 2500, agents: [address], onAgent: (i) => infos.push(i) });
    // The container's node process needs a moment to listen.
    await waitFor('the containerised agent to accept the coordinator', async () => engine.start().then(() => true, (e: Error) => (/cannot connect/.test(e.message) ? undefined : Promise.reject(e))), 20_000);
    const t = await engine.finished();
    expect(infos).toHaveLength(1);
    // The agent is the container's first process: it ran there, not on this host.
    expect(infos[0]!.pid).toBe(1);
    expect(Math.abs(infos[0]!.offsetMs)).toBeLessThan(25);
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
    // --once: the agent (and so the container) ends with the session.
    expect((await container.wait()).StatusCode).toBe(0);
  }, 300_000);
});
