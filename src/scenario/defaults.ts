/**
 * Every default of a scenario in one place, with the reason for each. The resolved spec (defaults filled in) is
 * what a run records in `scenario.json`, so a default never hides: it is written down beside the user's values.
 */
import type { ConsensusSpec } from './spec.js';

export const SPEC_VERSION = 1 as const;

export const DEFAULT_NAME = 'scenario';
/** Keys, wallets and every random choice derive from it, so two runs of one spec are the same run. */
export const DEFAULT_SEED = 1;

/** 1 s slots and f = 0.5 give a block every 2 s on average: quick to test, slow enough for 2 cores. k = 10 as upstream. */
export const DEFAULT_CONSENSUS: ConsensusSpec = { slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 10 };

/** A short run that still shows a trend; override with `.withRunDuration()` or `--duration`. */
export const DEFAULT_DURATION_MS = 60_000;

/** Wallets send many transactions each (nonces advance), so funds must cover fee + amount for a long run. */
export const DEFAULT_FUNDS_PER_WALLET = 1_000_000_000;

export const DEFAULT_TX = { perBlock: 1, fee: 1, amount: 1, inclusionThreshold: 1 } as const;

/** The invalid-transaction fuzzer: crafted transactions per second. */
export const DEFAULT_TX_FUZZ = { rate: 20 } as const;

/** The races: every node, from 1 s into the window, node offsets within 200 ms, 10 transactions per request back to back, fee 1. */
export const DEFAULT_RACE_TIMING = { atMs: 1000, jitterMs: 200, chunk: 10, spacingMs: 0, fee: 1 } as const;
/** The propagation race's batch; the divergence's batch per node, convergence window, mempool reading period. */
export const DEFAULT_PROPAGATION_RACE = { batch: 100 } as const;
export const DEFAULT_MEMPOOL_DIVERGENCE = { perNode: 25, windowMs: 5000, sampleEveryMs: 100 } as const;

/** The API flood: 10,000 requests/s, half invalid, steady, 8 connections × 128 pipelined, control p99 ≤ 500 ms. */
export const DEFAULT_API_FLOOD = { rate: 10_000, invalidShare: 0.5, connections: 8, pipelining: 128, timeoutMs: 2000, controlP99Ms: 500, minRateFraction: 0.9 } as const;

/** DA: one channel, one blob per block, 1–4 KiB blobs (the node splits a blob into shares across validators). */
export const DEFAULT_DA = { channels: 1, blobsPerBlock: 1, blobSizeBytes: { min: 1024, max: 4096 } } as const;
export const MAX_BLOB_BYTES = 1024 * 1024;

/** The seed's chaos defaults (upstream: 10 s / 30 s / 60 s); recovery and downtime bounds are loadnet's. */
export const DEFAULT_CHAOS = { minDelayMs: 10_000, maxDelayMs: 30_000, targetCooldownMs: 60_000, recoveryTimeoutMs: 60_000, downtimeMs: 5_000 } as const;

/** Kept equal to the expectation modules' own defaults (src/expectations/*). */
export const DEFAULT_LIVENESS = { minFraction: 0.5, maxLag: 5, requireLibAdvance: true } as const;
export const DEFAULT_BLOCK_TIMING = { tolerance: 0.5 } as const;
export const DEFAULT_MEMPOOL_BOUNDED = { maxPending: 10_000, trendWindowFraction: 0.25 } as const;

/**
 * node-health's bounds: a devnet node idles at about 65 MiB and peaked at 148 MiB under the API flood, so 1 GiB is
 * far from both; over the second half of the six adversary examples' runs RSS moved between -96 and +42 MiB/min
 * (heaps growing to their working size, then settling; bench/RESULTS.md, "Node health"), a leak keeps climbing.
 * Kept equal to NODE_HEALTH_DEFAULTS (src/expectations/node-health.ts).
 */
export const DEFAULT_NODE_HEALTH = { maxRssMiB: 1024, maxRssSlopeMiBPerMin: 60 } as const;
/** The workloads that attack the nodes: a scenario with one gets node-health unless it opts out. */
export const ADVERSARY_WORKLOADS: ReadonlySet<string> = new Set(['propagation-race', 'mempool-divergence', 'fee-pressure', 'tx-fuzz', 'api-flood', 'flooding-peer']);

/** Cooldown floor without node control, and with it (upstream's 30 s: restarted nodes need time to catch up). */
export const MIN_COOLDOWN_MS = 10_000;
export const MIN_COOLDOWN_WITH_NODE_CONTROL_MS = 30_000;

/**
 * Cooldown long enough for the last transactions to be included and become final: k blocks for finality plus
 * 3 blocks of margin for inclusion, at the mean block interval; at least 10 s (30 s with node control).
 * Defaults: (10 + 3) × 2 s = 26 s; with node control 30 s.
 */
export function defaultCooldownMs(consensus: ConsensusSpec, nodeControl: boolean): number {
  const meanBlockIntervalMs = consensus.slotDurationMs / consensus.activeSlotCoeff;
  const forFinality = Math.ceil((consensus.securityParam + 3) * meanBlockIntervalMs);
  return Math.max(forFinality, nodeControl ? MIN_COOLDOWN_WITH_NODE_CONTROL_MS : MIN_COOLDOWN_MS);
}

/**
 * Never more than a minority of block producers down at once. Validators and executors both produce blocks
 * (the plan stakes them equally), so a minority of all nodes: 0 with 1–2 nodes.
 */
export function defaultMaxDown(producers: number): number {
  return Math.max(0, Math.floor((producers - 1) / 2));
}

/** Node names every deployer uses (plan.ts): validator-0 … and executor-0 …; validator-0 is the star's hub. */
export function nodeNames(validators: number, executors: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < validators; i++) names.push(`validator-${i}`);
  for (let i = 0; i < executors; i++) names.push(`executor-${i}`);
  return names;
}

/** After a fault heals, one chain again within max(10 s, 10 mean block intervals): syncing the losing side's gap takes a few blocks. */
export function defaultConvergeWithinMs(c: ConsensusSpec): number {
  const mean = c.slotDurationMs / c.activeSlotCoeff;
  return Number.isFinite(mean) ? Math.max(10_000, Math.round(10 * mean)) : 10_000;
}

/** Fork rate bounds for a healthy network: a reorg per 5 blocks across all nodes, an orphan per 10, depth below k's usual 10. */
export const DEFAULT_FORK_RATE = { maxReorgsPerBlock: 0.2, maxOrphansPerBlock: 0.1, maxDepth: 3 } as const;

/** Fee pressure's bounds when not given (src/workloads/fee-pressure.ts). */
export const DEFAULT_FEE_PRESSURE = { maxTierLatencyRatio: 0.5, minEvictions: 1, minBlockFill: 0.9, minThroughputFraction: 0.7 } as const;

/** The flooding peer's defaults (src/adversary/flooding-peer.ts): the devnet bans it within seconds at this rate. */
export const DEFAULT_FLOODING_PEER = { rate: 200, startAfterMs: 2000, banWithinMs: 20_000, propagationP99Ms: 3000, maxQueueBytes: 16 * 1024 * 1024 } as const;
