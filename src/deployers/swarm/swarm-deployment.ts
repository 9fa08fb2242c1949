/**
 * A swarm deployment: one Swarm service per node (one replica, so each keeps its identity, config and data)
 * on an attachable overlay network of the run, each pinned to the host placement chose (hosts.ts). A node's
 * config (its identity seed, the testing token) is a Swarm secret mounted at /run/secrets; its data is a
 * named volume on its host, so a restarted task keeps its chain. Peers dial each other by service name on
 * the overlay (DNS round robin: this kernel has no IPVS for virtual IPs, and one replica needs none). The
 * coordinator reaches each node's API, and its P2P listener (a peer of loadnet's own: the flooding peer), at its
 * host's swarm address on ports published in host mode. Every
 * object carries the run's labels; a reaper removes them from the manager and every known engine if we die.
 */
import type Docker from 'dockerode';
import { join } from 'node:path';
import { devnetAdapter } from '../../adapters/devnet/index.js';
import { LoadnetError } from '../../errors.js';
import type { NodeConfig, PeerAddress } from '../../node/config.js';
import type { NodeControl, WalletAccount } from '../../runtime/contracts.js';
import type { Deployment } from '../../runtime/deployment.js';
import type { RunRecord } from '../../runtime/run-record.js';
import { RosteredDeployment, type RosterNode } from '../node-roster.js';
import { buildDeploymentPlan, nodeConfig, type DeploymentPlan, type NodeTuning, type PlannedNode } from '../../adapters/devnet/plan.js';
import { releasePorts, reservePorts } from '../local/ports.js';
import { runTestingToken, writePrivateFile } from '../run-secrets.js';
import { activeRuns } from '../compose/cleanup.js';
import { CONTAINER_PORTS, type NodeResources, type ResourcesOption } from '../compose/compose-deployment.js';
import { dockerError, Labels, runLabels } from '../compose/engine.js';
import { NODE_DIR_IN_CONTAINER, type NodeImage } from '../compose/image.js';
import { ContainerLog } from '../compose/log-stream.js';
import { watchContainerEvents } from '../compose/container-events.js';
import type { Reaper } from '../compose/reaper.js';
import { removeSwarmRun } from './cleanup.js';
import { placeNodes, type PlacementConstraints, type SwarmHost } from './hosts.js';
import { runningTask } from './tasks.js';
import { placeAgents, startSwarmAgents, type SwarmAgent, type SwarmAgentsOption } from './swarm-agents.js';

const CONFIG_FILE = 'loadnet-config.json';
/** Where the node's config secret is mounted inside its container. */
export const CONFIG_IN_CONTAINER = `/run/secrets/${CONFIG_FILE}`;

export interface SwarmDeploymentOptions {
  manager: Docker;
  hosts: SwarmHost[];
  image: NodeImage;
  reaper: Reaper;
  networkPrefix: string;
  testingApi: boolean;
  genesisLeadMs: number;
  stopGraceMs: number;
  constraints?: PlacementConstraints;
  /** Load agents to start as services (none: the load runs on the coordinator or the scenario's agents). */
  agents?: SwarmAgentsOption;
  tuning?: Partial<NodeTuning>;
  resources?: ResourcesOption;
  say: (line: string) => void;
}

export interface SwarmNode extends RosterNode {
  planned: PlannedNode;
  config: NodeConfig;
  host: SwarmHost;
  /** Published ports on the host: api, p2p, then testing when enabled. */
  publishedPorts: number[];
  serviceName: string;
  serviceId: string;
  /** The container of the current task, on `host` (absent until the task runs). */
  containerId?: string;
  log?: ContainerLog;
  /** Set before loadnet stops/kills it, so its exit is not taken for a crash. */
  stopping: boolean;
  lastExit?: { code: number; expected: boolean };
}

export class SwarmDeployment extends RosteredDeployment<SwarmNode> implements Deployment {
  readonly deployer = 'swarm';
  readonly plan: DeploymentPlan;
  readonly wallets: readonly WalletAccount[];
  readonly network: string;
  nodeControl?: NodeControl;
  beforeTeardown?: () => void;
  private networkId = '';
  private readonly ports: number[] = [];
  private readonly watches: Array<{ close(): void }> = [];
  private tornDown?: Promise<void>;
  private agents: SwarmAgent[] = [];

  constructor(
    readonly record: RunRecord,
    readonly options: SwarmDeploymentOptions,
    spec: DeploymentPlan['scenario'],
  ) {
    super();
    this.plan = buildDeploymentPlan(spec, { runId: record.runId, genesisLeadMs: options.genesisLeadMs });
    this.wallets = this.plan.wallets;
    this.network = `${options.networkPrefix}-${record.runId.toLowerCase()}`;
    activeRuns.add(record.runId);
  }

  get loadAgents(): readonly string[] {
    return this.agents.map((a) => a.address);
  }

  get loadAgentLoss(): 'fail' | 'continue' | undefined {
    return this.options.agents?.onLoss;
  }

  get manager(): Docker {
    return this.options.manager;
  }

  /** The engine of a node's host, or an error naming the host when the user did not give it. */
  engineOf(node: SwarmNode, doing: string): Docker {
    if (!node.host.docker) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `${doing} ${node.planned.name}: its host ${node.host.hostname} (${node.host.addr}) has no engine connection`, {
        hint: 'give that host\'s engine in SwarmDeployer `engines` (e.g. { socketPath } or DOCKER_HOST-style access) for container-level actions',
      });
    }
    return node.host.docker;
  }

  private resourcesFor(planned: PlannedNode): NodeResources {
    const r = this.options.resources;
    return (typeof r === 'function' ? r({ name: planned.name, role: planned.role }) : r) ?? {};
  }

  async startAll(): Promise<void> {
    const t0 = performance.now();
    const timing: Record<string, number> = {};
    const lap = (phase: string) => (timing[`${phase}Ms`] = Math.round(performance.now() - t0));
    const placed = placeNodes(this.plan.nodes.map((p) => ({ name: p.name, role: p.role })), this.options.hosts, this.options.constraints);
    try {
      const net = await this.manager.createNetwork({ Name: this.network, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: runLabels(this.record.runId) });
      this.networkId = net.id;
    } catch (e) {
      throw dockerError(`creating overlay network ${this.network}`, e);
    }
    for (const h of new Set(placed.map((p) => p.host))) {
      if (h.docker) this.watches.push(await watchContainerEvents(h.docker, this.record.runId, (e) => this.onContainerEvent(h, e)));
    }
    lap('network');
    const perNode = this.options.testingApi ? 3 : 2;
    const ports = await reservePorts(this.plan.nodes.length * perNode, '127.0.0.1');
    this.ports.push(...ports);
    // The chain starts a lead after now: services are created and their tasks scheduled meanwhile.
    this.plan.genesis.timeMs = Math.ceil(Date.now() + this.options.genesisLeadMs);
    const nodes = await Promise.all(this.plan.nodes.map((planned, i) => this.create(planned, placed[i]!.host, placed[i]!.constraints, ports.slice(i * perNode, (i + 1) * perNode))));
    for (const n of nodes) this.roster.add(n);
    lap('create');
    await Promise.all(nodes.map((n) => this.awaitTask(n)));
    lap('running');
    const agents = this.options.agents;
    if (agents) {
      const placedAgents = placeAgents(agents.count, this.options.hosts, agents.constraints ?? []);
      const agentPorts = await reservePorts(agents.count, '127.0.0.1');
      this.ports.push(...agentPorts);
      this.agents = await startSwarmAgents(this.manager, this.record, this.options.image, this.network, placedAgents, agentPorts);
      lap('agents');
    }
    const hosts = new Set(nodes.map((n) => n.host.id));
    this.record.summary.set('swarm', {
      network: this.network,
      nodes: Object.fromEntries(nodes.map((n) => [n.planned.name, { host: n.host.id, hostname: n.host.hostname, addr: n.host.addr, service: n.serviceName }])),
      ...(this.agents.length ? { agents: Object.fromEntries(this.agents.map((a) => [a.name, { host: a.host.id, hostname: a.host.hostname, addr: a.host.addr, address: a.address, service: a.serviceName }])) } : {}),
    });
    this.record.events.emit('swarm.deploy', { network: this.network, services: nodes.length, hosts: hosts.size, ...timing, genesisInMs: Math.round(this.plan.genesis.timeMs - Date.now()) });
  }

  private onContainerEvent(host: SwarmHost, e: { action: 'start' | 'die'; node: string; exitCode?: number }): void {
    const node = this.roster.find(e.node);
    if (!node || node.host.id !== host.id) return;
    if (e.action === 'start') {
      node.lastExit = undefined;
      return;
    }
    const code = e.exitCode ?? -1;
    node.lastExit = { code, expected: node.stopping };
    this.record.events.emit('node.exit', { node: node.planned.name, code, expected: node.stopping });
    if (!node.stopping) node.log?.note(`container exited with code ${code} (not asked to by loadnet)`);
  }

  /** The node's config: binds 0.0.0.0 inside its container, dials peers by service name on the overlay. */
  private writeConfig(planned: PlannedNode): NodeConfig {
    const peers: PeerAddress[] = planned.dials.map((d) => ({ name: d, host: d, port: CONTAINER_PORTS.p2p }));
    const config = nodeConfig(this.plan, {
      node: planned,
      addresses: { bindHost: '0.0.0.0', apiPort: CONTAINER_PORTS.api, testingPort: this.options.testingApi ? CONTAINER_PORTS.testing : null, p2pPort: CONTAINER_PORTS.p2p, dataDir: `${NODE_DIR_IN_CONTAINER}/data` },
      peers,
      parentPid: null,
      testingToken: this.testingToken(),
      tuning: this.options.tuning,
    });
    // The run directory keeps a copy (owner-only: it holds the node's identity seed), as on the other deployers.
    writePrivateFile(join(this.record.nodeDir(planned.name), 'config.json'), JSON.stringify(config, null, 2) + '\n');
    return config;
  }

  private testingToken(): string | undefined {
    return this.options.testingApi ? runTestingToken(this.record.runDir) : undefined;
  }

  private async create(planned: PlannedNode, host: SwarmHost, constraints: string[], publishedPorts: number[]): Promise<SwarmNode> {
    const config = this.writeConfig(planned);
    const serviceName = `${this.network}-${planned.name}`;
    const labels = { ...runLabels(this.record.runId), [Labels.node]: planned.name, [Labels.role]: planned.role };
    let secretId: string;
    try {
      const secret = await this.manager.createSecret({ Name: `${serviceName}-config`, Labels: labels, Data: Buffer.from(JSON.stringify(config)).toString('base64') });
      secretId = secret.id;
    } catch (e) {
      throw dockerError(`creating the config secret of ${planned.name}`, e);
    }
    const res = this.resourcesFor(planned);
    const publish = (target: number, published: number | undefined) => ({ Protocol: 'tcp', TargetPort: target, PublishedPort: published, PublishMode: 'host' });
    const ports = [publish(CONTAINER_PORTS.api, publishedPorts[0]), publish(CONTAINER_PORTS.p2p, publishedPorts[1])];
    if (this.options.testingApi) ports.push(publish(CONTAINER_PORTS.testing, publishedPorts[2]));
    const command = this.options.image.command.map((a) => (a === `${NODE_DIR_IN_CONTAINER}/config.json` ? CONFIG_IN_CONTAINER : a));
    let serviceId: string;
    try {
      const svc = await this.manager.createService({
        Name: serviceName,
        Labels: labels,
        TaskTemplate: {
          ContainerSpec: {
            Image: this.options.image.ref,
            Args: command,
            Hostname: planned.name,
            Labels: labels,
            Init: true,
            StopGracePeriod: this.options.stopGraceMs * 1e6,
            Secrets: [{ SecretID: secretId, SecretName: `${serviceName}-config`, File: { Name: CONFIG_FILE, UID: '0', GID: '0', Mode: 0o400 } }],
            Mounts: [{ Type: 'volume', Source: `${serviceName}-data`, Target: `${NODE_DIR_IN_CONTAINER}/data`, VolumeOptions: { Labels: labels } }],
          },
          // loadnet restarts nodes (chaos) and judges their exits; Swarm must not restart them behind its back.
          RestartPolicy: { Condition: 'none' },
          Placement: { Constraints: [`node.id==${host.id}`, ...constraints] },
          Networks: [{ Target: this.networkId, Aliases: [planned.name] }],
          ...(res.cpus !== undefined || res.memoryBytes !== undefined ? { Resources: { Limits: { ...(res.cpus !== undefined ? { NanoCPUs: Math.round(res.cpus * 1e9) } : {}), ...(res.memoryBytes !== undefined ? { MemoryBytes: res.memoryBytes } : {}) } } } : {}),
        },
        Mode: { Replicated: { Replicas: 1 } },
        EndpointSpec: { Mode: 'dnsrr', Ports: ports },
      } as unknown as Docker.CreateServiceOptions);
      serviceId = svc.id;
    } catch (e) {
      throw dockerError(`creating service ${serviceName}`, e);
    }
    const apiUrl = `http://${host.addr}:${publishedPorts[0]}`;
    const testingUrl = this.options.testingApi ? `http://${host.addr}:${publishedPorts[2]}` : undefined;
    return {
      planned,
      config,
      host,
      publishedPorts,
      serviceName,
      serviceId,
      run: {
        descriptor: { name: planned.name, role: planned.role, apiUrl, ...(testingUrl ? { testingUrl } : {}), peerId: planned.peerId, p2pAddress: { host: host.addr, port: publishedPorts[1]! } },
        client: devnetAdapter.client({ name: planned.name, apiUrl, testingUrl, testingToken: this.testingToken() }, { timeoutMs: 5000 }),
      },
      expectedPeers: planned.expectedPeers,
      removed: false,
      stopping: false,
    };
  }

  /**
   * Waits until the node's service has a running task whose container is not `previous`, then follows its
   * log. A task that failed or was rejected fails with Swarm's reason.
   */
  async awaitTask(node: SwarmNode, previous?: string): Promise<void> {
    const task = await runningTask(this.manager, node.serviceName, `the task of ${node.planned.name} (service ${node.serviceName}) on ${node.host.hostname}`, { previous, engine: node.host.docker });
    const id = task.container;
    if (task.runningBeforeReport) this.record.events.emit('swarm.taskReportLag', { node: node.planned.name, hostname: node.host.hostname, container: id, startingMs: task.runningBeforeReport.startingMs });
    node.containerId = id;
    node.lastExit = undefined;
    this.record.events.emit('swarm.placement', { node: node.planned.name, host: node.host.id, hostname: node.host.hostname, addr: node.host.addr, service: node.serviceName, container: id });
    this.record.events.emit('node.spawn', { node: node.planned.name, container: id, host: node.host.hostname });
    if (node.host.docker) {
      if (node.log) await node.log.retarget(node.host.docker, id).catch(() => undefined);
      else {
        node.log = new ContainerLog(node.host.docker, id, join(this.record.nodeDir(node.planned.name), 'node.log'));
        await node.log.follow().catch(() => undefined);
      }
    }
  }

  /** A new task of the node's service on its host (same secret, same volume): after a stop or kill. */
  async startTask(node: SwarmNode): Promise<void> {
    const previous = node.containerId;
    node.stopping = false;
    const service = this.manager.getService(node.serviceId);
    try {
      const info = (await service.inspect()) as { Version: { Index: number }; Spec: { TaskTemplate: { ForceUpdate?: number } } };
      await service.update({ version: info.Version.Index, ...info.Spec, TaskTemplate: { ...info.Spec.TaskTemplate, ForceUpdate: (info.Spec.TaskTemplate.ForceUpdate ?? 0) + 1 } });
    } catch (e) {
      throw dockerError(`starting a new task of service ${node.serviceName}`, e);
    }
    await this.awaitTask(node, previous);
  }

  checkAlive(): void {
    for (const n of this.liveNodes()) {
      if (n.lastExit && !n.lastExit.expected) {
        throw new LoadnetError('LN_ERR_DEPLOY', `${n.planned.name} (service ${n.serviceName} on ${n.host.hostname}) exited during deploy (code ${n.lastExit.code}); see nodes/${n.planned.name}/node.log`);
      }
    }
  }

  /** A second interrupt: nothing synchronous reaches the engines; the reaper removes the run when we exit. */
  killNow(): void {}

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      this.beforeTeardown?.();
      for (const n of this.roster.all()) n.stopping = true;
      for (const w of this.watches) w.close();
      let error: unknown;
      try {
        const workers = [...new Set(this.options.hosts.filter((h) => h.docker && h.docker !== this.manager).map((h) => h.docker!))];
        await removeSwarmRun(this.manager, workers, this.record.runId);
      } catch (e) {
        error = e;
      }
      if (!error) this.options.reaper.done();
      else this.record.events.emit('run.error', { phase: 'teardown', message: (error as Error).message });
      await Promise.allSettled(this.roster.all().map((n) => n.log?.close()));
      await Promise.allSettled(this.roster.all().map((n) => n.run.client.close()));
      releasePorts(this.ports);
      activeRuns.delete(this.record.runId);
    })();
    return this.tornDown;
  }
}
