/**
 * Staking from the coordinator (docs/devnet-node.md, "Staking"): a joiner is funded by a genesis node's account,
 * then signs its own `stake_declare`; a leaver signs `stake_withdraw` of all it bonded (0 for a genesis
 * validator: it deregisters). One operation at a time (the funder's nonces), each waiting until its
 * transaction is in a block on the node it was sent to. Used by every deployer that launches the devnet.
 */
import type { ChainClient, ChainStaking } from '../seam.js';
import { devnetApi } from './client.js';
import type { NodeClient } from './wire/node-client.js';
import { fastestEd25519 } from './wire/ed25519.js';
import { signTx, txToJson, type Operation } from './wire/tx.js';
import { defaultTuning, type DeploymentPlan } from './plan.js';
import { fromHex, toHex, type Hex } from '../../util/bytes.js';
import { nowMs, sleep } from '../../util/clock.js';
import { LoadnetError } from '../../errors.js';

/** What the deployment tells staking about its nodes. */
export interface StakingHost {
  /** A node of the run by name (topology node or joiner): its identity seed. */
  identitySeed(name: string): Hex;
  client(name: string): ChainClient;
  liveNames(): readonly string[];
}

/** Fee margin a joiner is funded with besides its stake, for its declaration and a later withdrawal. */
const STAKING_FEES = 10;

export function devnetStaking(plan: DeploymentPlan, host: StakingHost): ChainStaking {
  const backend = fastestEd25519();
  const fee = Math.max(1, defaultTuning(plan.scenario).mempool.minFee);
  const { slotDurationMs, securityParam } = plan.consensus;
  const waitMs = Math.max(30_000, 30 * slotDurationMs);
  const declared = new Map<string, number>();
  let turn: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = turn.then(f);
    turn = p.catch(() => undefined);
    return p;
  };
  /** A live genesis node other than `not`, whose account pays and whose API takes the transactions. */
  const via = (not: string) => {
    const live = new Set(host.liveNames());
    const n = plan.nodes.find((p) => p.name !== not && live.has(p.name));
    if (!n) throw new LoadnetError('LN_ERR_NODE_CONTROL', `staking ${not}: no other genesis node is live to fund and carry its transactions`);
    return { funder: n, api: devnetApi(host.client(n.name), 'staking') };
  };
  const send = async (api: NodeClient, seed: Hex, ops: Operation[], what: string): Promise<{ tx: Hex; height: number; slot: number }> => {
    const key = backend.keyFromSeed(fromHex(seed, 32, 'identitySeed'));
    const from = toHex(key.publicKey);
    const nonce = (await api.account(from)).nonce;
    const tx = signTx({ from, nonce, fee, ops }, key);
    const r = await api.submitTx(txToJson(tx));
    if (r.result !== 'ok') throw new LoadnetError('LN_ERR_NODE_CONTROL', `${what}: ${api.name} refused the transaction (${r.result}${r.error ? `: ${r.error}` : ''})`);
    const deadline = nowMs() + waitMs;
    while (nowMs() < deadline) {
      if ((await api.account(from)).nonce > nonce) {
        const info = await api.info();
        return { tx: tx.id, height: info.height, slot: info.slot };
      }
      await sleep(Math.min(250, slotDurationMs / 2));
    }
    throw new LoadnetError('LN_ERR_NODE_CONTROL', `${what}: transaction ${tx.id.slice(0, 12)} not in a block on ${api.name} within ${Math.round(waitMs / 1000)} s`);
  };
  return {
    declare: (name, amount) =>
      serial(async () => {
        const { funder, api } = via(name);
        const seed = host.identitySeed(name);
        const pk = toHex(backend.keyFromSeed(fromHex(seed, 32, 'identitySeed')).publicKey);
        const funding = await send(api, funder.identitySeed, [{ kind: 'transfer', to: pk, amount: amount + STAKING_FEES * fee }], `funding ${name}`);
        const declaration = await send(api, seed, [{ kind: 'stake_declare', amount }], `${name} declaring stake ${amount}`);
        declared.set(name, amount);
        // The lottery counts it from k slots after the block that carries it; `slot` is the tip's when seen, so at most that.
        return { amount, fundedBy: funder.name, funding: funding.tx, tx: declaration.tx, height: declaration.height, leadsFromSlot: declaration.slot + securityParam };
      }),
    withdraw: (name) =>
      serial(async () => {
        const { api } = via(name);
        const amount = declared.get(name) ?? 0;
        const w = await send(api, host.identitySeed(name), [{ kind: 'stake_withdraw', amount }], `${name} withdrawing its stake`);
        declared.delete(name);
        return { amount, tx: w.tx, height: w.height, outFromSlot: w.slot + securityParam };
      }),
  };
}
