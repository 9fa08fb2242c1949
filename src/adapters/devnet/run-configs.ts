/**
 * What the devnet's deployers wrote into a run directory (`nodes/<name>/config.json`), read back for the
 * checks that need the deployment's genesis: the supply audit's genesis accounts and fee rule, the DA
 * share count, a block's capacity. A run directory without node configs (attach) gives undefined.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeConfig } from '../../node/config.js';
import type { LedgerGenesis } from '../seam.js';

/** The first node config in the run directory with a genesis and a fee rule. */
export async function ledgerGenesis(runDir: string): Promise<LedgerGenesis | undefined> {
  const dir = join(runDir, 'nodes');
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return undefined; // no nodes/ directory (an attached deployment)
  }
  for (const name of names) {
    try {
      const config = JSON.parse(await readFile(join(dir, name, 'config.json'), 'utf8')) as NodeConfig;
      if (config.genesis?.accounts && (config.fees === 'burn' || config.fees === 'leader')) {
        return { accounts: config.genesis.accounts.map((a) => ({ address: a.publicKey, balance: a.balance })), fees: config.fees };
      }
    } catch {
      // try the next node
    }
  }
  return undefined;
}

/** The first readable node config's field `pick` picks (undefined when none has it). */
function fromNodeConfigs<T>(runDir: string, nodes: readonly string[], pick: (cfg: Partial<NodeConfig>) => T | undefined): T | undefined {
  for (const name of nodes) {
    try {
      const found = pick(JSON.parse(readFileSync(join(runDir, 'nodes', name, 'config.json'), 'utf8')) as Partial<NodeConfig>);
      if (found !== undefined) return found;
    } catch {
      // not a local run directory
    }
  }
  return undefined;
}

/** Share count per blob: the nodes' configured DA subnetworks, when a config is readable. */
export function daSharesPerBlob(runDir: string, nodes: readonly string[]): number | undefined {
  return fromNodeConfigs(runDir, nodes, (cfg) => (Number.isInteger(cfg.da?.subnetworks) ? cfg.da!.subnetworks : undefined));
}

/** A block's capacity (transactions, bytes) as the nodes were configured, when a config is readable. */
export function blockCapacity(runDir: string, nodes: readonly string[]): { maxTxs: number; maxBytes: number } | undefined {
  return fromNodeConfigs(runDir, nodes, (cfg) => (Number.isInteger(cfg.block?.maxTxs) ? { maxTxs: cfg.block!.maxTxs, maxBytes: cfg.block!.maxBytes } : undefined));
}

