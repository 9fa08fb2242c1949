/**
 * A local deployment of a chain that plans its own processes (ChainAdapter.planLocal): each node runs under
 * the watchdog (dies with this coordinator), in its own process group, its output appended to
 * `<runDir>/nodes/<name>/node.log`; ports reserved and the run registered like every local run, so a
 * later run or `loadnet clean` sweeps what a killed coordinator left. Restarts use the launch's
 * `restartArgs` (e.g. anvil loading the state it wrote at stop).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadnetError } from '../../errors.js';
import type { ChainAdapter, ChainWallet, NodeLaunch } from '../../adapters/seam.js';
import type { NodeControl, RunNode } from '../../runtime/contracts.js';
import type { Deployment } from '../../runtime/deployment.js';
import type { RunRecord } from '../../runtime/run-record.js';
import type { ScenarioSpec } from '../../scenario/spec.js';
import { NodeProcess } from './node-process.js';
import { releasePorts, reservePorts } from './ports.js';
import { processStart, removeRegistration, writeRegistration, type RunRegistration } from './leftovers.js';

const HOST = '127.0.0.1';

export interface ProcessNode {
  name: string;
  launch: NodeLaunch;
  proc: NodeProcess;
  run: RunNode;
  /** Started once already: later starts use the launch's restart arguments. */
  started: boolean;
}

/** dist/src/deployers/local/watchdog.js (from sources too: processes run plain JavaScript). */
function watchdogPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? resolve(dirname(here), '../../../dist/src/deployers/local/watchdog.js') : join(dirname(here), 'watchdog.js');
}

export class ProcessDeployment implements Deployment {
  readonly deployer = 'local';
  wallets: readonly ChainWallet[] = [];
  nodeControl?: NodeControl;
  beforeTeardown?: () => void;
  private readonly byName = new Map<string, ProcessNode>();
  private readonly registration: RunRegistration;
  private tornDown?: Promise<void>;

  constructor(
    readonly record: RunRecord,
    readonly chain: ChainAdapter,
    readonly spec: ScenarioSpec,
    readonly options: { stopGraceMs?: number } = {},
  ) {
    this.registration = { runId: record.runId, runDir: record.runDir, coordinatorPid: process.pid, coordinatorStart: processStart(process.pid), nodes: {}, ports: [] };
    writeRegistration(this.registration);
  }

  async startAll(): Promise<void> {
    if (!this.chain.planLocal) throw new LoadnetError('LN_ERR_DEPLOY', `the local deployer cannot launch chain '${this.chain.name}': its adapter plans no local processes`, { hint: 'attach to running nodes instead (--attach <url>)' });
    const plan = await this.chain.planLocal(this.spec, {
      host: HOST,
      nodeDir: (name) => this.record.nodeDir(name),
      reservePorts: async (count) => {
        const ports = await reservePorts(count, HOST);
        this.registration.ports.push(...ports);
        writeRegistration(this.registration);
        return ports;
      },
    });
    this.wallets = plan.wallets;
    const watchdog = watchdogPath();
    for (const launch of plan.nodes) {
      const dir = this.record.nodeDir(launch.name);
      const node: ProcessNode = {
        name: launch.name,
        launch,
        started: false,
        run: { descriptor: { name: launch.name, role: launch.role, apiUrl: launch.apiUrl, peerId: '' }, client: this.chain.client({ name: launch.name, apiUrl: launch.apiUrl }, { timeoutMs: 5000 }) },
        proc: new NodeProcess({
          name: launch.name,
          bin: watchdog,
          configPath: '',
          argv: () => [process.execPath, watchdog, String(process.pid), launch.command, ...(node.started && launch.restartArgs ? launch.restartArgs : launch.args)],
          env: launch.env,
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
      this.byName.set(launch.name, node);
    }
    for (const n of this.byName.values()) n.proc.start();
  }

  get(name: string): ProcessNode {
    const n = this.byName.get(name);
    if (!n) throw new LoadnetError('LN_ERR_NODE_CONTROL', `no node named ${JSON.stringify(name)} in this run; nodes: ${[...this.byName.keys()].join(', ')}`);
    return n;
  }

  all(): ProcessNode[] {
    return [...this.byName.values()];
  }

  nodes(): readonly RunNode[] {
    return this.all().map((n) => n.run);
  }

  expectedPeers(): number {
    return 0;
  }

  stopGraceMs(node: ProcessNode): number {
    return node.launch.stopGraceMs ?? this.options.stopGraceMs ?? 3000;
  }

  nodeStats(name: string): { rssBytes?: number } | undefined {
    const rss = this.byName.get(name)?.proc.rssBytes();
    return rss === undefined ? undefined : { rssBytes: rss };
  }

  logTail(name: string, lines = 15): string {
    try {
      return readFileSync(join(this.record.runDir, 'nodes', name, 'node.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  checkAlive(): void {
    for (const n of this.all()) {
      const exit = n.proc.lastExit;
      if (exit && !exit.expected) {
        throw new LoadnetError('LN_ERR_DEPLOY', `${n.name} exited during deploy (code ${exit.code}, signal ${exit.signal}); last log lines:\n${this.logTail(n.name)}`, { hint: `full log: ${join(this.record.runDir, 'nodes', n.name, 'node.log')}` });
      }
    }
  }

  killNow(): void {
    for (const n of this.all()) n.proc.killNow();
  }

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      this.beforeTeardown?.();
      await Promise.allSettled(this.all().map((n) => n.proc.stop(this.stopGraceMs(n))));
      await Promise.allSettled(this.all().map((n) => n.run.client.close()));
      releasePorts(this.registration.ports);
      removeRegistration(this.registration.runId);
    })();
    return this.tornDown;
  }
}
