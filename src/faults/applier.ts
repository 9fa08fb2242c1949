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
  /** For the link-shaping appliers: which one was chosen and why (recorded with each link fault). */
  readonly choice?: LinkApplierChoice;
}

/** Who shapes links (delay, jitter, loss, bandwidth): the kernel's netem, or loadnet's link shaper (a TCP proxy). */
export type LinkApplierKind = 'netem' | 'link-shaper';
export const LINK_APPLIERS: readonly LinkApplierKind[] = ['netem', 'link-shaper'];

export interface LinkApplierChoice {
  /** chooseLinkApplier's answer; on the swarm, kernel tc through each node's engine ('engine-tc', appliers/engine-tc.ts) and the testing API. */
  applier: LinkApplierKind | 'engine-tc' | 'testing-api';
  /** Why: asked for, netem available, or what ruled it out (the probe's answer, the deployer's lack of namespaces). */
  reason: string;
}

/**
 * netem where the kernel has it and the deployer gives each node its own network namespace (containers),
 * the link shaper otherwise; `forced` (a deployer option) asks for one and fails, naming what is missing,
 * when it cannot run. `netem` is the probe (appliers/netem.ts), asked only when the answer matters.
 */
export function chooseLinkApplier(o: { deployer: string; namespaces: boolean; forced?: LinkApplierKind | 'auto'; netem: () => { available: boolean; reason: string } }): LinkApplierChoice {
  const forced = o.forced ?? 'auto';
  checkLinkApplierOption(o.deployer, forced);
  if (forced === 'link-shaper') return { applier: 'link-shaper', reason: 'asked for (linkApplier: link-shaper)' };
  const noNs = `the ${o.deployer} deployer runs every node in the host's network namespace (netem shapes a namespace's egress)`;
  if (forced === 'netem') {
    if (!o.namespaces) throw new LoadnetError('LN_ERR_CONFIG_INVALID', `linkApplier 'netem' cannot run: ${noNs}; allowed here: 'link-shaper' or 'auto'`);
    const probe = o.netem();
    if (!probe.available) throw new LoadnetError('LN_ERR_CONFIG_INVALID', `linkApplier 'netem' cannot run: ${probe.reason}; allowed here: 'link-shaper' or 'auto'`, { hint: 'netem is the kernel module sch_netem (CONFIG_NET_SCH_NETEM); without it loadnet shapes links with its link shaper' });
    return { applier: 'netem', reason: `asked for (linkApplier: netem); ${probe.reason}` };
  }
  if (!o.namespaces) return { applier: 'link-shaper', reason: noNs };
  const probe = o.netem();
  return probe.available ? { applier: 'netem', reason: probe.reason } : { applier: 'link-shaper', reason: probe.reason };
}

/** A deployer's `linkApplier` option, checked when the deployer is made. */
export function checkLinkApplierOption(deployer: string, v: unknown): void {
  if (v !== undefined && v !== 'auto' && !LINK_APPLIERS.includes(v as LinkApplierKind)) {
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `${deployer} linkApplier: ${JSON.stringify(v)} is not allowed; allowed: 'auto', ${LINK_APPLIERS.map((a) => `'${a}'`).join(', ')}`);
  }
}

/**
 * What a link fault's record says about who renders it: `mechanism` (per property), `applier` (the chosen
 * link-shaping applier, else the appliers' names) and `applierReason` (why that one).
 */
export function linkRecordOf(route: ReadonlyMap<LinkProperty, NetworkFaultApplier>, props: Iterable<LinkProperty>): { mechanism: Record<string, string>; applier?: string; applierReason?: string } {
  const list = [...props];
  const used = [...new Set(list.map((p) => route.get(p)).filter((a): a is NetworkFaultApplier => a !== undefined))];
  const chosen = used.find((a) => a.choice)?.choice;
  const names = [...new Set(used.map((a) => a.choice?.applier ?? a.name))];
  return { mechanism: mechanismOf(route, list), ...(names.length ? { applier: names.join('+') } : {}), ...(chosen ? { applierReason: chosen.reason } : {}) };
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
