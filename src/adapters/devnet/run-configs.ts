/**
 * What the devnet's deployers wrote into a run directory (`nodes/<name>/config.json`), read back for the
 * checks that need the deployment's genesis: the supply audit's genesis accounts and fee rule, the DA
 * share count. A run directory without node configs (attach) gives undefined.
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

/** Share count per blob: the nodes' configured DA subnetworks, when a config is readable. */
export function daSharesPerBlob(runDir: string, nodes: readonly string[]): number | undefined {
  for (const name of nodes) {
    try {
      const cfg = JSON.parse(readFileSync(join(runDir, 'nodes', name, 'config.json'), 'utf8')) as { da?: { subnetworks?: number } };
      if (Number.isInteger(cfg.da?.subnetworks)) return cfg.da!.subnetworks;
    } catch {
      // not a local run directory
    }
  }
  return undefined;
}

