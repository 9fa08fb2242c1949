/**
 * The devnet's state root: a SHA-256 over the ledger's accounts (sorted by public key, each as key, balance
 * and nonce, zero accounts left out since they equal absent ones), its DA channels (by id) and the burned
 * total, at one canonical height. Served by the API (GET /ledger/state_root?height=), not put in the block
 * header: two nodes agree on the state after a height when their roots there are equal.
 */
import { createHash } from 'node:crypto';
import type { Hex } from '../util/bytes.js';
import type { LedgerSnapshot } from './ledger.js';

export function stateRootOf(snap: LedgerSnapshot): { root: Hex; accounts: number } {
  const h = createHash('sha256');
  h.update('loadnet.devnet.state.v1\0');
  const accounts = snap.accounts.filter(([, balance, nonce]) => balance !== 0 || nonce !== 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [pk, balance, nonce] of accounts) h.update(`a:${pk}:${balance}:${nonce}\n`);
  const channels = [...snap.channels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [id, owner, lastMsg, blobs] of channels) h.update(`c:${id}:${owner}:${lastMsg}:${blobs}\n`);
  h.update(`b:${snap.burned}\n`);
  return { root: h.digest('hex'), accounts: accounts.length };
}
