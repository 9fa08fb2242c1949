/**
 * Which deployer `loadnet run` uses: local (default), compose (Docker engine) or attach (nodes already running).
 * Each deployer module is imported only when chosen, so a machine without Docker never loads dockerode.
 */
import { LoadnetError } from '../errors.js';
import type { Deployer } from '../runtime/contracts.js';
import type { RunnerOptions } from '../runtime/runner-options.js';

export type DeployerName = 'local' | 'compose';
export const DEPLOYER_NAMES: readonly DeployerName[] = ['local', 'compose'];

export interface DeployerChoice {
  name: DeployerName;
  /** Attach to these node API URLs instead of deploying (no teardown of the nodes). */
  attach?: string[];
  /** Attach: wallets from this key file, or derived from this seed (default: the scenario's seed). */
  keyFile?: string;
  walletSeed?: number;
  runner: RunnerOptions;
}

type DeployerClass = new (options?: Record<string, unknown>) => Deployer;

// A variable specifier: the compose deployer is another engineer's module and loads only on demand.
const COMPOSE_MODULE = '../deployers/compose/index.js';

export async function createDeployer(choice: DeployerChoice): Promise<Deployer> {
  if (choice.attach) {
    const { AttachDeployer } = await import('../deployers/attach/index.js');
    return new AttachDeployer({ ...choice.runner, nodes: choice.attach, keyFile: choice.keyFile, walletSeed: choice.walletSeed });
  }
  if (choice.name === 'compose') {
    const ComposeDeployer = await deployerClass(COMPOSE_MODULE, 'ComposeDeployer', 'compose');
    return new ComposeDeployer({ ...choice.runner });
  }
  const { LocalDeployer } = await import('../deployers/local/index.js');
  return new LocalDeployer({ ...choice.runner });
}

async function deployerClass(specifier: string, exportName: string, what: string): Promise<DeployerClass> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    throw new LoadnetError('LN_ERR_DEPLOY', `the ${what} deployer could not be loaded: ${(e as Error).message}`, { cause: e, hint: 'run `npm run build` and check that dist/ is complete' });
  }
  const cls = mod[exportName];
  if (typeof cls !== 'function') throw new LoadnetError('LN_ERR_DEPLOY', `the ${what} deployer module does not export ${exportName}`);
  return cls as DeployerClass;
}

/** `--attach url,url`: each a http(s) URL of a node's API. */
export function parseAttachUrls(value: string): string[] {
  const urls = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = urls.filter((u) => {
    try {
      const p = new URL(u).protocol;
      return p !== 'http:' && p !== 'https:';
    } catch {
      return true;
    }
  });
  if (urls.length === 0 || bad.length > 0) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run --attach: ${JSON.stringify(bad.length ? bad.join(',') : value)} is not a node URL list; allowed: comma-separated http(s) URLs such as http://127.0.0.1:8080,http://127.0.0.1:8081`);
  }
  return urls;
}
