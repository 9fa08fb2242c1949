/**
 * LocalDeployer: loadnet's default deployer. It needs nothing but Node.js: a chain's nodes, as its adapter
 * plans them (the bundled devnet node, anvil, …), run as real OS processes on loopback. `deploy(scenario)`
 * brings every node up and waits for readiness, then returns the Runner (runtime/runner.ts) that owns the
 * run until its handle is disposed.
 *
 *   const runner = await new LocalDeployer().deploy(scenario);
 *   await using handle = await runner.run(scenario);
 */
import type { Deployer, Runner, Scenario } from '../../runtime/contracts.js';
import { startDeployment } from '../../runtime/deployment.js';
import { launchRunner } from '../../runtime/launch.js';
import { noticeWriter, type RunnerOptions } from '../../runtime/runner-options.js';
import type { NodeTuning } from '../../adapters/devnet/plan.js';
import { sweepAtRunStart } from './leftovers.js';
import { LocalDeployment } from './local-deployment.js';
import { chainOf } from '../../adapters/registry.js';
import { LoadnetError } from '../../errors.js';
import { localNodeControl } from './local-node-control.js';
import { checkFaultSupport, namesClockSkew, namesShapedLinks } from '../../faults/capabilities.js';
import { capabilitiesOf, checkLinkApplierOption, chooseLinkApplier, type LinkApplierKind } from '../../faults/applier.js';
import { netemSupport } from '../../faults/appliers/netem.js';
import { TESTING_API_CLOCK, TESTING_API_LINKS } from '../../faults/appliers/testing-api.js';
import { FAKETIME_CLOCK, FaketimeApplier, SHAPER_LINKS, ShaperApplier } from '../../faults/appliers/shaper.js';
import { findLibfaketime } from '../../shaper/faketime-clock.js';

export interface LocalDeployerOptions extends RunnerOptions {
  /** The devnet node's entry point; default the bundled one (dist/src/node/bin.js). */
  nodeBin?: string;
  /** Lead before slot 0 so every node is up when the chain starts. Default 1000 ms. */
  genesisLeadMs?: number;
  /** Enable the testing API even without node control. */
  testingApi?: boolean;
  /** SIGTERM → SIGKILL grace period. Default 3 s. */
  stopGraceMs?: number;
  /** Bound on each node control action. Default max(30 s, 20 slots). */
  actionTimeoutMs?: number;
  /** Devnet node settings the scenario does not set (mempool, block limits, fees, log level). */
  tuning?: Partial<NodeTuning>;
  /**
   * Route every peer link through loadnet's link shaper (a TCP proxy per directed link, in this process).
   * Default: when the scenario delays links, adds jitter or limits bandwidth (chain-agnostic delay without
   * asking); false keeps the chain's own testing API for delay.
   */
  linkShaper?: boolean;
  /**
   * Who shapes links: 'auto' (default) and 'link-shaper' give the link shaper (nodes share the host's network
   * namespace, where netem cannot tell one node's traffic from another's); 'netem' fails, saying so.
   */
  linkApplier?: LinkApplierKind | 'auto';
  /** Run every node under libfaketime so its clock can be skewed. Default: when the scenario skews clocks and libfaketime is installed. */
  clockSkew?: boolean;
}

export class LocalDeployer implements Deployer {
  readonly name = 'local';

  constructor(private readonly options: LocalDeployerOptions = {}) {
    checkLinkApplierOption('LocalDeployer', options.linkApplier);
  }

  async deploy(scenario: Scenario): Promise<Runner> {
    const chain = chainOf(scenario.spec);
    if (!chain.planLocal) throw new LoadnetError('LN_ERR_DEPLOY', `the local deployer cannot launch chain '${chain.name}': its adapter plans no local processes`, { hint: 'attach to nodes that run already (loadnet run --attach <url>)' });
    // Link shaping and clock skew for chains whose nodes take faults (a testing API) and dial each other.
    const testingFaults = chain.capabilities.has('testing-faults');
    const shaper = testingFaults && (this.options.linkShaper ?? (namesShapedLinks(scenario.spec) || (this.options.linkApplier ?? 'auto') !== 'auto'));
    const linkChoice = shaper ? chooseLinkApplier({ deployer: 'local', namespaces: false, forced: this.options.linkApplier, netem: netemSupport }) : undefined;
    const faketime = testingFaults && (this.options.clockSkew ?? (namesClockSkew(scenario.spec) && findLibfaketime() !== null));
    const links = testingFaults ? [...(shaper ? [SHAPER_LINKS] : []), TESTING_API_LINKS] : [];
    // Refused before anything runs: a fault this deployment's appliers cannot render (named with deployer and chain).
    checkFaultSupport(scenario.spec, capabilitiesOf('local', chain.name, links, testingFaults ? (faketime ? FAKETIME_CLOCK : TESTING_API_CLOCK) : undefined, chain.capabilities.has('joiners'), chain.capabilities.has('staking')));
    return launchRunner(scenario, this.options, async ({ record }) => {
      sweepAtRunStart(record.events, noticeWriter(this.options));
      const deployment = new LocalDeployment(record, chain, scenario.spec, {
        testingApi: scenario.spec.nodeControl || this.options.testingApi === true,
        genesisLeadMs: this.options.genesisLeadMs,
        stopGraceMs: this.options.stopGraceMs,
        nodeSettings: { bin: this.options.nodeBin, tuning: this.options.tuning },
        ...(shaper ? { linkShaper: { seed: scenario.spec.seed } } : {}),
        ...(faketime ? { clockSkew: { seed: scenario.spec.seed } } : {}),
      });
      const control = () =>
        localNodeControl(deployment, {
          actionTimeoutMs: this.options.actionTimeoutMs,
          // The link shaper and libfaketime, when this deployment runs them, come before the testing API.
          ...(deployment.links ? { appliers: [new ShaperApplier(deployment.links, linkChoice)] } : {}),
          ...(deployment.clocks ? { clock: new FaketimeApplier(deployment.clocks) } : {}),
        });
      return startDeployment(deployment, scenario.spec.nodeControl ? control() : undefined);
    });
  }
}
