/**
 * A multi-engine Docker Swarm on one machine, for the swarm tests: the main engine (manager) plus one or two
 * more engines, each a dockerd in its own network namespace (`ip netns add`, a veth to a host bridge with
 * addresses from 10.231.0.0/24, `nsenter --net=/var/run/netns/<ns> dockerd --bridge none --iptables=false`
 * under its own data root, exec root, pid file and socket; `ip netns exec` cannot be used: it remounts /sys
 * and dockerd stops with "Devices cgroup isn't mounted"). Each gets its own UTS namespace and hostname, so
 * the swarm shows hosts `lnsw-h2`, `lnsw-h3`. The engines join the main engine's swarm as workers.
 *
 * Other sessions use the main engine at the same time (compose tests): its swarm state is read first; an
 * engine that is already a manager is reused as it is, one that is a worker or in error is refused (nothing
 * is touched), and only a swarm this helper initialised is left again, by the last instance that uses it.
 *
 * Nothing is left behind: `stop()` makes the workers leave, removes their swarm nodes, stops their dockerd
 * (and its containerd and shims), unmounts and deletes their directories, namespaces and veths. A test
 * process killed by SIGKILL leaves a state file per engine (owner pid, paths); the next start sweeps every
 * one whose owner is dead (`sweepTestSwarm`).
 */
import Docker from 'dockerode';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectEngine } from '../../../src/deployers/compose/engine.js';
import { copyImage } from '../../../src/deployers/swarm/image-copy.js';

const STATE_DIR = '/var/lib/loadnet-test-swarm';
const BRIDGE = 'lnsw0';
const SUBNET_PREFIX = '10.231.0.';
const HOST_ADDR = `${SUBNET_PREFIX}1`;
const MARKER = join(STATE_DIR, 'swarm-initialised-by-loadnet');
const LOCK = join(STATE_DIR, 'lock');

export interface TestEngine {
  /** Namespace name and the engine's hostname in the swarm. */
  ns: string;
  hostname: string;
  socketPath: string;
  /** The engine's address on the bridge (its swarm advertise address). */
  addr: string;
  nodeId: string;
  docker: Docker;
}

export interface TestSwarm {
  manager: Docker;
  managerNodeId: string;
  /** The namespaced engines (workers). */
  engines: TestEngine[];
  /** Loads `ref` from the main engine onto every namespaced engine (`docker save | docker load`). */
  loadImage(ref: string): Promise<void>;
  stop(): Promise<void>;
}

interface EngineState {
  ownerPid: number;
  ns: string;
  hostVeth: string;
  dir: string;
  addr: string;
  nodeId?: string;
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const quiet = (cmd: string, args: string[]) => {
  try {
    sh(cmd, args);
  } catch {
    // already gone
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a test swarm cannot be made here (not root, no dockerd/nsenter/unshare/ip), or undefined. */
export function testSwarmUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (namespaces and a second dockerd need root)';
  for (const tool of ['dockerd', 'nsenter', 'unshare', 'ip']) {
    try {
      sh('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

/** One process at a time touches the bridge, the main engine's swarm membership and the state files. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(STATE_DIR, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8').trim() || 0);
      if (holder && !pidAlive(holder)) rmSync(LOCK, { recursive: true, force: true });
      else if (i > 600) throw new Error(`test swarm lock ${LOCK} held by pid ${holder} for 5 min`);
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function states(): Array<{ file: string; state: EngineState }> {
  if (!existsSync(STATE_DIR)) return [];
  return readdirSync(STATE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: join(STATE_DIR, f), state: JSON.parse(readFileSync(join(STATE_DIR, f), 'utf8')) as EngineState }));
}

/** Pids of processes whose command line mentions `dir` (the engine's dockerd, containerd, shims). */
function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir)) out.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

async function stopEngineProcesses(state: EngineState): Promise<void> {
  const pidFile = join(state.dir, 'dockerd.pid');
  const dockerd = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  if (dockerd > 0 && pidAlive(dockerd)) {
    // SIGTERM: dockerd stops its containers, unmounts and takes containerd down with it.
    process.kill(dockerd, 'SIGTERM');
    for (let i = 0; i < 40 && pidAlive(dockerd); i++) await sleep(500);
  }
  for (const pid of processesUnder(state.dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (let i = 0; i < 20 && processesUnder(state.dir).length > 0; i++) await sleep(250);
}

/** Removes one engine entirely: its processes, mounts, namespace (with its veth) and directory. */
async function removeEngine(manager: Docker, file: string, state: EngineState): Promise<void> {
  await stopEngineProcesses(state);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(state.dir))
    .reverse();
  for (const m of mounts) quiet('umount', ['-l', m]);
  quiet('ip', ['netns', 'del', state.ns]);
  quiet('ip', ['link', 'del', state.hostVeth]);
  rmSync(state.dir, { recursive: true, force: true });
  if (state.nodeId) await manager.getNode(state.nodeId).remove({ force: true }).catch(() => undefined);
  rmSync(file, { force: true });
}

async function swarmInfo(docker: Docker): Promise<{ state: string; nodeId: string; control: boolean; addr: string }> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; NodeID?: string; ControlAvailable?: boolean; NodeAddr?: string } };
  return { state: info.Swarm?.LocalNodeState ?? 'inactive', nodeId: info.Swarm?.NodeID ?? '', control: info.Swarm?.ControlAvailable === true, addr: info.Swarm?.NodeAddr ?? '' };
}

/** When no instance is left: the swarm this helper initialised is left, the bridge removed. Under the lock. */
async function releaseShared(manager: Docker): Promise<void> {
  if (states().length > 0) return;
  if (existsSync(MARKER)) {
    const services = await manager.listServices().catch(() => []);
    // Someone else's services run on it now: leave it as it is (the marker stays for a later sweep).
    if (services.length === 0) {
      await manager.swarmLeave({ force: true }).catch(() => undefined);
      // The swarm made docker_gwbridge; it goes with the swarm when nothing uses it.
      if (readFileSync(MARKER, 'utf8').includes('gwbridge-created')) await manager.getNetwork('docker_gwbridge').remove().catch(() => undefined);
      rmSync(MARKER, { force: true });
    }
  }
  if (!existsSync(MARKER)) quiet('ip', ['link', 'del', BRIDGE]);
}

/** Removes every engine whose owner process is gone (a test killed by SIGKILL), then what they shared. */
export async function sweepTestSwarm(manager: Docker = connectEngine()): Promise<string[]> {
  return withLock(async () => {
    const swept: string[] = [];
    for (const { file, state } of states()) {
      if (pidAlive(state.ownerPid)) continue;
      await removeEngine(manager, file, state);
      swept.push(state.ns);
    }
    await releaseShared(manager);
    return swept;
  });
}

function ensureBridge(): void {
  if (!sh('ip', ['-br', 'link']).split('\n').some((l) => l.startsWith(`${BRIDGE} `))) {
    sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${HOST_ADDR}/24`, 'dev', BRIDGE]);
  }
  sh('ip', ['link', 'set', BRIDGE, 'up']);
}

async function waitEngine(docker: Docker, logFile: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (await docker.ping().then(() => true, () => false)) return;
    await sleep(250);
  }
  throw new Error(`namespaced dockerd did not answer within 30 s; log:\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`);
}

/** Starts one namespaced engine (number `k` ≥ 2 of this instance) and joins it to the swarm. */
async function startEngine(k: number, slot: number, joining: { token: string; managerAddr: string }): Promise<{ engine: TestEngine; file: string; state: EngineState }> {
  const ns = `lnsw-${process.pid}-${k}`;
  const hostname = `lnsw-h${k}`;
  const addr = `${SUBNET_PREFIX}${slot}`;
  const dir = join(STATE_DIR, ns);
  // Interface names: at most 15 characters.
  const hostVeth = `lnsw${slot}h`;
  const state: EngineState = { ownerPid: process.pid, ns, hostVeth, dir, addr };
  const file = join(STATE_DIR, `${ns}.json`);
  writeFileSync(file, JSON.stringify(state));
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(join(dir, 'exec'), { recursive: true });
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', `lnsw${slot}n`]);
  sh('ip', ['link', 'set', hostVeth, 'master', BRIDGE, 'up']);
  sh('ip', ['link', 'set', `lnsw${slot}n`, 'netns', ns]);
  sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', `lnsw${slot}n`]);
  sh('ip', ['-n', ns, 'link', 'set', `lnsw${slot}n`, 'up']);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  // No default route on purpose: a worker tries the registry before using its local image, and an
  // unreachable network fails that at once where a route to nowhere waits for the DNS timeout (~20 s).
  if (!joining.managerAddr.startsWith(SUBNET_PREFIX)) sh('ip', ['-n', ns, 'route', 'add', `${joining.managerAddr}/32`, 'via', HOST_ADDR]);
  const socketPath = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  const dockerd = [
    'dockerd', '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid'),
    '-H', `unix://${socketPath}`, '--bridge', 'none', '--iptables=false',
  ];
  // Its own UTS namespace (`unshare --uts`) so the engine has its own hostname; only the network namespace
  // is entered, the mount namespace and /sys stay the host's.
  const child = spawn('unshare', ['--uts', 'sh', '-c', `hostname ${hostname} && exec nsenter --net=/var/run/netns/${ns} ${dockerd.join(' ')} >>'${logFile}' 2>&1`], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const docker = new Docker({ socketPath });
  await waitEngine(docker, logFile);
  await docker.swarmJoin({ RemoteAddrs: [`${joining.managerAddr}:2377`], JoinToken: joining.token, AdvertiseAddr: addr, ListenAddr: `${addr}:2377` });
  const nodeId = (await swarmInfo(docker)).nodeId;
  state.nodeId = nodeId;
  writeFileSync(file, JSON.stringify(state));
  return { engine: { ns, hostname, socketPath, addr, nodeId, docker }, file, state };
}

/**
 * Starts `extraEngines` namespaced engines joined to the main engine's swarm (initialised here when it
 * is inactive). Throws naming the reason when the main engine is in a swarm it cannot use.
 */
export async function startTestSwarm(options: { extraEngines?: number } = {}): Promise<TestSwarm> {
  const manager = connectEngine();
  await sweepTestSwarm(manager);
  const mine: Array<{ engine: TestEngine; file: string; state: EngineState }> = [];
  const managerNodeId = await withLock(async () => {
    ensureBridge();
    let info = await swarmInfo(manager);
    if (info.state === 'inactive') {
      const hadGwbridge = await manager.getNetwork('docker_gwbridge').inspect().then(() => true, () => false);
      await manager.swarmInit({ AdvertiseAddr: HOST_ADDR, ListenAddr: `${HOST_ADDR}:2377` });
      writeFileSync(MARKER, `pid ${process.pid}${hadGwbridge ? '' : ' gwbridge-created'}\n`);
      info = await swarmInfo(manager);
    } else if (info.state !== 'active' || !info.control) {
      throw new Error(`the main Docker engine is in swarm state '${info.state}'${info.control ? '' : ' and not a manager'}: the test swarm needs it inactive or a manager; left as it is`);
    }
    const token = ((await manager.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
    const used = new Set(states().map((s) => s.state.addr));
    try {
      for (let k = 2; k < 2 + (options.extraEngines ?? 1); k++) {
        let slot = 2;
        while (used.has(`${SUBNET_PREFIX}${slot}`)) slot++;
        used.add(`${SUBNET_PREFIX}${slot}`);
        mine.push(await startEngine(k, slot, { token, managerAddr: info.addr }));
      }
    } catch (e) {
      for (const m of mine) await removeEngine(manager, m.file, m.state);
      for (const { file, state } of states()) if (state.ownerPid === process.pid) await removeEngine(manager, file, state);
      await releaseShared(manager);
      throw e;
    }
    return info.nodeId;
  });
  // Workers are Ready on the manager a moment after they joined.
  for (let i = 0; i < 60; i++) {
    const nodes = await manager.listNodes();
    if (mine.every((m) => nodes.some((n: { ID: string; Status?: { State?: string } }) => n.ID === m.engine.nodeId && n.Status?.State === 'ready'))) break;
    await sleep(250);
  }
  let stopped = false;
  return {
    manager,
    managerNodeId,
    engines: mine.map((m) => m.engine),
    async loadImage(ref: string) {
      await copyImage(manager, mine.map((m) => m.engine.docker), ref);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await withLock(async () => {
        for (const m of mine) {
          await m.engine.docker.swarmLeave({ force: true }).catch(() => undefined);
          await removeEngine(manager, m.file, m.state);
        }
        await releaseShared(manager);
      });
    },
  };
}
