/**
 * The devnet's chain options (`chain: { type: 'devnet', mempool: { ... }, api: { ... }, defensesOff: ... }`):
 * the mempool admission rules a scenario may set, so that every reject reason can be reached on purpose (a
 * minimum fee for fee_too_low, a small pool for mempool_full); the API's per-client request budget; and the
 * defenses switched off on some nodes, to show a check failing without them. Everything else about the devnet
 * follows from topology and consensus.
 */
import { DEFENSE_NAMES } from '../../node/defenses.js';
import type { ScenarioSpec } from '../../scenario/spec.js';

export interface DevnetMempoolOptions {
  /** Transactions pending at most (default 200,000). */
  maxCount?: number;
  /** Smallest fee admitted (default 0). */
  minFee?: number;
  /** Largest gap between a sender's next nonce and a submitted one (default 10,000). */
  maxNonceGap?: number;
}

const MEMPOOL_FIELDS: Record<keyof DevnetMempoolOptions, { min: number; max: number }> = {
  maxCount: { min: 1, max: 10_000_000 },
  minFee: { min: 0, max: Number.MAX_SAFE_INTEGER },
  maxNonceGap: { min: 0, max: 1_000_000 },
};

/** A block's capacity (default 20,000 transactions): small, fee pressure saturates blocks at a rate one machine offers. */
export interface DevnetBlockOptions {
  maxTxs?: number;
}

const BLOCK_FIELDS: Record<keyof DevnetBlockOptions, { min: number; max: number }> = {
  maxTxs: { min: 1, max: 1_000_000 },
};

/** The API's per-client request budget (src/node/http-server.ts; defaults 20,000/s, burst 40,000). */
export interface DevnetApiOptions {
  requestsPerSec?: number;
  requestBurst?: number;
}

const API_FIELDS: Record<keyof DevnetApiOptions, { min: number; max: number }> = {
  requestsPerSec: { min: 1, max: 10_000_000 },
  requestBurst: { min: 1, max: 10_000_000 },
};

/**
 * Defenses switched off (a test aid, docs/SECURITY.md): `true` = every node's API limits and P2P budgets;
 * node names = those nodes' API limits and P2P budgets; `{ defenses, nodes }` = the defenses named
 * (src/node/defenses.ts; 'all' = every one) on the nodes named (default every node), written into each
 * node's config `defensesOff`, so every deployer's nodes get them.
 */
export type DevnetDefensesOff = true | string[] | { defenses: string[]; nodes?: string[] };

type Issue = { field: string; value: unknown; allowed: string };

const NODE_NAME = /^[a-z]+-\d+$/;
const DEFENSES_ALLOWED = `defense names: all, ${DEFENSE_NAMES.join(', ')}`;

function checkDefensesOff(v: unknown, issues: Issue[]): void {
  if (v === true || (Array.isArray(v) && v.every((n) => typeof n === 'string' && NODE_NAME.test(n)))) return;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    issues.push({ field: 'defensesOff', value: v, allowed: "true (every node), node names such as ['validator-1'] (their API limits and P2P budgets), or { defenses: ['fee-ordering', ...], nodes?: ['validator-0', ...] }" });
    return;
  }
  const { defenses, nodes, ...rest } = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(rest)) issues.push({ field: `defensesOff.${k}`, value: x, allowed: 'defenses, nodes' });
  if (!Array.isArray(defenses) || defenses.length === 0 || !defenses.every((d) => typeof d === 'string')) issues.push({ field: 'defensesOff.defenses', value: defenses, allowed: `a non-empty list of ${DEFENSES_ALLOWED}` });
  else {
    const unknown = defenses.filter((d) => d !== 'all' && !(DEFENSE_NAMES as readonly string[]).includes(d));
    if (unknown.length > 0) issues.push({ field: 'defensesOff.defenses', value: unknown, allowed: DEFENSES_ALLOWED });
  }
  if (nodes !== undefined && !(Array.isArray(nodes) && nodes.length > 0 && nodes.every((n) => typeof n === 'string' && NODE_NAME.test(n)))) issues.push({ field: 'defensesOff.nodes', value: nodes, allowed: "node names such as ['validator-0'] (omitted: every node)" });
}

function checkIntegers(group: string, v: unknown, rules: Record<string, { min: number; max: number }>, issues: Issue[]): void {
  const names = Object.keys(rules).join(', ');
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    issues.push({ field: group, value: v, allowed: `an object with ${names}` });
    return;
  }
  for (const [f, x] of Object.entries(v)) {
    const rule = rules[f];
    if (!rule) issues.push({ field: `${group}.${f}`, value: x, allowed: names });
    else if (!Number.isSafeInteger(x) || (x as number) < rule.min || (x as number) > rule.max) issues.push({ field: `${group}.${f}`, value: x, allowed: `an integer from ${rule.min} to ${rule.max}` });
  }
}

export function checkDevnetOptions(options: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  for (const [k, v] of Object.entries(options)) {
    if (k === 'mempool') checkIntegers('mempool', v, MEMPOOL_FIELDS, issues);
    else if (k === 'api') checkIntegers('api', v, API_FIELDS, issues);
    else if (k === 'block') checkIntegers('block', v, BLOCK_FIELDS, issues);
    else if (k === 'defensesOff') checkDefensesOff(v, issues);
    else issues.push({ field: k, value: v, allowed: "mempool ({ maxCount, minFee, maxNonceGap }), api ({ requestsPerSec, requestBurst }), block ({ maxTxs }) or defensesOff; the rest of the devnet is configured by topology and consensus" });
  }
  return issues;
}

/** The mempool fields a scenario set for the devnet (checked by checkDevnetOptions at build time). */
export function devnetMempoolOptions(spec: Pick<ScenarioSpec, 'chain'>): DevnetMempoolOptions {
  const chain = spec.chain;
  if (!chain || chain.type !== 'devnet') return {};
  const m = chain.mempool as DevnetMempoolOptions | undefined;
  return m ? { ...m } : {};
}

/** The block capacity a scenario set for the devnet. */
export function devnetBlockOptions(spec: Pick<ScenarioSpec, 'chain'>): DevnetBlockOptions {
  const chain = spec.chain;
  if (!chain || chain.type !== 'devnet') return {};
  const b = chain.block as DevnetBlockOptions | undefined;
  return b ? { ...b } : {};
}

/** The API request budget a scenario set for the devnet. */
export function devnetApiOptions(spec: Pick<ScenarioSpec, 'chain'>): DevnetApiOptions {
  const chain = spec.chain;
  if (!chain || chain.type !== 'devnet') return {};
  const a = chain.api as DevnetApiOptions | undefined;
  return a ? { ...a } : {};
}

function defensesOffOption(spec: Pick<ScenarioSpec, 'chain'>): DevnetDefensesOff | undefined {
  return spec.chain?.type === 'devnet' ? (spec.chain.defensesOff as DevnetDefensesOff | undefined) : undefined;
}

/** Whether the scenario switched this node's API limits and P2P budgets off (`defensesOff: true | [node names]`). */
export function devnetLimitsOff(spec: Pick<ScenarioSpec, 'chain'>, node: string): boolean {
  const off = defensesOffOption(spec);
  return off === true || (Array.isArray(off) && off.includes(node));
}

/** The defenses the scenario switched off by name on this node (`defensesOff: { defenses, nodes? }`), for its config's `defensesOff`. */
export function devnetDefensesOffByName(spec: Pick<ScenarioSpec, 'chain'>, node: string): string[] {
  const off = defensesOffOption(spec);
  if (typeof off !== 'object' || Array.isArray(off)) return [];
  return off.nodes === undefined || off.nodes.includes(node) ? [...off.defenses] : [];
}
