/**
 * Shared by the EVM tests (local and compose deployers): the scenario of one anvil, and the audit that holds a
 * run's accounting against the chain's own blocks; a workload restarting the node mid-window.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { EvmChainClient } from '../../../src/adapters/evm/client.js';
import type { RunContext, RunHandle, ScenarioSpec, Workload } from '../../../src/index.js';

/** One anvil, 1 s blocks, k = 3 (finality by depth), 30 wallets of which 20 send `perBlock` per block. */
export function evmSpec(name: string, perBlock: number, extra: Partial<ScenarioSpec> = {}): Record<string, unknown> {
  return {
    name,
    chain: { type: 'evm' },
    topology: { validators: 1 },
    consensus: { slotDurationMs: 1000, activeSlotCoeff: 1, securityParam: 3 },
    wallets: { count: 30, fundsPerWallet: 1000 },
    durationMs: '8s',
    cooldownMs: '6s',
    workloads: [{ type: 'transactions', rate: { kind: 'perBlock', perBlock }, users: 20 }],
    expectations: [{ type: 'consensus-liveness' }],
    ...extra,
  };
}

/** Every transaction hash in blocks 1..head, read from the node itself. */
export async function chainTxIds(client: EvmChainClient): Promise<Set<string>> {
  const head = await client.head();
  const ids = new Set<string>();
  for (let h = 1; h <= head.height; h += 100) for (const b of await client.blocksByHeight(h, Math.min(head.height, h + 99))) for (const id of b.txIds) ids.add(id);
  return ids;
}

/** Accepted ids from the run's tx records (rows answered 'ok'). */
export function acceptedIds(runDir: string): Set<string> {
  const ids = new Set<string>();
  const dir = join(runDir, 'tx');
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n').slice(1)) {
      const cols = line.split(',');
      if (cols[3] === 'ok') ids.add(cols[cols.length - 1]!);
    }
  }
  return ids;
}

export function runEvents(runDir: string): Array<Record<string, any>> {
  return readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

/** Restarts the node once, `afterMs` into the window, under load. */
export class RestartOnce implements Workload {
  readonly name = 'restart-once';
  restarted = false;
  constructor(private readonly afterMs = 3000) {}
  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    await new Promise((r) => setTimeout(r, this.afterMs));
    if (signal.aborted) return;
    await ctx.nodeControl!.restart('validator-0');
    this.restarted = true;
  }
}

/** Exact accounting: every accepted transaction included (none pending or dropped), and the chain's blocks hold each. */
export async function auditEvmRun(handle: RunHandle): Promise<void> {
  const load = handle.summary.load as Record<string, number>;
  expect(load.submitted).toBe(load.accepted + load.rejectedTotal + load.errored);
  expect(load.accepted).toBe(load.included + load.pending + load.dropped);
  expect(load.dropped).toBe(0);
  expect(load.pending).toBe(0);
  // The chain agrees: every id the run accepted is in one of the node's blocks.
  const onChain = await chainTxIds(handle.context.nodes()[0]!.client as EvmChainClient);
  const accepted = acceptedIds(handle.runDir);
  expect(accepted.size).toBe(load.accepted);
  const missing = [...accepted].filter((id) => !onChain.has(id));
  expect(missing).toEqual([]);
}

/** Failed expectations of a run, as "name: message" lines (empty when every one passed). */
export function failedExpectations(handle: RunHandle): string[] {
  return handle.summary.expectations.filter((e) => e.status !== 'pass').map((e) => `${e.name}: ${e.message}`);
}
