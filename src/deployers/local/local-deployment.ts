/**
 * A local deployment: the plan's nodes as child processes on loopback, each with its config, data dir and
 * log under `<runDir>/nodes/<name>/`, ports reserved so parallel runs never collide, and a registry entry
 * so `loadnet clean` can find leftovers. Teardown stops every node (SIGTERM, SIGKILL after a grace period),
 * releases ports and the registry entry; if this process exits without teardown, an exit hook kills the
 * node groups synchronously, and the nodes' parent-pid watchdog covers SIGKILL of this process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { devnetAdapter } from '../../adapters/devnet/index.js';
import { LoadnetError } from '../../errors.js';
import type { NodeConfig, NodeRole, PeerAddress } from '../../node/config.js';
import type { NodeControl, RunNode, WalletAccount } from '../../runtime/contracts.js';
import type { Deployment } from '../../runtime/deployment.js';
import type { RunRecord } from '../../runtime/run-record.js';
import { buildDeploymentPlan, nodeConfig, type DeploymentPlan, type NodeTuning, type PlannedNode } from '../../adapters/devnet/plan.js';
import { RosteredDeployment, type RosterNode } from '../node-roster.js';
import { runTestingToken, writePrivateFile } from '../run-secrets.js';
import { NodeProcess } from './node-process.js';
import { LinkShaper } from '../../shaper/link-shaper.js';
import { FaketimeClock } from '../../shaper/faketime-clock.js';
import { releasePorts, reservePorts } from './ports.js';
import { processStart, removeRegistration, writeRegistration, type RunRegistration } from './leftovers.js';

const HOST = '127.0.0.1';

export interface LocalDeploymentOptions {
  /** Path of the node entry point (default: the bundled devnet node). */
  bin: string;
  /** Enable each node's testing API (network faults). */
  testingApi: boolean;
  genesisLeadMs?: number;
  /** SIGTERM → SIGKILL grace at stop and teardown. */
  stopGraceMs?: number;
  tuning?: Partial<NodeTuning>;
  /** Route every peer link through loadnet's link shaper (src/shaper/link-shaper.ts); the seed drives its jitter. */
  linkShaper?: { seed: number };
  /** Start every node under libfaketime so its clock can be skewed (src/shaper/faketime-clock.ts). */
  clockSkew?: { seed: number };
}

export interface LocalNode extends RosterNode {
  config: NodeConfig;
  configPath: string;
  proc: NodeProcess;
  ports: number[];
}

const liveDeployments = new Set<LocalDeployment>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL the groups; the parent-pid watchdog is the backstop.
  process.on('exit', () => {
    for (const d of liveDeployments) d.killNow();
  });
}

export class LocalDeployment extends RosteredDeployment<LocalNode> implements Deployment {
  readonly deployer = 'local';
  readonly plan: DeploymentPlan;
  readonly wallets: readonly WalletAccount[];
  nodeControl?: NodeControl;
  /** The link shaper every peer link runs through (when asked for): set its desired state to shape links. */
  readonly links?: LinkShaper;
  /** The nodes' libfaketime clocks (when asked for): set a node's skew, at any time, surviving restarts. */
  readonly clocks?: FaketimeClock;
  /** Called first at teardown (node control closes its open fault intervals). */
  beforeTeardown?: () => void;
  private readonly registration: RunRegistration;
  private tornDown?: Promise<void>;

  constructor(
    readonly record: RunRecord,
    readonly options: LocalDeploymentOptions,
    spec: DeploymentPlan['scenario'],
  ) {
    super();
    this.plan = buildDeploymentPlan(spec, { runId: record.runId, genesisLeadMs: options.genesisLeadMs });
    this.wallets = this.plan.wallets;
    if (options.linkShaper) this.links = new LinkShaper({ host: HOST, seed: options.linkShaper.seed });
    if (options.clockSkew) this.clocks = new FaketimeClock({ dir: join(record.runDir, 'faketime'), seed: options.clockSkew.seed });
    this.registration = { runId: record.runId, runDir: record.runDir, coordinatorPid: process.pid, coordinatorStart: processStart(process.pid), nodes: {}, ports: [] };
    writeRegistration(this.registration);
    liveDeployments.add(this);
    installExitHook();
  }

  /** Write every node's config and spawn them all at once. */
  async startAll(): Promise<void> {
    const perNode = this.options.testingApi ? 3 : 2;
    const ports = await reservePorts(this.plan.nodes.length * perNode, HOST);
    this.registration.ports.push(...ports);
    const addresses = new Map(this.plan.nodes.map((n, i) => [n.name, ports.slice(i * perNode, (i + 1) * perNode)]));
    // Genesis time is fixed in the plan; re-anchor it now that ports are reserved so the lead is real.
    this.plan.genesis.timeMs = Math.ceil(Date.now() + (this.options.genesisLeadMs ?? 1000));
    for (const planned of this.plan.nodes) {
      const p = addresses.get(planned.name)!;
      const peers = await Promise.all(planned.dials.map((d) => this.peerAddress(planned.name, d, addresses.get(d)![perNode - 1]!)));
      this.prepare(planned, p, peers, planned.expectedPeers);
    }
    writeRegistration(this.registration);
    for (const n of this.roster.all()) n.proc.start();
  }

  /** Where `from` dials `to`: its P2P port, or the link shaper's proxy for that directed link. */
  private async peerAddress(from: string, to: string, p2pPort: number): Promise<PeerAddress> {
    if (!this.links) return { name: to, host: HOST, port: p2pPort };
    return { name: to, ...(await this.links.addLink(from, to, { host: HOST, port: p2pPort })) };
  }

  private prepare(planned: PlannedNode, ports: number[], peers: PeerAddress[], expectedPeers: number): LocalNode {
    const dir = this.record.nodeDir(planned.name);
    const testingPort = this.options.testingApi ? ports[1]! : null;
    const p2pPort = ports[ports.length - 1]!;
    const testingToken = this.options.testingApi ? runTestingToken(this.record.runDir) : undefined;
    const config = nodeConfig(this.plan, {
      node: planned,
      addresses: { bindHost: HOST, apiPort: ports[0]!, testingPort, p2pPort, dataDir: join(dir, 'data') },
      peers,
      parentPid: process.pid,
      testingToken,
      tuning: this.options.tuning,
    });
    const configPath = join(dir, 'config.json');
    writePrivateFile(configPath, JSON.stringify(config, null, 2) + '\n');
    const proc = new NodeProcess({
      name: planned.name,
      bin: this.options.bin,
      configPath,
      logPath: join(dir, 'node.log'),
      runId: this.record.runId,
      ...(this.clocks ? { env: this.clocks.envFor(planned.name) } : {}),
      onSpawn: (name, pid) => {
        this.registration.nodes[name] = { pid };
        writeRegistration(this.registration);
        this.record.events.emit('node.spawn', { node: name, pid });
      },
      onExit: (name, exit) => this.record.events.emit('node.exit', { node: name, code: exit.code, signal: exit.signal, expected: exit.expected }),
    });
    const apiUrl = `http://${HOST}:${ports[0]}`;
    const testingUrl = testingPort === null ? undefined : `http://${HOST}:${testingPort}`;
    const run: RunNode = {
      descriptor: { name: planned.name, role: planned.role, apiUrl, ...(testingUrl ? { testingUrl } : {}), peerId: planned.peerId },
      client: devnetAdapter.client({ name: planned.name, apiUrl, testingUrl, testingToken }, { timeoutMs: 5000 }),
    };
    return this.roster.add({ planned, config, configPath, proc, run, expectedPeers, ports, removed: false });
  }

  /** Name and index of the next runtime joiner (names must be unique within the run, removed nodes included). */
  nextJoiner(role: NodeRole, name: string | undefined): { joinIndex: number; name: string } {
    return this.roster.nextJoiner(role, name);
  }

  /** A node joining at runtime with a fresh identity, dialing `peerNames`. Spawned, not yet waited for. */
  async addJoiner(role: NodeRole, joiner: { joinIndex: number; name: string }, peerNames: string[], makePlanned: (joinIndex: number, role: NodeRole, name: string) => PlannedNode): Promise<LocalNode> {
    const { joinIndex, name: chosen } = joiner;
    const peers = peerNames.map((p) => this.get(p));
    const perNode = this.options.testingApi ? 3 : 2;
    const ports = await reservePorts(perNode, HOST);
    this.registration.ports.push(...ports);
    const planned = makePlanned(joinIndex, role, chosen);
    const addresses = await Promise.all(peers.map((p) => this.peerAddress(chosen, p.planned.name, p.config.p2p.port)));
    const node = this.prepare(planned, ports, addresses, Math.min(1, peers.length));
    node.proc.start();
    return node;
  }

  nodeStats(name: string): { rssBytes?: number } | undefined {
    const rss = this.roster.find(name)?.proc.rssBytes();
    return rss === undefined ? undefined : { rssBytes: rss };
  }

  checkAlive(): void {
    for (const n of this.liveNodes()) {
      const exit = n.proc.lastExit;
      if (exit && !exit.expected) {
        throw new LoadnetError('LN_ERR_DEPLOY', `${n.planned.name} exited during deploy (code ${exit.code}, signal ${exit.signal}); last log lines:\n${logTail(join(this.record.runDir, 'nodes', n.planned.name, 'node.log'))}`, { hint: `full log: ${join(this.record.runDir, 'nodes', n.planned.name, 'node.log')}` });
      }
    }
  }

  /** The last lines of a node's log, for error messages. */
  logTail(name: string, lines = 15): string {
    return logTail(join(this.record.runDir, 'nodes', name, 'node.log'), lines);
  }

  killNow(): void {
    for (const n of this.roster.all()) n.proc.killNow();
  }

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      this.beforeTeardown?.();
      await Promise.allSettled(this.roster.all().map((n) => n.proc.stop(this.options.stopGraceMs ?? 3000)));
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

function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
