/**
 * A compose deployment: the plan's nodes as containers of the FROM-scratch node image on one bridge
 * network per run. Node-to-node traffic stays on that network (peers by network alias = node name); the
 * coordinator reaches each node only through its API (and testing API) published on 127.0.0.1 at host
 * ports reserved like the local deployer's, fixed at creation so they survive restarts. Each node's
 * directory under the run directory is bind-mounted (config.json, data/); container logs are followed into
 * node.log. Everything is labelled with the run id; a reaper process removes it all if we die.
 */
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { devnetAdapter } from '../../adapters/devnet/index.js';
import { LoadnetError } from '../../errors.js';
import type { NodeConfig, NodeRole, PeerAddress } from '../../node/config.js';
import type { NodeControl, WalletAccount } from '../../runtime/contracts.js';
import type { Deployment } from '../../runtime/deployment.js';
import type { RunRecord } from '../../runtime/run-record.js';
import { RosteredDeployment, type RosterNode } from '../node-roster.js';
import { buildDeploymentPlan, nodeConfig, type DeploymentPlan, type NodeTuning, type PlannedNode } from '../../adapters/devnet/plan.js';
import { releasePorts, reservePorts } from '../local/ports.js';
import { runTestingToken, writePrivateFile } from '../run-secrets.js';
import { activeRuns, removeRun } from './cleanup.js';
import { writeComposeFile, type ComposeService } from './compose-file.js';
import { dockerError, isNotFound, Labels, runLabels } from './engine.js';
import { NODE_DIR_IN_CONTAINER, type NodeImage } from './image.js';
import { ContainerLog } from './log-stream.js';
import { startNodeContainer } from './container-node.js';
import { containerRss, watchContainerEvents } from './container-events.js';
import type { FaultTarget } from '../../faults/appliers/iptables.js';
import type { Reaper } from './reaper.js';
import { LinkShaper } from '../../shaper/link-shaper.js';
import { FAKETIME_DIR, FaketimeClock } from '../../shaper/faketime-clock.js';
import { networkInterfaces } from 'node:os';

/** Fixed ports inside every container: each container has its own address, so they never collide. */
export const CONTAINER_PORTS = { api: 8080, testing: 8081, p2p: 9000 } as const;
const HOST = '127.0.0.1';

export interface NodeResources {
  /** CPU share, e.g. 0.5 = half a core. */
  cpus?: number;
  memoryBytes?: number;
}

export type ResourcesOption = NodeResources | ((node: { name: string; role: NodeRole }) => NodeResources | undefined);

export interface ComposeDeploymentOptions {
  docker: Docker;
  image: NodeImage;
  reaper: Reaper;
  networkPrefix: string;
  testingApi: boolean;
  genesisLeadMs: number;
  stopGraceMs: number;
  tuning?: Partial<NodeTuning>;
  resources?: ResourcesOption;
  /** When the stack stays after teardown: always, only when the run failed, or never. */
  preserve: 'always' | 'on-failure' | 'never';
  say: (line: string) => void;
  /** Route every peer link through loadnet's link shaper (in this process, on the run network's gateway); the seed drives its jitter. */
  linkShaper?: { seed: number };
  /** Start every container under libfaketime (the image's `faketime` library) so its clock can be skewed. */
  clockSkew?: { seed: number };
}

/** Inside the container: where the run's libfaketime files are mounted (read-only). */
const FAKETIME_IN_CONTAINER = '/loadnet/faketime';

export interface ComposeNode extends RosterNode {
  planned: PlannedNode;
  config: NodeConfig;
  /** Host ports (on 127.0.0.1): api, p2p, then testing when enabled. */
  hostPorts: number[];
  containerId: string;
  containerName: string;
  log: ContainerLog;
  /** Set before loadnet stops/kills it, so the 'die' event is not taken for a crash. */
  stopping: boolean;
  lastExit?: { code: number; expected: boolean };
}

export class ComposeDeployment extends RosteredDeployment<ComposeNode> implements Deployment {
  readonly deployer = 'compose';
  readonly plan: DeploymentPlan;
  readonly wallets: readonly WalletAccount[];
  readonly network: string;
  nodeControl?: NodeControl;
  /**
   * The link shaper every peer link runs through (when asked for), created with the network: its proxies
   * listen on the network's gateway (the host's side of the bridge), so containers dial them there and the
   * shaper forwards to each peer's container address.
   */
  readonly links?: LinkShaper;
  /** The containers' libfaketime clocks (when asked for): files in the run directory, mounted read-only. */
  readonly clocks?: FaketimeClock;
  /** Called first at teardown (node control closes its open fault intervals). */
  beforeTeardown?: () => void;
  private readonly ports: number[] = [];
  private events?: { close(): void };
  private failed = false;
  private tornDown?: Promise<void>;
  private readonly stopRecordWatch: () => void;

  constructor(
    readonly record: RunRecord,
    readonly options: ComposeDeploymentOptions,
    spec: DeploymentPlan['scenario'],
  ) {
    super();
    this.plan = buildDeploymentPlan(spec, { runId: record.runId, genesisLeadMs: options.genesisLeadMs });
    this.wallets = this.plan.wallets;
    this.network = `${options.networkPrefix}-${record.runId.toLowerCase()}`;
    activeRuns.add(record.runId);
    if (options.linkShaper) this.links = new LinkShaper({ seed: options.linkShaper.seed });
    if (options.clockSkew) {
      if (!options.image.faketime) throw new LoadnetError('LN_ERR_DEPLOY', `clock skew of containers needs libfaketime in the node image; image ${options.image.ref} has none`, { hint: 'install libfaketime on this machine (apt-get install libfaketime) and let loadnet build its image, or skew clocks through the testing API' });
      this.clocks = new FaketimeClock({ dir: join(record.runDir, FAKETIME_DIR), processDir: FAKETIME_IN_CONTAINER, library: options.image.faketime, seed: options.clockSkew.seed });
    }
    // Keep-on-failure needs to know whether the deploy or the run failed before teardown is called.
    this.stopRecordWatch = record.events.on((e) => {
      if (e.kind === 'run.error' || (e.kind === 'expectation' && e.status !== 'pass')) this.failed = true;
    });
  }

  get docker(): Docker {
    return this.options.docker;
  }

  /** Network, containers, configs (genesis anchored just before start), start, compose file. */
  async startAll(): Promise<void> {
    const t0 = performance.now();
    const timing: Record<string, number> = {};
    const lap = (phase: string) => (timing[`${phase}Ms`] = Math.round(performance.now() - t0));
    try {
      await this.docker.createNetwork({ Name: this.network, Driver: 'bridge', CheckDuplicate: true, Labels: runLabels(this.record.runId) });
    } catch (e) {
      throw dockerError(`creating network ${this.network}`, e);
    }
    await this.watchEvents();
    this.gatewayAddress = await this.gateway().catch((e: unknown) => {
      if (this.links) throw e;
      return undefined;
    });
    if (this.links) this.links.listenOn(this.gatewayAddress!);
    lap('network');
    const perNode = this.portsPerNode();
    const ports = await reservePorts(this.plan.nodes.length * perNode, HOST);
    this.ports.push(...ports);
    const nodes = await Promise.all(
      this.plan.nodes.map((planned, i) =>
        this.create(planned, ports.slice(i * perNode, (i + 1) * perNode), planned.expectedPeers),
      ),
    );
    lap('create');
    // In plan order (created concurrently): node 0 first, as the runtime and reports expect.
    for (const n of nodes) this.roster.add(n);
    // Creating containers takes a while on a busy engine: the chain starts a lead after they exist.
    this.plan.genesis.timeMs = Math.ceil(Date.now() + this.options.genesisLeadMs);
    for (const n of nodes) this.writeConfig(n, await this.peerAddresses(n.planned.name, n.planned.dials));
    this.writeComposeFile();
    await Promise.all(nodes.map((n) => this.startContainer(n)));
    lap('start');
    this.record.events.emit('compose.deploy', { network: this.network, containers: nodes.length, ...timing, genesisInMs: Math.round(this.plan.genesis.timeMs - Date.now()), ...(this.links ? { linkShaper: this.links.host } : {}), ...(this.clocks ? { faketime: this.clocks.library } : {}) });
  }

  /** The run network's gateway: the host's address on it, where the link shaper listens. */
  private async gateway(): Promise<string> {
    const info = (await this.docker.getNetwork(this.network).inspect().catch((e: unknown) => {
      throw dockerError(`inspecting network ${this.network}`, e);
    })) as { IPAM?: { Config?: Array<{ Gateway?: string }> } };
    const gw = info.IPAM?.Config?.find((c) => c.Gateway && /^\d+\.\d+\.\d+\.\d+$/.test(c.Gateway))?.Gateway;
    if (!gw) throw new LoadnetError('LN_ERR_DEPLOY', `network ${this.network} has no IPv4 gateway for the link shaper to listen on`);
    return gw;
  }

  /** Where `from` dials each peer: by alias on the run network, or the link shaper's proxy for that directed link. */
  private async peerAddresses(from: string, dials: readonly string[]): Promise<PeerAddress[]> {
    return Promise.all(dials.map(async (d) => (this.links ? { name: d, ...(await this.links.addLink(from, d, this.shaperTargets.get(d) ?? null)) } : { name: d, host: d, port: CONTAINER_PORTS.p2p })));
  }

  /** This machine's address on the run network (its gateway), once the network exists. */
  private gatewayAddress?: string;

  /** Each started node's P2P address on the run network (what the shaper forwards to). */
  private readonly shaperTargets = new Map<string, { host: string; port: number }>();
  private async watchEvents(): Promise<void> {
    this.events = await watchContainerEvents(this.docker, this.record.runId, (e) => {
      const node = this.roster.find(e.node);
      if (!node) return;
      if (e.action === 'start') node.lastExit = undefined;
      else {
        const code = e.exitCode ?? -1;
        node.lastExit = { code, expected: node.stopping };
        this.record.events.emit('node.exit', { node: node.planned.name, code, expected: node.stopping });
        if (!node.stopping) node.log.note(`container exited with code ${code} (not asked to by loadnet)`);
      }
    });
  }

  private resourcesFor(planned: PlannedNode): NodeResources {
    const r = this.options.resources;
    return (typeof r === 'function' ? r({ name: planned.name, role: planned.role }) : r) ?? {};
  }

  private async create(planned: PlannedNode, hostPorts: number[], expectedPeers: number): Promise<ComposeNode> {
    const dir = this.record.nodeDir(planned.name);
    const containerName = `${this.network}-${planned.name}`;
    const res = this.resourcesFor(planned);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const { host, container } of this.publishedPorts(hostPorts)) {
      exposed[`${container}/tcp`] = {};
      bindings[`${container}/tcp`] = [{ HostIp: HOST, HostPort: String(host) }];
    }
    let containerId: string;
    try {
      const c = await this.docker.createContainer({
        name: containerName,
        Image: this.options.image.ref,
        Cmd: this.options.image.command,
        // Files in the mounted run directory stay owned by whoever runs loadnet.
        User: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
        Labels: { ...runLabels(this.record.runId), [Labels.node]: planned.name, [Labels.role]: planned.role },
        // Under libfaketime from its first start: the environment stays with the container across restarts.
        ...(this.clocks ? { Env: Object.entries(this.clocks.envFor(planned.name)).map(([k, v]) => `${k}=${v}`) } : {}),
        ExposedPorts: exposed,
        StopTimeout: Math.ceil(this.options.stopGraceMs / 1000),
        HostConfig: {
          // A mount, not a `src:dst` bind string: run directories may hold ':' or ','.
          Mounts: [{ Type: 'bind', Source: dir, Target: NODE_DIR_IN_CONTAINER }, ...(this.clocks ? [{ Type: 'bind' as const, Source: join(this.record.runDir, FAKETIME_DIR), Target: FAKETIME_IN_CONTAINER, ReadOnly: true }] : [])],
          PortBindings: bindings,
          NetworkMode: this.network,
          // tini as PID 1 forwards SIGTERM to node and reaps; node as PID 1 would ignore SIGTERM.
          Init: true,
          ...(res.cpus !== undefined ? { NanoCpus: Math.round(res.cpus * 1e9) } : {}),
          ...(res.memoryBytes !== undefined ? { Memory: res.memoryBytes } : {}),
        },
        NetworkingConfig: { EndpointsConfig: { [this.network]: { Aliases: [planned.name] } } },
      });
      containerId = c.id;
    } catch (e) {
      throw dockerError(`creating container ${containerName}`, e);
    }
    const apiUrl = `http://${HOST}:${hostPorts[0]}`;
    const testingUrl = this.options.testingApi ? `http://${HOST}:${hostPorts[2]}` : undefined;
    const node: ComposeNode = {
      planned,
      config: undefined as unknown as NodeConfig,
      run: {
        descriptor: { name: planned.name, role: planned.role, apiUrl, ...(testingUrl ? { testingUrl } : {}), peerId: planned.peerId, p2pAddress: { host: HOST, port: hostPorts[1]! } },
        client: devnetAdapter.client({ name: planned.name, apiUrl, testingUrl, testingToken: this.testingToken() }, { timeoutMs: 5000 }),
      },
      expectedPeers,
      hostPorts,
      containerId,
      containerName,
      log: new ContainerLog(this.docker, containerId, join(dir, 'node.log')),
      removed: false,
      stopping: false,
    };
    return node;
  }

  /**
   * Host ports a node publishes: its API, its P2P listener (so a peer run from this machine, such as the
   * flooding peer, can join it through the normal handshake) and the testing API when on.
   */
  private portsPerNode(): number {
    return this.options.testingApi ? 3 : 2;
  }

  private publishedPorts(hostPorts: readonly number[]): Array<{ host: number; container: number }> {
    const ports: Array<{ host: number; container: number }> = [
      { host: hostPorts[0]!, container: CONTAINER_PORTS.api },
      { host: hostPorts[1]!, container: CONTAINER_PORTS.p2p },
    ];
    if (this.options.testingApi) ports.push({ host: hostPorts[2]!, container: CONTAINER_PORTS.testing });
    return ports;
  }

  /** The node's config with container addresses: binds 0.0.0.0, dials `peers` (see peerAddresses). */
  private writeConfig(node: ComposeNode, peers: PeerAddress[]): void {
    node.config = nodeConfig(this.plan, {
      node: node.planned,
      addresses: {
        bindHost: '0.0.0.0',
        apiPort: CONTAINER_PORTS.api,
        testingPort: this.options.testingApi ? CONTAINER_PORTS.testing : null,
        p2pPort: CONTAINER_PORTS.p2p,
        dataDir: `${NODE_DIR_IN_CONTAINER}/data`,
      },
      peers,
      // The coordinator's pid means nothing inside a container: the reaper is the watchdog here.
      parentPid: null,
      testingToken: this.testingToken(),
      tuning: this.options.tuning,
    });
    // The container runs as our uid, so an owner-only file is still readable there.
    writePrivateFile(join(this.record.nodeDir(node.planned.name), 'config.json'), JSON.stringify(node.config, null, 2) + '\n');
  }

  /** The run's testing-API token when the testing API is on (the container binds it on 0.0.0.0: the node requires one). */
  private testingToken(): string | undefined {
    return this.options.testingApi ? runTestingToken(this.record.runDir) : undefined;
  }

  /** Starts (or restarts) a node's container and follows its log again. */
  /** SIGTERM → SIGKILL grace of a node's stop and restart (the same for every node). */
  stopGraceMs(_node?: ComposeNode): number {
    return this.options.stopGraceMs;
  }

  async startContainer(node: ComposeNode): Promise<void> {
    await startNodeContainer(this.docker, this.record.events, node);
    const info = await this.docker.getContainer(node.containerId).inspect().catch(() => undefined);
    const ip = info?.NetworkSettings?.Networks?.[this.network]?.IPAddress;
    if (!ip) return;
    if (this.links) this.retargetShaper(node, ip);
    this.offerSeparateClient(node, ip);
  }

  /**
   * Through the published port the node sees every client on this machine as one (the network's gateway):
   * a client that must count as another one (the API flood's control client) dials the container's own
   * address from another of this machine's addresses. A (re)started container may have a new address.
   */
  private offerSeparateClient(node: ComposeNode, ip: string): void {
    const from = otherHostAddress(this.gatewayAddress);
    if (from) node.run.descriptor.separateClient = { apiUrl: `http://${ip}:${CONTAINER_PORTS.api}`, localAddress: from };
  }

  /** A (re)started container may have a new address: the shaper's links to it forward there. */
  private retargetShaper(node: ComposeNode, ip: string): void {
    const target = { host: ip, port: CONTAINER_PORTS.p2p };
    this.shaperTargets.set(node.planned.name, target);
    this.links!.retarget(node.planned.name, target);
  }

  /** Running containers with their namespace pid and address, for the network fault layer. */
  async faultTargets(): Promise<FaultTarget[]> {
    const out: FaultTarget[] = [];
    await Promise.all(
      this.liveNodes().map(async (n) => {
        const info = await this.docker.getContainer(n.containerId).inspect().catch(() => undefined);
        const ip = info?.NetworkSettings?.Networks?.[this.network]?.IPAddress;
        if (info?.State?.Running && info.State.Pid > 0 && ip) out.push({ name: n.planned.name, pid: info.State.Pid, ip });
      }),
    );
    return out;
  }

  /** A node joining at runtime with a fresh identity, dialing `peerNames`. Started, not yet waited for. */
  nextJoiner(role: NodeRole, name: string | undefined): { joinIndex: number; name: string } {
    return this.roster.nextJoiner(role, name);
  }

  async addJoiner(role: NodeRole, joiner: { joinIndex: number; name: string }, peerNames: string[], makePlanned: (joinIndex: number, role: NodeRole, name: string) => PlannedNode): Promise<ComposeNode> {
    const { joinIndex, name: chosen } = joiner;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(chosen)) throw new LoadnetError('LN_ERR_NODE_CONTROL', `startNode: ${JSON.stringify(chosen)} cannot name a container; allowed: letters, digits, '_', '.', '-', starting with a letter or digit`);
    for (const p of peerNames) this.get(p);
    const ports = await reservePorts(this.portsPerNode(), HOST);
    this.ports.push(...ports);
    const node = await this.create(makePlanned(joinIndex, role, chosen), ports, Math.min(1, peerNames.length));
    this.roster.add(node);
    this.writeConfig(node, await this.peerAddresses(chosen, peerNames));
    this.writeComposeFile();
    await this.startContainer(node);
    return node;
  }

  /** Resident memory of the node's container, from its memory cgroup (cgroup v1 or v2 layouts). */
  nodeStats(name: string): { rssBytes?: number } | undefined {
    const id = this.roster.find(name)?.containerId;
    if (!id) return undefined;
    const rss = containerRss(id);
    return rss === undefined ? undefined : { rssBytes: rss };
  }

  checkAlive(): void {
    for (const n of this.liveNodes()) {
      if (n.lastExit && !n.lastExit.expected) {
        const log = join(this.record.runDir, 'nodes', n.planned.name, 'node.log');
        throw new LoadnetError('LN_ERR_DEPLOY', `${n.planned.name} (container ${n.containerName}) exited during deploy (code ${n.lastExit.code}); last log lines:\n${logTail(log)}`, { hint: `full log: ${log}` });
      }
    }
  }

  /** A second interrupt: nothing synchronous can reach the engine; the reaper removes the stack when we exit. */
  killNow(): void {}

  private writeComposeFile(): void {
    const services: ComposeService[] = this.roster
      .live()
      .map((n) => {
        const res = this.resourcesFor(n.planned);
        const ports = this.publishedPorts(n.hostPorts);
        return {
          name: n.planned.name,
          role: n.planned.role,
          image: this.options.image.ref,
          command: this.options.image.command,
          nodeDirRel: relative(this.record.runDir, this.record.nodeDir(n.planned.name)),
          mountPath: NODE_DIR_IN_CONTAINER,
          user: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
          ports,
          labels: { [Labels.node]: n.planned.name, [Labels.role]: n.planned.role },
          ...res,
        };
      });
    writeComposeFile(this.record.runDir, { project: this.network, network: `${this.network}-manual`, networkLabels: {}, services });
  }

  private shouldPreserve(): boolean {
    if (this.options.preserve === 'always') return true;
    if (this.options.preserve === 'never') return false;
    if (this.failed) return true;
    try {
      const summary = JSON.parse(readFileSync(join(this.record.runDir, 'summary.json'), 'utf8')) as { verdict?: string };
      return summary.verdict !== 'pass';
    } catch {
      return false;
    }
  }

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      this.beforeTeardown?.();
      this.stopRecordWatch();
      const preserve = this.shouldPreserve();
      for (const n of this.roster.all()) n.stopping = true;
      this.events?.close();
      if (preserve) {
        this.options.reaper.keep();
        this.record.events.emit('compose.preserved', { network: this.network, containers: this.liveNodes().map((n) => n.containerName) });
        this.options.say(preservedMessage(this.record.runId, this.network, this.liveNodes()));
      } else {
        let error: unknown;
        try {
          // Stop first (SIGTERM, short grace) so each node's last log lines reach node.log, then remove.
          await Promise.allSettled(
            this.liveNodes().map(async (n) => {
              await this.docker.getContainer(n.containerId).stop({ t: Math.min(2, Math.ceil(this.options.stopGraceMs / 1000)) });
              await n.log.drained();
            }),
          );
          await removeRun(this.docker, this.record.runId);
        } catch (e) {
          error = e;
        }
        // The reaper stays armed when removal failed: it retries once we are gone.
        if (!error) this.options.reaper.done();
        if (error) this.record.events.emit('run.error', { phase: 'teardown', message: (error as Error).message });
      }
      await Promise.allSettled(this.roster.all().map((n) => n.log.close()));
      await Promise.allSettled(this.roster.all().map((n) => n.run.client.close()));
      // The shaper's proxies live in this process (they die with it if it is killed: the reaper removes the
      // faketime files then); a preserved stack keeps its clock files (its nodes still read them).
      await this.links?.close();
      if (!preserve) this.clocks?.close();
      releasePorts(this.ports);
      activeRuns.delete(this.record.runId);
    })();
    return this.tornDown;
  }

  /** Removes one node's container for good (removeNode). */
  async removeContainer(node: ComposeNode): Promise<void> {
    node.stopping = true;
    try {
      await this.docker.getContainer(node.containerId).remove({ force: true, v: true });
    } catch (e) {
      if (!isNotFound(e)) throw dockerError(`removing container ${node.containerName}`, e);
    }
    node.removed = true;
    this.writeComposeFile();
  }
}

function preservedMessage(runId: string, network: string, nodes: ComposeNode[]): string {
  return [
    `[loadnet] compose stack of run ${runId} preserved (${nodes.length} containers on network ${network}).`,
    `  inspect:  docker ps --filter label=${Labels.run}=${runId}`,
    ...nodes.map((n) => `            ${n.planned.name}: ${n.run.descriptor.apiUrl}  (docker logs ${n.containerName})`),
    `  remove:   loadnet clean --docker   (or: docker rm -f $(docker ps -aq --filter label=${Labels.run}=${runId}) && docker network rm ${network})`,
  ].join('\n');
}

function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * An IPv4 address of this machine other than `gateway` (its address on the run network) and loopback,
 * preferring one that is not on another container bridge. A container answers it through its gateway, this
 * machine, so a connection from it reaches the container as a client distinct from the gateway.
 */
function otherHostAddress(gateway: string | undefined): string | undefined {
  const candidates = Object.entries(networkInterfaces()).flatMap(([name, list]) =>
    (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal && a.address !== gateway).map((a) => ({ name, address: a.address })),
  );
  const bridge = (name: string) => /^(br-|docker|veth)/.test(name);
  return (candidates.find((c) => !bridge(c.name)) ?? candidates[0])?.address;
}
