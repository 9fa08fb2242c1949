/**
 * The part of node control every deployer answers from its roster the same way: the live nodes' names, a
 * node's chain client, and the peers it must see before it counts as back. Deployers extend this and add
 * only what acts on their kind of node (processes, containers, Swarm tasks).
 */
import type { ChainClient } from '../adapters/seam.js';
import type { RosterNode } from './node-roster.js';

/** What the primitives read of a deployment: its nodes by name and the live ones. */
export interface RosterView<N extends RosterNode> {
  get(name: string): N;
  liveNodes(): N[];
}

export abstract class RosterPrimitives<N extends RosterNode, D extends RosterView<N>> {
  constructor(protected readonly deployment: D) {}

  names(): string[] {
    return this.deployment.liveNodes().map((n) => n.planned.name);
  }

  client(name: string): ChainClient {
    return this.deployment.get(name).run.client;
  }

  expectedPeers(name: string): number {
    return this.deployment.get(name).expectedPeers;
  }
}
