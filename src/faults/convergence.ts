/**
 * "One chain again": every live node on one tip and one LIB. With blocks still being produced, tips move
 * while we look, so the check is that every node's chain agrees at the lowest tip height among them (the
 * lowest tip is on everyone's chain) and every node's LIB is on that chain too. Used after each heal
 * (faults/fault-workload.ts) to time recovery, and by the bundled `convergence` expectation.
 */
import type { ChainClient, ChainHead, Hex } from '../adapters/seam.js';
import { nowMs, sleep } from '../util/clock.js';

export interface ConvergenceProbe {
  converged: boolean;
  /** One line: who is where when not converged. */
  detail: string;
  nodes: number;
}

const short = (id: Hex) => id.slice(0, 8);

export async function probeConvergence(nodes: ReadonlyArray<{ name: string; client: ChainClient }>): Promise<ConvergenceProbe> {
  const heads = (await Promise.all(nodes.map(async (n) => ({ name: n.name, client: n.client, head: await n.client.head().catch(() => undefined) })))).filter((x): x is { name: string; client: ChainClient; head: ChainHead } => x.head !== undefined);
  if (heads.length === 0) return { converged: false, detail: 'no node answered', nodes: 0 };
  const low = Math.min(...heads.map((h) => h.head.height));
  const libs = [...new Set(heads.map((h) => h.head.finalHeight))];
  const heights = [...new Set([low, ...libs])].filter((h) => h > 0);
  // Each node's block at the lowest tip height and at every node's LIB height.
  const at = await Promise.all(heads.map(async (h) => new Map((await h.client.blocksByHeight(Math.min(...heights, low), low).catch(() => [])).map((b) => [b.height, b.id] as const))));
  for (const height of heights) {
    const ids = new Map<Hex, string[]>();
    heads.forEach((h, i) => {
      const id = height === h.head.finalHeight ? h.head.final : at[i]!.get(height);
      if (id) ids.set(id, [...(ids.get(id) ?? []), h.name]);
    });
    if (ids.size > 1) {
      return { converged: false, detail: `at height ${height}: ${[...ids].map(([id, ns]) => `${ns.join('+')} ${short(id)}`).join(' vs ')} (tips ${heads.map((h) => `${h.name}@${h.head.height}`).join(', ')})`, nodes: heads.length };
    }
  }
  return { converged: true, detail: `${heads.length} nodes on one chain at height ${low}, LIBs ${libs.sort((a, b) => a - b).join('/')}`, nodes: heads.length };
}

/** Poll until converged or `boundMs` passed; returns how long it took, or undefined with the last detail. */
export async function waitConverged(nodes: () => ReadonlyArray<{ name: string; client: ChainClient }>, boundMs: number, signal?: AbortSignal, pollMs = 200): Promise<{ ms?: number; detail: string }> {
  const started = nowMs();
  let last = 'not checked';
  while (!signal?.aborted) {
    const p = await probeConvergence(nodes());
    last = p.detail;
    if (p.converged) return { ms: Math.round(nowMs() - started), detail: last };
    if (nowMs() - started > boundMs) break;
    await sleep(pollMs, signal).catch(() => undefined);
  }
  return { detail: last };
}
