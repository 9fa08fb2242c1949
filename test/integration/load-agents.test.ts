/**
 * Load agents (`loadnet agent`, real processes from dist/) running the load engine's shards against a real
 * devnet node: the coordinator merges their reports, the accounting agrees with the chain (every wallet's
 * nonce), clocks are measured, and a SIGKILLed agent is detected within seconds: listed with what it had
 * reported (agentLoss 'continue'), or failing the load (the default).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { AGENT_PROTOCOL_VERSION, parseAgentAddress } from '../../src/load/agent-protocol.js';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLoadEngine, type LoadEngine } from '../../src/load/engine.js';
import { checkAgents, type AgentInfo } from '../../src/load/agent-client.js';
import type { LostShard } from '../../src/load/protocol.js';
import { nowMs, sleep } from '../../src/util/clock.js';
import { fakeAgent } from '../setup/fake-agent.js';
import { planCluster, removeDir, spawnNode, stopProcess, waitFor, type ClusterPlan, type RunningProcess } from './node-harness.js';

const CLI = resolve('dist/src/cli/main.js');
let plan: ClusterPlan;
let node: RunningProcess;
let agents: Array<{ child: ChildProcess; address: string }> = [];
let engine: LoadEngine | undefined;

async function startAgent(): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [CLI, 'agent', '--listen', '127.0.0.1:0', '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const address = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.once('exit', (code) => rej(new Error(`agent exited with ${code}`)));
  });
  const a = { child, address };
  agents.push(a);
  return a;
}

const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));

beforeAll(async () => {
  plan = await planCluster({ nodes: 1, wallets: 12, slotDurationMs: 500, activeSlotCoeff: 0.8, walletBalance: 10_000_000 });
  node = await spawnNode(plan.configs[0]!);
});

afterEach(async () => {
  await engine?.stop().catch(() => undefined);
  engine = undefined;
  for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
  await Promise.all(agents.map((a) => exited(a.child)));
  agents = [];
});

afterAll(async () => {
  if (node) await stopProcess(node);
  if (plan) removeDir(plan.dir);
});

const url = () => `http://127.0.0.1:${node.apiPort}`;
const nonceOf = async (publicKey: string) => (await node.client.account(publicKey)).nonce;

describe('load agents', () => {
  it('two agents run the shards; reports merge; the chain agrees with the accounting; clocks are measured', async () => {
    const [a1, a2] = [await startAgent(), await startAgent()];
    const wallets = plan.wallets.slice(0, 6);
    const before = await Promise.all(wallets.map((w) => nonceOf(w.publicKey)));
    const infos: AgentInfo[] = [];
    engine = createLoadEngine({ targets: [url()], wallets: wallets.map((w) => ({ secret: w.seed })), rate: 150, durationMs: 3000, agents: [a1.address, a2.address], threads: 2, onAgent: (i) => infos.push(i) });
    await engine.start();
    const t = await engine.finished();
    expect(infos.map((i) => i.address).sort()).toEqual([a1.address, a2.address].sort());
    for (const i of infos) {
      // Same host: the offset is the two processes' clock reading error, well inside a few ms, and known to ± half an RTT.
      expect(Math.abs(i.offsetMs)).toBeLessThan(25);
      expect(i.uncertaintyMs).toBeLessThan(25);
    }
    // A margin for a loaded machine (load average 18 on 2 cores once gave 424 of 450): the point is the merge below.
    expect(t.submitted).toBeGreaterThanOrEqual(Math.floor(0.85 * t.targetCount));
    expect(t.submitted).toBe(t.accepted + t.rejectedTotal + t.errored);
    expect(t.accepted).toBe(t.submitted);
    expect(t.lostShards).toBeUndefined();
    // Every accepted transaction is on the chain: the wallets' nonces moved by exactly that many.
    const moved = await waitFor(
      'the chain to include every accepted transaction',
      async () => {
        const now = await Promise.all(wallets.map((w) => nonceOf(w.publicKey)));
        const sum = now.reduce((s, n, i) => s + n - before[i]!, 0);
        return sum >= t.accepted ? sum : undefined;
      },
      20_000,
    );
    expect(moved).toBe(t.accepted);
    await Promise.all([exited(a1.child), exited(a2.child)]); // --once: the agents end with the session
  });

  it('a SIGKILLed agent is detected within seconds and listed with what it reported; the other goes on (agentLoss continue)', async () => {
    const [a1, a2] = [await startAgent(), await startAgent()];
    const wallets = plan.wallets.slice(6, 12);
    const before = new Map(await Promise.all(wallets.map(async (w) => [w.seed, await nonceOf(w.publicKey)] as const)));
    const lost: Array<LostShard & { at: number }> = [];
    engine = createLoadEngine({
      targets: [url()],
      wallets: wallets.map((w) => ({ secret: w.seed })),
      rate: 120,
      durationMs: 5000,
      agents: [a1.address, a2.address],
      threads: 2,
      agentLoss: 'continue',
      onShardLost: (l) => lost.push({ ...l, at: nowMs() }),
    });
    await engine.start();
    await sleep(2000);
    const killedAt = nowMs();
    a2.child.kill('SIGKILL');
    const t = await engine.finished();
    expect(lost).toHaveLength(1);
    const l = lost[0]!;
    expect(l.agent).toBe(a2.address);
    expect(l.at - killedAt, 'detection time').toBeLessThan(3500);
    expect(l.sent).toBeGreaterThan(0);
    expect(t.lostShards).toHaveLength(1);
    // The survivor sent through the whole window: more than the lost shard, which stopped at ~2 s of 5.
    expect(t.submitted - l.sent).toBeGreaterThan(l.sent);
    // Resolved from the chain: the lost shard's wallets (shard 1: wallets 1, 3, 5) have at least what it reported
    // accepted on chain; anything beyond is what it sent after its last report.
    const lostWallets = wallets.filter((_, i) => i % 2 === 1);
    const onChain = await waitFor(
      'the lost shard\'s reported transactions on chain',
      async () => {
        const sum = (await Promise.all(lostWallets.map(async (w) => (await nonceOf(w.publicKey)) - before.get(w.seed)!))).reduce((a, b) => a + b, 0);
        return sum >= l.accepted ? sum : undefined;
      },
      20_000,
    );
    expect(onChain).toBeGreaterThanOrEqual(l.accepted);
    expect(onChain - l.accepted, 'included but unreported: at most a report interval of sends').toBeLessThanOrEqual(l.inFlightAtLastReport + 200);
  });

  it('by default a lost agent fails the load, naming the agent', async () => {
    const [a1, a2] = [await startAgent(), await startAgent()];
    engine = createLoadEngine({ targets: [url()], wallets: plan.wallets.slice(0, 4).map((w) => ({ secret: w.seed })), rate: 50, durationMs: 8000, agents: [a1.address, a2.address], threads: 2 });
    await engine.start();
    await sleep(1000);
    const killedAt = nowMs();
    a1.child.kill('SIGKILL');
    await expect(engine.finished()).rejects.toThrow(new RegExp(`load agent ${a1.address.replace(/\./g, '\\.')} lost`));
    expect(nowMs() - killedAt, 'the load stops soon after, not at the end of the window').toBeLessThan(5000);
  });

  it('another protocol version is refused on both sides, naming both versions', async () => {
    const a = await startAgent();
    // A coordinator of another version at a real agent: the agent says why and closes.
    const { host, port } = parseAgentAddress(a.address);
    const answer = await new Promise<string>((res) => {
      const s = connect({ host, port }, () => s.write(`${JSON.stringify({ type: 'hello', version: 1 })}\n`));
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('close', () => res(text));
    });
    expect(answer).toContain(`the coordinator speaks agent protocol 1, this agent ${AGENT_PROTOCOL_VERSION}`);
    // An agent of another version (a fake: a socket answering an older hello) at this coordinator.
    const old = createServer((s) => s.once('data', () => s.write(`${JSON.stringify({ type: 'hello', version: 1, agent: 'old:1', cores: 1 })}\n`)));
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', r));
    const oldAddress = `127.0.0.1:${(old.address() as { port: number }).port}`;
    try {
      engine = createLoadEngine({ targets: [url()], wallets: plan.wallets.slice(0, 2).map((w) => ({ secret: w.seed })), rate: 10, durationMs: 1000, agents: [oldAddress] });
      await expect(engine.start()).rejects.toThrow(`load agent ${oldAddress} speaks protocol 1, this coordinator ${AGENT_PROTOCOL_VERSION}`);
    } finally {
      old.close();
    }
  });

  it('an address with no agent: a clear error naming it and how to start one', async () => {
    engine = createLoadEngine({ targets: [url()], wallets: plan.wallets.slice(0, 2).map((w) => ({ secret: w.seed })), rate: 10, durationMs: 1000, agents: ['127.0.0.1:1'] });
    await expect(engine.start()).rejects.toThrow(/load agent 127\.0\.0\.1:1: cannot connect.*/);
  });

  it('before deploying: every agent is checked, the error names each one that does not answer; a --once agent stays for the run', async () => {
    const a = await startAgent();
    await expect(checkAgents([a.address, '127.0.0.1:1'])).rejects.toThrow(/load agents not ready, nothing deployed: load agent 127\.0\.0\.1:1: cannot connect/);
    const [hello] = await checkAgents([a.address]);
    expect(hello!.pid).toBe(a.child.pid);
    await sleep(300);
    expect(a.child.exitCode, 'a check is not the session --once waits for').toBeNull();
    expect((await checkAgents([a.address]))[0]!.address).toBe(a.address);
  });

  it('agentLoss continue: an agent unreachable at the start is left out, one lost before the start listed with nothing sent; by default either fails the start', async () => {
    // --once agents: each exits after a session that ran shards, so each phase has its own.
    const [a1, a2, a3] = [await startAgent(), await startAgent(), await startAgent()];
    // An agent that shakes hands and answers probes, then drops the connection when handed its shard.
    const { address: droppingAddress, server: dropping } = await fakeAgent({ onStart: (sock) => sock.destroy() });
    const wallets = plan.wallets.slice(0, 4);
    const base = { targets: [url()], wallets: wallets.map((w) => ({ secret: w.seed })), rate: 20, durationMs: 1500, threads: 2 };
    try {
      const nonces = () => Promise.all(wallets.map((w) => nonceOf(w.publicKey)));
      const sum = (a: number[], b: number[]) => a.reduce((t, n, i) => t + n - b[i]!, 0);
      const start1 = await nonces();
      const unreachable: string[] = [];
      const infos: AgentInfo[] = [];
      engine = createLoadEngine({ ...base, agents: [a1.address, '127.0.0.1:1'], agentLoss: 'continue', onAgent: (i) => infos.push(i), onAgentUnreachable: (addr) => unreachable.push(addr) });
      await engine.start();
      const t1 = await engine.finished();
      expect(unreachable).toEqual(['127.0.0.1:1']);
      expect(infos.map((i) => i.shards)).toEqual([[0, 1]]);
      expect(t1.accepted).toBeGreaterThan(0);
      expect(t1.lostShards ?? []).toEqual([]);
      engine = undefined;
      await waitFor('the first load on chain', async () => (sum(await nonces(), start1) >= t1.accepted ? true : undefined), 20_000);

      const lost: LostShard[] = [];
      const before = await nonces();
      engine = createLoadEngine({ ...base, agents: [a2.address, droppingAddress], agentLoss: 'continue', onShardLost: (l) => lost.push(l) });
      await engine.start();
      const t2 = await engine.finished();
      expect(lost.map((l) => [l.agent, l.sent, l.inFlightAtLastReport])).toEqual([[droppingAddress, 0, 0]]);
      expect(t2.accepted).toBeGreaterThan(0);
      // Exact: the dropped shard's wallets (1, 3) sent nothing; the others moved by what was accepted.
      const moved = await waitFor('accepted on chain', async () => {
        const now = await Promise.all(wallets.map((w) => nonceOf(w.publicKey)));
        const d = now.map((n, i) => n - before[i]!);
        return d[0]! + d[2]! >= t2.accepted ? d : undefined;
      }, 20_000);
      expect([moved[1], moved[3]]).toEqual([0, 0]);
      expect(moved[0]! + moved[2]!).toBe(t2.accepted);
      engine = undefined;

      engine = createLoadEngine({ ...base, agents: [a3.address, '127.0.0.1:1'] });
      await expect(engine.start()).rejects.toThrow(/load agent 127\.0\.0\.1:1: cannot connect/);
      engine = createLoadEngine({ ...base, agents: [a3.address, droppingAddress] });
      await expect(engine.start()).rejects.toThrow(new RegExp(`load agent ${droppingAddress.replace(/\./g, '\\.')} lost`));
    } finally {
      dropping.close();
    }
  });
});
