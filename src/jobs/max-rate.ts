/**
 * `maxRate()`: the SLO-defined maximum sustainable transaction rate of one deployment.
 *
 * One deployment serves every step. A step drains the mempools (every node ≤ `drainThreshold` pending,
 * bounded), then runs the load engine at a constant rate for the hold window, waits a grace period for the
 * last transactions to land, and measures: offered rate and the engine's self-check, inclusion of the
 * step's transactions with latency from their intended send time, and the Theil–Sen slope of every node's
 * mempool backlog. The pure search (rate-search.ts) grows, bisects and confirms over these steps; the pure
 * judge (step-judge.ts) says what passes. A step's whole generation is its hold window: a warm-up inside
 * the step would leave pending transactions whose nonces collide with the measured part, and the
 * deployment stays warm between steps anyway.
 *
 * Before the search, the chain's idle latency floor is measured with a hold at a trickle rate
 * (latency-floor.ts): a floor above the SLO stops the job at once with a diagnosis, and with no SLO given
 * the floor says whether the default leaves room above it.
 *
 * The result goes to `max-rate.json` and `summary.maxRate` of a normal run record (summary.json, events,
 * report.html), with a `max-rate` expectation whose verdict is the search's: pass when a maximum was
 * found, fail when none is sustainable, the SLO is below the floor or the figure would not confirm,
 * unknown when the generator was the limit.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LoadnetError } from '../errors.js';
import { chainOf, chainOptionsOf } from '../adapters/registry.js';
import { LocalDeployer } from '../deployers/local/index.js';
import { createLoadEngine } from '../load/engine.js';
import { agentEngineOptions } from '../load/agent-run.js';
import { checkAgents } from '../load/agent-client.js';
import type { LoadTotals } from '../load/figures.js';
import type { Deployer, Expectation, RunContext, RunMetrics, Runner, Scenario } from '../runtime/contracts.js';
import type { RunnerOptions } from '../runtime/runner-options.js';
import type { ConsensusSpec, ScenarioSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { SEARCH_DEFAULTS, searchMaxRate, type SearchOutcome, type SearchPhase, type SearchStatus, type SearchStep } from './rate-search.js';
import { decideAgainstFloor, DEFAULT_SLO_P99_MS, floorHold, floorLine, toLatencyFloor, type LatencyFloor, type SloSource } from './latency-floor.js';
import { DEFAULT_CRITERIA, type SloCriteria, type StepResult } from './step-judge.js';
import { LatencyBatches } from './batch-means.js';
import { latencyFigures, measureSequentially, type HoldMeasure } from './step-holds.js';
import { BacklogSampler, backlogSampleIntervalMs, drainMempools } from './step-meter.js';
import { formatCurveTable, toMaxRateSummary, type HoldSettings, type MaxRateSummary } from './max-rate-result.js';
import { writeJsonAtomic } from './resource-probes.js';
import { jobScenario, type JobScenarioInput } from './job-scenario.js';
import { DEPLOYMENTS_FILE, summarizeDeployments, type MaxRateDeploymentsSummary } from './max-rate-deployments.js';

export interface MaxRateOptions {
  /**
   * Topology, consensus, wallets and seed come from here; its workloads and expectations are not used.
   * Default: 4 validators + 2 executors on MAX_RATE_CONSENSUS (also filled in where plain input sets no consensus).
   */
  scenario?: JobScenarioInput;
  /** Default: a LocalDeployer with `runner` options. */
  deployer?: Deployer;
  /** Options of the default deployer's run (outDir, progress, reports). */
  runner?: RunnerOptions;
  /**
   * p99 inclusion latency SLO from the intended send time. Default: 3000 ms when the measured idle floor
   * leaves at least a block interval of room under it, else the smallest SLO that does (latency-floor.ts).
   */
  sloP99Ms?: number;
  /**
   * The idle latency floor, measured first at a trickle (default: at most 10 tx/s, for max(15 s, 16 mean
   * block intervals) capped at the hold). A floor above the SLO stops the job with a diagnosis before any
   * step. `false`: no floor check (the SLO then defaults to 3000 ms).
   */
  floor?: false | { rateTps?: number; holdMs?: number };
  /** Default 0.99. */
  minInclusion?: number;
  /** Measured window of each step (default 30 s). */
  holdMs?: number;
  /**
   * Holds a step may take at most (default 4): a step whose p99 is within `sloZ` standard errors of the SLO
   * is measured again and the holds pooled, so the knee is judged on more data than the easy steps.
   */
  maxHolds?: number;
  /** Standard errors between a step's p99 and the SLO for one hold to decide (default 2). */
  sloZ?: number;
  /** Batch length for the p99's standard error (default min(5 s, hold / 6), at least 4 block intervals). */
  batchMs?: number;
  startTps?: number;
  maxTps?: number;
  growth?: number;
  resolution?: number;
  maxTrials?: number;
  confirmAttempts?: number;
  /** After the hold, wait this long at most for the step's transactions to be included (default max(2 × SLO, k + 5 mean block intervals)). */
  graceMs?: number;
  /** Between steps, wait for every node's pending ≤ drainThreshold (default 0), at most drainTimeoutMs (default 60 s). */
  drainThreshold?: number;
  drainTimeoutMs?: number;
  /** Sending wallets (default min(wallets, 200)). */
  users?: number;
  /** Load worker threads (default: the engine's choice). */
  threads?: number;
  /** Cap the generator's signatures per second (demonstrates a starved generator). */
  signCapPerSec?: number;
  /** Judge tuning beyond the SLO (backlog growth limit, generator tolerance). */
  criteria?: Partial<Omit<SloCriteria, 'sloP99Ms' | 'minInclusion'>>;
  signal?: AbortSignal;
  /** One line per step and phase, for the terminal. */
  log?: (line: string) => void;
  /**
   * Run the search on this many fresh deployments (default 1): deployment i with the scenario's seed + i (its own
   * keys and leader schedule, its own genesis time), then the maximum's mean, spread and confidence interval
   * (max-rate-deployments.ts), written to `<runner.outDir or runs>/<time>-max-rate-deployments/max-rate-deployments.json`.
   */
  deployments?: number;
}

export interface MaxRateRun {
  /** With `deployments` > 1: the first deployment's; the figure over all of them is `deployments.summary`. */
  summary: MaxRateSummary;
  outcome: SearchOutcome;
  runDir: string;
  /** With `deployments` > 1: every deployment's run, the summary over them and the directory it was written to. */
  deployments?: { summary: MaxRateDeploymentsSummary; dir: string; runs: MaxRateRun[] };
}

/**
 * The job's chain when the scenario sets none: 500 ms slots, f = 0.8 (a 625 ms mean block interval), k = 10.
 * Its idle p99 is ~1–1.5 s, so the 3 s default SLO lies a block interval and more above it; the global
 * scenario default (1 s slots, f = 0.5) idles at a p99 of 5 s and more, above any SLO a user would pick
 * (bench/max-rate-floor.ts).
 */
export const MAX_RATE_CONSENSUS: ConsensusSpec = { slotDurationMs: 500, activeSlotCoeff: 0.8, securityParam: 10 };

const DEFAULTS = { minInclusion: 0.99, holdMs: 30_000, maxHolds: 4, sloZ: 2, startTps: 50, maxTps: 100_000, drainTimeoutMs: 60_000, drainThreshold: 0 } as const;

/** Everything the job will use, resolved from the options and their defaults before anything is deployed. */
export interface MaxRateSettings {
  spec: ScenarioSpec;
  metrics: RunMetrics;
  /** The user's SLO; undefined: the job picks it (DEFAULT_SLO_P99_MS, or from the floor). */
  givenSloP99Ms: number | undefined;
  minInclusion: number;
  holds: HoldSettings;
  startTps: number;
  maxTps: number;
  growth: number;
  resolution: number;
  maxTrials: number;
  /** The floor hold; null when the check is off. */
  floor: { rateTps: number; holdMs: number } | null;
}

export function maxRateSettings(options: MaxRateOptions = {}): MaxRateSettings {
  const base = jobScenario(options.scenario, { name: 'max-rate', validators: 4, executors: 2, consensus: MAX_RATE_CONSENSUS });
  const holdMs = options.holdMs ?? DEFAULTS.holdMs;
  const startTps = options.startTps ?? DEFAULTS.startTps;
  const trickle = floorHold({ holdMs, startTps, meanBlockIntervalMs: base.metrics.meanBlockIntervalMs });
  const floor = options.floor === false ? null : { rateTps: options.floor?.rateTps ?? trickle.rateTps, holdMs: options.floor?.holdMs ?? trickle.holdMs };
  return {
    ...base,
    givenSloP99Ms: options.sloP99Ms,
    minInclusion: options.minInclusion ?? DEFAULTS.minInclusion,
    holds: { holdMs, maxHolds: options.maxHolds ?? DEFAULTS.maxHolds, sloZ: options.sloZ ?? DEFAULTS.sloZ },
    startTps,
    maxTps: options.maxTps ?? DEFAULTS.maxTps,
    growth: options.growth ?? SEARCH_DEFAULTS.growth,
    resolution: options.resolution ?? SEARCH_DEFAULTS.resolution,
    maxTrials: options.maxTrials ?? SEARCH_DEFAULTS.maxTrials,
    floor,
  };
}

/** The settings in one line, for the terminal: what a run with no flags measures. */
export function describeSettings(s: MaxRateSettings): string {
  const c = s.spec.consensus;
  const slo = s.givenSloP99Ms !== undefined ? `${s.givenSloP99Ms} ms` : s.floor ? `${DEFAULT_SLO_P99_MS} ms unless the idle floor leaves no room under it` : `${DEFAULT_SLO_P99_MS} ms (default)`;
  const floor = s.floor ? `idle floor first at ${s.floor.rateTps} tx/s for ${s.floor.holdMs / 1000} s` : 'no floor check';
  return (
    `max-rate: ${s.spec.topology.validators} validators + ${s.spec.topology.executors} executors, ${c.slotDurationMs} ms slots, f = ${c.activeSlotCoeff} (mean block interval ${Math.round(s.metrics.meanBlockIntervalMs)} ms), k = ${c.securityParam}, ${s.spec.wallets.count} wallets; ` +
    `SLO p99 ${slo}, inclusion ≥ ${s.minInclusion}; ${floor}; holds of ${s.holds.holdMs / 1000} s (≤ ${s.holds.maxHolds} per step, z = ${s.holds.sloZ}); ` +
    `from ${s.startTps} tx/s ×${s.growth} up to ${s.maxTps} tx/s, bisected to ${+(s.resolution * 100).toFixed(2)} %`
  );
}

/** The `max-rate` expectation: carries the search verdict into summary.json and the report. */
function verdictExpectation(get: () => SearchOutcome | undefined): Expectation {
  return {
    name: 'max-rate',
    async evaluate() {
      const o = get();
      if (!o) return { status: 'unknown', message: 'the search did not run' };
      const status = o.status === 'found' || o.status === 'max-reached' || o.status === 'lower-bound' ? 'pass' : o.status === 'generator-bound' || o.status === 'aborted' ? 'unknown' : 'fail';
      return { status, message: o.message, figures: { status: o.status, maxRateTps: o.maxRateTps, bracket: o.bracket } };
    },
  };
}

/** An outcome with no search steps: the floor stopped the job, or it was aborted before the search. */
function noSearch(status: SearchStatus, message: string, resolution: number): SearchOutcome {
  return { status, maxRateTps: null, bracket: { lastPassTps: null, firstFailTps: null }, resolution: { requested: resolution, achieved: null }, steps: [], message };
}

export async function maxRate(options: MaxRateOptions = {}): Promise<MaxRateRun> {
  const n = options.deployments ?? 1;
  if (!(Number.isInteger(n) && n >= 1 && n <= 100)) {
    throw new LoadnetError('LN_ERR_USAGE', `max-rate: deployments is ${JSON.stringify(options.deployments)}; allowed: an integer from 1 to 100`, { issues: [{ field: 'deployments', value: options.deployments, allowed: 'an integer from 1 to 100' }] });
  }
  return n === 1 ? searchOneDeployment(options) : searchDeployments(options, n);
}

/**
 * The search on n fresh deployments, one after another: deployment i with seed + i (its own keys, epoch nonce and
 * so leader schedule; each its own genesis time), then the maximum's mean, spread and confidence interval.
 */
async function searchDeployments(options: MaxRateOptions, n: number): Promise<MaxRateRun> {
  const spec = maxRateSettings(options).spec;
  const stem = spec.name.replace(/-?max-rate$/, '') || 'deployment';
  const log = options.log ?? (() => {});
  const runs: MaxRateRun[] = [];
  for (let i = 0; i < n && (i === 0 || !options.signal?.aborted); i++) {
    const seed = spec.seed + i;
    log(`max-rate: deployment ${i + 1} of ${n} (seed ${seed})`);
    runs.push(await searchOneDeployment({ ...options, scenario: { ...spec, name: `${stem}-${i + 1}of${n}`, seed } }));
  }
  const summary = summarizeDeployments(runs.map((r, i) => ({ runDir: r.runDir, seed: spec.seed + i, status: r.summary.status, maxRateTps: r.summary.maxRateTps, bracket: r.summary.bracket })));
  const dir = join(resolve(options.runner?.outDir ?? 'runs'), `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-max-rate-deployments`);
  await mkdir(dir, { recursive: true });
  await writeJsonAtomic(join(dir, DEPLOYMENTS_FILE), summary);
  log(`max-rate over ${n} deployments: ${summary.message}`);
  return { ...runs[0]!, deployments: { summary, dir, runs } };
}

async function searchOneDeployment(options: MaxRateOptions): Promise<MaxRateRun> {
  const s = maxRateSettings(options);
  const { holds, startTps, maxTps } = s;
  checkOptions({ holdMs: holds.holdMs, startTps, maxTps, sloP99Ms: s.givenSloP99Ms, minInclusion: s.minInclusion, wallets: s.spec.wallets.count, users: options.users, maxHolds: options.maxHolds, sloZ: options.sloZ, batchMs: options.batchMs, floor: s.floor });
  const baseCriteria = { ...DEFAULT_CRITERIA, blockIntervalMs: s.metrics.meanBlockIntervalMs, ...options.criteria, minInclusion: s.minInclusion };
  let criteria: SloCriteria = { ...baseCriteria, sloP99Ms: s.givenSloP99Ms ?? DEFAULT_SLO_P99_MS };
  let sloSource: SloSource = s.givenSloP99Ms === undefined ? 'default' : 'given';
  let floor: LatencyFloor | null = null;
  const log = options.log ?? (() => {});
  let outcome: SearchOutcome | undefined;
  // The run record's own window is a formality after the search: one slot.
  const spec: ScenarioSpec = { ...s.spec, durationMs: s.spec.consensus.slotDurationMs, cooldownMs: 0, workloads: [], expectations: [] };
  const scenario: Scenario = { spec, metrics: { ...s.metrics, durationMs: spec.durationMs, cooldownMs: 0, expectedBlocks: spec.durationMs / s.metrics.meanBlockIntervalMs }, workloads: [], expectations: [verdictExpectation(() => outcome)], nodeSampleIntervalMs: backlogSampleIntervalMs(spec.consensus.slotDurationMs) };

  const deployer = options.deployer ?? new LocalDeployer(options.runner ?? {});
  const startedAt = new Date().toISOString();
  log(describeSettings(s));
  if (spec.agents) await checkAgents(spec.agents.addresses);
  const runner: Runner = await deployer.deploy(scenario);
  try {
    const ctx = runner.context;
    const signal = options.signal ? AbortSignal.any([options.signal, ctx.signal]) : ctx.signal;
    log(`max-rate: ${spec.topology.validators} validators + ${spec.topology.executors} executors ready; run directory ${ctx.runDir}`);
    const settings: StepSettings = { ...options, holdMs: holds.holdMs, holds, signal, log };
    if (s.floor) {
      const measured = await measureFloor(ctx, settings, s.floor, { ...criteria }, s.givenSloP99Ms === undefined);
      floor = toLatencyFloor(measured, s.floor, { slotDurationMs: s.spec.consensus.slotDurationMs, activeSlotCoeff: s.spec.consensus.activeSlotCoeff, meanBlockIntervalMs: s.metrics.meanBlockIntervalMs });
      const decision = decideAgainstFloor(floor, s.givenSloP99Ms);
      log(floorLine(floor, decision));
      if (decision.kind === 'search') {
        criteria = { ...baseCriteria, sloP99Ms: decision.sloP99Ms };
        sloSource = decision.sloSource;
        if (decision.note) log(`max-rate: note: ${decision.note}`);
      } else if (!signal.aborted) outcome = noSearch(decision.status, decision.message, s.resolution);
      ctx.events.emit('maxrate.floor', { ...floor, decision: decision.kind, ...(decision.kind === 'search' ? { sloP99Ms: decision.sloP99Ms, sloSource: decision.sloSource, note: decision.note } : { status: decision.status, message: decision.message }) });
    }
    if (signal.aborted && !outcome) outcome = noSearch('aborted', 'aborted before the search began', s.resolution);
    if (!outcome) {
      const trial = stepRunner(ctx, { ...settings, criteria });
      outcome = await searchMaxRate(trial, {
        startTps,
        maxTps,
        growth: s.growth,
        resolution: s.resolution,
        maxTrials: s.maxTrials,
        confirmAttempts: options.confirmAttempts,
        criteria,
        signal,
        onStep: (st: SearchStep) => {
          log(`  [${st.index}] ${st.phase.padEnd(7)} ${st.verdict.summary}`);
          ctx.events.emit('maxrate.step', { index: st.index, phase: st.phase, rateTps: st.rateTps, pass: st.verdict.pass, generatorBound: st.verdict.generatorBound, failures: st.verdict.failures.map((f) => f.message), result: st.result });
        },
      });
    }
    const summary = toMaxRateSummary(outcome, criteria, holds, { startedAt, endedAt: new Date().toISOString() }, { validators: spec.topology.validators, executors: spec.topology.executors }, { floor, sloSource });
    ctx.summary.set('maxRate', summary);
    await writeJsonAtomic(join(ctx.runDir, 'max-rate.json'), summary);
    if (summary.curve.length) log(formatCurveTable(summary));
    log(`max-rate: ${outcome.message}`);
    // A normal run record: summary.json with summary.maxRate, the max-rate expectation, report.html.
    await runner.run(scenario, { rejectOnFailure: false });
    return { summary, outcome, runDir: ctx.runDir };
  } finally {
    await runner.dispose();
  }
}

interface StepSettings extends MaxRateOptions {
  holdMs: number;
  holds: HoldSettings;
  signal: AbortSignal;
  log: (line: string) => void;
}

/**
 * The floor: holds at the trickle rate, judged as a step would be against the SLO (another hold pooled while
 * its p99 is within z standard errors of it). With no SLO given there is nothing to be undecided about: one hold.
 */
function measureFloor(ctx: RunContext, o: StepSettings, at: { rateTps: number; holdMs: number }, criteria: SloCriteria, oneHold: boolean): Promise<StepResult> {
  const hold = holdRunner(ctx, o);
  o.log(`max-rate: measuring the idle latency floor: ${at.rateTps} tx/s for ${at.holdMs / 1000} s`);
  return measureSequentially((holdNo) => hold({ rateTps: at.rateTps, holdMs: at.holdMs, sloP99Ms: criteria.sloP99Ms, index: 'floor', phase: 'floor' }, holdNo), {
    criteria,
    maxHolds: oneHold ? 1 : o.holds.maxHolds,
    z: o.holds.sloZ,
    signal: o.signal,
    onAnotherHold: (r, n) => o.log(`  [floor] p99 ${Math.round(r.inclusion!.p99)} ± ${Math.round(r.p99StdErrMs ?? 0)} ms is within ${o.holds.sloZ} standard errors of the SLO (${criteria.sloP99Ms} ms): measuring hold ${n + 1} of at most ${o.holds.maxHolds}`),
  });
}

/**
 * The real `trial(rate)`: one or more holds at the rate (step-holds.ts), each drain, generate for the hold,
 * wait the grace, measure; pooled into one result.
 */
function stepRunner(ctx: RunContext, o: StepSettings & { criteria: SloCriteria }) {
  const hold = holdRunner(ctx, o);
  const { maxHolds, sloZ: z } = o.holds;
  return (rateTps: number, phase: SearchPhase, index: number): Promise<StepResult> =>
    measureSequentially((holdNo) => hold({ rateTps, holdMs: o.holdMs, sloP99Ms: o.criteria.sloP99Ms, index, phase }, holdNo), {
      criteria: o.criteria,
      maxHolds,
      z,
      signal: o.signal,
      onAnotherHold: (r, n) => {
        o.log(`  [${index}] ${rateTps} tx/s: p99 ${Math.round(r.inclusion!.p99)} ± ${Math.round(r.p99StdErrMs ?? 0)} ms is within ${z} standard errors of the SLO (${o.criteria.sloP99Ms} ms): measuring hold ${n + 1} of at most ${maxHolds}`);
        ctx.events.emit('maxrate.hold', { index, rateTps, holds: n, p99Ms: r.inclusion!.p99, p99StdErrMs: r.p99StdErrMs });
      },
    });
}

/** One hold of a search step, or of the floor measurement that precedes the search. */
interface HoldSpec {
  rateTps: number;
  holdMs: number;
  /** Sets the grace after the hold. */
  sloP99Ms: number;
  index: number | 'floor';
  phase: SearchPhase | 'floor';
}

/** One hold: drain, generate for the hold, wait the grace, measure. */
function holdRunner(ctx: RunContext, o: StepSettings) {
  const wallets = ctx.wallets.slice(0, Math.min(ctx.wallets.length, o.users ?? 200));
  const troughWindowMs = 2 * ctx.metrics.meanBlockIntervalMs;
  const nodeNames = () => ctx.nodes().map((n) => n.descriptor.name);
  return async (h: HoldSpec, holdNo: number): Promise<HoldMeasure> => {
    const { rateTps, holdMs, index, phase } = h;
    // Long enough that a transaction missing at its end is far beyond the SLO, and that one whose block was
    // reorged away is found again at finality (k blocks deep: measured with 4 + 2 nodes at f = 0.8, ~3 % of
    // the transactions flip between fork siblings and are only settled then); bounded. The wait ends as soon
    // as nothing is pending.
    const graceMs = o.graceMs ?? Math.max(2 * h.sloP99Ms, (ctx.metrics.securityParam + 5) * ctx.metrics.meanBlockIntervalMs);
    // Batches of ~5 s, at least 6 per hold, each many block intervals long so one late block is one batch's tail.
    const batchMs = Math.min(o.batchMs ?? Math.max(Math.min(5_000, holdMs / 6), 4 * ctx.metrics.meanBlockIntervalMs), holdMs);
    const began = nowMs();
    const drain = await drainMempools(ctx.events, nodeNames, o.drainThreshold ?? DEFAULTS.drainThreshold, o.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs, o.signal);
    if (!drain.drained && !o.signal.aborted) o.log(`  [${index}] mempools did not drain within the bound: ${drain.pending} pending on the fullest node; stepping on`);
    ctx.events.emit('maxrate.drain', { index, hold: holdNo, drained: drain.drained, pending: drain.pending, waitedMs: Math.round(drain.waitedMs) });
    const sampler = new BacklogSampler(ctx.events);
    sampler.start();
    const engine = createLoadEngine({
      name: `max-rate-${index}${holdNo ? `-${holdNo}` : ''}`,
      targets: ctx.nodes().map((n) => n.descriptor.apiUrl),
      chain: chainOf(ctx.scenario),
      chainOptions: chainOptionsOf(ctx.scenario),
      wallets,
      rate: rateTps,
      durationMs: holdMs,
      feed: ctx.blockFeed,
      threads: o.threads,
      signCapPerSec: o.signCapPerSec,
      // The floor's holds get seeds no search step uses.
      seed: ctx.scenario.seed + (index === 'floor' ? 1_000_000 : index * 16) + holdNo,
      onInterval: (iv) => ctx.live.publish('maxRate', { step: index, phase, rateTps, offeredTps: iv.offeredTps, includedTps: iv.includedTps, inFlight: iv.inFlight }),
      // Load agents: a lost one fails the hold's load (a step measured on fewer generators is not that step).
      ...agentEngineOptions({ events: ctx.events, scenario: { ...ctx.scenario, agents: ctx.scenario.agents && { ...ctx.scenario.agents, onLoss: 'fail' } } }, `max-rate-${index}`),
    });
    let batches: LatencyBatches | undefined;
    engine.tracker!.onInclusion = (intended, ms) => batches?.record(intended, ms);
    const stopOnAbort = () => void engine.stop().catch(() => undefined);
    o.signal.addEventListener('abort', stopOnAbort, { once: true });
    try {
      await engine.start();
      const holdStart = engine.startedAt;
      const holdEnd = holdStart + holdMs;
      batches = new LatencyBatches(holdStart, holdEnd, batchMs);
      const totals = await engine.finished();
      // Grace: let the step's transactions land (bounded); later inclusions count as not included.
      while (!o.signal.aborted && engine.tracker!.counts().pending > 0 && nowMs() < holdEnd + graceMs) await sleep(100, o.signal);
      await ctx.blockFeed.refresh().catch(() => undefined);
      const counts = engine.tracker!.counts();
      const inclusion = counts.included > 0 ? latencyFigures(engine.tracker!.inclusion) : null;
      const batchP99s = batches.quantiles(99);
      sampler.stop();
      const backlog = sampler.figures(holdStart, holdEnd, troughWindowMs);
      const sent = totals.submitted;
      const result: StepResult = {
        targetTps: rateTps,
        holdMs,
        offeredTps: totals.offeredTps,
        sent,
        accepted: totals.accepted,
        rejected: totals.rejectedTotal,
        rejectedByReason: totals.rejected as Record<string, number>,
        errored: totals.errored,
        included: counts.included,
        inclusionRatio: sent > 0 ? counts.included / sent : 0,
        includedTps: counts.included / (holdMs / 1000),
        inclusion,
        submit: { p50: totals.submitCorrected.p50, p90: totals.submitCorrected.p90, p99: totals.submitCorrected.p99, max: totals.submitCorrected.max },
        backlogSlopeTps: backlog.slopeTps,
        pendingAtEnd: backlog.pendingAtEnd,
        generator: { bound: totals.generatorBound, reason: totals.generatorBoundReason, scheduleLagP99Ms: totals.scheduleLag.p99, backpressure: isBackpressure(totals) },
        elapsedMs: Math.round(nowMs() - began),
      };
      ctx.events.emit('maxrate.hold.measured', { index, hold: holdNo, rateTps, offeredTps: result.offeredTps, included: counts.included, sent, p99Ms: inclusion?.p99 ?? null, batchMs, batchP99Ms: batchP99s.map((x) => Math.round(x)) });
      return { result, latencies: engine.tracker!.inclusion, batchP99s };
    } finally {
      o.signal.removeEventListener('abort', stopOnAbort);
      engine.tracker!.onInclusion = undefined;
      engine.tracker!.close();
      batches?.destroy();
      sampler.stop();
      await engine.stop().catch(() => undefined);
    }
  };
}

/** The engine's 'connections' lateness: every connection was waiting on a node's answer. */
function isBackpressure(totals: LoadTotals): boolean {
  const late = Object.entries(totals.late) as Array<[string, number]>;
  if (late.length === 0) return false;
  const [top] = late.sort((a, b) => b[1] - a[1])[0]!;
  return top === 'connections';
}

function checkOptions(o: { holdMs: number; startTps: number; maxTps: number; sloP99Ms: number | undefined; minInclusion: number; wallets: number; users?: number; maxHolds?: number; sloZ?: number; batchMs?: number; floor: { rateTps: number; holdMs: number } | null }): void {
  const bad = (field: string, value: unknown, allowed: string) => new LoadnetError('LN_ERR_USAGE', `max-rate: ${field} is ${JSON.stringify(value)}; allowed: ${allowed}`, { issues: [{ field, value, allowed }] });
  if (!(o.holdMs >= 1000)) throw bad('holdMs', o.holdMs, 'at least 1000 ms');
  if (!(o.startTps > 0)) throw bad('startTps', o.startTps, 'a positive rate in tx/s');
  if (!(o.maxTps >= o.startTps)) throw bad('maxTps', o.maxTps, `a rate ≥ startTps (${o.startTps})`);
  if (o.sloP99Ms !== undefined && !(o.sloP99Ms > 0)) throw bad('sloP99Ms', o.sloP99Ms, 'a positive duration in ms');
  if (!(o.minInclusion > 0 && o.minInclusion <= 1)) throw bad('minInclusion', o.minInclusion, 'a fraction in (0, 1]');
  if (o.wallets < 1) throw bad('wallets.count', o.wallets, 'at least 1 funded wallet to send from');
  if (o.users !== undefined && !(Number.isInteger(o.users) && o.users >= 1)) throw bad('users', o.users, 'a positive integer');
  if (o.maxHolds !== undefined && !(Number.isInteger(o.maxHolds) && o.maxHolds >= 1 && o.maxHolds <= 20)) throw bad('maxHolds', o.maxHolds, 'an integer from 1 (one hold decides every step) to 20');
  if (o.sloZ !== undefined && !(o.sloZ >= 0 && o.sloZ <= 1000)) throw bad('sloZ', o.sloZ, 'a number of standard errors from 0 (one hold decides) to 1000 (every step takes maxHolds)');
  if (o.batchMs !== undefined && !(o.batchMs >= 100 && o.batchMs <= o.holdMs)) throw bad('batchMs', o.batchMs, `at least 100 ms and at most the hold (${o.holdMs} ms)`);
  if (o.floor && !(o.floor.rateTps > 0)) throw bad('floor.rateTps', o.floor.rateTps, 'a positive rate in tx/s');
  if (o.floor && !(o.floor.holdMs >= 1000)) throw bad('floor.holdMs', o.floor.holdMs, 'at least 1000 ms');
}
