/**
 * Which funded wallets the adversary workloads send from: the end of the list, so transaction load keeps the
 * first `users`. From the last backwards: the fuzzer's two (sender, filler), then each propagation race's
 * batch (one wallet per transaction), each mempool divergence's batches (one wallet per transaction) and each
 * API flood's control client that submits transfers (one), in the scenario's workload order. Checked at build time: every range fits, and no transaction workload's or fee
 * tier's wallets reach into one.
 */
import { LoadnetError } from '../errors.js';
import type { ScenarioSpec, WorkloadSpec } from '../scenario/spec.js';
import { nodeNames } from '../scenario/defaults.js';

export interface WalletRange {
  /** Index of the workload in scenario.workloads. */
  workload: number;
  type: WorkloadSpec['type'];
  /** Wallet indices [from, to). */
  from: number;
  to: number;
}

/** The nodes a race names, or every node of the topology for 'all'. */
export function raceNodes(nodes: 'all' | readonly string[], scenario: Pick<ScenarioSpec, 'topology'>): string[] {
  return nodes === 'all' ? nodeNames(scenario.topology.validators, scenario.topology.executors) : [...nodes];
}

function walletsOf(w: WorkloadSpec, scenario: ScenarioSpec): number {
  switch (w.type) {
    case 'tx-fuzz': return 2;
    case 'propagation-race': return w.batch;
    case 'mempool-divergence': return w.perNode * raceNodes(w.nodes, scenario).length;
    case 'api-flood': return (w.controlBatch ?? 0) > 0 ? 1 : 0;
    default: return 0;
  }
}

export function adversaryWallets(scenario: ScenarioSpec): WalletRange[] {
  const out: WalletRange[] = [];
  let end = scenario.wallets.count;
  const order = scenario.workloads.map((w, i) => ({ w, i })).sort((a, b) => Number(b.w.type === 'tx-fuzz') - Number(a.w.type === 'tx-fuzz'));
  for (const { w, i } of order) {
    const n = walletsOf(w, scenario);
    if (n === 0) continue;
    out.push({ workload: i, type: w.type, from: end - n, to: end });
    end -= n;
  }
  return out;
}

/** The range of workload `index`, after checking that all ranges fit beside the transaction load. */
export function walletRangeOf(scenario: ScenarioSpec, index: number, field: string): WalletRange {
  const ranges = adversaryWallets(scenario);
  const first = Math.min(scenario.wallets.count, ...ranges.map((r) => r.from));
  const bad = (value: unknown, allowed: string) => new LoadnetError('LN_ERR_SCENARIO_INVALID', `${field} is ${JSON.stringify(value)}; allowed: ${allowed}`, { issues: [{ field, value, allowed }] });
  const need = scenario.wallets.count - first;
  if (first < 0) throw bad(scenario.wallets.count, `at least ${need} funded wallets (${ranges.map((r) => `${r.type} ${r.to - r.from}`).join(', ')}; they send from the last ones)`);
  for (const w of scenario.workloads) {
    const load = w.type === 'transactions' ? [{ what: 'transactions', ...w }] : w.type === 'fee-pressure' ? w.tiers.map((t) => ({ what: `fee-pressure tier ${t.name}`, ...t })) : [];
    for (const r of load) {
      const from = r.firstWallet ?? 0;
      if (from + r.users > first) throw bad(scenario.wallets.count, `more wallets, or ${r.what} wallets ${from}..${from + r.users - 1} ending below ${first}: ${ranges.map((x) => `${x.type} sends from wallets ${x.from}..${x.to - 1}`).join(', ')}`);
    }
  }
  return ranges.find((r) => r.workload === index)!;
}
