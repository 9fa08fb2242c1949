/**
 * Cross-field rules over a resolved spec (per-field types and ranges are checked while resolving). Every rule adds
 * an issue instead of throwing, so a user sees all of them at once.
 */
import { nodeNames } from './defaults.js';
import type { Issues } from './fields.js';
import type { ScenarioSpec } from './spec.js';
import { chainAdapter, chainNames } from '../adapters/registry.js';
import type { ChainCapability } from '../adapters/seam.js';

/** What a built-in workload or expectation needs of the chain. */
const NEEDS: Record<string, { capability: ChainCapability; what: string }> = {
  da: { capability: 'da', what: 'data availability (the da workload)' },
  chaos: { capability: 'node-control', what: 'node control (the chaos workload)' },
  'supply-conserved': { capability: 'supply', what: 'supply or replayable ledger (supply-conserved)' },
  'mempool-bounded': { capability: 'mempool', what: 'mempool view (mempool-bounded)' },
  safety: { capability: 'multi-node', what: 'several block producers (safety across nodes)' },
  partition: { capability: 'multi-node', what: 'peer links to cut (partition)' },
  'block-peer': { capability: 'multi-node', what: 'peer links to cut (block-peer)' },
  'latency-tiers': { capability: 'multi-node', what: 'peer links to delay (latency-tiers)' },
  'link-fault': { capability: 'multi-node', what: 'peer links to fault (link-fault)' },
  'fork-rate': { capability: 'multi-node', what: 'several block producers to fork (fork-rate)' },
  propagation: { capability: 'multi-node', what: 'several nodes to propagate blocks to (propagation)' },
  'flooding-peer': { capability: 'p2p-client', what: "P2P protocol loadnet can speak: the flooding peer speaks only the devnet's framed TCP, not libp2p or devp2p (not supported)" },
  'fee-pressure': { capability: 'fee-market', what: 'fee-ordered block building with counted lowest-fee evictions (fee-pressure)' },
};

/** Refuse what the scenario's chain does not support, naming the chain and the feature. */
function validateChain(spec: ScenarioSpec, issues: Issues): void {
  const type = spec.chain?.type ?? 'devnet';
  if (!chainNames().includes(type)) return; // reported while resolving
  const chain = chainAdapter(type);
  const has = (c: ChainCapability) => chain.capabilities.has(c);
  const refuse = (field: string, value: unknown, what: string) => issues.add(field, value, `a feature chain '${chain.name}' has: it has no ${what}`);
  spec.workloads.forEach((w, i) => {
    const need = NEEDS[w.type];
    if (need && !has(need.capability)) refuse(`workloads[${i}]`, w.type, need.what);
  });
  spec.expectations.forEach((e, i) => {
    const need = NEEDS[e.type];
    if (need && !has(need.capability)) refuse(`expectations[${i}]`, e.type, need.what);
  });
  if (spec.nodeControl && !has('node-control')) refuse('nodeControl', true, 'node control');
  const nodes = spec.topology.validators + spec.topology.executors;
  if (nodes > 1 && !has('multi-node')) refuse('topology', `${nodes} nodes`, 'multi-node deployment (use 1 validator, 0 executors)');
  if (spec.topology.executors > 0 && !chain.roles.includes('executor')) refuse('topology.executors', spec.topology.executors, `executor role (roles: ${chain.roles.join(', ')})`);
}

/** A range of funded wallets one workload (or fee tier) signs with. */
interface WalletRange {
  field: string;
  what: string;
  first: number;
  count: number;
}

/** The wallet ranges of the transaction-sending workloads (fields named as issues name them). */
function walletRanges(spec: ScenarioSpec): WalletRange[] {
  const out: WalletRange[] = [];
  const seen = new Map<string, number>();
  for (const w of spec.workloads) {
    const n = (seen.get(w.type) ?? 0) + 1;
    seen.set(w.type, n);
    const f = n === 1 ? w.type : `${w.type}[${n}]`;
    if (w.type === 'transactions') out.push({ field: `${f}.users`, what: f, first: w.firstWallet ?? 0, count: w.users });
    else if (w.type === 'fee-pressure') w.tiers.forEach((t, i) => out.push({ field: `${f}.tiers[${i}].users`, what: `${f} tier '${t.name}'`, first: t.firstWallet ?? 0, count: t.users }));
    else if (w.type === 'tx-fuzz') out.push({ field: `${f}`, what: `${f} (the last two wallets)`, first: spec.wallets.count - 2, count: 2 });
  }
  return out.filter((r) => Number.isFinite(r.first) && Number.isFinite(r.count));
}

/** Every range within the funded wallets, no two overlapping: two workloads signing with one wallet race for its nonces. */
function validateWalletRanges(spec: ScenarioSpec, issues: Issues): void {
  const count = spec.wallets.count;
  const ranges = walletRanges(spec);
  const span = (r: WalletRange) => `wallets ${r.first}–${r.first + r.count - 1}`;
  for (const r of ranges) {
    if (count < 1 || r.first + r.count <= count) continue;
    if (r.what.startsWith('tx-fuzz')) continue; // tx-fuzz refuses fewer than 2 wallets itself
    issues.add(r.field, r.count, r.first === 0 ? `at most wallets.count (${count}): users are funded wallets that send` : `at most ${Math.max(0, count - r.first)}: this range starts at firstWallet ${r.first} of ${count} funded wallets`);
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const [a, b] = [ranges[i]!, ranges[j]!];
      if (a.first < b.first + b.count && b.first < a.first + a.count) {
        issues.add(b.field, b.count, `a wallet range of its own: ${b.what} has ${span(b)}, overlapping ${a.what}'s ${span(a)} (set users and firstWallet, or fund more wallets)`);
      }
    }
  }
}

export function validateSpec(spec: ScenarioSpec, issues: Issues): void {
  validateChain(spec, issues);
  validateWalletRanges(spec, issues);
  const { topology, consensus, wallets } = spec;
  const names = Number.isFinite(topology.validators) && Number.isFinite(topology.executors) ? nodeNames(topology.validators, topology.executors) : [];
  const twoSlots = 2 * consensus.slotDurationMs;
  if (spec.durationMs < twoSlots) {
    issues.add('durationMs', spec.durationMs, `at least two slots (${twoSlots} ms with ${consensus.slotDurationMs} ms slots); set with .withRunDuration()`);
  }
  if (wallets.totalFunds !== undefined && Number.isFinite(wallets.totalFunds)) {
    if (wallets.count === 0) issues.add('wallets.totalFunds', wallets.totalFunds, 'only together with wallets.count ≥ 1 (.initializeWallet(totalFunds, users))');
    else if (wallets.totalFunds < wallets.count) issues.add('wallets.totalFunds', wallets.totalFunds, `at least one unit per wallet (≥ ${wallets.count})`);
    else if (wallets.fundsPerWallet !== Math.floor(wallets.totalFunds / wallets.count)) {
      issues.add('wallets.fundsPerWallet', wallets.fundsPerWallet, `left out when totalFunds is set (it is totalFunds / count = ${Math.floor(wallets.totalFunds / wallets.count)})`);
    }
  }

  const seen = new Map<string, number>();
  spec.workloads.forEach((w) => {
    const n = (seen.get(w.type) ?? 0) + 1;
    seen.set(w.type, n);
    const f = n === 1 ? w.type : `${w.type}[${n}]`;
    switch (w.type) {
      case 'transactions': {
        if (wallets.count < 1) issues.add('wallets.count', wallets.count, 'at least 1 funded wallet for the transactions workload (.wallets(n))');
        const perTx = w.fee + w.amount;
        if (Number.isFinite(perTx) && wallets.count > 0 && wallets.fundsPerWallet < perTx) {
          issues.add('wallets.fundsPerWallet', wallets.fundsPerWallet, `at least fee + amount (${perTx}) so a wallet can send one transaction`);
        }
        if (typeof w.targets === 'object' && names.length > 0 && !names.includes(w.targets.node)) {
          issues.add(`${f}.targets.node`, w.targets.node, `a node of this topology: ${names.join(', ')}`);
        }
        if (w.rate.kind === 'stages') {
          const total = w.rate.stages.reduce((s, st) => s + st.durationMs, 0);
          if (total > spec.durationMs) issues.add(`${f}.rate.stages`, `${total} ms in total`, `stages that fit in the run window (${spec.durationMs} ms); after the last stage the rate holds`);
        }
        break;
      }
      case 'da':
        if (topology.executors < 1) issues.add('topology.executors', topology.executors, 'at least 1 executor: the DA workload disperses blobs through executors');
        if (w.blobSizeBytes.min > w.blobSizeBytes.max) issues.add(`${f}.blobSizeBytes.min`, w.blobSizeBytes.min, `at most blobSizeBytes.max (${w.blobSizeBytes.max})`);
        break;
      case 'chaos': {
        if (!spec.nodeControl) issues.add(`${f}`, w.action, 'chaos only with node control: call .enableNodeControl() before .chaos() (JSON: "nodeControl": true)');
        if (w.minDelayMs > w.maxDelayMs) issues.add(`${f}.minDelayMs`, w.minDelayMs, `at most maxDelayMs (${w.maxDelayMs} ms)`);
        if (names.length === 1) issues.add('topology', `${topology.validators} validator(s) + ${topology.executors} executor(s)`, 'at least 2 nodes for chaos: with one node there is nobody left to keep the chain going');
        for (const name of w.targets.names) {
          if (names.length > 0 && !names.includes(name)) issues.add(`${f}.targets.names`, name, `a node of this topology: ${names.join(', ')}`);
        }
        if (w.targets.roles.includes('executor') && topology.executors === 0) issues.add(`${f}.targets.roles`, 'executor', 'a role present in the topology (it has no executors)');
        const targeted = names.filter((n) => (w.targets.roles.length === 0 && w.targets.names.length === 0) || w.targets.names.includes(n) || w.targets.roles.some((r) => n.startsWith(`${r}-`)));
        // Every node is a staked block producer (validators and executors alike), so the guard counts them all.
        if (targeted.length === 0 && names.length > 0) issues.add(`${f}.targets`, w.targets, 'a filter that matches at least one node of the topology');
        if (targeted.length > 0 && w.maxDown === 0) {
          issues.add(`${f}.maxDown`, w.maxDown, `at least 1 so a node can be hit (with ${names.length} block producer(s) the default minority is 0)`);
        }
        if (names.length > 0 && w.maxDown >= names.length) {
          issues.add(`${f}.maxDown`, w.maxDown, `fewer than the ${names.length} block producers (validators + executors), so some producer stays up`);
        }
        break;
      }
      case 'partition':
      case 'latency-tiers':
      case 'link-fault':
      case 'block-peer':
      case 'clock-skew':
      case 'churn': {
        if (!spec.nodeControl) issues.add(f, w.type, `a fault only with node control: call .enableNodeControl() before .chaos() (JSON: "nodeControl": true)`);
        if (names.length === 1 && w.type !== 'clock-skew' && w.type !== 'churn') issues.add('topology', `${topology.validators} validator(s) + ${topology.executors} executor(s)`, `at least 2 nodes for a ${w.type} fault: one node has no links`);
        if (w.atMs >= spec.durationMs) issues.add(`${f}.atMs`, w.atMs, `a start inside the run window (before ${spec.durationMs} ms)`);
        break;
      }
      case 'fee-pressure': {
        if (wallets.count < 1) issues.add('wallets.count', wallets.count, 'funded wallets for the fee tiers (.wallets(n))');
        const fees = w.tiers.map((t) => t.fee);
        if (new Set(fees).size !== fees.length) issues.add(`${f}.tiers`, fees.join(', '), 'tiers with distinct fees (the expectation orders them by fee)');
        const perTx = Math.max(...fees) + w.amount;
        if (Number.isFinite(perTx) && wallets.count > 0 && wallets.fundsPerWallet < perTx) issues.add('wallets.fundsPerWallet', wallets.fundsPerWallet, `at least the highest fee + amount (${perTx}) so every tier can send`);
        if (typeof w.targets === 'object' && names.length > 0 && !names.includes(w.targets.node)) issues.add(`${f}.targets.node`, w.targets.node, `a node of this topology: ${names.join(', ')}`);
        if (w.rate.kind === 'stages') {
          const total = w.rate.stages.reduce((s, st) => s + st.durationMs, 0);
          if (total > spec.durationMs) issues.add(`${f}.rate.stages`, `${total} ms in total`, `stages that fit in the run window (${spec.durationMs} ms); after the last stage the rate holds`);
        }
        break;
      }
      case 'flooding-peer':
        if (names.length > 0 && !names.includes(w.target)) issues.add(`${f}.target`, w.target, `a node of this topology: ${names.join(', ')}`);
        if (w.startAfterMs >= spec.durationMs) issues.add(`${f}.startAfterMs`, w.startAfterMs, `less than the run window (${spec.durationMs} ms)`);
        break;
      case 'custom':
        break;
    }
  });
}
