/**
 * Helpers shared by the built-in expectations: option validation with LoadnetError, short ids for messages,
 * bounded-concurrency mapping for per-node / per-wallet queries (trends: util/trend.ts).
 */
import { LoadnetError } from '../errors.js';
import type { RunContext, RunNode } from '../runtime/contracts.js';

/** First 8 hex characters: enough to tell blocks and keys apart in a one-line message. */
export function shortId(hex: string): string {
  return hex.length > 10 ? `${hex.slice(0, 8)}…` : hex;
}

/** Round for messages and figures: at most `digits` decimals, no trailing zeros. */
export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Throws LN_ERR_SCENARIO_INVALID unless `value` is a finite number within [min, max]. */
export function checkNumber(expectation: string, field: string, value: unknown, min: number, max: number, allowed: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const path = `expectations.${expectation}.${field}`;
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${path}: ${JSON.stringify(value)} is not allowed; allowed: ${allowed}`, {
      issues: [{ field: path, value, allowed }],
    });
  }
  return value;
}

/** Map with at most `limit` calls in flight (per-node and per-wallet HTTP queries). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * The first node (in ctx order) that answers, with its answer; used where one node's view is enough
 * (the chain history) but any node may be down under chaos. Throws LN_ERR_EXPECTATION naming every failure.
 */
export async function firstAnswering<R>(ctx: RunContext, what: string, fn: (node: RunNode) => Promise<R>): Promise<{ node: RunNode; value: R }> {
  const errors: string[] = [];
  for (const node of ctx.nodes()) {
    try {
      return { node, value: await fn(node) };
    } catch (e) {
      errors.push(`${node.descriptor.name}: ${(e as Error).message}`);
    }
  }
  throw new LoadnetError('LN_ERR_EXPECTATION', `no node answered ${what}: ${errors.join('; ') || 'the run has no nodes'}`);
}

/** Spread-friendly: an explicit `undefined` option means "use the default". */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
