/**
 * A local deployment: a chain's nodes as its adapter plans them (ChainAdapter.planLocal: the devnet's node,
 * anvil, …), each a child process on loopback with its files and log under `<runDir>/nodes/<name>/`, ports
 * reserved so parallel runs never collide, and a registry entry so `loadnet clean` finds leftovers. Peer
 * links go through the link shaper when asked (the plan dials through `ctx.dial`), every node's clock
 * through libfaketime when asked; nodes join at runtime where the plan has joiners. Teardown stops every node
 * (SIGTERM, SIGKILL after its grace), releases ports and the registry entry; if this process exits without
 * teardown, an exit hook kills the node groups synchronously, and a node that does not watch our pid itself
 * runs under the watchdog (watchdog.ts), so a SIGKILLed coordinator leaves nothing either.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadnetError } from '../../errors.js';
import type { ChainAdapter, ChainStaking, ChainWallet, LocalJoiners, LocalPlanContext, NodeLaunch } from '../../adapters/seam.js';
import type { NodeControl, NodeDescriptor } from '../../runtime/contracts.js';
import type { Joiner } from '../joiner-spawn.js';
import type { Deployment } from '../../runtime/deployment.js';
import type { RunRecord } from '../../runtime/run-record.js';
import type { ScenarioSpec } from '../../scenario/spec.js';
import { RosteredDeployment, type RosterNode } from '../node-roster.js';
import { runTestingToken } from '../run-secrets.js';
import { NodeProcess } from './node-process.js';
import { LinkShaper } from '../../shaper/link-shaper.js';
import { FAKETIME_DIR, FaketimeClock } from '../../shaper/faketime-clock.js';
import { releasePorts, reservePorts } from './ports.js';
import { processStart, removeRegistration, writeRegistration, type RunRegistration } from './leftovers.js';

const HOST = '127.0.0.1';

export interface LocalDeploymentOptions {
  /** Turn the nodes' testing API on (network faults, clock offset), where the chain has one. */
  testingApi: boolean;
  genesisLeadMs?: number;
  /** SIGTERM → SIGKILL grace at stop and teardown, where a node's launch does not say its own. */
  stopGraceMs?: number;
  /** Handed to the chain's plan as is (LocalPlanContext.nodeSettings; the devnet: { bin, tuning }). */
  nodeSettings?: Readonly<Record<string, unknown>>;
  /** Route every peer link through loadnet's link shaper (src/shaper/link-shaper.ts); the seed drives its jitter. */
  linkShaper?: { seed: number };
  /** Start every node under libfaketime so its clock can be skewed (src/shaper/faketime-clock.ts). */
  clockSkew?: { seed: number };
}

export interface LocalNode extends RosterNode {
  launch: NodeLaunch;
  proc: NodeProcess;
  /** Started once already: later starts use the launch's restart arguments. */
  started: boolean;
}

const liveDeployments = new Set<LocalDeployment>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL the groups; the parent-pid watchdogs are the backstop.
  process.on('exit', () => {
    for (const d of liveDeployments) d.killNow();
  });
}

/** dist/src/deployers/local/watchdog.js (from sources too: processes run plain JavaScript). */
function watchdogPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? resolve(dirname(here), '../../../dist/src/deployers/local/watchdog.js') : join(dirname(here), 'watchdog.js');
}

export class LocalDeployment extends RosteredDeployment<LocalNode> implements Deployment {
  readonly deployer = 'local';
  wallets: readonly ChainWallet[] = [];
  nodeControl?: NodeControl;
  /** The link shaper every peer link runs through (when asked for): set its desired state to shape links. */
  readonly links?: LinkShaper;
  /** The nodes' libfaketime clocks (when asked for): set a node's skew, at any time, surviving restarts. */
  readonly clocks?: FaketimeClock;
  /** The plan's runtime joiners, once planned (chains with the 'joiners' capability). */
  joiners?: LocalJoiners;
  /** The plan's on-chain staking, once planned (chains with the 'staking' capability). */
  staking?: ChainStaking;
  /** Called first at teardown (node control closes its open fault intervals). */
  beforeTeardown?: () => void;
  private readonly registration: RunRegistration;
  private readonly ctx: LocalPlanContext;
  private tornDown?: Promise<void>;

  constructor(
    readonly record: RunRecord,
    readonly chain: ChainAdapter,
    readonly spec: ScenarioSpec,
    readonly options: LocalDeploymentOptions,
  ) {
    super();
    if (options.linkShaper) this.links = new LinkShaper({ host: HOST, seed: options.linkShaper.seed });
    if (options.clockSkew) this.clocks = new FaketimeClock({ dir: join(record.runDir, FAKETIME_DIR), seed: options.clockSkew.seed });
    this.registration = { runId: record.runId, runDir: record.runDir, coordinatorPid: process.pid, coordinatorStart: processStart(process.pid), nodes: {}, ports: [] };
    writeRegistration(this.registration);
    liveDeployments.add(this);
    installExitHook();
    const links = this.links;
    this.ctx = {
      runId: record.runId,
      host: HOST,
      nodeDir: (name) => record.nodeDir(name),
      nodePath: (name, file) => join(record.nodeDir(name), file),
      url: (_name, port) => `http://${HOST}:${port}`,
      reservePorts: async (count) => {
        const ports = await reservePorts(count, HOST);
        this.registration.ports.push(...ports);
        writeRegistration(this.registration);
        return ports;
      },
      dial: async (from, to, address) => (links ? links.addLink(from, to, address) : address),
      coordinatorPid: process.pid,
      ...(options.testingApi && chain.capabilities.has('testing-faults') ? { testingToken: runTestingToken(record.runDir) } : {}),
      ...(options.genesisLeadMs === undefined ? {} : { genesisLeadMs: options.genesisLeadMs }),
      ...(options.nodeSettings ? { nodeSettings: options.nodeSettings } : {}),
    };
  }

  /** Plan every node (configs written, ports reserved) and spawn them all at once. */
  async startAll(): Promise<void> {
    if (!this.chain.planLocal) throw new LoadnetError('LN_ERR_DEPLOY', `the local deployer cannot launch chain '${this.chain.name}': its adapter plans no local processes`, { hint: 'attach to nodes that run already (loadnet run --attach <url>)' });
    const plan = await this.chain.planLocal(this.spec, this.ctx);
    this.wallets = plan.wallets;
    this.joiners = plan.joiners;
    this.staking = plan.staking?.({ client: (name) => this.get(name).run.client, liveNames: () => this.liveNodes().map((n) => n.planned.name) });
    for (const launch of plan.nodes) this.add(launch);
    for (const n of this.roster.all()) n.proc.start();
  }

  private add(launch: NodeLaunch): LocalNode {
    const dir = this.record.nodeDir(launch.name);
    const watchdog = launch.exitsWithCoordinator ? undefined : watchdogPath();
    const env = { ...launch.env, ...this.clocks?.envFor(launch.name) };
    const node: LocalNode = {
      planned: { name: launch.name, role: launch.role },
      launch,
      started: false,
      expectedPeers: launch.expectedPeers ?? 0,
      removed: false,
      run: {
        descriptor: { name: launch.name, role: launch.role, apiUrl: launch.apiUrl, ...(launch.testingUrl ? { testingUrl: launch.testingUrl } : {}), peerId: launch.peerId ?? '' },
        client: this.chain.client({ name: launch.name, apiUrl: launch.apiUrl, testingUrl: launch.testingUrl, testingToken: launch.testingUrl ? this.ctx.testingToken : undefined }, { timeoutMs: 5000 }),
      },
      proc: new NodeProcess({
        name: launch.name,
        argv: () => {
          const args = node.started && launch.restartArgs ? launch.restartArgs : launch.args;
          return watchdog ? [process.execPath, watchdog, String(process.pid), launch.command, ...args] : [launch.command, ...args];
        },
        ...(Object.keys(env).length > 0 ? { env } : {}),
        logPath: join(dir, 'node.log'),
        runId: this.record.runId,
        onSpawn: (name, pid) => {
          node.started = true;
          this.registration.nodes[name] = { pid };
          writeRegistration(this.registration);
          this.record.events.emit('node.spawn', { node: name, pid });
        },
        onExit: (name, exit) => this.record.events.emit('node.exit', { node: name, code: exit.code, signal: exit.signal, expected: exit.expected }),
      }),
    };
    return this.roster.add(node);
  }

  /** Name and index of the next runtime joiner (names must be unique within the run, removed nodes included). */
  nextJoiner(role: string, name: string | undefined): { joinIndex: number; name: string } {
    return this.roster.nextJoiner(role, name);
  }

  /** A node joining at runtime as the plan's joiners plan it, dialing `peers`. Spawned, not yet waited for. */
  async launchJoiner(joiner: Joiner, peers: readonly string[]): Promise<NodeDescriptor> {
    if (!this.joiners) throw new LoadnetError('LN_ERR_NODE_CONTROL', `chain '${this.chain.name}' has no runtime joiners on the local deployer`);
    const node = this.add(await this.joiners.plan({ ...joiner, peers }));
    node.proc.start();
    return node.run.descriptor;
  }

  stopGraceMs(node: LocalNode): number {
    return node.launch.stopGraceMs ?? this.options.stopGraceMs ?? 3000;
  }

  nodeStats(name: string): { rssBytes?: number } | undefined {
    const rss = this.roster.find(name)?.proc.rssBytes();
    return rss === undefined ? undefined : { rssBytes: rss };
  }

  checkAlive(): void {
    for (const n of this.liveNodes()) {
      const exit = n.proc.lastExit;
      if (exit && !exit.expected) {
        throw new LoadnetError('LN_ERR_DEPLOY', `${n.planned.name} exited during deploy (code ${exit.code}, signal ${exit.signal}); last log lines:\n${this.logTail(n.planned.name)}`, { hint: `full log: ${join(this.record.runDir, 'nodes', n.planned.name, 'node.log')}` });
      }
    }
  }

  /** The last lines of a node's log, for error messages. */
  logTail(name: string, lines = 15): string {
    try {
      return readFileSync(join(this.record.runDir, 'nodes', name, 'node.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  killNow(): void {
    for (const n of this.roster.all()) n.proc.killNow();
  }

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      this.beforeTeardown?.();
      await Promise.allSettled(this.roster.all().map((n) => n.proc.stop(this.stopGraceMs(n))));
      await Promise.allSettled(this.roster.all().map((n) => n.run.client.close()));
      // The shaper's proxies live in this process (they die with it if it is killed); the faketime files
      // are in the run directory: both go now.
      await this.links?.close();
      this.clocks?.close();
      releasePorts(this.registration.ports);
      removeRegistration(this.registration.runId);
      liveDeployments.delete(this);
    })();
    return this.tornDown;
  }
}
