/**
 * SwarmDeployer: the devnet's nodes as Docker Swarm services spread over the swarm's hosts, one service per
 * node (swarm-deployment.ts), so a topology can outgrow one machine. It talks to a manager's engine API
 * (DOCKER_HOST, or `socketPath`) and, where given, to the other hosts' engines (`engines`: container-level
 * node control, logs, the node image, data volumes). The node image is the compose deployer's, built FROM
 * scratch on the manager and copied to every engine that lacks it (no registry).
 *
 *   const runner = await new SwarmDeployer({ engines: [{ socketPath: '/run/h2/docker.sock' }] }).deploy(scenario);
 *   await using handle = await runner.run(scenario);
 */
import type { Deployer, Runner, Scenario } from '../../runtime/contracts.js';
import { startDeployment } from '../../runtime/deployment.js';
import { launchRunner } from '../../runtime/launch.js';
import { noticeWriter } from '../../runtime/runner-options.js';
import { LoadnetError } from '../../errors.js';
import { join } from 'node:path';
import { checkFaultSupport } from '../../faults/capabilities.js';
import { capabilitiesOf } from '../../faults/applier.js';
import { ENGINE_IPTABLES_LINKS } from '../../faults/appliers/engine-iptables.js';
import { ENGINE_TC_LINKS } from '../../faults/appliers/engine-tc.js';
import { ensureFaultToolsImage, type FaultToolsImage } from './fault-tools-image.js';
import { TESTING_API_CLOCK, TESTING_API_LINKS } from '../../faults/appliers/testing-api.js';
import { checkContainerOptions, type ComposeDeployerOptions } from '../compose/compose-deployer.js';
import { connectEngine, pingEngine, type EngineOptions } from '../compose/engine.js';
import { ensureNodeImage } from '../compose/image.js';
import { startReaper } from '../compose/reaper.js';
import { sweepAtRunStart } from '../local/leftovers.js';
import { parseConstraint, swarmHosts, type PlacementConstraints } from './hosts.js';
import { copyImage } from './image-copy.js';
import { SwarmDeployment } from './swarm-deployment.js';
import { checkAgentsOption, type SwarmAgentsOption } from './swarm-agents.js';
import { swarmNodeControl } from './swarm-node-control.js';

export interface SwarmDeployerOptions extends Omit<ComposeDeployerOptions, 'preserve' | 'keepOnFailure'> {
  /** The engines of the swarm's other hosts (the manager's is `socketPath` / DOCKER_HOST). */
  engines?: EngineOptions[];
  /**
   * Swarm placement constraints of every node, or per node (`node.labels.zone==a`, `node.role==manager`,
   * `node.hostname!=h1`, `engine.labels.x==y`). Among the hosts a node's constraints allow, it goes to the
   * one with the fewest of the run's nodes (spread: one node per host first). Default: no constraint.
   */
  constraints?: PlacementConstraints;
  /** Lead before slot 0 so every task runs when the chain starts. Default 6000 ms. */
  genesisLeadMs?: number;
  /**
   * Load agents to start as Swarm services (`loadnet agent` from the node image, on its host's network), spread
   * over the hosts; the run's transaction load goes to them (docs/agents.md). A count, or a count with
   * constraints on their hosts. A scenario that names its own agents cannot have these too.
   */
  agents?: number | SwarmAgentsOption;
}

/**
 * The API flood needs its control client to be another client than the flooder in the node's eyes. Through a
 * host-mode published port every connection from this machine reaches the node from one address (the host's
 * docker_gwbridge or proxy), and this machine's loopback addresses (the flood's and the control client's on
 * the local deployer) do not reach another host: refused before anything is deployed.
 */
function checkNoApiFlood(spec: Scenario['spec']): void {
  const issues = (spec.workloads ?? []).flatMap((w, i) => (w.type === 'api-flood' ? [{ field: `workloads[${i}]`, value: `api-flood (target ${w.target})`, allowed: 'the local or compose deployer (each gives the control client an address of its own)' }] : []));
  if (issues.length === 0) return;
  throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `the swarm deployer cannot run an api-flood (${issues.map((x) => x.field).join(', ')}): through a host's published port the node sees every request from this machine from one address, so the control client would share the flooder's per-client budget; run it on the local or compose deployer`, { issues });
}

export class SwarmDeployer implements Deployer {
  readonly name = 'swarm';

  constructor(private readonly options: SwarmDeployerOptions = {}) {
    checkContainerOptions('SwarmDeployer', options);
    if (Array.isArray(options.constraints)) for (const c of options.constraints) parseConstraint(c);
    for (const c of checkAgentsOption(options.agents)?.constraints ?? []) parseConstraint(c);
  }

  async deploy(scenario: Scenario): Promise<Runner> {
    const chain = scenario.spec.chain?.type ?? 'devnet';
    if (chain !== 'devnet') throw new LoadnetError('LN_ERR_DEPLOY', `the swarm deployer runs the devnet only; chain '${chain}' runs on the local deployer or by attaching (--attach <url>)`);
    checkFaultSupport(scenario.spec, capabilitiesOf('swarm', chain, [ENGINE_IPTABLES_LINKS, ENGINE_TC_LINKS, TESTING_API_LINKS], TESTING_API_CLOCK, false));
    checkNoApiFlood(scenario.spec);
    const o = this.options;
    const agents = checkAgentsOption(o.agents);
    if (agents && scenario.spec.agents) {
      throw new LoadnetError('LN_ERR_CONFIG_INVALID', `the scenario names load agents (${scenario.spec.agents.addresses.join(', ')}) and SwarmDeployer agents starts ${agents.count}; allowed: one of the two`);
    }
    const say = noticeWriter(o);
    const manager = connectEngine(o);
    await pingEngine(manager);
    // Fails before a run directory exists when the engine is no manager or an engine is not in the swarm.
    const swarm = await swarmHosts(manager, o.engines ?? []);
    // Only hosts whose engine loadnet has run its services: the images are copied there (no registry), and node
    // control, logs and network faults go through that engine. A task placed elsewhere waits for an image forever.
    const hosts = swarm.filter((h) => h.docker);
    const unreachable = swarm.filter((h) => !h.docker);
    if (unreachable.length > 0) say(`[loadnet] not placing on ${unreachable.map((h) => `${h.hostname} (${h.addr})`).join(', ')}: no engine given for it (SwarmDeployer engines, LOADNET_SWARM_ENGINES)`);
    const stopGraceMs = o.stopGraceMs ?? 3000;
    return launchRunner(scenario, o, async ({ record }) => {
      sweepAtRunStart(record.events, say);
      const engines = (o.engines ?? []).map((e) => e.socketPath).filter((s): s is string => s !== undefined);
      const reaping = startReaper(record.runId, record.runDir, join(record.runDir, 'reaper.log'), { swarm: { manager: o.socketPath, engines } });
      reaping.catch(() => undefined);
      let image;
      let faultTools: FaultToolsImage | undefined;
      try {
        const others = hosts.filter((h) => h.docker && h.docker !== manager).map((h) => h.docker!);
        image = await ensureNodeImage(manager, { image: o.image, command: o.imageCommand, progress: o.log === null ? null : say });
        const copied = await copyImage(manager, others, image.ref);
        if (copied > 0) say(`[loadnet] copied ${image.ref} to ${copied} swarm engine(s)`);
        // Network faults are set through each node's own engine, from this image (faults/appliers/engine-fault-tools.ts).
        if (scenario.spec.nodeControl) {
          faultTools = await ensureFaultToolsImage(manager, o.log === null ? () => undefined : say);
          await copyImage(manager, others, faultTools.ref);
        }
      } catch (e) {
        await reaping.then((r) => r.done(), () => undefined);
        throw e;
      }
      record.events.emit('compose.image', { image: image.ref, built: image.built, buildMs: Math.round(image.buildMs) });
      const deployment = new SwarmDeployment(record, {
        manager,
        hosts,
        image,
        reaper: await reaping,
        networkPrefix: o.networkPrefix ?? 'loadnet',
        testingApi: scenario.spec.nodeControl || o.testingApi === true,
        genesisLeadMs: o.genesisLeadMs ?? 6000,
        stopGraceMs,
        constraints: o.constraints,
        agents,
        tuning: o.tuning,
        resources: o.resources,
        say,
      }, scenario.spec);
      return startDeployment(deployment, faultTools ? swarmNodeControl(deployment, { actionTimeoutMs: o.actionTimeoutMs, stopGraceMs, faultTools }) : undefined);
    });
  }
}
