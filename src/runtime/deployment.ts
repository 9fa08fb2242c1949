/**
 * What a deployer hands the shared runtime once its nodes exist: the live node set, the wallets, node
 * control when it has one, and how to tear down. Everything else (readiness, block feed, run record,
 * lifecycle, summary) is the same for every deployer, which is why this interface is small.
 */
import type { NodeControl, RunNode, WalletAccount } from './contracts.js';

export interface Deployment {
  /** The deployer's name, for the record ('local', 'compose', 'attach'). */
  readonly deployer: string;
  /** Live node set: grows with nodes started at runtime, shrinks with removed ones. */
  nodes(): readonly RunNode[];
  readonly wallets: readonly WalletAccount[];
  readonly nodeControl?: NodeControl;
  /** Load agents (host:port) the deployer started for this run: the load runs on them when the scenario names none. */
  readonly loadAgents?: readonly string[];
  /** What losing one of those agents does (default 'fail'). */
  readonly loadAgentLoss?: 'fail' | 'continue';
  /** Peers the node must have at readiness (0 = do not check). */
  expectedPeers(name: string): number;
  /** Per-node process figures when the deployer knows them (RSS of local processes). */
  nodeStats?(name: string): { rssBytes?: number } | undefined;
  /** Throws when the deployment is already broken (a node process exited): readiness fails fast. */
  checkAlive?(): void;
  /** Last resort on a second interrupt: kill everything synchronously. */
  killNow?(): void;
  /** Stop every node this deployment started and close every handle (idempotent). */
  teardown(): Promise<void>;
}

/** A deployment a deployer built and has yet to start: node control attaches before any node runs. */
export interface StartableDeployment extends Deployment {
  nodeControl?: NodeControl;
  /** Called first at teardown (node control closes its open fault intervals). */
  beforeTeardown?: () => void;
  startAll(): Promise<void>;
}

/**
 * Attach node control (when the scenario asked for it), start every node, and tear down what did start
 * when starting fails, so a failed deploy leaves nothing behind.
 */
export async function startDeployment<D extends StartableDeployment>(deployment: D, control?: NodeControl & { close(): void }): Promise<D> {
  if (control) {
    deployment.nodeControl = control;
    deployment.beforeTeardown = () => control.close();
  }
  try {
    await deployment.startAll();
  } catch (e) {
    await deployment.teardown();
    throw e;
  }
  return deployment;
}
