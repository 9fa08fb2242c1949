/**
 * A compose deployment of a chain that plans its nodes as programs (ChainAdapter.planLocal, e.g. evm: anvil):
 * each planned node in its own container of the program image (program-image.ts) on the run's bridge
 * network, its node directory bind-mounted (state files survive restarts), the ports its URLs name published
 * on 127.0.0.1 at the same numbers (reserved on this host, fixed at creation). Peers dial each other by
 * network alias (= node name). Labels, log following, crash events and removal (and the reaper when we die)
 * are the compose deployer's as for the devnet; node control acts on the containers (program-control.ts).
 */
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoadnetError } from '../../errors.js';
import type { ChainAdapter, ChainWallet, LocalPlanContext, NodeLaunch } from '../../adapters/seam.js';
import type { NodeControl } from '../../runtime/contracts.js';
import type { Deployment } from '../../runtime/deployment.js';
import type { RunRecord } from '../../runtime/run-record.js';
import type { ScenarioSpec } from '../../scenario/spec.js';
import { RosteredDeployment, type RosterNode } from '../node-roster.js';
import { runTestingToken } from '../run-secrets.js';
import { releasePorts, reservePorts } from '../local/ports.js';
import { activeRuns, removeRun } from './cleanup.js';
import { dockerError, Labels, runLabels } from './engine.js';
import { NODE_DIR_IN_CONTAINER } from './image.js';
import { ContainerLog } from './log-stream.js';
import { startNodeContainer, type ContainerNode } from './container-node.js';
import { containerRss, watchContainerEvents } from './container-events.js';
import { ensureProgramImage } from './program-image.js';
import type { NodeResources } from './compose-deployment.js';
import type { Reaper } from './reaper.js';

const HOST = '127.0.0.1';

export interface ProgramDeploymentOptions {
  docker: Docker;
  reaper: Reaper;
  networkPrefix: string;
  testingApi: boolean;
  genesisLeadMs: number;
  stopGraceMs: number;
  resources?: (node: { name: string; role: string }) => NodeResources | undefined;
  /** Keep the containers after teardown (the deployer's preserve option, 'always'). */
  preserve: boolean;
  say: (line: string) => void;
}

export interface ProgramNode extends RosterNode, ContainerNode {
  launch: NodeLaunch;
}

/** The container ports a launch's URLs name (its API, testing API): published on the host at the same numbers. */
function publishedPorts(launch: NodeLaunch): number[] {
  return [launch.apiUrl, launch.testingUrl].filter((u): u is string => u !== undefined).map((u) => Number(new URL(u).port));
}

export class ProgramDeployment extends RosteredDeployment<ProgramNode> implements Deployment {
  readonly deployer = 'compose';
  readonly network: string;
  wallets: readonly ChainWallet[] = [];
  nodeControl?: NodeControl;
  beforeTeardown?: () => void;
  private readonly ports: number[] = [];
  private events?: { close(): void };
  private tornDown?: Promise<void>;

  constructor(
    readonly record: RunRecord,
    readonly chain: ChainAdapter,
    readonly spec: ScenarioSpec,
    readonly options: ProgramDeploymentOptions,
  ) {
    super();
    this.network = `${options.networkPrefix}-${record.runId.toLowerCase()}`;
    activeRuns.add(record.runId);
  }

  get docker(): Docker {
    return this.options.docker;
  }

  async startAll(): Promise<void> {
    if (!this.chain.planLocal) throw new LoadnetError('LN_ERR_DEPLOY', `the compose deployer cannot launch chain '${this.chain.name}': its adapter plans no node programs`, { hint: 'attach to nodes that run already (loadnet run --attach <url>)' });
    const ctx: LocalPlanContext = {
      runId: this.record.runId,
      host: '0.0.0.0',
      nodeDir: (name) => this.record.nodeDir(name),
      nodePath: (_name, file) => `${NODE_DIR_IN_CONTAINER}/${file}`,
      url: (_name, port) => `http://${HOST}:${port}`,
      reservePorts: async (count) => {
        const ports = await reservePorts(count, HOST);
        this.ports.push(...ports);
        return ports;
      },
      dial: async (_from, to, address) => ({ host: to, port: address.port }),
      coordinatorPid: null,
      genesisLeadMs: this.options.genesisLeadMs,
      ...(this.options.testingApi && this.chain.capabilities.has('testing-faults') ? { testingToken: runTestingToken(this.record.runDir) } : {}),
    };
    const plan = await this.chain.planLocal(this.spec, ctx);
    this.wallets = plan.wallets;
    for (const l of plan.nodes) {
      if (l.restartArgs) throw new LoadnetError('LN_ERR_DEPLOY', `${l.name}: the compose deployer runs a node with one command line; chain '${this.chain.name}' plans other arguments for a restart`, { hint: 'run this chain on the local deployer' });
    }
    const image = await ensureProgramImage(this.docker, plan.nodes.map((l) => l.command), this.options.say);
    this.record.events.emit('compose.image', { image: image.ref, built: image.built, buildMs: Math.round(image.buildMs) });
    try {
      await this.docker.createNetwork({ Name: this.network, Driver: 'bridge', CheckDuplicate: true, Labels: runLabels(this.record.runId) });
    } catch (e) {
      throw dockerError(`creating network ${this.network}`, e);
    }
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
    for (const launch of plan.nodes) this.roster.add(await this.create(launch, image.ref));
    await Promise.all(this.roster.all().map((n) => this.startContainer(n)));
    this.record.events.emit('compose.deploy', { network: this.network, containers: plan.nodes.length, chain: this.chain.name });
  }

  private async create(launch: NodeLaunch, image: string): Promise<ProgramNode> {
    const containerName = `${this.network}-${launch.name}`;
    const ports = publishedPorts(launch);
    const res = this.options.resources?.({ name: launch.name, role: launch.role }) ?? {};
    let containerId: string;
    try {
      const c = await this.docker.createContainer({
        name: containerName,
        Image: image,
        Cmd: [launch.command, ...launch.args],
        Env: Object.entries({ HOME: '/tmp', ...launch.env }).map(([k, v]) => `${k}=${v}`),
        // Files in the mounted node directory stay owned by whoever runs loadnet.
        User: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
        Labels: { ...runLabels(this.record.runId), [Labels.node]: launch.name, [Labels.role]: launch.role },
        ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])),
        StopTimeout: Math.ceil((launch.stopGraceMs ?? this.options.stopGraceMs) / 1000),
        HostConfig: {
          Mounts: [{ Type: 'bind', Source: this.record.nodeDir(launch.name), Target: NODE_DIR_IN_CONTAINER }],
          PortBindings: Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostIp: HOST, HostPort: String(p) }]])),
          NetworkMode: this.network,
          // tini as PID 1 forwards SIGTERM (the program writes its state) and reaps.
          Init: true,
          ...(res.cpus !== undefined ? { NanoCpus: Math.round(res.cpus * 1e9) } : {}),
          ...(res.memoryBytes !== undefined ? { Memory: res.memoryBytes } : {}),
        },
        NetworkingConfig: { EndpointsConfig: { [this.network]: { Aliases: [launch.name] } } },
      });
      containerId = c.id;
    } catch (e) {
      throw dockerError(`creating container ${containerName}`, e);
    }
    return {
      planned: { name: launch.name, role: launch.role },
      launch,
      run: {
        descriptor: { name: launch.name, role: launch.role, apiUrl: launch.apiUrl, ...(launch.testingUrl ? { testingUrl: launch.testingUrl } : {}), peerId: launch.peerId ?? '' },
        client: this.chain.client({ name: launch.name, apiUrl: launch.apiUrl, testingUrl: launch.testingUrl, testingToken: launch.testingUrl ? runTestingToken(this.record.runDir) : undefined }, { timeoutMs: 5000 }),
      },
      expectedPeers: launch.expectedPeers ?? 0,
      removed: false,
      containerId,
      containerName,
      log: new ContainerLog(this.docker, containerId, join(this.record.nodeDir(launch.name), 'node.log')),
      stopping: false,
    };
  }

  /** Starts (or restarts) a node's container and follows its log again. */
  startContainer(node: ProgramNode): Promise<void> {
    return startNodeContainer(this.docker, this.record.events, node);
  }

  stopGraceMs(node: ProgramNode): number {
    return node.launch.stopGraceMs ?? this.options.stopGraceMs;
  }

  nodeStats(name: string): { rssBytes?: number } | undefined {
    const id = this.roster.find(name)?.containerId;
    const rss = id === undefined ? undefined : containerRss(id);
    return rss === undefined ? undefined : { rssBytes: rss };
  }

  logTail(name: string, lines = 15): string {
    try {
      return readFileSync(join(this.record.nodeDir(name), 'node.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  checkAlive(): void {
    for (const n of this.liveNodes()) {
      if (n.lastExit && !n.lastExit.expected) {
        throw new LoadnetError('LN_ERR_DEPLOY', `${n.planned.name} (container ${n.containerName}) exited during deploy (code ${n.lastExit.code}); last log lines:\n${this.logTail(n.planned.name)}`, { hint: `full log: ${join(this.record.nodeDir(n.planned.name), 'node.log')}` });
      }
    }
  }

  /** A second interrupt: nothing synchronous can reach the engine; the reaper removes the stack when we exit. */
  killNow(): void {}

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      this.beforeTeardown?.();
      for (const n of this.roster.all()) n.stopping = true;
      this.events?.close();
      if (this.options.preserve) {
        this.options.reaper.keep();
        this.record.events.emit('compose.preserved', { network: this.network, containers: this.liveNodes().map((n) => n.containerName) });
        this.options.say(`[loadnet] compose stack of run ${this.record.runId} preserved: docker ps --filter label=${Labels.run}=${this.record.runId}; remove with loadnet clean --docker`);
      } else {
        let error: unknown;
        try {
          // Stop with each node's grace (a program may write its state at SIGTERM), so its last lines reach node.log, then remove.
          await Promise.allSettled(
            this.liveNodes().map(async (n) => {
              await this.docker.getContainer(n.containerId).stop({ t: Math.ceil(this.stopGraceMs(n) / 1000) });
              await n.log.drained();
            }),
          );
          await removeRun(this.docker, this.record.runId);
        } catch (e) {
          error = e;
        }
        // The reaper stays armed when removal failed: it retries once we are gone.
        if (error) this.record.events.emit('run.error', { phase: 'teardown', message: (error as Error).message });
        else this.options.reaper.done();
      }
      await Promise.allSettled(this.roster.all().map((n) => n.log.close()));
      await Promise.allSettled(this.roster.all().map((n) => n.run.client.close()));
      releasePorts(this.ports);
      activeRuns.delete(this.record.runId);
    })();
    return this.tornDown;
  }
}
