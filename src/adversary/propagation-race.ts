/**
 * The propagation and inclusion race (`.raceTransactions({ batch })`, JSON `{ "type": "propagation-race" }`):
 * one fixed batch of independent transfers (one per wallet, from the end of the funded wallets) goes to every
 * chosen node, each node getting the whole batch in its own seeded order from its own seeded offset, so the
 * copies race each other through gossip. Bundles RaceIncludedOnce: every transaction in exactly one block of
 * every node's chain, none dropped, the state equal across nodes. Devnet only (it signs devnet transfers and
 * compares the devnet's state root).
 */
import type { Hex } from '../util/bytes.js';
import { fromHex } from '../util/bytes.js';
import { ed25519Backend } from '../adapters/devnet/wire/ed25519.js';
import { LoadnetError } from '../errors.js';
import type { Expectation, RunContext, RunMetrics, RunNode, Workload } from '../runtime/contracts.js';
import type { MempoolDivergenceWorkloadSpec, PropagationRaceWorkloadSpec, ScenarioSpec } from '../scenario/spec.js';
import { seededRandom } from '../util/random.js';
import { devnetSubmitter, independentTransfers, racePlan, submitPlan, type BatchTransfer, type PlannedSend, type SendOutcome } from './batch-plan.js';
import { raceNodes, walletRangeOf, type WalletRange } from './wallet-ranges.js';
import { RaceIncludedOnce } from './propagation-race-expectation.js';

/** Checks shared by the race workloads at build time: devnet, node names, wallets. */
export function checkRaceSpec(spec: PropagationRaceWorkloadSpec | MempoolDivergenceWorkloadSpec, scenario: ScenarioSpec): WalletRange {
  const bad = (field: string, value: unknown, allowed: string) => new LoadnetError('LN_ERR_SCENARIO_INVALID', `${spec.type}.${field} is ${JSON.stringify(value)}; allowed: ${allowed}`, { issues: [{ field: `${spec.type}.${field}`, value, allowed }] });
  if ((scenario.chain?.type ?? 'devnet') !== 'devnet') throw bad('chain', scenario.chain?.type, `the devnet chain (${spec.type} signs devnet transfers and compares the devnet's state; another chain's is not built yet)`);
  const all = raceNodes('all', scenario);
  const unknown = spec.nodes === 'all' ? [] : spec.nodes.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw bad('nodes', spec.nodes, `'all' or names of this topology's nodes: ${all.join(', ')}`);
  let index = scenario.workloads.indexOf(spec);
  if (index < 0) index = scenario.workloads.findIndex((w) => w.type === spec.type && JSON.stringify(w) === JSON.stringify(spec));
  return walletRangeOf(scenario, index, `${spec.type}.wallets`);
}

/** The nodes of the run a race sends to, live; a clear error when one is missing. */
export function raceTargets(ctx: RunContext, nodes: 'all' | readonly string[], type: string): RunNode[] {
  const names = raceNodes(nodes, ctx.scenario);
  const live = ctx.nodes();
  const missing = names.filter((n) => !live.some((x) => x.descriptor.name === n));
  if (missing.length > 0) throw new LoadnetError('LN_ERR_WORKLOAD', `${type}: no node named ${missing.join(', ')} in the run (nodes: ${live.map((n) => n.descriptor.name).join(', ')})`);
  return names.map((n) => live.find((x) => x.descriptor.name === n)!);
}

/** One transfer from each wallet of `range` at the account nonce the first node reports. */
export async function transfersFromWallets(ctx: RunContext, range: WalletRange, node: RunNode, fee: number, salt: string): Promise<BatchTransfer[]> {
  const backend = ed25519Backend('sodium');
  const keys = ctx.wallets.slice(range.from, range.to).map((w) => backend.keyFromSeed(fromHex(w.secret, 32, 'wallet secret')));
  const nonces: number[] = [];
  for (let i = 0; i < keys.length; i += 32) {
    nonces.push(...(await Promise.all(keys.slice(i, i + 32).map((k) => node.client.account(Buffer.from(k.publicKey).toString('hex')).then((a) => a.nonce)))));
  }
  const random = seededRandom((ctx.scenario.seed ^ 0x7ace) >>> 0);
  return independentTransfers(keys.map((key, i) => ({ key, nonce: nonces[i]! })), { fee, amount: () => 1 + Math.floor(random() * 1000), salt });
}

export class PropagationRaceWorkload implements Workload {
  readonly name = 'propagation-race';
  private readonly expectation: RaceIncludedOnce;
  private range?: WalletRange;
  batch: BatchTransfer[] = [];
  ids = new Set<Hex>();
  plan: PlannedSend[] = [];
  outcomes: SendOutcome[] = [];
  nodes: string[] = [];
  started = false;

  constructor(readonly spec: PropagationRaceWorkloadSpec) {
    this.expectation = new RaceIncludedOnce(this, spec);
  }

  init(_metrics: RunMetrics, scenario: ScenarioSpec): void {
    this.range = checkRaceSpec(this.spec, scenario);
  }

  expectations(): Expectation[] {
    return [this.expectation];
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const targets = raceTargets(ctx, this.spec.nodes, this.name);
    this.nodes = targets.map((n) => n.descriptor.name);
    const range = this.range ?? checkRaceSpec(this.spec, ctx.scenario);
    this.batch = await transfersFromWallets(ctx, range, targets[0]!, this.spec.fee, `${ctx.scenario.seed}/race/${range.from}`);
    this.ids = new Set(this.batch.map((t) => t.id));
    this.plan = racePlan(this.batch, this.nodes, { seed: (ctx.scenario.seed ^ 0x5ace) >>> 0, atMs: this.spec.atMs, jitterMs: this.spec.jitterMs, chunk: this.spec.chunk, spacingMs: this.spec.spacingMs });
    this.started = true;
    this.outcomes = await submitPlan(this.plan, devnetSubmitter(targets, this.name), ctx.window.startMs, signal);
  }
}
