/**
 * A node's container as the compose deployments and their node control act on it (the devnet's node image or a
 * chain's program image alike): start (and re-follow its log), stop with a grace, kill, pause, resume, state,
 * each engine failure named with the node and the container.
 */
import type Docker from 'dockerode';
import { LoadnetError } from '../../errors.js';
import type { NodeRunState } from '../../faults/primitives.js';
import type { RunRecord } from '../../runtime/run-record.js';
import { dockerError, isNotModified } from './engine.js';
import type { ContainerLog } from './log-stream.js';
import type { RosterNode } from '../node-roster.js';
import { RosterPrimitives, type RosterView } from '../roster-primitives.js';

export interface ContainerNode {
  planned: { name: string; role: string };
  containerId: string;
  containerName: string;
  log: ContainerLog;
  /** Set before loadnet stops/kills it, so the 'die' event is not taken for a crash. */
  stopping: boolean;
  lastExit?: { code: number; expected: boolean };
}

/** Starts (or restarts) a node's container and follows its log again. */
export async function startNodeContainer(docker: Docker, events: RunRecord['events'], node: ContainerNode): Promise<void> {
  node.stopping = false;
  node.lastExit = undefined;
  try {
    await docker.getContainer(node.containerId).start();
  } catch (e) {
    if (!isNotModified(e)) throw dockerError(`starting container ${node.containerName}`, e);
  }
  events.emit('node.spawn', { node: node.planned.name, container: node.containerName });
  await node.log.follow().catch(() => undefined);
}

/** Node control's actions on containers (NodePrimitives' stop, kill, pause, resume, state). */
class ContainerActions {
  constructor(private readonly docker: Docker) {}

  private async engine<T>(node: ContainerNode, doing: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (e) {
      if (isNotModified(e)) return undefined;
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `${doing} ${node.planned.name}: ${dockerError(`${doing} container ${node.containerName}`, e).message}`, { cause: e });
    }
  }

  private container(node: ContainerNode): Docker.Container {
    return this.docker.getContainer(node.containerId);
  }

  async stop(node: ContainerNode, graceMs: number): Promise<void> {
    node.stopping = true;
    node.log.note('stop (loadnet node control)');
    await this.engine(node, 'stop', () => this.container(node).stop({ t: Math.ceil(graceMs / 1000) }));
  }

  async kill(node: ContainerNode): Promise<void> {
    node.stopping = true;
    node.log.note('kill -9 (loadnet node control)');
    await this.engine(node, 'kill', () => this.container(node).kill({ signal: 'SIGKILL' }));
    // The engine answers before the container is fully down; wait for it.
    await this.engine(node, 'wait for', () => this.container(node).wait({ condition: 'not-running' }));
  }

  async pause(node: ContainerNode): Promise<void> {
    await this.engine(node, 'pause', () => this.container(node).pause());
  }

  async resume(node: ContainerNode): Promise<void> {
    if ((await this.state(node)) === 'paused') await this.engine(node, 'unpause', () => this.container(node).unpause());
  }

  async state(node: ContainerNode): Promise<NodeRunState> {
    const info = await this.container(node).inspect();
    if (!info.State.Running) return 'stopped';
    return info.State.Paused ? 'paused' : 'running';
  }
}

/** A compose deployment as its node primitives use it: the roster, the engine, how a node's container starts and how long it may take to stop. */
export interface ContainerDeployment<N extends RosterNode & ContainerNode> extends RosterView<N> {
  readonly docker: Docker;
  startContainer(node: N): Promise<void>;
  stopGraceMs(node: N): number;
}

/** NodePrimitives' roster answers and verbs for nodes that are containers on one engine (the devnet's image or a chain's program). */
export abstract class ContainerPrimitives<N extends RosterNode & ContainerNode, D extends ContainerDeployment<N>> extends RosterPrimitives<N, D> {
  private readonly containers: ContainerActions;

  constructor(deployment: D) {
    super(deployment);
    this.containers = new ContainerActions(deployment.docker);
  }

  async start(name: string): Promise<void> {
    await this.deployment.startContainer(this.deployment.get(name));
  }
  async stop(name: string): Promise<void> {
    const node = this.deployment.get(name);
    await this.containers.stop(node, this.deployment.stopGraceMs(node));
  }
  async kill(name: string): Promise<void> {
    await this.containers.kill(this.deployment.get(name));
  }
  async pause(name: string): Promise<void> {
    await this.containers.pause(this.deployment.get(name));
  }
  async resume(name: string): Promise<void> {
    await this.containers.resume(this.deployment.get(name));
  }
  async state(name: string): Promise<NodeRunState> {
    return this.containers.state(this.deployment.get(name));
  }
}
