/** The RunContext workloads and expectations see: a view over the deployment, the feed and the record. */
import { LoadnetError } from '../errors.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import type { BlockFeed, EventLog, LiveBoard, NodeControl, RunContext, RunMetrics, RunNode, SummarySink, WalletAccount } from './contracts.js';
import type { Deployment } from './deployment.js';

export interface RunContextParts {
  scenario: ScenarioSpec;
  metrics: RunMetrics;
  deployment: Deployment;
  blockFeed: BlockFeed;
  runDir: string;
  events: EventLog;
  summary: SummarySink;
  live: LiveBoard;
  signal: AbortSignal;
}

export class LiveRunContext implements RunContext {
  readonly scenario: ScenarioSpec;
  readonly metrics: RunMetrics;
  readonly blockFeed: BlockFeed;
  readonly wallets: readonly WalletAccount[];
  readonly nodeControl?: NodeControl;
  readonly runDir: string;
  readonly events: EventLog;
  readonly summary: SummarySink;
  readonly live: LiveBoard;
  readonly signal: AbortSignal;
  /** Planned until the window starts; then fixed. */
  window: { startMs: number; endMs: number };
  private readonly deployment: Deployment;

  constructor(parts: RunContextParts) {
    const agents = parts.deployment.loadAgents;
    // Agents the deployer started carry the transaction load unless the scenario names its own.
    this.scenario = agents?.length && !parts.scenario.agents ? { ...parts.scenario, agents: { addresses: [...agents], onLoss: parts.deployment.loadAgentLoss ?? 'fail' } } : parts.scenario;
    this.metrics = parts.metrics;
    this.deployment = parts.deployment;
    this.blockFeed = parts.blockFeed;
    this.wallets = parts.deployment.wallets;
    this.nodeControl = parts.scenario.nodeControl ? parts.deployment.nodeControl : undefined;
    this.runDir = parts.runDir;
    this.events = parts.events;
    this.summary = parts.summary;
    this.live = parts.live;
    this.signal = parts.signal;
    this.window = { startMs: 0, endMs: 0 };
  }

  nodes(): readonly RunNode[] {
    return this.deployment.nodes();
  }

  node(name: string): RunNode {
    const nodes = this.deployment.nodes();
    const found = nodes.find((n) => n.descriptor.name === name);
    if (!found) throw new LoadnetError('LN_ERR_USAGE', `no node named ${JSON.stringify(name)} in this run; nodes: ${nodes.map((n) => n.descriptor.name).join(', ') || '(none)'}`);
    return found;
  }
}
