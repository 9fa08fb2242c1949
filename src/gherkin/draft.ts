/**
 * What the steps of one Gherkin scenario say, gathered before anything runs, and the scenario it builds. The
 * build goes through the DSL (ScenarioBuilder) call for call, so a feature file and a TypeScript scenario with
 * the same words give the same ScenarioSpec, and a bad value gets the DSL's own validation message; each issue
 * is then pointed at the step that set its field.
 */
import { LoadnetError, isLoadnetError, type ValidationIssue } from '../errors.js';
import type { Scenario } from '../runtime/contracts.js';
import { ScenarioBuilder } from '../scenario/builder.js';
import type { FaultBuilder } from '../scenario/fault-builder.js';
import type { LivenessOptions, PartitionShape, TopologyShape } from '../scenario/spec.js';
import { DEFAULT_DURATION_MS } from '../scenario/defaults.js';
import type { DeployerName } from '../cli/deployers.js';
import type { SummaryFigure } from './figures.js';

/** Where a step is: file, line and its text as written (keyword included). */
export interface StepAt {
  uri: string;
  line: number;
  text: string;
}

export const where = (at: StepAt): string => `${at.uri}:${at.line}`;

export type RateDraft = { perBlock: number } | { perSecond: number };

export interface TransactionsDraft {
  at: StepAt;
  rate: RateDraft;
  users?: number;
  targets?: 'random' | { node: string };
  inclusionThreshold?: number;
  fee?: number;
}

export interface ChaosDraft {
  at: StepAt;
  action: 'restart' | 'kill' | 'pause';
  minDelayMs: number;
  maxDelayMs: number;
  targetCooldownMs?: number;
  downtimeMs?: number;
  maxDown?: number;
  recoveryTimeoutMs?: number;
  roles?: Array<'validator' | 'executor'>;
  names?: string[];
}

export type ExpectationDraft =
  | { at: StepAt; type: 'consensus-liveness'; options: Partial<LivenessOptions> }
  | { at: StepAt; type: 'supply-conserved' }
  | { at: StepAt; type: 'safety' }
  | { at: StepAt; type: 'block-timing'; options: { tolerance?: number; maxGapMs?: number } }
  | { at: StepAt; type: 'mempool-bounded'; options: { maxPending?: number } }
  | { at: StepAt; type: 'fork-rate'; options: { maxReorgsPerBlock?: number; maxOrphansPerBlock?: number; maxDepth?: number; maxHeightBattlesPerBlock?: number } }
  | { at: StepAt; type: 'propagation'; options: PropagationBoundsDraft & { tiers?: Record<string, PropagationBoundsDraft> } }
  | { at: StepAt; type: 'clock-rules'; options: { maxRefused?: number } };

export interface PropagationBoundsDraft {
  maxP50Ms?: number;
  maxP99Ms?: number;
}

/** The schedule calls of one fault (FaultBuilder): .at(), .for(), .healAt(), .every(), .convergeWithin(), .jitter(). */
export interface FaultScheduleDraft {
  atMs?: number;
  forMs?: number;
  healAtMs?: number;
  everyMs?: number;
  convergeWithinMs?: number;
  jitterMs?: number;
}

/** One network or clock fault: the arguments of its `.chaos().<fault>(…)` call, then its schedule. */
export type FaultDraft = { at: StepAt; schedule: FaultScheduleDraft } & (
  | { type: 'partition'; shape: PartitionShape; node?: string; groups?: [string[], string[]] }
  | { type: 'latency-tiers'; tiers: Record<string, { delayMs: number; nodes: string[] }> }
  | { type: 'link-fault'; from: string[]; to: string[]; bothWays?: boolean; delayMs?: number; loss?: number; bytesPerSecond?: number }
  | { type: 'block-peer'; node: string; peer: string }
  | { type: 'clock-skew'; nodes: Record<string, { offsetMs: number; jitterMs?: number; driftPpm?: number }> }
  | { type: 'churn'; join?: number; stake?: number; leave?: string[] }
);

/** A `Then` that judges the finished run. */
export type CheckDraft =
  | { at: StepAt; kind: 'succeeds' }
  | { at: StepAt; kind: 'figure'; figure: SummaryFigure; above: boolean; bound: number; boundText: string };

export interface MaxRateDraft {
  at: StepAt;
  atLeastTps: number;
  sloP99Ms: number;
}

export type DeployerDraft = { at: StepAt; kind: 'named'; name: DeployerName; as: string } | { at: StepAt; kind: 'cli' };

export class ScenarioDraft {
  deployer?: DeployerDraft;
  topology?: { at: StepAt; validators: number; executors: number };
  shape?: { at: StepAt; shape: TopologyShape };
  consensus: { at?: StepAt; slotDurationMs?: number; activeSlotCoeff?: number; securityParam?: number } = {};
  duration?: { at: StepAt; ms: number };
  cooldown?: { at: StepAt; ms: number };
  seed?: { at: StepAt; seed: number };
  name?: { at: StepAt; name: string };
  wallets?: { at: StepAt; count: number; totalFunds?: number };
  transactions?: TransactionsDraft;
  da?: { at: StepAt; channels: number; blobsPerBlock: number; blobSize?: { min: number; max: number } };
  nodeControl?: StepAt;
  chaos?: ChaosDraft;
  /** Network and clock faults in step order, each its own workload after the chaos one. */
  faults: FaultDraft[] = [];
  expectations: ExpectationDraft[] = [];
  /** Lag allowance given before or after `expect consensus liveness`: joined at the end. */
  livenessLag?: { at: StepAt; maxLag: number };
  run?: StepAt;
  checks: CheckDraft[] = [];
  maxRate?: MaxRateDraft;
  maxRateHold?: { at: StepAt; ms: number };
  maxRateCeiling?: { at: StepAt; tps: number };
}

export interface BuildOverrides {
  durationMs?: number;
  cooldownMs?: number;
  seed?: number;
  /** Cap on the run window (LOADNET_MAX_DURATION): shorter windows stay as written. */
  maxDurationMs?: number;
}

/** The scenario the steps describe, through the DSL; throws LN_ERR_SCENARIO_INVALID pointing at the steps. */
export function buildFromDraft(d: ScenarioDraft, name: string, scenarioAt: StepAt, o: BuildOverrides = {}): Scenario {
  // Typed as node-controlled so chaos() can be called; chaos is only added when `node control is enabled` was
  // given (below), so the capability check of the DSL still holds.
  let b = ScenarioBuilder.create() as unknown as ScenarioBuilder<true>;
  b = b.named(d.name?.name ?? name);
  if (d.topology || d.shape) {
    let t = b.topology();
    const shape = d.shape?.shape ?? 'star';
    t = shape === 'full' ? t.networkFull() : shape === 'ring' ? t.networkRing() : t.networkStar();
    if (d.topology) t = t.validators(d.topology.validators).executors(d.topology.executors);
    b = t.apply();
  }
  if (d.consensus.slotDurationMs !== undefined) b = b.slotDuration(d.consensus.slotDurationMs);
  if (d.consensus.activeSlotCoeff !== undefined) b = b.activeSlotCoeff(d.consensus.activeSlotCoeff);
  if (d.consensus.securityParam !== undefined) b = b.securityParam(d.consensus.securityParam);
  if (d.wallets) b = d.wallets.totalFunds === undefined ? b.wallets(d.wallets.count) : b.initializeWallet(d.wallets.totalFunds, d.wallets.count);
  if (d.nodeControl) b = b.enableNodeControl();
  if (d.transactions) {
    const x = d.transactions;
    let t = b.transactions();
    t = 'perBlock' in x.rate ? t.rate(x.rate.perBlock) : t.ratePerSecond(x.rate.perSecond);
    if (x.users !== undefined) t = t.users(x.users);
    if (x.targets === 'random') t = t.targetRandom();
    else if (x.targets) t = t.targetNode(x.targets.node);
    if (x.inclusionThreshold !== undefined) t = t.inclusionThreshold(x.inclusionThreshold);
    if (x.fee !== undefined) t = t.fee(x.fee);
    b = t.apply();
  }
  if (d.da) {
    let t = b.da().channelRate(d.da.channels).blobRate(d.da.blobsPerBlock);
    if (d.da.blobSize) t = t.blobSize(d.da.blobSize.min, d.da.blobSize.max);
    b = t.apply();
  }
  // chaos() without node control is refused at once by the DSL; here it joins the other issues instead.
  const extra: ValidationIssue[] = [];
  if (d.chaos && d.nodeControl) b = withChaos(b, d.chaos);
  else if (d.chaos) extra.push({ field: 'nodeControl', value: false, allowed: 'true: add `Given node control is enabled` (the DSL\'s .enableNodeControl()) before chaos' });
  if (d.nodeControl) for (const f of d.faults) b = withFault(b, f);
  else if (d.faults.length > 0) extra.push({ field: 'nodeControl', value: false, allowed: `true: add \`Given node control is enabled\` (the DSL's .enableNodeControl()) before a ${d.faults[0]!.type} fault` });
  for (const e of expectationsOf(d)) {
    if (e.type === 'consensus-liveness') b = b.expectConsensusLiveness(e.options);
    else if (e.type === 'supply-conserved') b = b.expectSupplyConserved();
    else if (e.type === 'safety') b = b.expectSafety();
    else if (e.type === 'block-timing') b = b.expectBlockTiming({ tolerance: e.options.tolerance, maxGap: e.options.maxGapMs });
    else if (e.type === 'mempool-bounded') b = b.expectMempoolBounded(e.options);
    else if (e.type === 'fork-rate') b = b.expectForkRate(e.options);
    else if (e.type === 'propagation') b = b.expectPropagation(propagationOptions(e.options));
    else b = b.expectClockRules(e.options);
  }
  const written = d.duration?.ms;
  const cap = (ms: number) => (o.maxDurationMs === undefined ? ms : Math.min(ms, o.maxDurationMs));
  const window = o.durationMs ?? (written !== undefined ? cap(written) : o.maxDurationMs !== undefined ? cap(DEFAULT_DURATION_MS) : undefined);
  if (window !== undefined) b = b.withRunDuration(window);
  const cooldown = o.cooldownMs ?? d.cooldown?.ms;
  if (cooldown !== undefined) b = b.withCooldown(cooldown);
  const seed = o.seed ?? d.seed?.seed;
  if (seed !== undefined) b = b.withSeed(seed);
  let scenario: Scenario;
  try {
    scenario = b.build();
  } catch (e) {
    if (!isLoadnetError(e) || !e.issues) throw e;
    throw located([...extra, ...e.issues], d, scenarioAt, e);
  }
  if (extra.length > 0) throw located(extra, d, scenarioAt);
  return scenario;
}

function withChaos(b: ScenarioBuilder<true>, c: ChaosDraft): ScenarioBuilder<true> {
  let t = b.chaos();
  t = c.action === 'kill' ? t.kill() : c.action === 'pause' ? t.pause() : t.restart();
  t = t.minDelay(c.minDelayMs).maxDelay(c.maxDelayMs);
  if (c.targetCooldownMs !== undefined) t = t.targetCooldown(c.targetCooldownMs);
  if (c.downtimeMs !== undefined) t = t.downtime(c.downtimeMs);
  if (c.maxDown !== undefined) t = t.maxDown(c.maxDown);
  if (c.recoveryTimeoutMs !== undefined) t = t.recoveryTimeout(c.recoveryTimeoutMs);
  if (c.roles?.length) t = t.targetRoles(...c.roles);
  if (c.names?.length) t = t.targetNodes(...c.names);
  return t.apply();
}

type FaultCall = FaultBuilder<ScenarioBuilder<true>>;

function withFault(b: ScenarioBuilder<true>, f: FaultDraft): ScenarioBuilder<true> {
  let t = faultCall(b, f);
  const s = f.schedule;
  if (s.atMs !== undefined) t = t.at(s.atMs);
  if (s.forMs !== undefined) t = t.for(s.forMs);
  if (s.healAtMs !== undefined) t = t.healAt(s.healAtMs);
  if (s.everyMs !== undefined) t = t.every(s.everyMs);
  if (s.convergeWithinMs !== undefined) t = t.convergeWithin(s.convergeWithinMs);
  if (s.jitterMs !== undefined) t = t.jitter(s.jitterMs);
  return t.apply();
}

function faultCall(b: ScenarioBuilder<true>, f: FaultDraft): FaultCall {
  const c = b.chaos();
  switch (f.type) {
    case 'partition':
      return c.partition(f.shape, defined({ node: f.node, groups: f.groups }));
    case 'latency-tiers':
      return c.latencyTiers(Object.fromEntries(Object.entries(f.tiers).map(([name, t]) => [name, { delay: t.delayMs, nodes: t.nodes }])));
    case 'link-fault':
      return c.linkFault(defined({ from: f.from, to: f.to, bothWays: f.bothWays, delay: f.delayMs, loss: f.loss, bytesPerSecond: f.bytesPerSecond }));
    case 'block-peer':
      return c.blockPeer(f.node, f.peer);
    case 'clock-skew':
      return c.clockSkew(f.nodes);
    case 'churn':
      return c.churn(defined({ join: f.join, stake: f.stake, leave: f.leave }));
  }
}

function propagationOptions(o: PropagationBoundsDraft & { tiers?: Record<string, PropagationBoundsDraft> }) {
  const bounds = (x: PropagationBoundsDraft) => defined({ maxP50: x.maxP50Ms, maxP99: x.maxP99Ms });
  return { ...bounds(o), ...(o.tiers ? { tiers: Object.fromEntries(Object.entries(o.tiers).map(([t, x]) => [t, bounds(x)])) } : {}) };
}

/** The object without its undefined fields: a step that did not say a thing passes nothing, as the DSL call would. */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/** The expectations in step order, with the lag allowance joined to the liveness expectation. */
function expectationsOf(d: ScenarioDraft): ExpectationDraft[] {
  return d.expectations.map((e) => (e.type === 'consensus-liveness' && d.livenessLag ? { ...e, options: { ...e.options, maxLag: d.livenessLag.maxLag } } : e));
}

/** Each validation issue followed by the step that set its field. */
function located(issues: ValidationIssue[], d: ScenarioDraft, scenarioAt: StepAt, cause?: unknown): LoadnetError {
  const lines = issues.map((i) => {
    const at = stepOf(i, d);
    return `  - ${i.field}: ${show(i.value)}; allowed: ${i.allowed}${at ? `\n      at ${where(at)}: ${at.text}` : ''}`;
  });
  const n = issues.length;
  return new LoadnetError('LN_ERR_SCENARIO_INVALID', `${where(scenarioAt)}: scenario '${scenarioAt.text}' is invalid (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
    issues,
    hint: 'each problem names the step that set the value; `loadnet steps` lists every step with an example',
    cause,
  });
}

function stepOf(i: ValidationIssue, d: ScenarioDraft): StepAt | undefined {
  const f = i.field;
  const head = f.split(/[.[]/)[0]!;
  if (head === 'topology') return d.topology?.at ?? d.shape?.at ?? d.da?.at ?? d.chaos?.at;
  if (head === 'consensus') return d.consensus.at;
  if (head === 'wallets') return d.wallets?.at ?? d.transactions?.at;
  if (head === 'transactions') return d.transactions?.at;
  if (head === 'da') return d.da?.at;
  // A fault's fields are named by its type, numbered from the second of a type on (validate.ts): partition, partition[2].
  const fault = /^([a-z-]+)(?:\[(\d+)\])?(?:\.|$)/.exec(f);
  const ofType = fault ? d.faults.filter((x) => x.type === fault[1]) : [];
  if (ofType.length > 0) return ofType[Number(fault![2] ?? 1) - 1]?.at;
  if (head === 'workloads') return workloadSteps(d)[Number(/^workloads\[(\d+)\]/.exec(f)?.[1])] ?? d.chaos?.at;
  if (head === 'nodeControl') return d.chaos?.at ?? d.faults[0]?.at;
  if (head === 'chaos') return d.chaos?.at;
  if (head === 'durationMs') return d.duration?.at;
  if (head === 'cooldownMs') return d.cooldown?.at;
  if (head === 'seed') return d.seed?.at;
  if (head === 'name') return d.name?.at;
  if (head === 'expectations') {
    const idx = /^expectations\[(\d+)\]/.exec(f);
    const list = expectationsOf(d);
    const e = idx ? list[Number(idx[1])] : undefined;
    if (e?.type === 'consensus-liveness' && /maxLag/.test(f) && d.livenessLag) return d.livenessLag.at;
    return e?.at;
  }
  return undefined;
}

/** The step of each workload, in the order buildFromDraft adds them. */
function workloadSteps(d: ScenarioDraft): Array<StepAt | undefined> {
  const controlled = d.nodeControl !== undefined;
  return [d.transactions?.at, d.da?.at, controlled ? d.chaos?.at : undefined, ...(controlled ? d.faults.map((f) => f.at) : [])].filter((at) => at !== undefined);
}

function show(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
