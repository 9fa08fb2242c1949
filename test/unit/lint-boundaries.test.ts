// The import boundaries of docs/ARCHITECTURE.md are enforced by `npm run lint`: each crossing below, linted with the
// repository's own eslint.config.js as if it were a file at that path, is an error; each allowed import is not.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'loadnet/import-boundaries').map((m) => m.message);
}

// [importing file, code, the target named in the error]
const crossings: Array<[string, string, string]> = [
  ['src/node/x.ts', "import type { RunContext } from '../runtime/contracts.js';", 'src/runtime/contracts.ts'],
  ['src/node/p2p/x.ts', "import { buildDeploymentPlan } from '../../adapters/devnet/plan.js';", 'src/adapters/devnet/plan.ts'],
  ['src/node/x.ts', "export const load = () => import('../runtime/runner.js');", 'src/runtime/runner.ts'],
  ['src/node/x.ts', "export type Contracts = typeof import('../runtime/contracts.js');", 'src/runtime/contracts.ts'],
  ['src/adapters/devnet/wire/x.ts', "export * from '../../../runtime/contracts.js';", 'src/runtime/contracts.ts'],
  ['src/adapters/devnet/wire/x.ts', "export { NodeConfig } from '../../../node/config.js';", 'src/node/config.ts'],
  ['src/adapters/devnet/wire/x.ts', "import { buildDeploymentPlan } from '../plan.js';", 'src/adapters/devnet/plan.ts'],
  ['src/util/x.ts', "import { signTx } from '../adapters/devnet/wire/tx.js';", 'src/adapters/devnet/wire/tx.ts'],
  ['src/node/x.ts', "import { devnetAdapter } from '../adapters/devnet/index.js';", 'src/adapters/devnet/index.ts'],
  ['workers/x.ts', "import { createLoadEngine } from '../src/load/engine.js';", 'src/load/engine.ts'],
  ['workers/x.ts', "import { TransactionWorkload } from '../src/workloads/transactions.js';", 'src/workloads/transactions.ts'],
  ['src/expectations/x.ts', "import { buildDeploymentPlan } from '../adapters/devnet/plan.js';", 'src/adapters/devnet/plan.ts'],
  // The chain seam: the framework reaches a chain only through adapters/seam.ts and registry.ts.
  ['src/runtime/x.ts', "import { NodeClient } from '../adapters/devnet/wire/node-client.js';", 'src/adapters/devnet/wire/node-client.ts'],
  ['src/load/x.ts', "import { createTxFactory } from '../adapters/devnet/tx-factory.js';", 'src/adapters/devnet/tx-factory.ts'],
  ['src/expectations/x.ts', "import type { GenesisAccount } from '../node/config.js';", 'src/node/config.ts'],
  ['workers/x.ts', "import { signTransferFast } from '../src/adapters/devnet/wire/tx.js';", 'src/adapters/devnet/wire/tx.ts'],
  ['src/adapters/evm/x.ts', "import { NodeClient } from '../devnet/wire/node-client.js';", 'src/adapters/devnet/wire/node-client.ts'],
  ['src/expectations/x.ts', "import { Chain } from '../node/chain.js';", 'src/node/chain.ts'],
  // No devnet-only exception: supply, the ledger replay and DA reach the chain through the seam too.
  ['src/expectations/supply.ts', "import { devnetApi } from '../adapters/devnet/client.js';", 'src/adapters/devnet/client.ts'],
  ['src/expectations/supply.ts', "import type { GenesisAccount } from '../node/config.js';", 'src/node/config.ts'],
  ['src/expectations/ledger-replay.ts', "import { txFromJson } from '../adapters/devnet/wire/tx.js';", 'src/adapters/devnet/wire/tx.ts'],
  ['src/workloads/da.ts', "import { signTx } from '../adapters/devnet/wire/tx.js';", 'src/adapters/devnet/wire/tx.ts'],
  ['src/workloads/da-inclusion.ts', "import { devnetApi } from '../adapters/devnet/client.js';", 'src/adapters/devnet/client.ts'],
  ['src/report/x.ts', "import { LocalDeployer } from '../deployers/local/index.js';", 'src/deployers/local/index.ts'],
  ['src/report/x.ts', "import { createLoadEngine } from '../load/engine.js';", 'src/load/engine.ts'],
  ['src/load/x.ts', "import { TransactionWorkload } from '../workloads/transactions.js';", 'src/workloads/transactions.ts'],
  ['src/load/x.ts', "import { Mempool } from '../node/mempool.js';", 'src/node/mempool.ts'],
  ['src/deployers/x.ts', "import { Ledger } from '../node/ledger.js';", 'src/node/ledger.ts'],
  // A deployer writes the config the scenario's plan gives; the defense names are the adapter's to check.
  ['src/deployers/compose/x.ts', "import { DEFENSE_NAMES } from '../../node/defenses.js';", 'src/node/defenses.ts'],
  ['src/adapters/devnet/x.ts', "import { DevnetNode } from '../../node/node.js';", 'src/node/node.ts'],
  ['src/runtime/x.ts', "import { main } from '../cli/main.js';", 'src/cli/main.ts'],
  ['src/index.ts', "export { main } from './cli/main.js';", 'src/cli/main.ts'],
  ['examples/x.ts', "import { ScenarioBuilder } from '../src/index.js';", 'src/index.ts'],
];

// [importing file, code]: allowed, from every depth of a folder.
const allowed: Array<[string, string]> = [
  ['src/node/x.ts', "import { signTx } from '../adapters/devnet/wire/tx.js';\nimport { nowMs } from '../util/clock.js';\nimport { LoadnetError } from '../errors.js';"],
  ['src/node/p2p/x.ts', "import { toHex } from '../../util/bytes.js';\nimport { Paths } from '../../adapters/devnet/wire/api.js';\nimport { Chain } from '../chain.js';"],
  ['src/adapters/devnet/x.ts', "import { NodeClient } from './wire/node-client.js';\nimport type { NodeConfig } from '../../node/config.js';\nimport { DEFENSE_NAMES } from '../../node/defenses.js';"],
  ['workers/x.ts', "import { Schedule } from '../src/load/schedule.js';\nimport type { WorkerInit } from '../src/load/protocol.js';\nimport { Pool } from 'undici';"],
  ['src/expectations/x.ts', "import type { ChainClient } from '../adapters/seam.js';\nimport type { RunContext } from '../runtime/contracts.js';"],
  ['src/expectations/supply.ts', "import type { LedgerBlock } from '../adapters/seam.js';\nimport { chainOf } from '../adapters/registry.js';"],
  ['workers/load-worker.ts', "import type { WorkerTxFactory } from '../src/adapters/seam.js';\nexport const f = (p: string) => import(p);"],
  ['src/deployers/local/x.ts', "import type { NodeConfig } from '../../node/config.js';\nimport type { Deployer } from '../../runtime/contracts.js';"],
  ['src/cli/x.ts', "export const run = (path: string) => import(path);\nimport { LocalDeployer } from '../deployers/local/index.js';"],
  ['examples/x.ts', "import { ScenarioBuilder } from 'loadnet';\nimport { isMain } from './support.js';"],
  ['test/unit/x.test.ts', "import { Chain } from '../../src/node/chain.js';"],
];

describe('import boundaries (eslint.config.js, loadnet/import-boundaries)', () => {
  it.each(crossings)('%s: %s is a lint error', async (file, code, target) => {
    const errors = await boundaryErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`may not import ${target}: it may import only`);
  });

  it.each(allowed)('%s: %s passes', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });

  it('refuses an import() whose path it cannot read, outside cli/', async () => {
    const errors = await boundaryErrors('src/runtime/x.ts', "const name = '../report/index.js';\nexport const load = () => import(name);");
    expect(errors).toEqual([expect.stringContaining('import() with a computed path cannot be checked')]);
    // Only the load worker of workers/ imports by a computed path (a chain's transaction factory).
    expect(await boundaryErrors('workers/x.ts', 'export const f = (p: string) => import(p);')).toEqual([expect.stringContaining('import() with a computed path cannot be checked')]);
  });
});
