/**
 * AttachDeployer: run a scenario's workloads and expectations against nodes that already run (a user's
 * own long-lived chain). Nothing is deployed and nothing is torn down but our own HTTP clients; node
 * control is unavailable (a scenario that asks for it fails with a clear error before anything runs).
 * Readiness, the block feed and the run directory work as with every other deployer. Which nodes and
 * wallets are there is the chain's adapter's answer (ChainAdapter.planAttach: for the devnet, names from
 * /health and wallets from a key file or a seed; for an EVM node, the mnemonic's accounts).
 */
import type { AttachGiven } from '../../adapters/seam.js';
import { chainOf } from '../../adapters/registry.js';
import { LoadnetError } from '../../errors.js';
import type { Deployer, RunNode, Runner, Scenario } from '../../runtime/contracts.js';
import type { Deployment } from '../../runtime/deployment.js';
import { launchRunner } from '../../runtime/launch.js';
import { noticeWriter, type RunnerOptions } from '../../runtime/runner-options.js';
import { sweepAtRunStart } from '../local/leftovers.js';
import { checkFaultSupport } from '../../faults/capabilities.js';

export interface AttachDeployerOptions extends RunnerOptions {
  /** API base URLs of the running nodes, e.g. http://127.0.0.1:8080. */
  nodes: string[];
  /** Testing API URLs, same order as `nodes` (optional; only informative without node control). */
  testingUrls?: string[];
  /** The nodes' testing-API token, when they were started with one (testing.token in their config). */
  testingToken?: string;
  /** Derive wallets from this seed instead of the scenario's. */
  walletSeed?: number | string;
  /** JSON file of wallet keys (the devnet: seeds). */
  keyFile?: string;
}

function badOption(field: string, value: unknown, allowed: string): LoadnetError {
  return new LoadnetError('LN_ERR_USAGE', `attach: ${field}: ${JSON.stringify(value)} is not allowed; allowed: ${allowed}`, { issues: [{ field, value, allowed }] });
}

export class AttachDeployer implements Deployer {
  readonly name = 'attach';

  constructor(private readonly options: AttachDeployerOptions) {
    if (!Array.isArray(options?.nodes) || options.nodes.length === 0) throw badOption('nodes', options?.nodes, 'a non-empty list of node API URLs such as http://127.0.0.1:8080');
    options.nodes.forEach((u, i) => {
      try {
        const url = new URL(u);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      } catch {
        throw badOption(`nodes[${i}]`, u, 'an http(s) URL such as http://127.0.0.1:8080');
      }
    });
  }

  async deploy(scenario: Scenario): Promise<Runner> {
    const spec = scenario.spec;
    checkFaultSupport(spec, undefined, 'attach');
    const chaos = spec.workloads.find((w) => w.type === 'chaos');
    if (spec.nodeControl || chaos) {
      throw new LoadnetError('LN_ERR_NODE_CONTROL', `attach: node control is unavailable when attaching to running nodes, but the scenario ${spec.nodeControl ? 'enables node control' : 'has a chaos workload'}`, {
        hint: 'remove enableNodeControl()/chaos() from the scenario, or deploy with the local or compose deployer',
      });
    }
    const chain = chainOf(spec);
    if (!chain.planAttach) throw new LoadnetError('LN_ERR_DEPLOY', `attach: chain '${chain.name}' cannot be attached to: its adapter plans no attachment (planAttach)`, { hint: 'deploy it with the local deployer, or add planAttach to its adapter' });
    const given: AttachGiven = { testingUrls: this.options.testingUrls, testingToken: this.options.testingToken, keyFile: this.options.keyFile, walletSeed: this.options.walletSeed };
    return launchRunner(scenario, this.options, async ({ record }) => {
      // Nothing is deployed here, but leftovers of dead local runs (nodes, port reservations) still go.
      sweepAtRunStart(record.events, noticeWriter(this.options));
      let plan;
      try {
        plan = await chain.planAttach!(spec, this.options.nodes, given);
      } catch (e) {
        // The adapter's own deploy and usage errors say what is wrong already.
        if (e instanceof LoadnetError && (e.code === 'LN_ERR_DEPLOY' || e.code === 'LN_ERR_USAGE')) throw e;
        throw new LoadnetError('LN_ERR_DEPLOY', `attach: chain '${chain.name}' at ${this.options.nodes.join(', ')}: ${(e as Error).message}`, { hint: 'check the URL and that the node runs; for chain evm loadnet speaks JSON-RPC (eth_chainId, eth_getBlockByNumber)' });
      }
      const nodes: RunNode[] = plan.nodes.map((n) => ({
        descriptor: { name: n.name, role: n.role, apiUrl: n.apiUrl, ...(n.testingUrl ? { testingUrl: n.testingUrl } : {}), peerId: n.peerId ?? '' },
        client: chain.client({ name: n.name, apiUrl: n.apiUrl, testingUrl: n.testingUrl, testingToken: this.options.testingToken }, { timeoutMs: 5000 }),
      }));
      record.events.emit('attach', { chain: chain.name, nodes: nodes.map((n) => ({ name: n.descriptor.name, url: n.descriptor.apiUrl })), wallets: plan.wallets.length });
      const expectedPeers = plan.expectedPeers ?? 0;
      const deployment: Deployment = {
        deployer: 'attach',
        wallets: plan.wallets,
        nodes: () => nodes,
        expectedPeers: () => expectedPeers,
        teardown: async () => {
          await Promise.allSettled(nodes.map((n) => n.client.close()));
        },
      };
      return deployment;
    });
  }
}
