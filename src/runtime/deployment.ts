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
