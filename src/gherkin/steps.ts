/**
 * Every step loadnet understands: the inherited vocabulary of the framework loadnet replaces (accepted exactly
 * as its feature files wrote it) and loadnet's own. A step only records what it says into the ScenarioDraft;
 * draft.ts turns the draft into DSL calls. Steps match on their text, whatever the keyword (Given/When/Then/
 * And/But), as in Cucumber; their phase says where they may stand: setup before the run, checks after it.
 */
import type { DeployerName } from '../cli/deployers.js';
import { closest } from '../scenario/fields.js';
import { findFigure, SUMMARY_FIGURES, figureBound } from './figures.js';
import { durationMs, fraction, StepValueError } from './parameters.js';
import { where, type ChaosDraft, type FaultDraft, type FaultScheduleDraft, type PropagationBoundsDraft, type ScenarioDraft, type StepAt } from './draft.js';

export type StepPhase = 'setup' | 'run' | 'check';
type Arg = string | number;

export interface StepDef {
  /** A Cucumber Expression ('/' separates alternatives, so a literal one is escaped: 'tx\\/s'). */
  pattern: string;
  phase: StepPhase;
  group: string;
  /** In the vocabulary of the framework loadnet replaces (kept exactly). */
  inherited?: boolean;
  /** A check that runs its own job (max-rate), so it needs no `When run scenario` before it. */
  runsItself?: boolean;
  /** A line as a feature file writes it. */
  example: string;
  /** What it does, in the DSL's words. */
  doc: string;
  apply(d: ScenarioDraft, args: Arg[], at: StepAt): void;
}

/** A step that breaks a rule of the vocabulary (e.g. transactions configured twice). */
export class StepRuleError extends Error {}

const num = (a: Arg) => a as number;
const str = (a: Arg) => String(a);

/** Deployer names of `deployer is "<name>"`: case-insensitive, trimmed. */
const DEPLOYER_ALIASES: Record<string, DeployerName> = { local: 'local', host: 'local', compose: 'compose', docker: 'compose' };
export const DEPLOYER_ALIAS_NAMES = Object.keys(DEPLOYER_ALIASES);

export function deployerFromName(name: string): DeployerName | undefined {
  return DEPLOYER_ALIASES[name.trim().toLowerCase()];
}

function once<T extends { at: StepAt }>(current: T | undefined, what: string, _again: StepAt): void {
  if (current) throw new StepRuleError(`${what} is configured twice in one scenario (first at ${where(current.at)}: ${current.at.text}); allowed: once per scenario`);
}

function needsTransactions(d: ScenarioDraft, at: StepAt): NonNullable<ScenarioDraft['transactions']> {
  if (!d.transactions) throw new StepRuleError(`${at.text.replace(/^\S+\s+/, '')} needs a transactions step first; allowed: after e.g. \`Given transactions rate is 5 per block\``);
  return d.transactions;
}

function needsChaos(d: ScenarioDraft, at: StepAt): ChaosDraft {
  if (!d.chaos) throw new StepRuleError(`${at.text.replace(/^\S+\s+/, '')} needs a chaos step first; allowed: after e.g. \`Given chaos restarts a node every 10s to 20s\``);
  return d.chaos;
}

function chaosStep(action: ChaosDraft['action'], verb: string): StepDef {
  return {
    pattern: `chaos ${verb} a node every {duration} to {duration}`,
    phase: 'setup',
    group: 'node control and chaos',
    example: `And chaos ${verb} a node every 10s to 20s`,
    doc: `.chaos().${action}().minDelay(a).maxDelay(b): one fault at a random time between a and b after the last (needs node control)`,
    apply(d, [a, b], at) {
      once(d.chaos, 'chaos', at);
      d.chaos = { at, action, minDelayMs: durationMs(str(a!)), maxDelayMs: durationMs(str(b!)) };
    },
  };
}

/** Comma-separated node names of a {string}. */
function names(a: Arg): string[] {
  return str(a).split(',').map((s) => s.trim()).filter((s) => s !== '');
}

type FaultArgs = FaultDraft extends infer F ? (F extends FaultDraft ? Omit<F, 'at' | 'schedule'> : never) : never;

function addFault<F extends FaultArgs>(d: ScenarioDraft, at: StepAt, fault: F): FaultDraft & F {
  const f = { ...fault, at, schedule: {} } as unknown as FaultDraft & F;
  d.faults.push(f);
  return f;
}

function lastFault(d: ScenarioDraft, at: StepAt): FaultDraft {
  const f = d.faults.at(-1);
  if (!f) throw new StepRuleError(`${at.text.replace(/^\S+\s+/, '')} needs a fault step first; allowed: after e.g. \`Given the network is partitioned into halves\``);
  return f;
}

/** A schedule step: one FaultBuilder call on the fault of the step before. */
function scheduleStep(pattern: string, example: string, doc: string, key: keyof FaultScheduleDraft): StepDef {
  return {
    pattern,
    phase: 'setup',
    group: 'network and clock faults',
    example,
    doc,
    apply(d, [v], at) {
      const f = lastFault(d, at);
      if (f.schedule[key] !== undefined) throw new StepRuleError(`\`${shownPattern(this)}\` is given twice for the fault of ${where(f.at)}; allowed: once per fault`);
      f.schedule[key] = durationMs(str(v!));
    },
  };
}

type LinkFault = Extract<FaultDraft, { type: 'link-fault' }>;

/**
 * A link fault on the links from → to. Successive steps on the same nodes make one fault (delay, loss and a
 * bandwidth limit together), as the one `.linkFault({ from, to, delay, loss, bytesPerSecond })` call does.
 */
function linkFaultStep(rest: string, exampleRest: string, option: string, set: (f: LinkFault, v: Arg) => void, what: string): StepDef {
  return {
    pattern: `links from {string} to {string} ${rest}`,
    phase: 'setup',
    group: 'network and clock faults',
    example: `Given links from "validator-0" to "validator-1, validator-2" ${exampleRest}`,
    doc: `.chaos().linkFault({ from, to, ${option} }): ${what}, on every link from each node of the first list to each of the second (both ways unless \`the link fault is one way\`)`,
    apply(d, [from, to, v], at) {
      const [a, b] = [names(from!), names(to!)];
      const last = d.faults.at(-1);
      const same = last?.type === 'link-fault' && last.from.join() === a.join() && last.to.join() === b.join();
      set(same ? last : addFault(d, at, { type: 'link-fault', from: a, to: b }), v!);
    },
  };
}

type ClockSkew = Extract<FaultDraft, { type: 'clock-skew' }>;

/** One node's clock in the clock-skew fault: successive clock steps (of any nodes) make one fault, one entry per node. */
function clockStep(rest: string, exampleRest: string, what: string, set: (c: ClockSkew['nodes'][string], v: Arg) => void): StepDef {
  return {
    pattern: `the clock of {string} ${rest}`,
    phase: 'setup',
    group: 'network and clock faults',
    example: `Given the clock of "validator-1" ${exampleRest}`,
    doc: `.chaos().clockSkew({ <node>: { offsetMs, jitterMs, driftPpm } }): ${what}`,
    apply(d, [node, v], at) {
      const last = d.faults.at(-1);
      const f: ClockSkew = last?.type === 'clock-skew' ? last : addFault(d, at, { type: 'clock-skew', nodes: {} });
      const entry = (f.nodes[str(node!)] ??= { offsetMs: 0 });
      set(entry, v!);
    },
  };
}

type Churn = Extract<FaultDraft, { type: 'churn' }>;

/** The churn fault of a join or leave step: the one just before when it has no joiners / leavers yet, else a new one. */
function churnOf(d: ScenarioDraft, at: StepAt, part: 'join' | 'leave'): Churn {
  const last = d.faults.at(-1);
  if (last?.type === 'churn' && last[part] === undefined) return last;
  return addFault(d, at, { type: 'churn' });
}

/** A block propagation bound: overall or for one latency tier; all of them join one propagation expectation. */
function propagationStep(pattern: string, example: string, doc: string, tier: boolean): StepDef {
  return {
    pattern,
    phase: 'setup',
    group: 'expectations',
    example,
    doc,
    apply(d, args, at) {
      const [name, ...bounds] = tier ? [str(args[0]!), ...args.slice(1)] : [undefined, ...args];
      const b: PropagationBoundsDraft = bounds.length === 2 ? { maxP50Ms: durationMs(str(bounds[0]!)), maxP99Ms: durationMs(str(bounds[1]!)) } : { maxP99Ms: durationMs(str(bounds[0]!)) };
      let e = d.expectations.find((x) => x.type === 'propagation');
      if (!e) d.expectations.push((e = { at, type: 'propagation', options: {} }));
      if (e.type !== 'propagation') return;
      if (name === undefined) {
        if (e.options.maxP99Ms !== undefined) throw new StepRuleError(`the overall block propagation bound is given twice (first at ${where(e.at)}); allowed: once per scenario`);
        Object.assign(e.options, b);
      } else {
        const tiers = (e.options.tiers ??= {});
        if (tiers[name]) throw new StepRuleError(`the block propagation bound of tier ${name} is given twice; allowed: once per tier`);
        tiers[name] = b;
      }
    },
  };
}

export const STEPS: readonly StepDef[] = [
  // ── inherited ──────────────────────────────────────────────────────────────
  {
    pattern: 'deployer is {string}',
    phase: 'setup',
    group: 'deployer',
    inherited: true,
    example: 'Given deployer is "local"',
    doc: 'local or host: processes on this machine; compose or docker: Docker containers (case-insensitive, trimmed). The file\'s choice wins over --deployer',
    apply(d, [name], at) {
      once(d.deployer, 'the deployer', at);
      const resolved = deployerFromName(str(name!));
      if (!resolved) throw new StepValueError(str(name!), `${DEPLOYER_ALIAS_NAMES.map((n) => `"${n}"`).join(', ')} (case-insensitive)`);
      d.deployer = { at, kind: 'named', name: resolved, as: str(name!) };
    },
  },
  {
    pattern: 'we have a CLI deployer specified',
    phase: 'setup',
    group: 'deployer',
    inherited: true,
    example: 'Given we have a CLI deployer specified',
    doc: 'the deployer of --deployer, else of the environment variable LOADNET_DEPLOYER, else local',
    apply(d, _args, at) {
      once(d.deployer, 'the deployer', at);
      d.deployer = { at, kind: 'cli' };
    },
  },
  {
    pattern: 'topology has {int} validators and {int} executors',
    phase: 'setup',
    group: 'topology and chain',
    inherited: true,
    example: 'And topology has 3 validators and 2 executors',
    doc: '.topology().networkStar().validators(v).executors(e).apply()',
    apply(d, [v, e], at) {
      once(d.topology, 'the topology', at);
      d.topology = { at, validators: num(v!), executors: num(e!) };
    },
  },
  {
    pattern: 'run duration is {int} seconds',
    phase: 'setup',
    group: 'run window',
    inherited: true,
    example: 'And run duration is 60 seconds',
    doc: '.withRunDuration(n s); LOADNET_MAX_DURATION caps it',
    apply(d, [s], at) {
      once(d.duration, 'the run duration', at);
      d.duration = { at, ms: num(s!) * 1000 };
    },
  },
  {
    pattern: 'wallets total funds is {int} split across {int} users',
    phase: 'setup',
    group: 'wallets',
    inherited: true,
    example: 'And wallets total funds is 1000000 split across 500 users',
    doc: '.initializeWallet(total, users): total / users each, the remainder +1 to the first wallets',
    apply(d, [total, users], at) {
      once(d.wallets, 'the wallets', at);
      d.wallets = { at, count: num(users!), totalFunds: num(total!) };
    },
  },
  {
    pattern: 'transactions rate is {int} per block',
    phase: 'setup',
    group: 'transactions',
    inherited: true,
    example: 'And transactions rate is 10 per block',
    doc: '.transactions().rate(n).apply(): n per block on average, paced at n / meanBlockInterval per second; every funded wallet sends',
    apply(d, [n], at) {
      once(d.transactions, 'the transactions workload', at);
      d.transactions = { at, rate: { perBlock: num(n!) } };
    },
  },
  {
    pattern: 'transactions rate is {int} per block using {int} users',
    phase: 'setup',
    group: 'transactions',
    inherited: true,
    example: 'And transactions rate is 10 per block using 500 users',
    doc: '.transactions().rate(n).users(u).apply(): u of the funded wallets send',
    apply(d, [n, u], at) {
      once(d.transactions, 'the transactions workload', at);
      d.transactions = { at, rate: { perBlock: num(n!) }, users: num(u!) };
    },
  },
  {
    pattern: 'data availability channel rate is {int} per block and blob rate is {int} per block',
    phase: 'setup',
    group: 'data availability',
    inherited: true,
    example: 'And data availability channel rate is 1 per block and blob rate is 1 per block',
    doc: '.da().channelRate(c).blobRate(b).apply(): c DA channels, b blobs per block across them (needs executors)',
    apply(d, [c, b], at) {
      once(d.da, 'the data availability workload', at);
      d.da = { at, channels: num(c!), blobsPerBlock: num(b!) };
    },
  },
  {
    pattern: 'expect consensus liveness',
    phase: 'setup',
    group: 'expectations',
    inherited: true,
    example: 'And expect consensus liveness',
    doc: '.expectConsensusLiveness(): blocks in the window ≥ 50 % of expected, every node within 5 of the best, LIB advances',
    apply(d, _args, at) {
      once(d.expectations.find((e) => e.type === 'consensus-liveness'), 'consensus liveness', at);
      d.expectations.push({ at, type: 'consensus-liveness', options: {} });
    },
  },
  {
    pattern: 'consensus liveness lag allowance is {int}',
    phase: 'setup',
    group: 'expectations',
    inherited: true,
    example: 'And consensus liveness lag allowance is 3',
    doc: '.expectConsensusLiveness({ maxLag: n }): every node within n blocks of the best (with `expect consensus liveness`)',
    apply(d, [n], at) {
      once(d.livenessLag, 'the consensus liveness lag allowance', at);
      d.livenessLag = { at, maxLag: num(n!) };
    },
  },
  {
    pattern: 'run scenario',
    phase: 'run',
    group: 'run and checks',
    inherited: true,
    example: 'When run scenario',
    doc: 'deploy, run the window and the cooldown, judge every expectation (run directory, report.html, junit.xml)',
    apply(d, _args, at) {
      once(d.run && { at: d.run }, 'run scenario', at);
      d.run = at;
    },
  },
  {
    pattern: 'scenario should succeed',
    phase: 'check',
    group: 'run and checks',
    inherited: true,
    example: 'Then scenario should succeed',
    doc: 'the run\'s verdict is PASS: every expectation passed (failures name each expectation and its figures)',
    apply(d, _args, at) {
      d.checks.push({ at, kind: 'succeeds' });
    },
  },

  // ── loadnet: topology, chain and run window ────────────────────────────────
  {
    pattern: 'topology has {int} validators',
    phase: 'setup',
    group: 'topology and chain',
    example: 'Given topology has 2 validators',
    doc: '.topology().validators(v).apply(): no executors',
    apply(d, [v], at) {
      once(d.topology, 'the topology', at);
      d.topology = { at, validators: num(v!), executors: 0 };
    },
  },
  {
    pattern: 'network shape is {word}',
    phase: 'setup',
    group: 'topology and chain',
    example: 'And network shape is ring',
    doc: 'star (default; validator-0 is the hub), full or ring: networkStar/Full/Ring()',
    apply(d, [shape], at) {
      once(d.shape, 'the network shape', at);
      const s = str(shape!).toLowerCase();
      if (s !== 'star' && s !== 'full' && s !== 'ring') throw new StepValueError(str(shape!), 'star, full or ring');
      d.shape = { at, shape: s };
    },
  },
  {
    pattern: 'slot duration is {duration}',
    phase: 'setup',
    group: 'topology and chain',
    example: 'And slot duration is 500ms',
    doc: '.slotDuration(d): default 1s',
    apply(d, [v], at) {
      d.consensus = { ...d.consensus, at: d.consensus.at ?? at, slotDurationMs: durationMs(str(v!)) };
    },
  },
  {
    pattern: 'active slot coefficient is {float}',
    phase: 'setup',
    group: 'topology and chain',
    example: 'And active slot coefficient is 0.8',
    doc: '.activeSlotCoeff(f): the chance a slot has a leader; blocks every slot / f on average (default 0.5)',
    apply(d, [f], at) {
      d.consensus = { ...d.consensus, at: d.consensus.at ?? at, activeSlotCoeff: num(f!) };
    },
  },
  {
    pattern: 'security parameter is {int}',
    phase: 'setup',
    group: 'topology and chain',
    example: 'And security parameter is 4',
    doc: '.securityParam(k): a block is final once k blocks are built on it (default 10)',
    apply(d, [k], at) {
      d.consensus = { ...d.consensus, at: d.consensus.at ?? at, securityParam: num(k!) };
    },
  },
  {
    pattern: 'run duration is {duration}',
    phase: 'setup',
    group: 'run window',
    example: 'And run duration is 1m30s',
    doc: '.withRunDuration(d); LOADNET_MAX_DURATION caps it',
    apply(d, [v], at) {
      once(d.duration, 'the run duration', at);
      d.duration = { at, ms: durationMs(str(v!)) };
    },
  },
  {
    pattern: 'cooldown is {duration}',
    phase: 'setup',
    group: 'run window',
    example: 'And cooldown is 15s',
    doc: '.withCooldown(d): workloads keep running this long after the window',
    apply(d, [v], at) {
      once(d.cooldown, 'the cooldown', at);
      d.cooldown = { at, ms: durationMs(str(v!)) };
    },
  },
  {
    pattern: 'seed is {int}',
    phase: 'setup',
    group: 'run window',
    example: 'And seed is 7',
    doc: '.withSeed(n): keys, wallets and every random choice',
    apply(d, [n], at) {
      once(d.seed, 'the seed', at);
      d.seed = { at, seed: num(n!) };
    },
  },
  {
    pattern: 'scenario is named {string}',
    phase: 'setup',
    group: 'run window',
    example: 'And scenario is named "smoke-3x3"',
    doc: '.named(n): names the run directory (default: the scenario\'s title)',
    apply(d, [n], at) {
      once(d.name, 'the scenario name', at);
      d.name = { at, name: str(n!) };
    },
  },

  // ── wallets and transactions ───────────────────────────────────────────────
  {
    pattern: 'there are {int} funded wallets',
    phase: 'setup',
    group: 'wallets',
    example: 'And there are 50 funded wallets',
    doc: '.wallets(n): n wallets in genesis with 1,000,000,000 each',
    apply(d, [n], at) {
      once(d.wallets, 'the wallets', at);
      d.wallets = { at, count: num(n!) };
    },
  },
  {
    pattern: 'transactions rate is {float} per second',
    phase: 'setup',
    group: 'transactions',
    example: 'And transactions rate is 20 per second',
    doc: '.transactions().ratePerSecond(x).apply(): a rate in tx/s that does not depend on block timing',
    apply(d, [x], at) {
      once(d.transactions, 'the transactions workload', at);
      d.transactions = { at, rate: { perSecond: num(x!) } };
    },
  },
  {
    pattern: 'transactions rate is {float} per second using {int} users',
    phase: 'setup',
    group: 'transactions',
    example: 'And transactions rate is 20 per second using 10 users',
    doc: '.transactions().ratePerSecond(x).users(u).apply()',
    apply(d, [x, u], at) {
      once(d.transactions, 'the transactions workload', at);
      d.transactions = { at, rate: { perSecond: num(x!) }, users: num(u!) };
    },
  },
  {
    pattern: 'transactions are sent to {string}',
    phase: 'setup',
    group: 'transactions',
    example: 'And transactions are sent to "executor-0"',
    doc: '.targetNode(name): every submission to one node',
    apply(d, [node], at) {
      needsTransactions(d, at).targets = { node: str(node!) };
    },
  },
  {
    pattern: 'transactions are sent to random nodes',
    phase: 'setup',
    group: 'transactions',
    example: 'And transactions are sent to random nodes',
    doc: '.targetRandom(): each submission to a node chosen at random (seeded)',
    apply(d, _args, at) {
      needsTransactions(d, at).targets = 'random';
    },
  },
  {
    pattern: 'transaction fee is {int}',
    phase: 'setup',
    group: 'transactions',
    example: 'And transaction fee is 2',
    doc: '.fee(n): default 1',
    apply(d, [n], at) {
      needsTransactions(d, at).fee = num(n!);
    },
  },
  {
    pattern: 'expect at least {percent} of transactions included',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect at least 99% of transactions included',
    doc: '.inclusionThreshold(f): the bundled tx-inclusion expectation needs this fraction of accepted transactions included by the end of the cooldown (default 100 %)',
    apply(d, [p], at) {
      needsTransactions(d, at).inclusionThreshold = fraction(str(p!));
    },
  },
  {
    pattern: 'data availability blobs are {int} to {int} bytes',
    phase: 'setup',
    group: 'data availability',
    example: 'And data availability blobs are 1024 to 4096 bytes',
    doc: '.blobSize(min, max): uniform in [min, max]',
    apply(d, [min, max]) {
      if (!d.da) throw new StepRuleError('data availability blobs need a data availability step first; allowed: after `Given data availability channel rate is 1 per block and blob rate is 1 per block`');
      d.da.blobSize = { min: num(min!), max: num(max!) };
    },
  },

  // ── node control and chaos ─────────────────────────────────────────────────
  {
    pattern: 'node control is enabled',
    phase: 'setup',
    group: 'node control and chaos',
    example: 'Given node control is enabled',
    doc: '.enableNodeControl(): workloads may restart, kill and pause nodes (the cooldown becomes at least 30 s)',
    apply(d, _args, at) {
      d.nodeControl = at;
    },
  },
  chaosStep('restart', 'restarts'),
  chaosStep('kill', 'kills'),
  chaosStep('pause', 'pauses'),
  {
    pattern: 'chaos target cooldown is {duration}',
    phase: 'setup',
    group: 'node control and chaos',
    example: 'And chaos target cooldown is 15s',
    doc: '.targetCooldown(d): a node is not hit again until this long after it recovered (default 60s)',
    apply(d, [v], at) {
      needsChaos(d, at).targetCooldownMs = durationMs(str(v!));
    },
  },
  {
    pattern: 'chaos downtime is {duration}',
    phase: 'setup',
    group: 'node control and chaos',
    example: 'And chaos downtime is 3s',
    doc: '.downtime(d): how long a kill or pause lasts (default 5s)',
    apply(d, [v], at) {
      needsChaos(d, at).downtimeMs = durationMs(str(v!));
    },
  },
  {
    pattern: 'chaos keeps at most {int} node(s) down',
    phase: 'setup',
    group: 'node control and chaos',
    example: 'And chaos keeps at most 1 node down',
    doc: '.maxDown(n): block producers down at once (default: a minority)',
    apply(d, [n], at) {
      needsChaos(d, at).maxDown = num(n!);
    },
  },
  {
    pattern: 'chaos recovery timeout is {duration}',
    phase: 'setup',
    group: 'node control and chaos',
    example: 'And chaos recovery timeout is 30s',
    doc: '.recoveryTimeout(d): bound on a node being healthy and caught up again (default 60s)',
    apply(d, [v], at) {
      needsChaos(d, at).recoveryTimeoutMs = durationMs(str(v!));
    },
  },
  {
    pattern: 'chaos targets only {word}',
    phase: 'setup',
    group: 'node control and chaos',
    example: 'And chaos targets only validators',
    doc: '.validatorsOnly() / .executorsOnly()',
    apply(d, [w], at) {
      const c = needsChaos(d, at);
      const role = str(w!).toLowerCase();
      if (role !== 'validators' && role !== 'executors') throw new StepValueError(str(w!), 'validators or executors');
      c.roles = [role === 'validators' ? 'validator' : 'executor'];
    },
  },
  {
    pattern: 'chaos targets nodes {string}',
    phase: 'setup',
    group: 'node control and chaos',
    example: 'And chaos targets nodes "validator-1, validator-2"',
    doc: '.targetNodes(...names): only these nodes (comma-separated)',
    apply(d, [names], at) {
      needsChaos(d, at).names = str(names!).split(',').map((s) => s.trim()).filter((s) => s !== '');
    },
  },

  // ── network and clock faults ───────────────────────────────────────────────
  {
    pattern: 'the network is partitioned into {word}',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'Given the network is partitioned into halves',
    doc: '.chaos().partition(shape): halves, majority (a minority cut off), ring (each keeps its ring neighbours) or bridge (halves that only the middle node sees both of), over the nodes in topology order (needs node control)',
    apply(d, [shape], at) {
      const s = str(shape!).toLowerCase();
      if (s !== 'halves' && s !== 'majority' && s !== 'ring' && s !== 'bridge') throw new StepValueError(str(shape!), 'halves, majority, ring or bridge (isolate: `the network is partitioned to isolate "<node>"`; groups: `… into groups "<nodes>" and "<nodes>"`)');
      addFault(d, at, { type: 'partition', shape: s });
    },
  },
  {
    pattern: 'the network is partitioned to isolate {string}',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'Given the network is partitioned to isolate "validator-2"',
    doc: ".chaos().partition('isolate', { node }): the node cut off from every other",
    apply(d, [node], at) {
      addFault(d, at, { type: 'partition', shape: 'isolate', node: str(node!) });
    },
  },
  {
    pattern: 'the network is partitioned into halves bridged by {string}',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'Given the network is partitioned into halves bridged by "validator-1"',
    doc: ".chaos().partition('bridge', { node }): two halves that only this node sees both of",
    apply(d, [node], at) {
      addFault(d, at, { type: 'partition', shape: 'bridge', node: str(node!) });
    },
  },
  {
    pattern: 'the network is partitioned into groups {string} and {string}',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'Given the network is partitioned into groups "validator-0, validator-1" and "validator-2, validator-3"',
    doc: ".chaos().partition('groups', { groups: [a, b] }): two explicit sides (comma-separated node names)",
    apply(d, [a, b], at) {
      addFault(d, at, { type: 'partition', shape: 'groups', groups: [names(a!), names(b!)] });
    },
  },
  {
    pattern: 'latency tier {word} delays nodes {string} by {duration}',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'Given latency tier C delays nodes "validator-2, validator-3" by 300ms',
    doc: '.chaos().latencyTiers({ <tier>: { delay, nodes } }): successive tier steps make one latency-tiers fault; a link is delayed by the larger of its two ends\' tiers (a node in no tier: none)',
    apply(d, [tier, nodes, delay], at) {
      const last = d.faults.at(-1);
      const f = last?.type === 'latency-tiers' ? last : addFault(d, at, { type: 'latency-tiers', tiers: {} });
      if (f.type !== 'latency-tiers') return;
      if (f.tiers[str(tier!)]) throw new StepRuleError(`latency tier ${str(tier!)} is given twice in one latency-tiers fault (first at ${where(f.at)}); allowed: each tier once`);
      f.tiers[str(tier!)] = { delayMs: durationMs(str(delay!)), nodes: names(nodes!) };
    },
  },
  linkFaultStep('are delayed by {duration}', 'are delayed by 200ms', 'delay', (f, v) => (f.delayMs = durationMs(str(v))), 'one-way delay added to every message'),
  linkFaultStep('lose {percent} of messages', 'lose 5% of messages', 'loss', (f, v) => (f.loss = fraction(str(v))), 'the fraction of messages dropped'),
  linkFaultStep('carry at most {int} bytes per second', 'carry at most 65536 bytes per second', 'bytesPerSecond', (f, v) => (f.bytesPerSecond = num(v)), 'a bandwidth limit'),
  {
    pattern: 'the link fault is one way',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'And the link fault is one way',
    doc: '.linkFault({ …, bothWays: false }): only the links from → to (default both ways)',
    apply(d, _args, at) {
      const f = lastFault(d, at);
      if (f.type !== 'link-fault') throw new StepRuleError(`the link fault is one way needs a \`links from … to …\` step just before; allowed: after e.g. \`Given links from "validator-0" to "validator-1" are delayed by 200ms\``);
      f.bothWays = false;
    },
  },
  {
    pattern: '{string} refuses peer {string}',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'Given "validator-0" refuses peer "validator-1"',
    doc: '.chaos().blockPeer(node, peer): the link between them cut both ways',
    apply(d, [node, peer], at) {
      addFault(d, at, { type: 'block-peer', node: str(node!), peer: str(peer!) });
    },
  },
  clockStep('runs {duration} ahead', 'runs 1s ahead', 'offset in ms (positive: ahead)', (c, v) => (c.offsetMs = durationMs(str(v)))),
  clockStep('runs {duration} behind', 'runs 1s behind', 'offset in ms (negative: behind)', (c, v) => (c.offsetMs = -durationMs(str(v)))),
  clockStep('jitters by {duration}', 'jitters by 50ms', 'jitterMs: ± uniformly on each reading', (c, v) => (c.jitterMs = durationMs(str(v)))),
  clockStep('drifts {float} ppm', 'drifts 200 ppm', 'driftPpm: the clock gains (negative: loses) this many µs per s', (c, v) => (c.driftPpm = num(v))),
  {
    pattern: '{int} fresh node(s) join(s)',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'Given 1 fresh node joins',
    doc: '.chaos().churn({ join: n }): n new nodes (new identities and addresses) join and follow the chain without stake',
    apply(d, [n], at) {
      churnOf(d, at, 'join').join = num(n!);
    },
  },
  {
    pattern: '{int} fresh node(s) join(s) with stake {int}',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'Given 1 fresh node joins with stake 1000',
    doc: '.chaos().churn({ join: n, stake }): funded and staked on chain, so they lead slots from k slots after their declaration',
    apply(d, [n, stake], at) {
      const f = churnOf(d, at, 'join');
      f.join = num(n!);
      f.stake = num(stake!);
    },
  },
  {
    pattern: 'nodes {string} leave for good',
    phase: 'setup',
    group: 'network and clock faults',
    example: 'And nodes "validator-3" leave for good',
    doc: '.chaos().churn({ leave }): deregistered, then stopped; with a join step just before, one churn fault (the bundled churn check judges joiners and leavers)',
    apply(d, [nodes], at) {
      churnOf(d, at, 'leave').leave = names(nodes!);
    },
  },
  scheduleStep('the fault starts at {duration}', 'And the fault starts at 10s', '.at(t): when the last fault starts, from the start of the run window (default 0)', 'atMs'),
  scheduleStep('the fault holds for {duration}', 'And the fault holds for 3s', '.for(d): how long the last fault holds before it heals (default: to the end of the window)', 'forMs'),
  scheduleStep('the fault heals at {duration}', 'And the fault heals at 40s', '.healAt(t): heal the last fault this long after the window starts (.for(t − start))', 'healAtMs'),
  scheduleStep('the fault repeats every {duration}', 'And the fault repeats every 30s', '.every(p): inject the last fault again every p (each time held for `holds for`)', 'everyMs'),
  scheduleStep('the fault jitter is {duration}', 'And the fault jitter is 20ms', '.jitter(d): ± uniformly on every link the last latency-tiers or link fault delays', 'jitterMs'),
  scheduleStep('the network converges within {duration}', 'And the network converges within 20s', '.convergeWithin(d): after the last fault\'s last heal every live node is on one tip and one LIB within d (the bundled convergence check; the time is reported)', 'convergeWithinMs'),

  // ── expectations ───────────────────────────────────────────────────────────
  {
    pattern: 'expect consensus liveness with at least {percent} of expected blocks',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect consensus liveness with at least 70% of expected blocks',
    doc: '.expectConsensusLiveness({ minFraction: f })',
    apply(d, [p], at) {
      once(d.expectations.find((e) => e.type === 'consensus-liveness'), 'consensus liveness', at);
      d.expectations.push({ at, type: 'consensus-liveness', options: { minFraction: fraction(str(p!)) } });
    },
  },
  {
    pattern: 'expect supply conserved',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect supply conserved',
    doc: '.expectSupplyConserved(): total supply constant, every balance and nonce as its history implies',
    apply(d, _args, at) {
      d.expectations.push({ at, type: 'supply-conserved' });
    },
  },
  {
    pattern: 'expect safety',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect safety',
    doc: '.expectSafety(): no final block reverted, every node agrees at every final height',
    apply(d, _args, at) {
      d.expectations.push({ at, type: 'safety' });
    },
  },
  {
    pattern: 'expect block timing',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect block timing',
    doc: '.expectBlockTiming(): mean block interval within 50 % of slot / f',
    apply(d, _args, at) {
      d.expectations.push({ at, type: 'block-timing', options: {} });
    },
  },
  {
    pattern: 'expect block timing within {percent}',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect block timing within 30%',
    doc: '.expectBlockTiming({ tolerance })',
    apply(d, [p], at) {
      d.expectations.push({ at, type: 'block-timing', options: { tolerance: fraction(str(p!)) } });
    },
  },
  {
    pattern: 'expect block timing within {percent} and no gap over {duration}',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect block timing within 50% and no gap over 10s',
    doc: '.expectBlockTiming({ tolerance, maxGap })',
    apply(d, [p, g], at) {
      d.expectations.push({ at, type: 'block-timing', options: { tolerance: fraction(str(p!)), maxGapMs: durationMs(str(g!)) } });
    },
  },
  {
    pattern: 'expect mempool bounded',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect mempool bounded',
    doc: '.expectMempoolBounded(): ≤ 10000 pending per node and no rising trend at the end',
    apply(d, _args, at) {
      d.expectations.push({ at, type: 'mempool-bounded', options: {} });
    },
  },
  {
    pattern: 'expect mempool bounded to {int} pending',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect mempool bounded to 500 pending',
    doc: '.expectMempoolBounded({ maxPending: n })',
    apply(d, [n], at) {
      d.expectations.push({ at, type: 'mempool-bounded', options: { maxPending: num(n!) } });
    },
  },

  {
    pattern: 'expect fork rate',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect fork rate',
    doc: '.expectForkRate(): reorgs ≤ 0.2 and orphans ≤ 0.1 per produced block, no reorg deeper than 3',
    apply(d, _args, at) {
      d.expectations.push({ at, type: 'fork-rate', options: {} });
    },
  },
  {
    pattern: 'expect fork rate of at most {float} reorgs and {float} orphans per block and no reorg deeper than {int}',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect fork rate of at most 0.5 reorgs and 0.5 orphans per block and no reorg deeper than 10',
    doc: '.expectForkRate({ maxReorgsPerBlock, maxOrphansPerBlock, maxDepth })',
    apply(d, [r, o, depth], at) {
      d.expectations.push({ at, type: 'fork-rate', options: { maxReorgsPerBlock: num(r!), maxOrphansPerBlock: num(o!), maxDepth: num(depth!) } });
    },
  },
  {
    pattern: 'expect fork rate of at most {float} reorgs and {float} orphans per block, {float} per block from height battles, and no reorg deeper than {int}',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect fork rate of at most 1 reorgs and 0.5 orphans per block, 0.15 per block from height battles, and no reorg deeper than 3',
    doc: '.expectForkRate({ maxReorgsPerBlock, maxOrphansPerBlock, maxHeightBattlesPerBlock, maxDepth })',
    apply(d, [r, o, h, depth], at) {
      d.expectations.push({ at, type: 'fork-rate', options: { maxReorgsPerBlock: num(r!), maxOrphansPerBlock: num(o!), maxHeightBattlesPerBlock: num(h!), maxDepth: num(depth!) } });
    },
  },
  propagationStep('expect block propagation p99 below {duration}', 'And expect block propagation p99 below 1s', '.expectPropagation({ maxP99 }): block propagation lag (origin → each other node) p99 over every node', false),
  propagationStep('expect block propagation p50 below {duration} and p99 below {duration}', 'And expect block propagation p50 below 300ms and p99 below 1s', '.expectPropagation({ maxP50, maxP99 })', false),
  propagationStep('expect block propagation to tier {word} p99 below {duration}', 'And expect block propagation to tier C p99 below 500ms', '.expectPropagation({ tiers: { <tier>: { maxP99 } } }): the lag to the nodes of one latency tier; with the other propagation steps, one expectation', true),
  propagationStep('expect block propagation to tier {word} p50 below {duration} and p99 below {duration}', 'And expect block propagation to tier A p50 below 100ms and p99 below 300ms', '.expectPropagation({ tiers: { <tier>: { maxP50, maxP99 } } })', true),
  {
    pattern: 'expect clock rules',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect clock rules',
    doc: '.expectClockRules(): no block refused as from beyond the future horizon; held, late and missed-slot counts reported',
    apply(d, _args, at) {
      once(d.expectations.find((e) => e.type === 'clock-rules'), 'the clock rules expectation', at);
      d.expectations.push({ at, type: 'clock-rules', options: {} });
    },
  },
  {
    pattern: 'expect clock rules with at most {int} refused block(s)',
    phase: 'setup',
    group: 'expectations',
    example: 'And expect clock rules with at most 2 refused blocks',
    doc: '.expectClockRules({ maxRefused: n })',
    apply(d, [n], at) {
      once(d.expectations.find((e) => e.type === 'clock-rules'), 'the clock rules expectation', at);
      d.expectations.push({ at, type: 'clock-rules', options: { maxRefused: num(n!) } });
    },
  },

  // ── checks on the summary, max-rate ────────────────────────────────────────
  {
    pattern: '{figure} is below {value}',
    phase: 'check',
    group: 'run and checks',
    example: 'Then inclusion p99 is below 5s',
    doc: `a figure of summary.json is below the value: ${SUMMARY_FIGURES.map((f) => f.name).join(', ')}`,
    apply(d, [f, v], at) {
      d.checks.push(figureCheck(str(f!), str(v!), false, at));
    },
  },
  {
    pattern: '{figure} is above {value}',
    phase: 'check',
    group: 'run and checks',
    example: 'Then included transactions is above 10',
    doc: 'a figure of summary.json is above the value (same figures)',
    apply(d, [f, v], at) {
      d.checks.push(figureCheck(str(f!), str(v!), true, at));
    },
  },
  {
    pattern: 'max-rate holds each rate for {duration}',
    phase: 'setup',
    group: 'max-rate',
    example: 'And max-rate holds each rate for 10s',
    doc: 'the measured window of each max-rate step (default 30s; LOADNET_MAX_DURATION caps it)',
    apply(d, [v], at) {
      once(d.maxRateHold, 'the max-rate hold', at);
      d.maxRateHold = { at, ms: durationMs(str(v!)) };
    },
  },
  {
    pattern: 'max-rate searches up to {int} tx\\/s',
    phase: 'setup',
    group: 'max-rate',
    example: 'And max-rate searches up to 400 tx/s',
    doc: 'the highest rate the search tries (default: the rate the check claims, so the search only confirms it)',
    apply(d, [n], at) {
      once(d.maxRateCeiling, 'the max-rate ceiling', at);
      d.maxRateCeiling = { at, tps: num(n!) };
    },
  },
  {
    pattern: 'the maximum sustainable rate is at least {int} tx\\/s with p99 below {duration}',
    phase: 'check',
    runsItself: true,
    group: 'max-rate',
    example: 'Then the maximum sustainable rate is at least 50 tx/s with p99 below 3s',
    doc: 'maxRate() on the scenario\'s topology, chain and wallets (its own deployment) with this p99 SLO, starting at the claimed rate: passes when the maximum found is at least the claim',
    apply(d, [n, p], at) {
      once(d.maxRate, 'the max-rate check', at);
      d.maxRate = { at, atLeastTps: num(n!), sloP99Ms: durationMs(str(p!)) };
    },
  },
];

function figureCheck(name: string, value: string, above: boolean, at: StepAt) {
  const figure = findFigure(name);
  if (!figure) {
    const near = closest(name.trim(), SUMMARY_FIGURES.map((f) => f.name));
    throw new StepValueError(name, `a figure of the summary: ${SUMMARY_FIGURES.map((f) => f.name).join(', ')}`, near);
  }
  return { at, kind: 'figure' as const, figure, above, bound: figureBound(figure, value), boundText: value };
}

/** The pattern as a reader writes it (escapes removed). */
export function shownPattern(def: StepDef): string {
  return def.pattern.replace(/\\(.)/g, '$1');
}
