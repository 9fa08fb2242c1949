/**
 * ComposeDeployer: every node in its own container on a private bridge network of the local Docker engine,
 * so nodes are real hosts that can be restarted, frozen and cut off for real. It talks to the engine API
 * with dockerode (no compose CLI needed), builds its node image FROM scratch (no registry is needed),
 * labels everything and cleans up after itself, even when the coordinator is SIGKILLed (reaper).
 *
 *   const runner = await new ComposeDeployer().deploy(scenario);
 *   await using handle = await runner.run(scenario);
 */
import type { Deployer, Runner, Scenario } from '../../runtime/contracts.js';
import { startDeployment } from '../../runtime/deployment.js';
import { launchRunner } from '../../runtime/launch.js';
import { noticeWriter, type RunnerOptions } from '../../runtime/runner-options.js';
import { LoadnetError } from '../../errors.js';
import type { NodeTuning } from '../../adapters/devnet/plan.js';
import { join } from 'node:path';
import { ComposeDeployment, type ResourcesOption } from './compose-deployment.js';
import { composeNodeControl } from './compose-node-control.js';
import { checkFaultSupport, namesClockSkew, namesShapedLinks } from '../../faults/capabilities.js';
import { FAKETIME_CLOCK, SHAPER_LINKS } from '../../faults/appliers/shaper.js';
import { findLibfaketime } from '../../shaper/faketime-clock.js';
import { capabilitiesOf, checkLinkApplierOption, chooseLinkApplier, type LinkApplierKind } from '../../faults/applier.js';
import { IPTABLES_LINKS } from '../../faults/appliers/iptables.js';
import { NETEM_LINKS, netemSupport } from '../../faults/appliers/netem.js';
import { TESTING_API_CLOCK, TESTING_API_LINKS } from '../../faults/appliers/testing-api.js';
import { connectEngine, pingEngine, type EngineOptions } from './engine.js';
import { ensureNodeImage, type NodeImage } from './image.js';
import { startReaper } from './reaper.js';
import { sweepAtRunStart } from '../local/leftovers.js';
import { chainOf } from '../../adapters/registry.js';
import type { ChainAdapter } from '../../adapters/seam.js';
import { ProgramDeployment } from './program-deployment.js';
import { programNodeControl } from './program-control.js';

export interface ComposeDeployerOptions extends RunnerOptions, EngineOptions {
  /** Run nodes from this image instead of building one (it must hold Node.js and loadnet at `imageCommand`). */
  image?: string;
  /** With `image`: the command that starts a node with the mounted config; default as in loadnet's own image. */
  imageCommand?: string[];
  /** Prefix of the run's network and container names. Default 'loadnet'. */
  networkPrefix?: string;
  /** Keep the stack after teardown (and print how to inspect and remove it). Default: env LOADNET_COMPOSE_PRESERVE=1. */
  preserve?: boolean;
  /** Keep the stack only when the deploy or the run failed. Default false. */
  keepOnFailure?: boolean;
  /** CPU and memory limits of every node, or per node. */
  resources?: ResourcesOption;
  /** Lead before slot 0 so every container is up when the chain starts. Default 2000 ms. */
  genesisLeadMs?: number;
  /** Enable the testing API even without node control. */
  testingApi?: boolean;
  /** SIGTERM → SIGKILL grace of stop and restart. Default 3 s. */
  stopGraceMs?: number;
  /** Bound on each node control action. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
  tuning?: Partial<NodeTuning>;
  /**
   * Route every peer link through loadnet's link shaper (TCP proxies in this process on the run network's
   * gateway: delay, jitter, bandwidth for any chain). Default: when the scenario delays links, adds jitter or
   * limits bandwidth; false keeps the devnet's testing API for delay.
   */
  linkShaper?: boolean;
  /**
   * Who shapes links when the deployment shapes them: 'auto' (default) takes the kernel's netem where this
   * machine has it and loadnet's link shaper otherwise; 'netem' or 'link-shaper' insists (netem fails, naming
   * what is missing, where the kernel lacks it). The fault records name the one that ran and why.
   */
  linkApplier?: LinkApplierKind | 'auto';
  /** Start every container under libfaketime (in loadnet's image when this machine has it). Default: when the scenario skews clocks and the image has it. */
  clockSkew?: boolean;
}

export class ComposeDeployer implements Deployer {
  readonly name = 'compose';

  constructor(private readonly options: ComposeDeployerOptions = {}) {
    checkContainerOptions('ComposeDeployer', options);
    checkLinkApplierOption('ComposeDeployer', options.linkApplier);
    if (options.linkShaper === false && (options.linkApplier ?? 'auto') !== 'auto') throw new LoadnetError('LN_ERR_CONFIG_INVALID', `ComposeDeployer: linkShaper false (no loadnet link shaping) and linkApplier ${JSON.stringify(options.linkApplier)} contradict each other`, { hint: 'leave out one of them' });
  }

  async deploy(scenario: Scenario): Promise<Runner> {
    const chain = chainOf(scenario.spec);
    if (chain.name !== 'devnet') return this.deployPrograms(scenario, chain);
    const o = this.options;
    // Links are shaped by netem (each container has its own namespace) where the kernel has it, else by the link shaper.
    const shaping = o.linkShaper ?? (namesShapedLinks(scenario.spec) || (o.linkApplier ?? 'auto') !== 'auto');
    const linkChoice = shaping ? chooseLinkApplier({ deployer: 'compose', namespaces: true, forced: o.linkApplier, netem: netemSupport }) : undefined;
    const shaper = linkChoice?.applier === 'link-shaper';
    // loadnet's own image carries libfaketime when this machine has it (image-contents.ts); a user's image may not.
    const faketime = o.clockSkew ?? (namesClockSkew(scenario.spec) && !o.image && findLibfaketime() !== null);
    checkFaultSupport(scenario.spec, capabilitiesOf('compose', chain.name, [...(linkChoice?.applier === 'netem' ? [NETEM_LINKS] : []), IPTABLES_LINKS, ...(shaper ? [SHAPER_LINKS] : []), TESTING_API_LINKS], faketime ? FAKETIME_CLOCK : TESTING_API_CLOCK, true, chain.capabilities.has('staking')));
    const say = noticeWriter(o);
    const docker = connectEngine(o);
    // Fail before a run directory exists when there is no engine: the user's fix is to start one.
    await pingEngine(docker);
    const stopGraceMs = o.stopGraceMs ?? 3000;
    return launchRunner(scenario, o, async ({ record }) => {
      sweepAtRunStart(record.events, say);
      // The reaper starts while the image is checked or built: both take a moment.
      const reaping = startReaper(record.runId, record.runDir, join(record.runDir, 'reaper.log'));
      reaping.catch(() => undefined);
      let image: NodeImage;
      try {
        image = await ensureNodeImage(docker, { image: o.image, command: o.imageCommand, progress: o.log === null ? null : say });
      } catch (e) {
        // Nothing was created yet: let the reaper go instead of leaving it waiting for our exit.
        await reaping.then((r) => r.done(), () => undefined);
        throw e;
      }
      record.events.emit('compose.image', { image: image.ref, built: image.built, buildMs: Math.round(image.buildMs) });
      const reaper = await reaping;
      const deployment = new ComposeDeployment(record, {
        docker,
        image,
        reaper,
        networkPrefix: o.networkPrefix ?? 'loadnet',
        testingApi: scenario.spec.nodeControl || o.testingApi === true,
        genesisLeadMs: o.genesisLeadMs ?? 2000,
        stopGraceMs,
        tuning: o.tuning,
        resources: o.resources,
        preserve: (o.preserve ?? process.env.LOADNET_COMPOSE_PRESERVE === '1') ? 'always' : o.keepOnFailure ? 'on-failure' : 'never',
        say,
        ...(shaper ? { linkShaper: { seed: scenario.spec.seed } } : {}),
        ...(faketime ? { clockSkew: { seed: scenario.spec.seed } } : {}),
      }, scenario.spec);
      return startDeployment(deployment, scenario.spec.nodeControl ? composeNodeControl(deployment, { actionTimeoutMs: o.actionTimeoutMs, linkChoice }) : undefined);
    });
  }

  /**
   * A chain other than the devnet: its adapter's plan of node programs (anvil, …), each in a container of an
   * image holding the program and its libraries (program-image.ts).
   */
  private async deployPrograms(scenario: Scenario, chain: ChainAdapter): Promise<Runner> {
    if (!chain.planLocal) throw new LoadnetError('LN_ERR_DEPLOY', `the compose deployer cannot launch chain '${chain.name}': its adapter plans no node programs`, { hint: 'attach to nodes that run already (loadnet run --attach <url>)' });
    const o = this.options;
    if (o.image) throw new LoadnetError('LN_ERR_CONFIG_INVALID', `ComposeDeployer image: runs the devnet node; chain '${chain.name}' runs its own programs from an image loadnet builds`, { hint: 'leave out `image` for this chain' });
    const testingFaults = chain.capabilities.has('testing-faults');
    checkFaultSupport(scenario.spec, capabilitiesOf('compose', chain.name, testingFaults ? [TESTING_API_LINKS] : [], testingFaults ? TESTING_API_CLOCK : undefined, false));
    const say = noticeWriter(o);
    const docker = connectEngine(o);
    await pingEngine(docker);
    const resources = o.resources;
    return launchRunner(scenario, o, async ({ record }) => {
      sweepAtRunStart(record.events, say);
      const reaper = await startReaper(record.runId, record.runDir, join(record.runDir, 'reaper.log'));
      const deployment = new ProgramDeployment(record, chain, scenario.spec, {
        docker,
        reaper,
        networkPrefix: o.networkPrefix ?? 'loadnet',
        testingApi: scenario.spec.nodeControl || o.testingApi === true,
        genesisLeadMs: o.genesisLeadMs ?? 2000,
        stopGraceMs: o.stopGraceMs ?? 3000,
        ...(resources ? { resources: (n: { name: string; role: string }) => (typeof resources === 'function' ? resources(n as Parameters<typeof resources>[0]) : resources) } : {}),
        preserve: o.preserve ?? process.env.LOADNET_COMPOSE_PRESERVE === '1',
        say,
      });
      return startDeployment(deployment, scenario.spec.nodeControl ? programNodeControl(deployment, { actionTimeoutMs: o.actionTimeoutMs }) : undefined);
    });
  }
}

/** The options the container deployers (compose, swarm) share, checked with messages naming `deployer`. */
export function checkContainerOptions(deployer: string, options: Pick<ComposeDeployerOptions, 'networkPrefix' | 'stopGraceMs' | 'genesisLeadMs' | 'actionTimeoutMs' | 'resources'>): void {
  const prefix = options.networkPrefix ?? 'loadnet';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}$/.test(prefix)) {
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `${deployer} networkPrefix: ${JSON.stringify(prefix)} is not allowed; allowed: 1-31 letters, digits, '_', '.', '-', starting with a letter or digit`);
  }
  for (const [field, v] of [['stopGraceMs', options.stopGraceMs], ['genesisLeadMs', options.genesisLeadMs], ['actionTimeoutMs', options.actionTimeoutMs]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new LoadnetError('LN_ERR_CONFIG_INVALID', `${deployer} ${field}: ${JSON.stringify(v)} is not allowed; allowed: a number of milliseconds ≥ 0`);
  }
  const r = options.resources;
  if (r && typeof r === 'object') {
    if (r.cpus !== undefined && !(r.cpus > 0)) throw new LoadnetError('LN_ERR_CONFIG_INVALID', `${deployer} resources.cpus: ${JSON.stringify(r.cpus)} is not allowed; allowed: a number of cores > 0, e.g. 0.5`);
    if (r.memoryBytes !== undefined && !(Number.isInteger(r.memoryBytes) && r.memoryBytes >= 6 * 1024 * 1024)) {
      throw new LoadnetError('LN_ERR_CONFIG_INVALID', `${deployer} resources.memoryBytes: ${JSON.stringify(r.memoryBytes)} is not allowed; allowed: an integer number of bytes ≥ 6 MiB (Docker's minimum)`);
    }
  }
}
