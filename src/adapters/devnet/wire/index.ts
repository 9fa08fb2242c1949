/** The devnet's wire format and node client (the package's `loadnet/chain` export): shared by the devnet node, its adapter and user code. */
export * from '../../../util/bytes.js';
export * from '../../../util/hash.js';
export * from './ed25519.js';
export * from './keys.js';
export * from './tx.js';
export * from './api.js';
export * from './node-client.js';
