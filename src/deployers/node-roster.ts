/**
 * The nodes of one deployment by name, whatever runs them (processes, containers): lookup with an error
 * that lists what exists, the live subset, runtime joiners' unique names. Removed nodes stay on the roster
 * so a name is never reused within a run and teardown still reaches them.
 */
import { LoadnetError } from '../errors.js';
import type { RunNode } from '../runtime/contracts.js';

export interface RosterNode {
  /** Its name and role in the run (a devnet deployment's planned node carries more). */
  planned: { name: string; role: string };
  run: RunNode;
  /** Peers the node must see before it counts as ready (0 for a node started alone). */
  expectedPeers: number;
  removed: boolean;
}

export class NodeRoster<N extends RosterNode> {
  private readonly byName = new Map<string, N>();
  private joinCounter = 0;

  add(node: N): N {
    this.byName.set(node.planned.name, node);
    return node;
  }

  /** A node by name (removed nodes only with `includeRemoved`); unknown names throw, listing the live ones. */
  get(name: string, includeRemoved = false): N {
    const n = this.byName.get(name);
    if (!n || (n.removed && !includeRemoved)) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `no node named ${JSON.stringify(name)} in this run; nodes: ${this.live().map((x) => x.planned.name).join(', ')}`);
    }
    return n;
  }

  find(name: string): N | undefined {
    return this.byName.get(name);
  }

  /** Every node ever on the roster, removed ones included (teardown reaches them all). */
  all(): N[] {
    return [...this.byName.values()];
  }

  live(): N[] {
    return this.all().filter((n) => !n.removed);
  }

  runNodes(): readonly RunNode[] {
    return this.live().map((n) => n.run);
  }

  expectedPeers(name: string): number {
    return this.byName.get(name)?.expectedPeers ?? 0;
  }

  /** Name and index of the next runtime joiner: `name`, or `<role>-join-<i>`; unique within the run, removed nodes included. */
  nextJoiner(role: string, name: string | undefined): { joinIndex: number; name: string } {
    const joinIndex = this.joinCounter++;
    const chosen = name ?? `${role}-join-${joinIndex}`;
    if (this.byName.has(chosen)) throw new LoadnetError('LN_ERR_NODE_CONTROL', `startNode: a node named ${JSON.stringify(chosen)} already exists in this run; pick another name`);
    return { joinIndex, name: chosen };
  }
}

/** The roster half of a Deployment, for deployers that own their nodes (local processes, containers). */
export abstract class RosteredDeployment<N extends RosterNode> {
  protected readonly roster = new NodeRoster<N>();

  /** A node of this run by name (removed nodes included only with `includeRemoved`). */
  get(name: string, includeRemoved = false): N {
    return this.roster.get(name, includeRemoved);
  }

  liveNodes(): N[] {
    return this.roster.live();
  }

  nodes(): readonly RunNode[] {
    return this.roster.runNodes();
  }

  expectedPeers(name: string): number {
    return this.roster.expectedPeers(name);
  }
}
