/**
 * The devnet adapter: loadnet's own reference chain (src/node) behind the chain seam. Its nodes are
 * planned by ./plan.ts (genesis, stakes, keys, node configs), as processes by ./local-plan.ts (what the local
 * deployer runs; the compose deployer has its own devnet image); attach finds them as ./attach.ts says.
 */
import { toHex, fromHex } from '../../util/bytes.js';
import { ed25519Backend } from './wire/ed25519.js';
import type { ChainAdapter, ChainCapability, ChainEndpoint, ClientOptions, TxFactoryRef, TxParams } from '../seam.js';
import { workerModulePath } from '../module-path.js';
import { DevnetChainClient } from './client.js';
import { checkDevnetOptions } from './options.js';
import { blockCapacity, daSharesPerBlob, ledgerGenesis } from './run-configs.js';
import { planDevnetAttach } from './attach.js';
import { planDevnetLocal } from './local-plan.js';

const CAPABILITIES: ReadonlySet<ChainCapability> = new Set(['da', 'testing-faults', 'joiners', 'staking', 'multi-node', 'mempool', 'supply', 'node-control', 'p2p-client', 'fee-market']);

export const devnetAdapter: ChainAdapter = {
  name: 'devnet',
  roles: ['validator', 'executor'],
  capabilities: CAPABILITIES,
  follow: 'poll',
  checkOptions(options) {
    return checkDevnetOptions(options);
  },
  client(endpoint: ChainEndpoint, options?: ClientOptions) {
    return new DevnetChainClient(endpoint, options);
  },
  txFactory(_params: TxParams): TxFactoryRef {
    return { module: workerModulePath(import.meta.url, 'tx-factory'), options: {} };
  },
  addressOf(secret: string): string {
    return toHex(ed25519Backend('sodium').keyFromSeed(fromHex(secret, 32, 'wallet seed')).publicKey);
  },
  planLocal: planDevnetLocal,
  planAttach: planDevnetAttach,
  ledgerGenesis,
  daSharesPerBlob,
  blockCapacity,
};
