/**
 * The devnet's chain options (`chain: { type: 'devnet', mempool: { ... } }`): the mempool admission rules a
 * scenario may set, so that every reject reason can be reached on purpose (a minimum fee for fee_too_low, a
 * small pool for mempool_full). Everything else about the devnet follows from topology and consensus.
 */
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

export function checkDevnetOptions(options: Record<string, unknown>): Array<{ field: string; value: unknown; allowed: string }> {
  const issues: Array<{ field: string; value: unknown; allowed: string }> = [];
  for (const [k, v] of Object.entries(options)) {
    if (k !== 'mempool') {
      issues.push({ field: k, value: v, allowed: "only 'mempool' ({ maxCount, minFee, maxNonceGap }); the rest of the devnet is configured by topology and consensus" });
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      issues.push({ field: 'mempool', value: v, allowed: 'an object { maxCount?, minFee?, maxNonceGap? }' });
      continue;
    }
    for (const [f, x] of Object.entries(v)) {
      const rule = MEMPOOL_FIELDS[f as keyof DevnetMempoolOptions];
      if (!rule) issues.push({ field: `mempool.${f}`, value: x, allowed: 'maxCount, minFee or maxNonceGap' });
      else if (!Number.isSafeInteger(x) || (x as number) < rule.min || (x as number) > rule.max) issues.push({ field: `mempool.${f}`, value: x, allowed: `an integer from ${rule.min} to ${rule.max}` });
    }
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
