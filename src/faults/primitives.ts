/**
 * What a deployer implements for node control: primitives on its own nodes, nothing more. Each resolves
 * once its direct effect holds (stop/kill: the process or container exited; pause: frozen; start/resume:
 * launched or thawed). Waiting for the node to be back, the locks, the fault record and network faults
 * belong to the generic layer (faults/node-control.ts), the same for every deployer.
 */
import type { ChainClient, ChainStaking } from '../adapters/seam.js';
import type { NodeDescriptor, StartNodeOptions } from '../runtime/contracts.js';
import type { ClockSkewApplier, NetworkFaultApplier } from './applier.js';

export type NodeRunState = 'running' | 'paused' | 'stopped';

export interface NodePrimitives {
  /** Named in messages: 'local', 'compose'. */
  readonly deployer: string;
  /** The chain under test, named in messages. */
  readonly chain: string;
  /** Bound on waiting for a promised outcome (default in the generic layer: max(30 s, 20 slots)). */
  readonly slotDurationMs: number;
  /** The live nodes (joiners included, removed ones not). */
  names(): string[];
  client(name: string): ChainClient;
  /** Peers the node needs before it counts as back (0: none). Throws naming the node when unknown. */
  expectedPeers(name: string): number;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  kill(name: string): Promise<void>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  state(name: string): Promise<NodeRunState>;
  /** Throws when waiting for the node is pointless (it exited by itself), naming its log. */
  checkAlive(name: string): void;
  /** A fresh node: reserve its name (unique in the run), then launch it. Absent: no joiners on this deployer/chain. */
  spawn?: {
    reserve(options: StartNodeOptions): { name: string; role: string; peers: string[] };
    launch(reserved: { name: string; role: string; peers: string[] }): Promise<NodeDescriptor>;
  };
  /** Take a node out of the run for good (stopped, forgotten). */
  remove?(name: string): Promise<void>;
  /** Stake on chain (devnet staking): absent where the chain has none (its joiners then never lead). */
  staking?: ChainStaking;
  /** Network fault appliers, in order of preference per property. */
  readonly appliers: readonly NetworkFaultApplier[];
  readonly clock?: ClockSkewApplier;
}
