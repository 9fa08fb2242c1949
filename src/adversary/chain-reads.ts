/**
 * What a race reads back from every node at the end: where each of its transactions sits on that node's
 * canonical chain, and whether the nodes agree on the state (the devnet's state root at a common height, and
 * the accounts the race touched).
 */
import { devnetApi } from '../adapters/devnet/client.js';
import type { StateRootJson } from '../adapters/devnet/wire/api.js';
import type { RunNode } from '../runtime/contracts.js';
import type { Hex } from '../util/bytes.js';

/** Heights at which each of `ids` appears on the node's canonical chain above `fromHeight` (absent: nowhere). */
export async function canonicalHeights(node: RunNode, fromHeight: number, ids: ReadonlySet<Hex>): Promise<{ tip: number; at: Map<Hex, number[]> }> {
  const tip = (await node.client.head()).height;
  const at = new Map<Hex, number[]>();
  for (let h = fromHeight + 1; h <= tip; ) {
    const page = await node.client.blocksByHeight(h, tip);
    if (page.length === 0) break;
    for (const b of page) for (const id of b.txIds) if (ids.has(id)) at.set(id, [...(at.get(id) ?? []), b.height]);
    h = page[page.length - 1]!.height + 1;
  }
  return { tip, at };
}

export interface StateComparison {
  /** The height compared (the highest one every node serves with the same block), or null when none. */
  height: number | null;
  roots: Record<string, StateRootJson | string>;
  /** Distinct roots at that height (1 = agreement). */
  distinct: number;
}

/**
 * The devnet state root of every node at the highest height all of them serve (LIB..tip on each) with the
 * same canonical block, tried from the lowest tip down to the highest LIB.
 */
export async function compareStateRoots(nodes: readonly RunNode[]): Promise<StateComparison> {
  const apis = nodes.map((n) => devnetApi(n.client, 'the state-root comparison'));
  const infos = await Promise.all(apis.map((a) => a.info()));
  const low = Math.min(...infos.map((i) => i.height));
  const floor = Math.max(...infos.map((i) => i.lib_height));
  let last: Record<string, StateRootJson | string> = {};
  for (let h = low; h >= floor && h >= 0; h--) {
    const got = await Promise.all(apis.map((a) => a.stateRoot(h).catch((e: Error) => e.message)));
    last = Object.fromEntries(nodes.map((n, i) => [n.descriptor.name, got[i]!]));
    const ok = got.filter((g): g is StateRootJson => typeof g !== 'string');
    if (ok.length < got.length || new Set(ok.map((g) => g.block)).size > 1) continue;
    return { height: h, roots: last, distinct: new Set(ok.map((g) => g.root)).size };
  }
  return { height: null, roots: last, distinct: 0 };
}

/** Each node's balance and nonce of every account, and the accounts on which nodes disagree. */
export async function compareAccounts(nodes: readonly RunNode[], accounts: readonly Hex[]): Promise<{ values: Map<Hex, Record<string, { balance: number; nonce: number } | string>>; differing: Hex[] }> {
  const values = new Map<Hex, Record<string, { balance: number; nonce: number } | string>>();
  const differing: Hex[] = [];
  for (const a of accounts) {
    const got = await Promise.all(nodes.map((n) => n.client.account(a).then((s) => ({ balance: Number(s.balance), nonce: Number(s.nonce) }), (e: Error) => e.message)));
    const row = Object.fromEntries(nodes.map((n, i) => [n.descriptor.name, got[i]!]));
    values.set(a, row);
    if (new Set(got.map((g) => JSON.stringify(g))).size > 1) differing.push(a);
  }
  return { values, differing };
}
