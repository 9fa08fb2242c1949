/**
 * Cuts and loss as iptables rules inside each node container's network namespace, set through the engine
 * that runs the container (a fault-tools container in the node's namespace, engine-fault-tools.ts): each
 * change goes in as the same whole filter table the nsenter applier installs (renderFilterTable: one
 * rendering for both), copied into the tools container and loaded with `iptables-restore` by `docker exec`;
 * `iptables -S` reads it back, and a table that differs from the rendered one fails the fault.
 */
import { LoadnetError } from '../../errors.js';
import type { EventLog } from '../../runtime/contracts.js';
import type { NetworkFaultApplier } from '../applier.js';
import type { LinkProperty, NetworkFaultState } from '../network-state.js';
import { engineError, execIn, tarOf, type EngineFaultTarget, type FaultToolsContainers } from './engine-fault-tools.js';
import { renderFilterTable, type ProxyOf } from './iptables.js';

export const ENGINE_IPTABLES_LINKS = {
  name: 'engine-iptables',
  renders: {
    cut: "iptables DROP in the node container's network namespace, set by a fault-tools container on the node's own engine",
    loss: "iptables statistic match in the node container's network namespace (random drop of packets sent on the link), set through the node's own engine",
  },
} as const;

export interface EngineIptablesOptions {
  /** The tools containers (shared with the engine-tc applier). */
  tools: FaultToolsContainers;
  /** The running node containers. */
  targets: () => Promise<EngineFaultTarget[]>;
  /** Where each apply is recorded (`network.applied`: which node, on which host, how many rules). */
  events?: EventLog;
  proxyOf?: ProxyOf;
}

export class EngineIptablesApplier implements NetworkFaultApplier {
  readonly name = ENGINE_IPTABLES_LINKS.name;
  readonly renders = ENGINE_IPTABLES_LINKS.renders;

  constructor(private readonly options: EngineIptablesOptions) {}

  private async install(t: EngineFaultTarget, table: string): Promise<{ node: string; hostname: string; container: string; tools: string; rules: number }> {
    const tools = await this.options.tools.toolsFor(t);
    const { restore, iptables } = this.options.tools.image.tools;
    const doing = `setting the filter table of ${t.name} on ${t.hostname}`;
    let installed: number;
    try {
      await t.engine.getContainer(tools.id).putArchive(tarOf('rules', table), { path: '/' });
      await execIn(t.engine, tools.id, [restore, '/rules']);
      installed = (await execIn(t.engine, tools.id, [iptables, '-S'])).split('\n').filter((l) => l.startsWith('-A ')).length;
    } catch (e) {
      throw engineError(doing, e);
    }
    const rendered = table.split('\n').filter((l) => l.startsWith('-A ')).length;
    if (installed !== rendered) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${doing}: ${rendered} rules rendered, ${installed} installed`);
    return { node: t.name, hostname: t.hostname, container: t.containerId.slice(0, 12), tools: tools.id.slice(0, 12), rules: installed };
  }

  async apply(state: NetworkFaultState, nodes: readonly string[], props: ReadonlySet<LinkProperty>): Promise<void> {
    const started = performance.now();
    const targets = (await this.options.targets()).filter((t) => nodes.includes(t.name));
    const ips = new Map(targets.map((t) => [t.name, t.ip]));
    await this.options.tools.retireGone(new Set(targets.map((t) => t.name)));
    const applied = await Promise.all(targets.map((t) => this.options.tools.serial(t.name, () => this.install(t, renderFilterTable(state, t.name, nodes, (n) => ips.get(n), props, this.options.proxyOf)))));
    this.options.events?.emit('network.applied', { applier: this.name, ms: Math.round(performance.now() - started), nodes: applied });
  }

  async close(): Promise<void> {
    await this.options.tools.close();
  }
}
