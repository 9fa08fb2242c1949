/**
 * Input → resolved ScenarioSpec. The DSL's draft and a user's JSON go through this one path: every field is read
 * strictly (types, ranges, unknown keys), absent fields get their documented defaults (defaults.ts), and durations
 * may be written as milliseconds or strings such as '90s'. Cross-field rules live in validate.ts.
 */
import type { DurationInput } from '../util/duration.js';
import * as D from './defaults.js';
import { Issues, isJsonValue, readArray, readBoolean, readDuration, readEnum, readNumber, readObject, readString, isPlainObject } from './fields.js';
import { chainAdapter, chainNames } from '../adapters/registry.js';
import { HOST_PORT_ALLOWED, parseHostPort } from '../util/host-port.js';
import type { AgentsSpec, FaultScheduleSpec, NetworkFaultSpec, ChainSpec, ChaosSpec, ConsensusSpec, CustomSpec, DaWorkloadSpec, ExpectationSpec, RateSpec, RateStage, ScenarioSpec, TargetPolicy, TopologyShape, TopologySpec, TransactionsWorkloadSpec, TxFuzzWorkloadSpec, ApiFloodWorkloadSpec, FeePressureWorkloadSpec, FeeTierSpec, FloodMessageKind, FloodingPeerWorkloadSpec, PropagationRaceWorkloadSpec, MempoolDivergenceWorkloadSpec, RaceTimingSpec, WalletsSpec, WorkloadSpec } from './spec.js';
import { FUZZ_CASE_NAMES } from '../adversary/tx-fuzz-cases.js';
import { FLOOD_REQUESTS } from '../adversary/api-flood.js';
import { NEMESIS_TYPES, nemesisOf } from '../faults/nemeses/index.js';

/** What a user may write (JSON or the DSL's draft): any field may be left out; `*Ms` fields accept '90s'-style strings. */
export type ScenarioInput = Partial<Record<keyof ScenarioSpec, unknown>>;

export const TOPOLOGY_SHAPES: readonly TopologyShape[] = ['star', 'full', 'ring'];
const MAX_NODES = 64;
const MAX_RATE_PER_SECOND = 1_000_000;
const HOUR_MS = 3_600_000;
const NAME_RULE = { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, allowed: 'a name of 1–64 letters, digits, ".", "_" or "-" (it names the run directory)' };

const PLUGIN_RULE = { pattern: /^\S(.*\S)?$/, allowed: "a module path relative to the scenario file (such as './my-workloads.ts') or a package name" };

export function resolveSpec(input: unknown, issues: Issues): ScenarioSpec {
  const top = readObject(input, '', ['version', 'name', 'chain', 'seed', 'topology', 'consensus', 'wallets', 'nodeControl', 'durationMs', 'cooldownMs', 'workloads', 'expectations', 'plugins', 'agents'], issues) ?? {};
  if (!isPlainObject(input)) issues.add('scenario', input, 'an object (a ScenarioSpec)');
  if (top.version !== undefined && top.version !== D.SPEC_VERSION) issues.add('version', top.version, `${D.SPEC_VERSION} (the only scenario format version)`);
  const name = readString(top.name, 'name', NAME_RULE, issues, D.DEFAULT_NAME);
  const chain = readChain(top.chain, issues);
  const seed = readNumber(top.seed, 'seed', { min: 0, integer: true, allowed: 'a non-negative integer' }, issues, D.DEFAULT_SEED);
  const topology = readTopology(top.topology, issues);
  const consensus = readConsensus(top.consensus, issues);
  const wallets = readWallets(top.wallets, issues);
  const nodeControl = readBoolean(top.nodeControl, 'nodeControl', issues, false);
  const durationMs = readDuration(top.durationMs, 'durationMs', { min: 1, max: 30 * 24 * HOUR_MS, allowed: "a positive duration up to 30 days, such as 60000 or '60s' (set with .withRunDuration())" }, issues, D.DEFAULT_DURATION_MS);
  const cooldownFallback = Number.isFinite(consensus.slotDurationMs + consensus.activeSlotCoeff + consensus.securityParam) ? D.defaultCooldownMs(consensus, nodeControl) : D.MIN_COOLDOWN_MS;
  const cooldownMs = readDuration(top.cooldownMs, 'cooldownMs', { min: 0, max: 24 * HOUR_MS, allowed: "a duration from 0 to 24 h, such as '30s' (set with .withCooldown())" }, issues, cooldownFallback);

  const counts = new Map<string, number>();
  const label = (type: string): string => {
    const n = (counts.get(type) ?? 0) + 1;
    counts.set(type, n);
    return n === 1 ? type : `${type}[${n}]`;
  };
  const workloads = readArray(top.workloads, 'workloads', 'an array of workloads', issues).map((w, i) => readWorkload(w, i, label, { topology, wallets, consensus }, issues));
  placeWalletRanges(workloads);
  const expectations = readArray(top.expectations, 'expectations', 'an array of expectations', issues).map((e, i) => readExpectation(e, i, issues));
  // Every adversary run is judged for crashes, memory and invalid inclusions unless it says otherwise (written down in the resolved spec).
  if (workloads.some((w) => D.ADVERSARY_WORKLOADS.has(w.type)) && !expectations.some((e) => e.type === 'node-health')) {
    expectations.push({ type: 'node-health', options: { enabled: true, ...D.DEFAULT_NODE_HEALTH } });
  }
  const plugins = top.plugins === undefined ? undefined : readArray(top.plugins, 'plugins', 'an array of module paths (relative to the scenario file) or package names', issues).map((p, i) => readString(p, `plugins[${i}]`, PLUGIN_RULE, issues));
  const agents = readAgents(top.agents, issues);
  return { version: D.SPEC_VERSION, name, ...(chain ? { chain } : {}), seed, topology, consensus, wallets, nodeControl, durationMs, cooldownMs, workloads, expectations, ...(plugins ? { plugins } : {}), ...(agents ? { agents } : {}) };
}

const AGENT_LOSS = ['fail', 'continue'] as const;

/** `agents`: absent (or no addresses) stays absent; else distinct host:port addresses and what a lost agent does. */
function readAgents(v: unknown, issues: Issues): AgentsSpec | undefined {
  if (v === undefined) return undefined;
  const o = readObject(v, 'agents', ['addresses', 'onLoss'], issues);
  if (!o) return undefined;
  const addresses = readArray(o.addresses, 'agents.addresses', `an array of load agent addresses, each ${HOST_PORT_ALLOWED}`, issues).map((a, i) => {
    const ok = typeof a === 'string' && parseHostPort(a) !== undefined;
    if (!ok) issues.add(`agents.addresses[${i}]`, a, `a load agent address: ${HOST_PORT_ALLOWED}`);
    return ok ? a.trim() : '';
  });
  const seen = new Set<string>();
  for (const [i, a] of addresses.entries()) {
    if (a !== '' && seen.has(a)) issues.add(`agents.addresses[${i}]`, a, 'each agent once (one connection per agent)');
    seen.add(a);
  }
  const onLoss = readEnum(o.onLoss, 'agents.onLoss', AGENT_LOSS, issues, 'fail');
  return addresses.length === 0 ? undefined : { addresses, onLoss };
}

/** `chain`: absent stays absent (the devnet); else a known chain type and the options its adapter accepts. */
function readChain(v: unknown, issues: Issues): ChainSpec | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) {
    issues.add('chain', v, `an object such as { "type": "devnet" }; chain types: ${chainNames().join(', ')}`);
    return undefined;
  }
  const { type, ...options } = v;
  if (typeof type !== 'string' || !chainNames().includes(type)) {
    issues.add('chain.type', type, `${chainNames().join(', ')} (others are added with registerChain(adapter))`);
    return undefined;
  }
  for (const i of chainAdapter(type).checkOptions?.(options) ?? []) issues.add(`chain.${i.field}`, i.value, i.allowed);
  if (!isJsonValue(v)) issues.add('chain', v, 'JSON data (the chain options are saved with the run)');
  return { type, ...structuredClone(options) };
}

function readTopology(v: unknown, issues: Issues): TopologySpec {
  const o = readObject(v, 'topology', ['shape', 'validators', 'executors'], issues) ?? {};
  const count = (x: unknown, f: string, min: number, fallback?: number) =>
    readNumber(x, f, { min, max: MAX_NODES, integer: true, allowed: `an integer from ${min} to ${MAX_NODES}` }, issues, fallback);
  return {
    shape: readEnum(o.shape, 'topology.shape', TOPOLOGY_SHAPES, issues, 'star'),
    validators: count(o.validators, 'topology.validators', 1),
    executors: count(o.executors, 'topology.executors', 0, 0),
  };
}

function readConsensus(v: unknown, issues: Issues): ConsensusSpec {
  const o = readObject(v, 'consensus', ['slotDurationMs', 'activeSlotCoeff', 'securityParam'], issues) ?? {};
  return {
    slotDurationMs: readDuration(o.slotDurationMs, 'consensus.slotDurationMs', { min: 50, max: 60_000, allowed: "a slot duration from 50 ms to 60 s, such as 1000 or '1s'" }, issues, D.DEFAULT_CONSENSUS.slotDurationMs),
    activeSlotCoeff: readNumber(o.activeSlotCoeff, 'consensus.activeSlotCoeff', { min: 0, minExclusive: true, max: 1, allowed: 'a number in (0, 1], e.g. 0.5' }, issues, D.DEFAULT_CONSENSUS.activeSlotCoeff),
    securityParam: readNumber(o.securityParam, 'consensus.securityParam', { min: 1, max: 10_000, integer: true, allowed: 'an integer k from 1 to 10000' }, issues, D.DEFAULT_CONSENSUS.securityParam),
  };
}

function readWallets(v: unknown, issues: Issues): WalletsSpec {
  const o = readObject(v, 'wallets', ['count', 'fundsPerWallet', 'totalFunds'], issues) ?? {};
  const count = readNumber(o.count, 'wallets.count', { min: 0, max: 1_000_000, integer: true, allowed: 'an integer from 0 to 1000000' }, issues, 0);
  const totalFunds = o.totalFunds === undefined ? undefined : readNumber(o.totalFunds, 'wallets.totalFunds', { min: 1, integer: true, allowed: 'a positive safe integer' }, issues);
  const perWalletFromTotal = totalFunds !== undefined && Number.isFinite(totalFunds) && count > 0 ? Math.floor(totalFunds / count) : undefined;
  const fundsPerWallet = readNumber(o.fundsPerWallet, 'wallets.fundsPerWallet', { min: 1, integer: true, allowed: 'a positive safe integer' }, issues, perWalletFromTotal ?? D.DEFAULT_FUNDS_PER_WALLET);
  return totalFunds === undefined ? { count, fundsPerWallet } : { count, fundsPerWallet, totalFunds };
}

interface Context {
  topology: TopologySpec;
  wallets: WalletsSpec;
  consensus: ConsensusSpec;
}

function readWorkload(v: unknown, index: number, label: (type: string) => string, ctx: Context, issues: Issues): WorkloadSpec {
  const type = isPlainObject(v) ? v.type : undefined;
  switch (type) {
    case 'transactions':
      return readTransactions(v as Record<string, unknown>, label('transactions'), ctx, issues);
    case 'da':
      return readDa(v as Record<string, unknown>, label('da'), issues);
    case 'chaos':
      return readChaos(v as Record<string, unknown>, label('chaos'), ctx, issues);
    case 'tx-fuzz':
      return readTxFuzz(v as Record<string, unknown>, label('tx-fuzz'), issues);
    case 'api-flood':
      return readApiFlood(v as Record<string, unknown>, label('api-flood'), issues);
    case 'fee-pressure':
      return readFeePressure(v as Record<string, unknown>, label('fee-pressure'), issues);
    case 'flooding-peer':
      return readFloodingPeer(v as Record<string, unknown>, label('flooding-peer'), issues);
    case 'propagation-race':
      return readPropagationRace(v as Record<string, unknown>, label('propagation-race'), issues);
    case 'mempool-divergence':
      return readMempoolDivergence(v as Record<string, unknown>, label('mempool-divergence'), issues);
    case 'custom':
      return readCustom(v as Record<string, unknown>, `workloads[${index}]`, issues);
    default:
      if (typeof type === 'string' && (NEMESIS_TYPES as string[]).includes(type)) return readFault(v as Record<string, unknown>, type as NetworkFaultSpec['type'], label(type), ctx, issues);
      issues.add(isPlainObject(v) ? `workloads[${index}].type` : `workloads[${index}]`, isPlainObject(v) ? type : v, `a workload object whose type is 'transactions', 'da', 'chaos', 'tx-fuzz', 'api-flood', 'fee-pressure', 'flooding-peer', 'propagation-race', 'mempool-divergence', ${NEMESIS_TYPES.map((t) => `'${t}'`).join(', ')} or 'custom'`);
      return { type: 'custom', name: '?' };
  }
}

function readTransactions(v: Record<string, unknown>, f: string, ctx: Context, issues: Issues): TransactionsWorkloadSpec {
  const o = readObject(v, f, ['type', 'rate', 'users', 'firstWallet', 'fee', 'amount', 'targets', 'batch', 'inclusionThreshold'], issues)!;
  const usersFallback = Math.max(ctx.wallets.count, 0);
  return {
    type: 'transactions',
    rate: readRate(o.rate, `${f}.rate`, issues),
    users: readNumber(o.users, `${f}.users`, { min: 1, integer: true, allowed: 'an integer ≥ 1 (how many funded wallets send; default: all wallets)' }, issues, usersFallback > 0 ? usersFallback : undefined),
    fee: readNumber(o.fee, `${f}.fee`, { min: 0, integer: true, allowed: 'a non-negative integer' }, issues, D.DEFAULT_TX.fee),
    amount: readNumber(o.amount, `${f}.amount`, { min: 0, integer: true, allowed: 'a non-negative integer' }, issues, D.DEFAULT_TX.amount),
    targets: readTargetPolicy(o.targets, `${f}.targets`, issues),
    batch: o.batch === 'auto' || o.batch === undefined ? 'auto' : readNumber(o.batch, `${f}.batch`, { min: 1, max: 10_000, integer: true, allowed: "'auto' or an integer from 1 to 10000" }, issues, 1),
    inclusionThreshold: readNumber(o.inclusionThreshold, `${f}.inclusionThreshold`, { min: 0, max: 1, allowed: 'a fraction from 0 to 1 (default 1: every accepted transaction)' }, issues, D.DEFAULT_TX.inclusionThreshold),
    // Last, where placeWalletRanges adds it when absent: one key order either way.
    ...readFirstWallet(o.firstWallet, f, issues),
  };
}

function readRate(v: unknown, f: string, issues: Issues): RateSpec {
  if (v === undefined) return { kind: 'perBlock', perBlock: D.DEFAULT_TX.perBlock };
  const kind = isPlainObject(v) ? v.kind : undefined;
  const positive = (x: unknown, field: string, what: string) =>
    readNumber(x, field, { min: 0, minExclusive: true, max: MAX_RATE_PER_SECOND, allowed: `a number > 0 (${what}), at most ${MAX_RATE_PER_SECOND}` }, issues);
  if (kind === 'perBlock') {
    const o = readObject(v, f, ['kind', 'perBlock'], issues)!;
    return { kind, perBlock: positive(o.perBlock, `${f}.perBlock`, 'transactions per block; set with .rate(n)') };
  }
  if (kind === 'perSecond') {
    const o = readObject(v, f, ['kind', 'perSecond'], issues)!;
    return { kind, perSecond: positive(o.perSecond, `${f}.perSecond`, 'transactions per second; set with .ratePerSecond(x)') };
  }
  if (kind === 'stages') {
    const o = readObject(v, f, ['kind', 'stages'], issues)!;
    const list = readArray(o.stages, `${f}.stages`, 'a non-empty array of stages { durationMs, perSecond, ramp }', issues);
    if (list.length === 0) issues.add(`${f}.stages`, o.stages, 'a non-empty array of stages { durationMs, perSecond, ramp }');
    const stages = list.map((s, i): RateStage => {
      const sf = `${f}.stages[${i}]`;
      const so = readObject(s, sf, ['durationMs', 'perSecond', 'ramp'], issues) ?? {};
      if (!isPlainObject(s)) return { durationMs: Number.NaN, perSecond: Number.NaN, ramp: true };
      return {
        durationMs: readDuration(so.durationMs, `${sf}.durationMs`, { min: 1, allowed: "a positive duration such as '30s'" }, issues),
        perSecond: readNumber(so.perSecond, `${sf}.perSecond`, { min: 0, max: MAX_RATE_PER_SECOND, allowed: `a target rate ≥ 0 transactions per second, at most ${MAX_RATE_PER_SECOND}` }, issues),
        ramp: readBoolean(so.ramp, `${sf}.ramp`, issues, true),
      };
    });
    if (stages.length > 0 && stages.every((s) => s.perSecond === 0)) issues.add(`${f}.stages`, o.stages, 'at least one stage with a target rate > 0');
    return { kind, stages };
  }
  issues.add(f, v, "{ kind: 'perBlock', perBlock } or { kind: 'perSecond', perSecond } or { kind: 'stages', stages: [...] }");
  return { kind: 'perBlock', perBlock: Number.NaN };
}

function readTargetPolicy(v: unknown, f: string, issues: Issues): TargetPolicy {
  if (v === undefined) return 'round-robin';
  if (v === 'round-robin' || v === 'random') return v;
  if (isPlainObject(v)) {
    const o = readObject(v, f, ['node'], issues)!;
    return { node: readString(o.node, `${f}.node`, { pattern: /^[a-z]+-\d+$/, allowed: "a node name such as 'validator-0' or 'executor-1'" }, issues) };
  }
  issues.add(f, v, "'round-robin', 'random' or { node: 'validator-0' }");
  return 'round-robin';
}

function readDa(v: Record<string, unknown>, f: string, issues: Issues): DaWorkloadSpec {
  const o = readObject(v, f, ['type', 'channels', 'blobsPerBlock', 'blobSizeBytes'], issues)!;
  const size = readObject(o.blobSizeBytes, `${f}.blobSizeBytes`, ['min', 'max'], issues) ?? {};
  const sizeRule = { min: 1, max: D.MAX_BLOB_BYTES, integer: true, allowed: `an integer number of bytes from 1 to ${D.MAX_BLOB_BYTES}` };
  return {
    type: 'da',
    channels: readNumber(o.channels, `${f}.channels`, { min: 1, max: 1000, integer: true, allowed: 'an integer from 1 to 1000 (DA channels; set with .channelRate(c))' }, issues, D.DEFAULT_DA.channels),
    blobsPerBlock: readNumber(o.blobsPerBlock, `${f}.blobsPerBlock`, { min: 0, minExclusive: true, max: 10_000, allowed: 'a number > 0 (blobs per block across all channels; set with .blobRate(b))' }, issues, D.DEFAULT_DA.blobsPerBlock),
    blobSizeBytes: {
      min: readNumber(size.min, `${f}.blobSizeBytes.min`, sizeRule, issues, D.DEFAULT_DA.blobSizeBytes.min),
      max: readNumber(size.max, `${f}.blobSizeBytes.max`, sizeRule, issues, D.DEFAULT_DA.blobSizeBytes.max),
    },
  };
}

function readChaos(v: Record<string, unknown>, f: string, ctx: Context, issues: Issues): ChaosSpec {
  const o = readObject(v, f, ['type', 'action', 'minDelayMs', 'maxDelayMs', 'targetCooldownMs', 'maxDown', 'targets', 'recoveryTimeoutMs', 'downtimeMs'], issues)!;
  const t = readObject(o.targets, `${f}.targets`, ['roles', 'names'], issues) ?? {};
  const roles = readArray(t.roles, `${f}.targets.roles`, "an array of 'validator' and/or 'executor'", issues).map((r, i) =>
    readEnum(r, `${f}.targets.roles[${i}]`, ['validator', 'executor'] as const, issues, 'validator'),
  );
  const names = readArray(t.names, `${f}.targets.names`, 'an array of node names', issues).map((n, i) =>
    readString(n, `${f}.targets.names[${i}]`, { pattern: /^[A-Za-z0-9._-]+$/, allowed: "a node name such as 'validator-1'" }, issues),
  );
  const delay = (x: unknown, field: string, fallback: number, what: string) =>
    readDuration(x, `${f}.${field}`, { min: 1, max: 24 * HOUR_MS, allowed: `a positive duration such as '10s' (${what})` }, issues, fallback);
  const validators = Number.isFinite(ctx.topology.validators) ? ctx.topology.validators : 1;
  return {
    type: 'chaos',
    action: readEnum(o.action, `${f}.action`, ['restart', 'kill', 'pause'] as const, issues, 'restart'),
    minDelayMs: delay(o.minDelayMs, 'minDelayMs', D.DEFAULT_CHAOS.minDelayMs, 'least time between faults; .minDelay()'),
    maxDelayMs: delay(o.maxDelayMs, 'maxDelayMs', D.DEFAULT_CHAOS.maxDelayMs, 'most time between faults; .maxDelay()'),
    targetCooldownMs: readDuration(o.targetCooldownMs, `${f}.targetCooldownMs`, { min: 0, max: 24 * HOUR_MS, allowed: "a duration ≥ 0 such as '15s' (.targetCooldown())" }, issues, D.DEFAULT_CHAOS.targetCooldownMs),
    maxDown: readNumber(o.maxDown, `${f}.maxDown`, { min: 0, max: MAX_NODES, integer: true, allowed: 'an integer ≥ 0 (most block producers down at once; default: a minority)' }, issues, D.defaultMaxDown(validators + (Number.isFinite(ctx.topology.executors) ? ctx.topology.executors : 0))),
    targets: { roles: [...new Set(roles)], names },
    recoveryTimeoutMs: delay(o.recoveryTimeoutMs, 'recoveryTimeoutMs', D.DEFAULT_CHAOS.recoveryTimeoutMs, 'bound on waiting for a node to recover'),
    downtimeMs: readDuration(o.downtimeMs, `${f}.downtimeMs`, { min: 0, max: 24 * HOUR_MS, allowed: "a duration ≥ 0 such as '5s' (how long a pause or kill lasts)" }, issues, D.DEFAULT_CHAOS.downtimeMs),
  };
}

function readTxFuzz(v: Record<string, unknown>, f: string, issues: Issues): TxFuzzWorkloadSpec {
  const o = readObject(v, f, ['type', 'rate', 'cases', 'targets', 'minBlocks', 'maxRejectedOtherwise'], issues)!;
  const cases = o.cases === undefined ? [] : readArray(o.cases, `${f}.cases`, `an array of cases: ${FUZZ_CASE_NAMES.join(', ')}`, issues).map((c, i) => readEnum(c, `${f}.cases[${i}]`, FUZZ_CASE_NAMES, issues, 'malformed'));
  const targets = readTargetPolicy(o.targets, `${f}.targets`, issues);
  if (targets === 'random') issues.add(`${f}.targets`, targets, "'round-robin' or { node: 'validator-0' }");
  const spec: TxFuzzWorkloadSpec = {
    type: 'tx-fuzz',
    rate: readNumber(o.rate, `${f}.rate`, { min: 0, minExclusive: true, max: 10_000, allowed: 'crafted transactions per second, > 0 and at most 10,000' }, issues, D.DEFAULT_TX_FUZZ.rate),
    cases: [...new Set(cases)],
    targets: targets === 'random' ? 'round-robin' : targets,
    maxRejectedOtherwise: readNumber(o.maxRejectedOtherwise, `${f}.maxRejectedOtherwise`, { min: 0, integer: true, allowed: 'a non-negative integer (crafted transactions allowed another reason than their case\'s)' }, issues, 0),
  };
  if (o.minBlocks !== undefined) spec.minBlocks = readNumber(o.minBlocks, `${f}.minBlocks`, { min: 0, integer: true, allowed: 'a non-negative integer number of blocks' }, issues);
  return spec;
}

const RACE_TIMING_KEYS = ['nodes', 'atMs', 'jitterMs', 'chunk', 'spacingMs', 'fee'] as const;

/** The submission timing shared by the propagation race and the mempool divergence. */
function readRaceTiming(o: Record<string, unknown>, f: string, issues: Issues): RaceTimingSpec {
  const T = D.DEFAULT_RACE_TIMING;
  let nodes: RaceTimingSpec['nodes'] = 'all';
  if (o.nodes !== undefined && o.nodes !== 'all') {
    const names = readArray(o.nodes, `${f}.nodes`, "'all' or an array of node names such as ['validator-0', 'validator-1']", issues).map((n, i) => readString(n, `${f}.nodes[${i}]`, { pattern: /^[a-z]+-\d+$/, allowed: "a node name such as 'validator-0'" }, issues, 'validator-0'));
    if (names.length === 0) issues.add(`${f}.nodes`, o.nodes, "'all' or at least one node name");
    nodes = [...new Set(names)];
  }
  const dur = (x: unknown, field: string, fallback: number, allowed: string) => readDuration(x, `${f}.${field}`, { min: 0, max: 24 * HOUR_MS, allowed }, issues, fallback);
  return {
    nodes,
    atMs: dur(o.atMs, 'atMs', T.atMs, "when the first request goes out, from the start of the run window, such as '2s'"),
    jitterMs: dur(o.jitterMs, 'jitterMs', T.jitterMs, "a duration ≥ 0 such as '200ms' (each node's seeded start offset is below it)"),
    chunk: readNumber(o.chunk, `${f}.chunk`, { min: 1, max: 10_000, integer: true, allowed: 'transactions per request, an integer from 1 to 10,000' }, issues, T.chunk),
    spacingMs: dur(o.spacingMs, 'spacingMs', T.spacingMs, "a duration ≥ 0 between one node's requests, such as '10ms'"),
    fee: readNumber(o.fee, `${f}.fee`, { min: 0, integer: true, allowed: 'a non-negative integer fee' }, issues, T.fee),
  };
}

function readPropagationRace(v: Record<string, unknown>, f: string, issues: Issues): PropagationRaceWorkloadSpec {
  const o = readObject(v, f, ['type', 'batch', 'maxInclusionMs', ...RACE_TIMING_KEYS], issues)!;
  const spec: PropagationRaceWorkloadSpec = {
    type: 'propagation-race',
    batch: readNumber(o.batch, `${f}.batch`, { min: 1, max: 100_000, integer: true, allowed: 'transactions in the batch (one wallet each), an integer from 1 to 100,000' }, issues, D.DEFAULT_PROPAGATION_RACE.batch),
    ...readRaceTiming(o, f, issues),
  };
  if (o.maxInclusionMs !== undefined) spec.maxInclusionMs = readDuration(o.maxInclusionMs, `${f}.maxInclusionMs`, { min: 1, max: HOUR_MS, allowed: "a positive bound on the inclusion p99, such as '3s'" }, issues);
  return spec;
}

function readMempoolDivergence(v: Record<string, unknown>, f: string, issues: Issues): MempoolDivergenceWorkloadSpec {
  const o = readObject(v, f, ['type', 'perNode', 'windowMs', 'blocksOnly', 'sampleEveryMs', ...RACE_TIMING_KEYS], issues)!;
  const M = D.DEFAULT_MEMPOOL_DIVERGENCE;
  return {
    type: 'mempool-divergence',
    perNode: readNumber(o.perNode, `${f}.perNode`, { min: 1, max: 100_000, integer: true, allowed: 'transactions per node (one wallet each), an integer from 1 to 100,000' }, issues, M.perNode),
    windowMs: readDuration(o.windowMs, `${f}.windowMs`, { min: 1, max: 24 * HOUR_MS, allowed: "a positive convergence window after the divergence ends, such as '5s'" }, issues, M.windowMs),
    blocksOnly: readBoolean(o.blocksOnly, `${f}.blocksOnly`, issues, false),
    sampleEveryMs: readDuration(o.sampleEveryMs, `${f}.sampleEveryMs`, { min: 10, max: HOUR_MS, allowed: "how often the mempools are read, at least '10ms'" }, issues, M.sampleEveryMs),
    ...readRaceTiming(o, f, issues),
  };
}

function readApiFlood(v: Record<string, unknown>, f: string, issues: Issues): ApiFloodWorkloadSpec {
  const o = readObject(v, f, ['type', 'rate', 'invalidShare', 'requests', 'pattern', 'target', 'connections', 'pipelining', 'timeoutMs', 'startAfterMs', 'durationMs', 'controlP99Ms', 'minBlocks', 'minRateFraction', 'controlBatch', 'forgedBatch'], issues)!;
  const F = D.DEFAULT_API_FLOOD;
  const int = (x: unknown, field: string, min: number, max: number, fallback: number) => readNumber(x, `${f}.${field}`, { min, max, integer: true, allowed: `an integer from ${min} to ${max}` }, issues, fallback);
  let pattern: ApiFloodWorkloadSpec['pattern'] = { kind: 'steady' };
  if (o.pattern !== undefined && !(isPlainObject(o.pattern) && o.pattern.kind === 'steady')) {
    const p = readObject(o.pattern, `${f}.pattern`, ['kind', 'onMs', 'offMs'], issues) ?? {};
    if (p.kind !== 'burst') issues.add(`${f}.pattern.kind`, p.kind, "'steady' or 'burst' (with onMs and offMs)");
    const phase = (x: unknown, field: string) => readDuration(x, `${f}.pattern.${field}`, { min: 1, max: HOUR_MS, allowed: "a positive duration such as '2s'" }, issues);
    pattern = { kind: 'burst', onMs: phase(p.onMs, 'onMs'), offMs: phase(p.offMs, 'offMs') };
  }
  const spec: ApiFloodWorkloadSpec = {
    type: 'api-flood',
    rate: readNumber(o.rate, `${f}.rate`, { min: 1, max: 1_000_000, allowed: 'requests per second from 1 to 1,000,000' }, issues, F.rate),
    invalidShare: readNumber(o.invalidShare, `${f}.invalidShare`, { min: 0, max: 1, allowed: 'a fraction from 0 to 1' }, issues, F.invalidShare),
    requests: o.requests === undefined ? [] : [...new Set(readArray(o.requests, `${f}.requests`, `an array of request kinds: ${FLOOD_REQUESTS.join(', ')}`, issues).map((k, i) => readEnum(k, `${f}.requests[${i}]`, FLOOD_REQUESTS, issues, 'info')))],
    pattern,
    target: readString(o.target, `${f}.target`, { pattern: /^[a-z]+-\d+$/, allowed: "a node name such as 'validator-0'" }, issues, 'validator-0'),
    connections: int(o.connections, 'connections', 1, 4096, F.connections),
    pipelining: int(o.pipelining, 'pipelining', 1, 1024, F.pipelining),
    timeoutMs: readDuration(o.timeoutMs, `${f}.timeoutMs`, { min: 10, max: HOUR_MS, allowed: "a duration from 10 ms, such as '2s'" }, issues, F.timeoutMs),
    startAfterMs: readDuration(o.startAfterMs, `${f}.startAfterMs`, { min: 0, max: 30 * 24 * HOUR_MS, allowed: "a duration ≥ 0 such as '5s'" }, issues, 0),
    controlP99Ms: readDuration(o.controlP99Ms, `${f}.controlP99Ms`, { min: 1, max: HOUR_MS, allowed: "a positive duration such as '500ms'" }, issues, F.controlP99Ms),
    minRateFraction: readNumber(o.minRateFraction, `${f}.minRateFraction`, { min: 0, max: 1, allowed: 'a fraction from 0 to 1 of the rate' }, issues, F.minRateFraction),
  };
  if (o.durationMs !== undefined) spec.durationMs = readDuration(o.durationMs, `${f}.durationMs`, { min: 1, max: 30 * 24 * HOUR_MS, allowed: "a positive duration such as '10s'" }, issues);
  if (o.minBlocks !== undefined) spec.minBlocks = readNumber(o.minBlocks, `${f}.minBlocks`, { min: 0, integer: true, allowed: 'a non-negative integer number of blocks' }, issues);
  if (o.controlBatch !== undefined) spec.controlBatch = int(o.controlBatch, 'controlBatch', 0, 4096, 0);
  if (o.forgedBatch !== undefined) spec.forgedBatch = int(o.forgedBatch, 'forgedBatch', 1, 100_000, 64);
  return spec;
}

function readFirstWallet(v: unknown, f: string, issues: Issues): { firstWallet?: number } {
  return v === undefined ? {} : { firstWallet: readNumber(v, `${f}.firstWallet`, { min: 0, integer: true, allowed: 'the index (≥ 0) of the first funded wallet this workload sends from' }, issues) };
}

/**
 * Wallet ranges: a transaction-sending workload (or fee tier) without `firstWallet` starts after the ranges
 * of those before it, so two workloads never sign with the same wallet unless a user says so (and
 * validate.ts refuses overlaps and ranges past the funded wallets).
 */
function placeWalletRanges(workloads: WorkloadSpec[]): void {
  let next = 0;
  for (const w of workloads) {
    const ranges: Array<{ firstWallet?: number; users: number }> = w.type === 'transactions' ? [w] : w.type === 'fee-pressure' ? w.tiers : [];
    for (const r of ranges) {
      if (r.firstWallet === undefined) r.firstWallet = next;
      if (Number.isFinite(r.users)) next = Math.max(next, r.firstWallet + r.users);
    }
  }
}

function readFeePressure(v: Record<string, unknown>, f: string, issues: Issues): FeePressureWorkloadSpec {
  const o = readObject(v, f, ['type', 'tiers', 'rate', 'amount', 'targets', 'batch', 'maxTierLatencyRatio', 'minEvictions', 'minBlockFill', 'minThroughputFraction'], issues)!;
  const F = D.DEFAULT_FEE_PRESSURE;
  const list = readArray(o.tiers, `${f}.tiers`, 'an array of at least two tiers { name, fee, users, share? }', issues);
  if (list.length < 2) issues.add(`${f}.tiers`, o.tiers, 'at least two tiers { name, fee, users } with distinct fees');
  const tiers = list.map((t, i): FeeTierSpec => {
    const tf = `${f}.tiers[${i}]`;
    const to = readObject(t, tf, ['name', 'fee', 'users', 'firstWallet', 'share'], issues) ?? {};
    return {
      name: readString(to.name, `${tf}.name`, { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, allowed: 'a tier name of 1–32 letters, digits, "_" or "-"' }, issues, `tier-${i}`),
      fee: readNumber(to.fee, `${tf}.fee`, { min: 0, integer: true, allowed: 'the fee every transaction of this tier pays, an integer ≥ 0' }, issues),
      users: readNumber(to.users, `${tf}.users`, { min: 1, integer: true, allowed: "an integer ≥ 1 (the tier's own funded wallets)" }, issues),
      share: readNumber(to.share, `${tf}.share`, { min: 0, minExclusive: true, allowed: "a weight > 0 of the tier in the offered rate (default 1: an equal split)" }, issues, 1),
      ...readFirstWallet(to.firstWallet, tf, issues),
    };
  });
  return {
    type: 'fee-pressure',
    tiers,
    rate: readRate(o.rate, `${f}.rate`, issues),
    amount: readNumber(o.amount, `${f}.amount`, { min: 0, integer: true, allowed: 'a non-negative integer' }, issues, D.DEFAULT_TX.amount),
    targets: readTargetPolicy(o.targets, `${f}.targets`, issues),
    batch: o.batch === 'auto' || o.batch === undefined ? 'auto' : readNumber(o.batch, `${f}.batch`, { min: 1, max: 10_000, integer: true, allowed: "'auto' or an integer from 1 to 10000" }, issues, 1),
    maxTierLatencyRatio: readNumber(o.maxTierLatencyRatio, `${f}.maxTierLatencyRatio`, { min: 0, minExclusive: true, max: 1, allowed: "a fraction in (0, 1]: a tier's inclusion p50 at most this × the next lower tier's" }, issues, F.maxTierLatencyRatio),
    minEvictions: readNumber(o.minEvictions, `${f}.minEvictions`, { min: 0, integer: true, allowed: 'a non-negative integer (lowest-fee evictions the run must cause)' }, issues, F.minEvictions),
    minBlockFill: readNumber(o.minBlockFill, `${f}.minBlockFill`, { min: 0, max: 1, allowed: 'a fraction from 0 to 1 of a block’s capacity' }, issues, F.minBlockFill),
    minThroughputFraction: readNumber(o.minThroughputFraction, `${f}.minThroughputFraction`, { min: 0, max: 1, allowed: 'a fraction from 0 to 1 of the best included rate' }, issues, F.minThroughputFraction),
  };
}

export const FLOOD_MESSAGE_KINDS: readonly FloodMessageKind[] = ['stale-block', 'duplicate-block', 'duplicate-tx', 'invalid-tx', 'da-share'];

function readFloodingPeer(v: Record<string, unknown>, f: string, issues: Issues): FloodingPeerWorkloadSpec {
  const o = readObject(v, f, ['type', 'target', 'rate', 'messages', 'startAfterMs', 'durationMs', 'banWithinMs', 'maxQueueBytes', 'propagationP99Ms', 'minBlocks'], issues)!;
  const F = D.DEFAULT_FLOODING_PEER;
  const messages = o.messages === undefined ? [] : readArray(o.messages, `${f}.messages`, `an array of message kinds: ${FLOOD_MESSAGE_KINDS.join(', ')}`, issues).map((m, i) => readEnum(m, `${f}.messages[${i}]`, FLOOD_MESSAGE_KINDS, issues, 'stale-block'));
  const spec: FloodingPeerWorkloadSpec = {
    type: 'flooding-peer',
    target: readString(o.target, `${f}.target`, { pattern: /^[a-z]+-\d+$/, allowed: "a node name such as 'validator-0'" }, issues, 'validator-0'),
    rate: readNumber(o.rate, `${f}.rate`, { min: 1, max: 100_000, allowed: 'messages per second from 1 to 100,000' }, issues, F.rate),
    messages: [...new Set(messages)],
    startAfterMs: readDuration(o.startAfterMs, `${f}.startAfterMs`, { min: 0, max: 30 * 24 * HOUR_MS, allowed: "a duration ≥ 0 such as '5s'" }, issues, F.startAfterMs),
    banWithinMs: readDuration(o.banWithinMs, `${f}.banWithinMs`, { min: 1, max: HOUR_MS, allowed: "a positive duration such as '20s' (bound on the time to ban)" }, issues, F.banWithinMs),
    maxQueueBytes: readNumber(o.maxQueueBytes, `${f}.maxQueueBytes`, { min: 1, integer: true, allowed: "a positive number of bytes (bound on the victim's fullest outbound P2P queue)" }, issues, F.maxQueueBytes),
    propagationP99Ms: readDuration(o.propagationP99Ms, `${f}.propagationP99Ms`, { min: 1, max: HOUR_MS, allowed: "a positive duration such as '2s'" }, issues, F.propagationP99Ms),
  };
  if (o.durationMs !== undefined) spec.durationMs = readDuration(o.durationMs, `${f}.durationMs`, { min: 1, max: 30 * 24 * HOUR_MS, allowed: "a positive duration such as '20s'" }, issues);
  if (o.minBlocks !== undefined) spec.minBlocks = readNumber(o.minBlocks, `${f}.minBlocks`, { min: 0, integer: true, allowed: 'a non-negative integer number of blocks' }, issues);
  return spec;
}

/** A fault (faults/nemeses/): the shared schedule fields, then the nemesis's own. */
function readFault(v: Record<string, unknown>, type: NetworkFaultSpec['type'], f: string, ctx: Context, issues: Issues): NetworkFaultSpec {
  const nemesis = nemesisOf(type);
  const o = readObject(v, f, ['type', 'atMs', 'durationMs', 'healAtMs', 'everyMs', 'convergeWithinMs', ...nemesis.keys], issues)!;
  const names = Number.isFinite(ctx.topology.validators) && Number.isFinite(ctx.topology.executors) ? D.nodeNames(ctx.topology.validators, ctx.topology.executors) : [];
  const dur = (x: unknown, field: string, min: number, allowed: string, fallback?: number) => readDuration(x, `${f}.${field}`, { min, max: 30 * 24 * HOUR_MS, allowed }, issues, fallback);
  const schedule: FaultScheduleSpec = {
    atMs: dur(o.atMs, 'atMs', 0, "when the fault starts, from the start of the run window, such as '10s'", 0),
    convergeWithinMs: dur(o.convergeWithinMs, 'convergeWithinMs', 1, "a bound on becoming one chain again after the heal, such as '20s'", D.defaultConvergeWithinMs(ctx.consensus)),
  };
  if (o.durationMs !== undefined) schedule.durationMs = dur(o.durationMs, 'durationMs', 1, "how long the fault holds before it heals, such as '15s' (absent: until the run window ends)");
  if (o.healAtMs !== undefined) {
    const healAt = dur(o.healAtMs, 'healAtMs', 1, "when the fault heals, from the start of the run window, such as '40s'");
    if (o.durationMs !== undefined) issues.add(`${f}.healAtMs`, o.healAtMs, 'either healAtMs or durationMs, not both');
    else if (healAt <= schedule.atMs) issues.add(`${f}.healAtMs`, o.healAtMs, `a time after atMs (${schedule.atMs} ms)`);
    else schedule.durationMs = healAt - schedule.atMs;
  }
  if (o.everyMs !== undefined) schedule.everyMs = dur(o.everyMs, 'everyMs', 1, "the period of a repeated fault, such as '30s' (absent: once)");
  if (schedule.everyMs !== undefined && (schedule.durationMs === undefined || schedule.durationMs >= schedule.everyMs)) {
    issues.add(`${f}.durationMs`, o.durationMs, `a duration shorter than everyMs (${schedule.everyMs} ms), so the fault heals before it comes again`);
  }
  return { type, ...schedule, ...nemesis.read(o, f, issues, names) } as NetworkFaultSpec;
}

function readCustom(v: Record<string, unknown>, f: string, issues: Issues): CustomSpec {
  const o = readObject(v, f, ['type', 'name', 'options'], issues)!;
  const name = readString(o.name, `${f}.name`, { pattern: /^\S(.*\S)?$/, allowed: 'the non-empty name it was registered under (registerWorkload / registerExpectation)' }, issues);
  if (o.options !== undefined && !isJsonValue(o.options)) issues.add(`${f}.options`, o.options, 'JSON data only (objects, arrays, numbers, strings, booleans, null)');
  return o.options === undefined ? { type: 'custom', name } : { type: 'custom', name, options: o.options };
}

function readExpectation(v: unknown, index: number, issues: Issues): ExpectationSpec {
  const f = `expectations[${index}]`;
  const type = isPlainObject(v) ? v.type : undefined;
  const frac = (x: unknown, field: string, fallback: number, allowed: string) => readNumber(x, `${f}.options.${field}`, { min: 0, max: 1, allowed }, issues, fallback);
  switch (type) {
    case 'consensus-liveness': {
      const o = readObject(readObject(v, f, ['type', 'options'], issues)!.options, `${f}.options`, ['minFraction', 'maxLag', 'requireLibAdvance'], issues) ?? {};
      return {
        type,
        options: {
          minFraction: frac(o.minFraction, 'minFraction', D.DEFAULT_LIVENESS.minFraction, 'a fraction from 0 to 1 of the expected blocks'),
          maxLag: readNumber(o.maxLag, `${f}.options.maxLag`, { min: 0, integer: true, allowed: 'a non-negative integer number of blocks' }, issues, D.DEFAULT_LIVENESS.maxLag),
          requireLibAdvance: readBoolean(o.requireLibAdvance, `${f}.options.requireLibAdvance`, issues, D.DEFAULT_LIVENESS.requireLibAdvance),
        },
      };
    }
    case 'supply-conserved':
    case 'safety': {
      readObject(readObject(v, f, ['type', 'options'], issues)!.options, `${f}.options`, [], issues);
      return { type, options: {} };
    }
    case 'block-timing': {
      const o = readObject(readObject(v, f, ['type', 'options'], issues)!.options, `${f}.options`, ['tolerance', 'maxGapMs'], issues) ?? {};
      const tolerance = readNumber(o.tolerance, `${f}.options.tolerance`, { min: 0, max: 100, allowed: 'a non-negative fraction such as 0.5' }, issues, D.DEFAULT_BLOCK_TIMING.tolerance);
      if (o.maxGapMs === undefined) return { type, options: { tolerance } };
      return { type, options: { tolerance, maxGapMs: readDuration(o.maxGapMs, `${f}.options.maxGapMs`, { min: 1, allowed: "a positive duration such as '20s'" }, issues) } };
    }
    case 'mempool-bounded': {
      const o = readObject(readObject(v, f, ['type', 'options'], issues)!.options, `${f}.options`, ['maxPending', 'trendWindowFraction', 'maxTrendRise', 'sampleIntervalMs'], issues) ?? {};
      const options: Extract<ExpectationSpec, { type: 'mempool-bounded' }>['options'] = {
        maxPending: readNumber(o.maxPending, `${f}.options.maxPending`, { min: 0, integer: true, allowed: 'a non-negative integer number of transactions' }, issues, D.DEFAULT_MEMPOOL_BOUNDED.maxPending),
        trendWindowFraction: readNumber(o.trendWindowFraction, `${f}.options.trendWindowFraction`, { min: 0.01, max: 1, allowed: 'a fraction from 0.01 to 1 of the run window' }, issues, D.DEFAULT_MEMPOOL_BOUNDED.trendWindowFraction),
      };
      // Optional tuning: written only when given (the expectation's own defaults apply otherwise).
      if (o.maxTrendRise !== undefined) options.maxTrendRise = readNumber(o.maxTrendRise, `${f}.options.maxTrendRise`, { min: 0, max: 1000, allowed: 'a non-negative fraction of maxPending (default 0.1)' }, issues);
      if (o.sampleIntervalMs !== undefined) options.sampleIntervalMs = readDuration(o.sampleIntervalMs, `${f}.options.sampleIntervalMs`, { min: 50, max: 3_600_000, allowed: "a duration from 50 ms to 1 h (default '1s')" }, issues);
      return { type, options };
    }
    case 'clock-rules': {
      const o = readObject(readObject(v, f, ['type', 'options'], issues)!.options, `${f}.options`, ['maxRefused'], issues) ?? {};
      return { type, options: { maxRefused: readNumber(o.maxRefused, `${f}.options.maxRefused`, { min: 0, integer: true, allowed: 'a non-negative integer number of blocks (default 0)' }, issues, 0) } };
    }
    case 'fork-rate': {
      const o = readObject(readObject(v, f, ['type', 'options'], issues)!.options, `${f}.options`, ['maxReorgsPerBlock', 'maxOrphansPerBlock', 'maxDepth', 'maxHeightBattlesPerBlock'], issues) ?? {};
      const rate = (x: unknown, field: string, fallback: number, what: string) => readNumber(x, `${f}.options.${field}`, { min: 0, allowed: `a non-negative number of ${what} per produced block` }, issues, fallback);
      return {
        type,
        options: {
          maxReorgsPerBlock: rate(o.maxReorgsPerBlock, 'maxReorgsPerBlock', D.DEFAULT_FORK_RATE.maxReorgsPerBlock, 'reorgs (all nodes)'),
          maxOrphansPerBlock: rate(o.maxOrphansPerBlock, 'maxOrphansPerBlock', D.DEFAULT_FORK_RATE.maxOrphansPerBlock, 'orphaned blocks'),
          maxDepth: readNumber(o.maxDepth, `${f}.options.maxDepth`, { min: 0, integer: true, allowed: 'a non-negative whole number of blocks (the deepest reorg allowed)' }, issues, D.DEFAULT_FORK_RATE.maxDepth),
          ...(o.maxHeightBattlesPerBlock === undefined ? {} : { maxHeightBattlesPerBlock: rate(o.maxHeightBattlesPerBlock, 'maxHeightBattlesPerBlock', 0, 'orphans from height battles (a leader building beside a block it had not received)') }),
        },
      };
    }
    case 'propagation': {
      const o = readObject(readObject(v, f, ['type', 'options'], issues)!.options, `${f}.options`, ['maxP50Ms', 'maxP99Ms', 'tiers'], issues) ?? {};
      const bound = (x: unknown, field: string) => (x === undefined ? undefined : readDuration(x, `${f}.options.${field}`, { min: 0, allowed: "a lag bound such as '500ms'" }, issues));
      const options: Extract<ExpectationSpec, { type: 'propagation' }>['options'] = {};
      const p50 = bound(o.maxP50Ms, 'maxP50Ms');
      const p99 = bound(o.maxP99Ms, 'maxP99Ms');
      if (p50 !== undefined) options.maxP50Ms = p50;
      if (p99 !== undefined) options.maxP99Ms = p99;
      if (o.tiers !== undefined) {
        const tiers = readObject(o.tiers, `${f}.options.tiers`, Object.keys(isPlainObject(o.tiers) ? o.tiers : {}), issues) ?? {};
        options.tiers = {};
        for (const [tier, b] of Object.entries(tiers)) {
          const tb = readObject(b, `${f}.options.tiers.${tier}`, ['maxP50Ms', 'maxP99Ms'], issues) ?? {};
          const t50 = bound(tb.maxP50Ms, `tiers.${tier}.maxP50Ms`);
          const t99 = bound(tb.maxP99Ms, `tiers.${tier}.maxP99Ms`);
          options.tiers[tier] = { ...(t50 !== undefined ? { maxP50Ms: t50 } : {}), ...(t99 !== undefined ? { maxP99Ms: t99 } : {}) };
        }
      }
      return { type, options };
    }
    case 'node-health': {
      const o = readObject(readObject(v, f, ['type', 'options'], issues)!.options, `${f}.options`, ['enabled', 'maxRssMiB', 'maxRssSlopeMiBPerMin'], issues) ?? {};
      return {
        type,
        options: {
          enabled: readBoolean(o.enabled, `${f}.options.enabled`, issues, true),
          maxRssMiB: readNumber(o.maxRssMiB, `${f}.options.maxRssMiB`, { min: 0, allowed: `a non-negative number of MiB, each node's peak RSS bound (default ${D.DEFAULT_NODE_HEALTH.maxRssMiB})` }, issues, D.DEFAULT_NODE_HEALTH.maxRssMiB),
          maxRssSlopeMiBPerMin: readNumber(o.maxRssSlopeMiBPerMin, `${f}.options.maxRssSlopeMiBPerMin`, { min: 0, allowed: `a non-negative number of MiB per minute, each node's RSS growth bound over the run's second half (default ${D.DEFAULT_NODE_HEALTH.maxRssSlopeMiBPerMin})` }, issues, D.DEFAULT_NODE_HEALTH.maxRssSlopeMiBPerMin),
        },
      };
    }
    case 'custom':
      return readCustom(v as Record<string, unknown>, f, issues);
    default:
      issues.add(isPlainObject(v) ? `${f}.type` : f, isPlainObject(v) ? type : v, "an expectation whose type is 'consensus-liveness', 'supply-conserved', 'block-timing', 'safety', 'mempool-bounded', 'clock-rules', 'fork-rate', 'propagation', 'node-health' or 'custom'");
      return { type: 'custom', name: '?' };
  }
}

/** Re-exported for the DSL's duration-taking methods. */
export type { DurationInput };
