/**
 * The spawn primitive (node control's startNode) of a deployment that launches its chain's nodes itself:
 * reserve a unique name and check the peers (the chain's default peers when none are given), then launch
 * the node through the deployment. Chains differ in their roles and default peers; deployments in how a
 * node runs (a process, a container).
 */
import type { NodeDescriptor, StartNodeOptions } from '../runtime/contracts.js';
import type { NodePrimitives } from '../faults/primitives.js';

/** A chain's rules for joiners (the LocalJoiners half that needs no launching). */
export interface JoinerRules {
  /** The chain's role for a requested one (undefined: its default); throws naming the allowed roles. */
  role(requested: string | undefined): string;
  defaultPeers(liveNames: readonly string[]): string[];
}

export interface Joiner {
  joinIndex: number;
  name: string;
  role: string;
}

export interface JoinerHost {
  /** Throws naming the node when there is none by that name. */
  get(name: string): unknown;
  nextJoiner(role: string, name: string | undefined): { joinIndex: number; name: string };
  /** Start the reserved joiner dialing `peers`; resolves once spawned (not yet ready). */
  launchJoiner(joiner: Joiner, peers: readonly string[]): Promise<NodeDescriptor>;
}

/** `rules` are asked lazily (a plan may make them only once the deployment started). */
export function joinerSpawn(rules: () => JoinerRules, host: JoinerHost, liveNames: () => string[]): NonNullable<NodePrimitives['spawn']> {
  const reserved = new Map<string, Joiner>();
  return {
    reserve: (options: StartNodeOptions) => {
      const r = rules();
      const peers = options.peers ?? r.defaultPeers(liveNames());
      for (const p of peers) host.get(p);
      const role = r.role(options.role);
      const joiner = { ...host.nextJoiner(role, options.name), role };
      reserved.set(joiner.name, joiner);
      return { name: joiner.name, role, peers };
    },
    launch: (r) => host.launchJoiner(reserved.get(r.name)!, r.peers),
  };
}
