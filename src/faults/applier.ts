/**
 * The seam between network faults as desired state (network-state.ts) and a mechanism that makes them real.
 * Each deployer offers one or more appliers (the compose deployer: iptables in the containers' namespaces for
 * cuts and loss, the devnet's testing API for delay; the local deployer: the testing API; the link shaper
 * plugs in here too). `routeAppliers` gives each link property to the first applier that renders it, and the
 * fault record names which applier rendered what.
 */
import { LoadnetError } from '../errors.js';
import type { FaultCapabilities } from '../runtime/contracts.js';
import type { LinkProperty, NetworkFaultState } from './network-state.js';

export interface NetworkFaultApplier {
  /** Named in fault records: 'iptables', 'testing-api', 'shaper', 'netem', ... */
  readonly name: string;
  /** The properties it can render, each with one line saying how (recorded in the fault's detail). */
  readonly renders: Partial<Record<LinkProperty, string>>;
  /**
   * Bring the links among `nodes` (the running ones) to `state`, for the properties in `props` only (another
   * applier renders the rest). Idempotent: called again after any change and after a node (re)starts.
   */
  apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void>;
  /** Remove whatever it installed (teardown): nothing may be left behind. */
  close?(): Promise<void>;
}

/** Per-node clock faults: an offset from true time, jitter around it, and drift (ppm: µs per s). */
export interface ClockSkew {
  offsetMs: number;
  jitterMs?: number;
  driftPpm?: number;
}

export interface ClockSkewApplier {
  readonly name: string;
  /** What it renders: offset always; jitter and drift where it can. */
  readonly renders: { offset: string; jitter?: string; drift?: string };
  /** Set (or, with undefined, clear) a node's skew; it must survive a restart of the node (re-applied by the caller). */
  apply(node: string, skew: ClockSkew | undefined): Promise<void>;
  close?(): Promise<void>;
}

/** What a deployment with these appliers can render (for checks before anything is deployed, and for reports). */
export function capabilitiesOf(deployer: string, chain: string, appliers: ReadonlyArray<Pick<NetworkFaultApplier, 'name' | 'renders'>>, clock: Pick<ClockSkewApplier, 'name' | 'renders'> | undefined, joiners: boolean, staking = false): FaultCapabilities {
  const network: FaultCapabilities['network'] = {};
  for (const p of LINK_PROPERTIES) {
    const a = appliers.find((x) => x.renders[p] !== undefined);
    if (a) network[p] = `${a.name}: ${a.renders[p]}`;
  }
  return { deployer, chain, network, ...(clock ? { clock: clock.renders } : {}), joiners, staking };
}

export const LINK_PROPERTIES: readonly LinkProperty[] = ['cut', 'delay', 'jitter', 'loss', 'bandwidth'];

/** For each property, the applier that renders it (the first in `appliers` that can). */
export function routeAppliers(appliers: readonly NetworkFaultApplier[]): Map<LinkProperty, NetworkFaultApplier> {
  const out = new Map<LinkProperty, NetworkFaultApplier>();
  for (const p of LINK_PROPERTIES) {
    const a = appliers.find((x) => x.renders[p] !== undefined);
    if (a) out.set(p, a);
  }
  return out;
}

/** "cut: iptables (…), delay: testing-api (…)": which applier renders each property used. */
export function mechanismOf(route: ReadonlyMap<LinkProperty, NetworkFaultApplier>, props: Iterable<LinkProperty>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of props) {
    const a = route.get(p);
    if (a) out[p] = `${a.name}: ${a.renders[p]}`;
  }
  return out;
}

/** Render `state` through the routed appliers (each gets the properties routed to it). */
export async function applyState(route: ReadonlyMap<LinkProperty, NetworkFaultApplier>, state: NetworkFaultState, nodes: readonly string[]): Promise<void> {
  const byApplier = new Map<NetworkFaultApplier, Set<LinkProperty>>();
  for (const [p, a] of route) byApplier.set(a, (byApplier.get(a) ?? new Set()).add(p));
  await Promise.all([...byApplier].map(([a, props]) => a.apply(state, nodes, props)));
}

/** The message for a property no applier of this deployment renders. */
export function unsupported(deployer: string, chain: string, prop: LinkProperty, appliers: readonly NetworkFaultApplier[]): LoadnetError {
  const what: Record<LinkProperty, string> = { cut: 'cut links (partition, block a peer)', delay: 'delay links', jitter: 'add jitter to links', loss: 'drop packets on links', bandwidth: 'limit bandwidth on links' };
  const have = appliers.length ? appliers.map((a) => `${a.name} (${Object.keys(a.renders).join(', ')})`).join('; ') : 'none';
  return new LoadnetError('LN_ERR_NODE_CONTROL', `the ${deployer} deployer cannot ${what[prop]} for chain ${chain}; appliers here: ${have}`);
}
