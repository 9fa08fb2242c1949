/**
 * Load agents in a whole run: a scenario's `agents` (two real `loadnet agent` processes) runs the transaction
 * workload against real devnet nodes (LocalDeployer, 2 validators); one agent is SIGKILLed mid-window with
 * agents.onLoss 'continue'. The run goes on; the loss is in the history within seconds; what the lost agent had
 * in flight is resolved from the chain per transaction (lost-shards.json); and an audit of the nodes' blocks
 * agrees with the accounting exactly (helpers/agent-loss-audit.ts; swarm-run.test.ts does the same on a swarm).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import type { RunHandle, Runner } from '../../src/runtime/contracts.js';
import { buildScenario } from '../../src/scenario/build.js';
import { nowMs } from '../../src/util/clock.js';
import { auditAgentLoss } from './helpers/agent-loss-audit.js';
import { alive, pidsOf, readEvents } from './helpers/run-files.js';

const CLI = resolve('dist/src/cli/main.js');
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-agents-run-'));
const agents: ChildProcess[] = [];
let runner: Runner | undefined;
let handle: RunHandle | undefined;

/** A real agent process on a free port; resolves with its address, and `started` when it takes shards. */
async function startAgent(): Promise<{ child: ChildProcess; address: string; started: Promise<number> }> {
  const child = spawn(process.execPath, [CLI, 'agent', '--listen', '127.0.0.1:0', '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
  agents.push(child);
  let err = '';
  const started = new Promise<number>((res) => child.stderr!.on('data', (d: Buffer) => ((err += d.toString()), /starting \d+ shard/.test(err) && res(nowMs()))));
  const address = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.once('exit', (code) => rej(new Error(`agent exited with ${code}: ${err}`)));
  });
  return { child, address, started };
}

afterAll(async () => {
  const runDir = handle?.runDir;
  await handle?.dispose();
  await runner?.dispose();
  for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
  if (runDir) for (const pid of pidsOf(runDir)) expect(alive(pid)).toBe(false);
  rmSync(outDir, { recursive: true, force: true });
});

describe('load agents in a run', () => {
  it('an agent SIGKILLed mid-run: the run goes on, the loss is recorded, its transactions are resolved from the chain, and the blocks agree', async () => {
    const [a1, a2] = [await startAgent(), await startAgent()];
    const scenario = buildScenario({
      name: 'agents-lost',
      topology: { shape: 'full', validators: 2, executors: 0 },
      consensus: { slotDurationMs: 500, activeSlotCoeff: 0.8, securityParam: 3 },
      wallets: { count: 12, fundsPerWallet: 1_000_000 },
      durationMs: '9s',
      cooldownMs: '6s',
      agents: { addresses: [a1.address, a2.address], onLoss: 'continue' },
      workloads: [{ type: 'transactions', rate: { kind: 'perSecond', perSecond: 150 }, users: 12, inclusionThreshold: 0.5 }],
    });
    let killedAt = 0;
    // 2 s after the load's first interval (the schedule runs: on a loaded machine, sync and pre-signing can take
    // seconds, and an agent lost before the start fails the start instead).
    void a2.started.then(async () => {
      const running = () => readdirSync(outDir).some((d) => existsSync(join(outDir, d, 'events.jsonl')) && readFileSync(join(outDir, d, 'events.jsonl'), 'utf8').includes('"kind":"load.interval"'));
      while (!running()) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 2000));
      killedAt = nowMs();
      a2.child.kill('SIGKILL');
    });
    runner = await new LocalDeployer({ outDir, reports: true }).deploy(scenario);
    handle = await runner.run(scenario, { rejectOnFailure: false });
    expect(killedAt, 'the agent was killed during the run').toBeGreaterThan(0);

    const events = await readEvents(handle.runDir);
    const connected = events.filter((e) => e.kind === 'agent.connected');
    expect(connected.map((e) => e.address).sort()).toEqual([a1.address, a2.address].sort());
    for (const c of connected) {
      expect(Math.abs(c.offsetMs)).toBeLessThan(25);
      expect(c.uncertaintyMs).toBeLessThan(25);
      expect(c.host, 'the agents run on this machine').toBe(hostname());
      expect(c.shards).toHaveLength(1);
    }
    // The agents took their shards before the window (the engine's prepare): the load starts on its start
    // (connected in the window instead: 2,048 ms into it at load 9).
    const traffic = events.filter((e) => e.kind === 'load.traffic');
    expect(traffic).toHaveLength(1);
    expect(traffic[0]!.offsetMs, 'the agents\' load starts on the window\'s start').toBeLessThan(250);
    const lostEv = events.filter((e) => e.kind === 'agent.lost');
    expect(lostEv).toHaveLength(1);
    expect(lostEv[0]!.address).toBe(a2.address);
    expect(lostEv[0]!.t - killedAt, 'detected within seconds').toBeLessThan(3500);

    const load = handle.summary.load as Record<string, any>;
    const client = handle.context.node('validator-0').client;
    const { lost, resolved, inBlocks } = await auditAgentLoss(handle.runDir, load, client, handle.context.wallets.map((w) => w.address));
    // The other agent went on to the end of the window: more than the lost one, which stopped after ~3 s of 9.
    expect(load.submitted - lost.sent).toBeGreaterThan(1.5 * lost.sent);
    expect(resolved.wallets).toHaveLength(6);
    expect(events.filter((e) => e.kind === 'agent.resolved')).toHaveLength(1);
    // The report's hosts section: each agent with its host and clock offset, the lost one with its resolution.
    const html = readFileSync(join(handle.runDir, 'report.html'), 'utf8');
    const hosts = html.slice(html.indexOf('<h2 id="hosts">'));
    expect(hosts).toContain(a1.address);
    expect(hosts).toContain(connected[0]!.host);
    expect(hosts).toMatch(new RegExp(`${a2.address.replace(/\./g, '\\.')}</td>.*lost: connection closed; resolved from the chain: ${resolved.included} included \\(${resolved.includedUnreported} unreported\\)`));
    console.log(`load-agents-run: ${JSON.stringify({ submitted: load.submitted, accepted: load.accepted, included: load.included, pending: load.pending, dropped: load.dropped, lost, resolved, inBlocks })}`);
  }, 120_000);
});
