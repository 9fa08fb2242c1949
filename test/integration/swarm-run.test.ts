/**
 * The swarm deployer across a real two-engine Docker Swarm on this machine (helpers/test-swarm.ts: the main
 * engine as manager plus a dockerd in its own network namespace as worker), run through the built CLI as a
 * user runs it (`--deployer swarm`, LOADNET_SWARM_ENGINES, LOADNET_SWARM_AGENTS) and through the API: the seed's
 * load progression (two rates) and its aggressive chaos, shortened, each with its load from two load agents
 * running as Swarm services, one per engine, each passing with nodes on both engines, the summary and the report
 * naming each node's and agent's host; in the chaos run the agent on the second engine is SIGKILLed (its
 * container, on its engine) mid-run, the loss detected within seconds, its transactions resolved from the chain
 * and the accounting audited against every block before teardown (helpers/agent-loss-audit.ts); a partition
 * whose sides span both engines, the chain diverging and converging again;
 * nothing labelled with the run is left on either engine afterwards, also after the coordinator is SIGKILLed
 * mid-run (the reaper removes services, agents' included, secrets, containers, volumes and the overlay network).
 * One swarm serves every test of the file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { Labels } from '../../src/deployers/compose/engine.js';
import { SwarmDeployer } from '../../src/deployers/swarm/index.js';
import type { RunHandle } from '../../src/runtime/contracts.js';
import { scenarioWith } from '../../src/scenario/build.js';
import { nowMs } from '../../src/util/clock.js';
import { aggressiveChaos } from '../../examples/aggressive-chaos.js';
import { engineAvailable, runIdOf } from './compose-helpers.js';
import { auditAgentLoss } from './helpers/agent-loss-audit.js';
import { startTestSwarm, testSwarmUnavailable, type TestSwarm } from './helpers/test-swarm.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
const unavailable = testSwarmUnavailable() ?? ((await engineAvailable()) ? undefined : 'no Docker engine');
if (unavailable) console.warn(`[swarm tests] SKIPPED: ${unavailable}`);
let swarm: TestSwarm;
let out: string;

interface Summary {
  verdict: string;
  expectations: Array<{ name: string; status: string; message: string }>;
  swarm?: { network: string; nodes: Record<string, { host: string; hostname: string; addr: string }>; agents?: Record<string, { hostname: string; address: string }> };
}

type Ev = Record<string, unknown> & { kind: string; t: number };
const eventsOf = (dir: string): Ev[] => readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);

beforeAll(async () => {
  if (unavailable) return;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p tsconfig.build.json\` first (npm test does)`);
  out = mkdtempSync(join(tmpdir(), 'loadnet-swarm-'));
  swarm = await startTestSwarm({ extraEngines: 1 });
}, 180_000);

afterAll(async () => {
  await swarm?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
}, 120_000);

function cliRun(args: string[], extraEnv: Record<string, string> = {}): { done: Promise<{ code: number | null; stderr: string }>; pid: number } {
  const env = { ...process.env, LOADNET_SWARM_ENGINES: swarm.engines.map((e) => e.socketPath).join(','), LOADNET_RATES: '5,10', ...extraEnv };
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d) => (stderr += d));
  return { pid: child.pid!, done: new Promise((r) => child.on('close', (code) => r({ code, stderr }))) };
}

function runsIn(dir: string): Array<{ dir: string; summary: Summary; runId: string }> {
  return readdirSync(dir)
    .map((d) => join(dir, d))
    .filter((d) => existsSync(join(d, 'summary.json')))
    .map((d) => ({ dir: d, summary: JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Summary, runId: runIdOf(JSON.parse(readFileSync(join(d, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId) }));
}

/** Everything labelled with the run on the manager (services, secrets, networks) and on every engine. */
async function leftovers(runId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${Labels.run}=${runId}`] });
  const engines: Array<[string, Docker]> = [['manager', swarm.manager], ...swarm.engines.map((e): [string, Docker] => [e.hostname, e.docker])];
  const found: string[] = [];
  const services = (await swarm.manager.listServices({ filters })) as Array<{ Spec?: { Name?: string } }>;
  const secrets = (await swarm.manager.listSecrets({ filters })) as Array<{ Spec?: { Name?: string } }>;
  const networks = await swarm.manager.listNetworks({ filters });
  found.push(...services.map((s) => `service ${s.Spec?.Name}`), ...secrets.map((s) => `secret ${s.Spec?.Name}`), ...networks.map((n) => `network ${n.Name}`));
  for (const [name, d] of engines) {
    const containers = await d.listContainers({ all: true, filters });
    const volumes = (await d.listVolumes({ filters })).Volumes ?? [];
    found.push(...containers.map((c) => `${name}: container ${c.Names[0]}`), ...volumes.map((v) => `${name}: volume ${v.Name}`));
  }
  return found;
}

async function expectNothingLeft(runId: string, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  let left = await leftovers(runId);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    left = await leftovers(runId);
  }
  expect(left, `left on the swarm by run ${runId}`).toEqual([]);
}

async function bothHostnames(): Promise<Set<string>> {
  return new Set(['lnsw-h2', (await swarm.manager.info()).Name as string]);
}

/** The run directories under `dir` (`runs` of them), each passing with nodes on both engines, and the report naming each node's host. */
async function checkPassed(dir: string, runs: number, example: string, stderr = ''): Promise<Array<{ dir: string; summary: Summary; runId: string }>> {
  const found = runsIn(dir);
  expect(found, `${example}: ${stderr.slice(-2000)}`).toHaveLength(runs);
  for (const f of found) {
    const failed = f.summary.expectations.filter((e) => e.status !== 'pass').map((e) => `${e.name}: ${e.message}`);
    expect(failed, `${example} ${f.dir}`).toEqual([]);
    expect(f.summary.verdict, `${example} verdict; stderr: ${stderr.slice(-1500)}`).toBe('pass');
    const hosts = Object.entries(f.summary.swarm?.nodes ?? {}).map(([node, h]) => `${node}@${h.hostname}`);
    console.log(`[swarm] ${example}: ${hosts.join(' ')}; ${f.summary.expectations.map((e) => `${e.name} ${e.status}`).join(', ')}`);
    // Spread: nodes on both engines (the manager's host and the namespaced one).
    expect(new Set(Object.values(f.summary.swarm!.nodes).map((h) => h.hostname))).toEqual(await bothHostnames());
    // The report's Hosts table names each node's engine, not the coordinator.
    const report = readFileSync(join(f.dir, 'report.html'), 'utf8');
    for (const [node, h] of Object.entries(f.summary.swarm!.nodes)) expect(report, `${node}'s host in the report`).toContain(`<tr><td>${node}</td><td>${h.hostname}</td>`);
  }
  return found;
}

async function expectPasses(example: string, timing: string[], runs: number, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(out, `${example}-`));
  const r = await cliRun(['run', `examples/${example}.ts`, '--deployer', 'swarm', ...timing, '--out', dir], env).done;
  const found = await checkPassed(dir, runs, example, r.stderr);
  for (const f of found) await expectNothingLeft(f.runId, 10_000);
  expect(r.code, `${example} exit code; stderr: ${r.stderr.slice(-1500)}`).toBe(0);
  return found;
}

/** The run's two agent services ran one per engine, their own hello named that host, and the report names it. */
function expectAgentsOnBothEngines(f: { dir: string; summary: Summary }, events: Ev[], hostnames: Set<string>): void {
  const agents = Object.values(f.summary.swarm?.agents ?? {});
  expect(new Set(agents.map((a) => a.hostname)), 'agent services, one per engine').toEqual(hostnames);
  // The agents' own hello names the engine's host (they run on its network).
  const connected = events.filter((e) => e.kind === 'agent.connected');
  expect(connected.map((e) => e.address).sort()).toEqual(agents.map((a) => a.address).sort());
  expect(new Set(connected.map((e) => e.host))).toEqual(hostnames);
  for (const c of connected) expect(Math.abs(c.offsetMs as number), 'one clock on this machine').toBeLessThanOrEqual((c.uncertaintyMs as number) + 5);
  const report = readFileSync(join(f.dir, 'report.html'), 'utf8');
  for (const a of agents) expect(report, `agent ${a.address} in the report`).toContain(`<tr><td>${a.address}</td><td>${a.hostname}</td>`);
}

describe.skipIf(unavailable !== undefined)('swarm deployer on a two-engine swarm', () => {
  it('runs the seed load progression (rates 5 and 10, 10 s each) with nodes on both engines and its load from two agents as Swarm services, one per engine', async () => {
    const found = await expectPasses('load-progression', ['--duration', '10s'], 2, { LOADNET_SWARM_AGENTS: '2' });
    const hostnames = await bothHostnames();
    for (const f of found) {
      expectAgentsOnBothEngines(f, eventsOf(f.dir), hostnames);
      const load = (JSON.parse(readFileSync(join(f.dir, 'summary.json'), 'utf8')) as { load?: { accepted?: number; included?: number } }).load;
      expect(load?.accepted, 'transactions accepted from the agents').toBeGreaterThan(0);
    }
  }, 240_000);

  it('runs the seed aggressive chaos (25 s) with its load from two agents, one per engine; the agent on the second engine is SIGKILLed mid-run and the accounting stays exact', async () => {
    // In-process (the API a user scripts), so the chain can be audited before teardown.
    const dir = mkdtempSync(join(out, 'aggressive-chaos-'));
    const scenario = scenarioWith(aggressiveChaos(), { durationMs: 25_000, cooldownMs: 12_000 });
    const engines = swarm.engines.map((e) => ({ socketPath: e.socketPath }));
    const runner = await new SwarmDeployer({ outDir: dir, log: null, reports: true, engines, agents: { count: 2, onLoss: 'continue' } }).deploy(scenario);
    let handle: RunHandle | undefined;
    const runDir = runner.context.runDir;
    const h2 = swarm.engines.find((e) => e.hostname === 'lnsw-h2')!;
    const victim = eventsOf(runDir).find((e) => e.kind === 'swarm.agent' && e.hostname === h2.hostname)!;
    expect(victim, 'an agent service on the second engine').toBeDefined();
    let killedAt = 0;
    // 8 s into the load (from its first interval: the agents took their shards and the schedule runs), kill the
    // agent's container on its own engine, as a host or its process dying would.
    const killing = new Promise<void>((res, rej) => {
      const off = runner.context.events.on((e) => {
        if (e.kind !== 'load.interval') return;
        off();
        setTimeout(() => {
          killedAt = nowMs();
          h2.docker.getContainer(String(victim.container)).kill().then(() => res(), rej);
        }, 8000);
      });
    });
    killing.catch(() => undefined);
    try {
      handle = await runner.run(scenario, { rejectOnFailure: false });
      expect(killedAt, 'the agent was killed during the run').toBeGreaterThan(0);
      const events = eventsOf(runDir);
      const lost = events.filter((e) => e.kind === 'agent.lost');
      expect(lost.map((e) => e.address)).toEqual([victim.address]);
      expect(lost[0]!.t - killedAt, 'detected within seconds').toBeLessThan(3500);
      // Before teardown: the accounting against every block of the chain.
      const load = handle.summary.load as Record<string, any>;
      const audit = await auditAgentLoss(runDir, load, handle.context.node('validator-0').client, handle.context.wallets.map((w) => w.address));
      expect(load.submitted - audit.lost.sent, 'the surviving agent went on').toBeGreaterThan(audit.lost.sent);
      console.log(`[swarm] chaos, agent ${victim.address}@${h2.hostname} killed: ${JSON.stringify({ submitted: load.submitted, accepted: load.accepted, included: load.included, pending: load.pending, dropped: load.dropped, lost: audit.lost, resolved: audit.resolved, inBlocks: audit.inBlocks })}`);
      await killing;
    } finally {
      await handle?.dispose();
      await runner.dispose();
    }
    const [run] = await checkPassed(dir, 1, 'aggressive-chaos');
    await expectNothingLeft(run!.runId, 10_000);
    const events = eventsOf(run!.dir);
    expectAgentsOnBothEngines(run!, events, await bothHostnames());
    const resolved = (run!.summary as unknown as { load: { lostShardsResolved: Array<{ included: number; includedUnreported: number }> } }).load.lostShardsResolved[0]!;
    const report = readFileSync(join(run!.dir, 'report.html'), 'utf8');
    expect(report).toMatch(new RegExp(`${String(victim.address).replace(/\./g, '\\.')}</td>.*lost: connection closed; resolved from the chain: ${resolved.included} included \\(${resolved.includedUnreported} unreported\\)`));
    const restarts = events.filter((e) => e.kind === 'fault.end' && e.fault === 'restart' && e.ok === true).map((e) => String(e.target));
    expect(restarts.length, 'restarts that recovered').toBeGreaterThanOrEqual(1);
    // Every restart ran a new task of the node's service on the same host (its data volume is there).
    for (const node of restarts) {
      const placements = events.filter((e) => e.kind === 'swarm.placement' && e.node === node);
      expect(placements.length).toBeGreaterThanOrEqual(2);
      expect(new Set(placements.map((p) => p.host)).size).toBe(1);
    }
  }, 240_000);

  it('partitions nodes across engines (iptables in their containers, set through each node\'s own engine): the sides build different blocks, then reorganise onto one chain', async () => {
    const [run] = await expectPasses('partition-recovery', ['--duration', '16s', '--cooldown', '4s'], 1);
    const events = eventsOf(run!.dir);
    const start = events.find((e) => e.kind === 'fault.start' && e.fault === 'partition')!;
    const end = events.find((e) => e.kind === 'fault.end' && e.fault === 'partition')!;
    expect(end.ok).toBe(true);
    const sides = (start.detail as { sides: string[][] }).sides;
    const hostOf = (node: string) => run!.summary.swarm!.nodes[node]!.hostname;
    // The cut was set by the engine applier (a fault-tools container on each node's own engine, no nsenter from
    // here): its rules read back from every node on both engines while cut, and none after the heal.
    expect(String((start.detail as { mechanism: { cut: string } }).mechanism.cut)).toMatch(/^engine-iptables: /);
    type Applied = { applier: string; ms: number; nodes: Array<{ node: string; hostname: string; rules: number }> };
    const applied = events.filter((e) => e.kind === 'network.applied') as unknown as Array<Ev & Applied>;
    const cutting = applied.find((a) => a.t >= start.t && a.nodes.some((n) => n.rules > 0))!;
    expect(cutting?.applier).toBe('engine-iptables');
    expect(cutting.nodes.map((n) => n.node).sort()).toEqual(Object.keys(run!.summary.swarm!.nodes).sort());
    for (const n of cutting.nodes) expect(n.hostname, `${n.node} set on its own host`).toBe(hostOf(n.node));
    for (const n of cutting.nodes) expect(n.rules, `${n.node}: DROP in and out for each node of the other side`).toBe(2 * sides.find((s) => !s.includes(n.node))!.length);
    const heal = applied.find((a) => a.t >= start.t && a.t <= end.t && a.nodes.every((n) => n.rules === 0));
    expect(heal, 'the heal emptied every table').toBeDefined();
    // The heal took effect while it was being set (its `ms` before the event), not only at the fault's end.
    const healFrom = heal!.t - heal!.ms;
    // Each side has nodes on both engines: the cut links run between engines as well as within one.
    for (const side of sides) expect(new Set(side.map(hostOf)), `side ${side.join(',')}`).toEqual(await bothHostnames());
    const sideOf = (node: string) => sides.findIndex((s) => s.includes(node));
    // Diverged: during the partition some height got a block first seen on each side.
    const byHeight = new Map<number, Set<number>>();
    for (const b of events.filter((e) => e.kind === 'block' && e.t >= start.t && e.t <= end.t)) {
      const set = byHeight.get(b.height as number) ?? new Set<number>();
      set.add(sideOf(b.node as string));
      byHeight.set(b.height as number, set);
    }
    const forked = [...byHeight].filter(([, s]) => s.size === 2).map(([h]) => h);
    expect(forked.length, 'heights with a block on each side during the partition').toBeGreaterThanOrEqual(1);
    // Reconverged: nodes switched branches after the heal, and every node was on one chain within the bound.
    expect(events.filter((e) => e.kind === 'reorg' && e.t > healFrom).length, 'reorgs after the heal').toBeGreaterThanOrEqual(1);
    const conv = events.find((e) => e.kind === 'expectation.observed' && e.type === 'convergence' && e.at === 'evaluate')!;
    const injection = (conv.observed as { injections: Array<{ convergedMs?: number }> }).injections[0]!;
    console.log(`[swarm] partition: sides ${sides.map((s) => s.map((n) => `${n}@${hostOf(n)}`).join(' ')).join(' | ')}; forked heights ${forked.join(',')}; cut set in ${cutting.ms} ms, healed in ${heal!.ms} ms (engine applier); converged ${injection.convergedMs} ms after the heal`);
    expect(injection.convergedMs).toBeTypeOf('number');
  }, 240_000);

  it('leaves nothing on either engine after the coordinator is SIGKILLed mid-run', async () => {
    const dir = mkdtempSync(join(out, 'killed-'));
    const run = cliRun(['run', 'examples/aggressive-chaos.ts', '--deployer', 'swarm', '--duration', '60s', '--out', dir], { LOADNET_SWARM_AGENTS: '2' });
    let runDir: string | undefined;
    let exited: { code: number | null; stderr: string } | undefined;
    void run.done.then((r) => (exited = r));
    // Deploying (image onto the second engine, services, readiness) took up to ~90 s on a loaded machine.
    const until = Date.now() + 150_000;
    while (!runDir && !exited && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      runDir = readdirSync(dir).map((d) => join(dir, d)).find((d) => existsSync(join(d, 'events.jsonl')) && readFileSync(join(d, 'events.jsonl'), 'utf8').includes('"swarm.deploy"'));
    }
    expect(runDir, `the run deployed${exited ? `; it exited ${exited.code}: ${exited.stderr.slice(-1500)}` : ''}`).toBeDefined();
    const runId = runIdOf(JSON.parse(readFileSync(join(runDir!, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId);
    const before = await leftovers(runId);
    expect(before.some((l) => l.startsWith('lnsw-h2: container')), 'a node runs on the second engine').toBe(true);
    expect(before.filter((l) => /^service .*-agent-\d+$/.test(l)), 'the agents\' services').toHaveLength(2);
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    await expectNothingLeft(runId, 45_000);
  }, 240_000);
});
