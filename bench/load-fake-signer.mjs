// FAKE transaction factory for bench/load-engine-nosign.ts: the devnet's worker-side factory, except that sign()
// returns one transaction signed once per wallet, so a run measures the load engine's own work per transaction
// (pacing, lanes, batching, measurement, HTTP) without the signatures that otherwise take ~80 % of it.
import { createTxFactory as devnetFactory } from '../dist/src/adapters/devnet/tx-factory.js';

export function createTxFactory(init) {
  const real = devnetFactory(init);
  const signed = init.wallets.map((_, slot) => real.sign(slot, 0));
  return {
    addresses: real.addresses,
    sign: (slot) => signed[slot],
    submitCall: (txs) => real.submitCall(txs),
    submitAnswers: (status, body, count) => real.submitAnswers(status, body, count),
    nonceCall: (address) => real.nonceCall(address),
    nonceAnswer: (status, body) => real.nonceAnswer(status, body),
  };
}
