/** The devnet's wire format (transactions, API, P2P frames and handshake) and node client (the package's `loadnet/chain` export): shared by the devnet node, its adapter and user code. */
export * from '../../../util/bytes.js';
export * from '../../../util/hash.js';
export * from './ed25519.js';
export * from './keys.js';
export * from './tx.js';
export * from './api.js';
export * from './node-client.js';
export * from './p2p-frames.js';
export * from './p2p-handshake.js';
