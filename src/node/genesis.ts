/**
 * The genesis block: a virtual block at height 0, slot 0, whose id commits to the whole genesis
 * config (chain id, start time, epoch nonce, accounts, validators), so nodes with different genesis
 * files can never agree on a parent and never exchange blocks by mistake.
 */
import { ByteWriter, fromHex, toHex } from '../util/bytes.js';
import { sha256 } from '../util/hash.js';
import type { GenesisConfig } from './config.js';
import { ZERO_ID, type Block } from './block-codec.js';

const GENESIS_DOMAIN = new TextEncoder().encode('loadnet.devnet.genesis.v1\0');

export function genesisId(g: GenesisConfig): string {
  const w = new ByteWriter(256);
  const chainId = new TextEncoder().encode(g.chainId);
  w.bytes(GENESIS_DOMAIN).u16(chainId.length).bytes(chainId).u64(g.timeMs);
  const nonce = fromHex(g.epochNonce, undefined, 'genesis.epochNonce');
  w.u16(nonce.length).bytes(nonce).u32(g.accounts.length);
  for (const a of g.accounts) w.bytes(fromHex(a.publicKey, 32, 'genesis.accounts.publicKey')).u64(a.balance);
  w.u32(g.validators.length);
  for (const v of g.validators) w.bytes(fromHex(v.publicKey, 32, 'genesis.validators.publicKey')).u64(v.stake);
  return toHex(sha256(w.finish()));
}

export function genesisBlock(g: GenesisConfig): Block {
  return {
    id: genesisId(g),
    header: { parent: ZERO_ID, slot: 0, height: 0, proposer: ZERO_ID, txRoot: ZERO_ID, leaderProof: '0'.repeat(128), timestamp: g.timeMs },
    signature: '0'.repeat(128),
    txs: [],
    bytes: new Uint8Array(0),
  };
}
