/**
 * Which deployer `loadnet run` uses: local (default), compose (Docker engine) or attach (nodes already running).
 * Each deployer module is imported only when chosen, so a machine without Docker never loads dockerode.
 */
import { LoadnetError } from '../errors.js';
import type { Deployer } from '../runtime/contracts.js';
import type { RunnerOptions } from '../runtime/runner-options.js';

export type DeployerName = 'local' | 'compose' | 'swarm';
export const DEPLOYER_NAMES: readonly DeployerName[] = ['local', 'compose', 'swarm'];

export interface DeployerChoice {
  name: DeployerName;
  /** Attach to these node API URLs instead of deploying (no teardown of the nodes). */
  attach?: string[];
  /** Attach: wallets from this key file, or derived from this seed (default: the scenario's seed). */
  keyFile?: string;
  walletSeed?: number;
  runner: RunnerOptions;
}


export async function createDeployer(choice: DeployerChoice): Promise<Deployer> {
  if (choice.attach) {
    const { AttachDeployer } = await import('../deployers/attach/index.js');
    return new AttachDeployer({ ...choice.runner, nodes: choice.attach, keyFile: choice.keyFile, walletSeed: choice.walletSeed });
  }
  if (choice.name === 'compose') {
    const { ComposeDeployer } = await import('../deployers/compose/index.js');
    return new ComposeDeployer({ ...choice.runner });
  }
  if (choice.name === 'swarm') {
    const { SwarmDeployer } = await import('../deployers/swarm/index.js');
    return new SwarmDeployer({ ...choice.runner, engines: swarmEnginesFromEnv(), agents: swarmAgentsOptionFromEnv() });
  }
  const { LocalDeployer } = await import('../deployers/local/index.js');
  return new LocalDeployer({ ...choice.runner });
}

/** LOADNET_SWARM_ENGINES: the other swarm hosts' engine sockets, comma-separated (the manager is DOCKER_HOST's). */
export function swarmEnginesFromEnv(value = process.env.LOADNET_SWARM_ENGINES): Array<{ socketPath: string }> {
  const sockets = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = sockets.filter((s) => !s.startsWith('/'));
  if (bad.length > 0) throw new LoadnetError('LN_ERR_USAGE', `LOADNET_SWARM_ENGINES: ${JSON.stringify(bad.join(','))} is not a socket path list; allowed: comma-separated absolute paths of engine sockets, e.g. /run/h2/docker.sock,/run/h3/docker.sock`);
  return sockets.map((socketPath) => ({ socketPath }));
}

/** LOADNET_SWARM_AGENTS: how many load agents the swarm deployer starts as services (unset: none). */
export function swarmAgentsFromEnv(value = process.env.LOADNET_SWARM_AGENTS): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new LoadnetError('LN_ERR_USAGE', `LOADNET_SWARM_AGENTS: ${JSON.stringify(value)} is not allowed; allowed: a whole number of load agents from 1 to 64`);
  return n;
}

/** LOADNET_SWARM_AGENT_LOSS: what a lost swarm agent does, 'fail' (default) or 'continue'; only with LOADNET_SWARM_AGENTS. */
export function swarmAgentLossFromEnv(value = process.env.LOADNET_SWARM_AGENT_LOSS): 'fail' | 'continue' | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (v !== 'fail' && v !== 'continue') throw new LoadnetError('LN_ERR_USAGE', `LOADNET_SWARM_AGENT_LOSS: ${JSON.stringify(value)} is not allowed; allowed: fail, continue`);
  return v;
}

/** The swarm deployer's agents from LOADNET_SWARM_AGENTS and LOADNET_SWARM_AGENT_LOSS. */
export function swarmAgentsOptionFromEnv(env: NodeJS.ProcessEnv = process.env): { count: number; onLoss?: 'fail' | 'continue' } | undefined {
  const count = swarmAgentsFromEnv(env.LOADNET_SWARM_AGENTS);
  const onLoss = swarmAgentLossFromEnv(env.LOADNET_SWARM_AGENT_LOSS);
  if (count === undefined) {
    if (onLoss !== undefined) throw new LoadnetError('LN_ERR_USAGE', 'LOADNET_SWARM_AGENT_LOSS needs swarm load agents: set LOADNET_SWARM_AGENTS to how many (1 to 64)');
    return undefined;
  }
  return onLoss === undefined ? { count } : { count, onLoss };
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
