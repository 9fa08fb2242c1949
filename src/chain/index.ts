/** The chain codec and client: shared by the node, the load generator and user code. */
export * from './bytes.js';
export * from './hash.js';
export * from './ed25519.js';
export * from './keys.js';
export * from './tx.js';
export * from './api.js';
export * from './client.js';
