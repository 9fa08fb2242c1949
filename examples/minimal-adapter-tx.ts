/**
 * The toy chain's worker-side transaction factory (see minimal-adapter.ts): the load workers import this
 * module by path and call `createTxFactory` once per worker. `sign` is the hot path; everything here runs
 * in the worker threads, so it imports nothing of the coordinator.
 *
 * A toy transaction is the hex of its JSON { from, to, nonce, amount, fee, sig } (sig: ed25519 over the JSON
 * without sig); its id is the sha256 of those bytes. A real chain uses its own encoding.
 */
import type { HttpCall, SignedTx, TxAnswer, TxFactoryInit, WorkerTxFactory } from 'loadnet';
import { ed25519Backend, fromHex, sha256Hex, toHex } from 'loadnet/chain';

const ACCEPTED: TxAnswer = { outcome: 'accepted', reason: 'ok' };

/** The node's error words → the generic classes the engine's nonce lanes act on. */
function classify(error: string): TxAnswer {
  if (/nonce too low/.test(error)) return { outcome: 'stale_nonce', reason: 'nonce_too_low' };
  if (/already known/.test(error)) return { outcome: 'duplicate', reason: 'duplicate' };
  if (/nonce gap/.test(error)) return { outcome: 'nonce_gap', reason: 'nonce_gap' };
  return { outcome: 'rejected', reason: error.replace(/\W+/g, '_').slice(0, 32) || 'other' };
}

export function createTxFactory(init: TxFactoryInit): WorkerTxFactory {
  const backend = ed25519Backend();
  const keys = init.wallets.map((w) => backend.keyFromSeed(fromHex(w.secret, 32)));
  const addresses = keys.map((k) => toHex(k.publicKey));
  const to = init.wallets.map((w) => init.recipients[(w.index + 1) % init.recipients.length]!);
  const { fee, amount } = init.params;
  const encoder = new TextEncoder();
  return {
    addresses,
    sign(slot: number, nonce: number): SignedTx {
      const body = { from: addresses[slot]!, to: to[slot]!, nonce, amount, fee };
      const sig = toHex(keys[slot]!.sign(encoder.encode(JSON.stringify(body))));
      const bytes = encoder.encode(JSON.stringify({ ...body, sig }));
      return { bytes, id: sha256Hex(bytes) };
    },
    submitCall(txs: readonly Uint8Array[]): HttpCall {
      return { method: 'POST', path: '/txs', body: JSON.stringify(txs.map((t) => toHex(t))), contentType: 'application/json' };
    },
    submitAnswers(status: number, body: string): readonly (TxAnswer | undefined)[] | undefined {
      if (status !== 200) return undefined; // every transaction of this request: a transport error
      const replies = JSON.parse(body) as Array<{ ok?: boolean; error?: string }>;
      return replies.map((r) => (r.ok ? ACCEPTED : r.error ? classify(r.error) : undefined));
    },
    nonceCall(address: string): HttpCall {
      return { method: 'GET', path: `/account/${address}` };
    },
    nonceAnswer(status: number, body: string): number {
      if (status !== 200) throw new Error(`account: HTTP ${status}`);
      return (JSON.parse(body) as { nonce: number }).nonce;
    },
  };
}
