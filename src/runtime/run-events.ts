/**
 * The run's history: every event kind written to events.jsonl, as one discriminated union (`RunEvent`, on
 * `kind`), with each field's meaning and unit in `RUN_EVENTS`. Every writer goes through `EventLog.emit`,
 * typed by this union, and docs/ARCHITECTURE.md's event list is rendered from `RUN_EVENTS`
 * (test/unit/docs-events.test.ts fails when they differ). A new event kind is a new entry in
 * `RunEventFields` plus its `RUN_EVENTS` entry (the compiler asks for the second, field by field).
 *
 * Units: times `t` and `at*` are Unix ms; durations and latencies are ms unless the name says otherwise
 * (`…Tps` tx/s, `…PerSec` per second, `…Bytes` bytes).
 */

import type { RateStage, TransactionsWorkloadSpec } from '../scenario/spec.js';

/** The record's format. 2: the typed history (a `history` event first, expectation observations). Runs
 * without a `history` event were written by an older loadnet: `loadnet check` refuses them by name. */
export const HISTORY_FORMAT = 2;

/** Latency percentiles in ms over `count` samples (an HDR histogram's). */
export interface LatencyPercentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** One node's tip as the block feed last saw it. */
export interface RecordedTip {
  node: string;
  up: boolean;
  height: number;
  libHeight: number;
}

export type RunPhase = 'deploy' | 'ready' | 'capture' | 'window' | 'cooldown' | 'settle' | 'evaluate' | 'teardown' | 'done' | 'interrupted';

/** What each event kind carries besides the envelope `{t, wall, kind}`. */
export interface RunEventFields {
  history: { format: number };
  'run.phase': {
    phase: RunPhase;
    scenario?: string;
    deployMs?: number;
    readyMs?: number;
    nodes?: number;
    durationMs?: number;
    startMs?: number;
    endMs?: number;
    startHeight?: number;
    cooldownMs?: number;
    heightAtWindowEnd?: number;
  };
  'run.sweep': { runs: unknown[]; staleReservations: number };
  readiness: { step: string; elapsedMs: number };
  'run.error': { message: string; phase?: 'deploy' | 'teardown' };
  'run.interrupt': { signal: string };
  'workload.done': { workload: string; at: number };
  'workload.error': { workload: string; message: string };
  'workload.stuck': { message: string };
  'expectation.capture.error': { name: string; message: string };
  'expectation.observed': { name: string; type: string; at: 'capture' | 'evaluate'; observed: Record<string, unknown> };
  expectation: { name: string; status: 'pass' | 'fail' | 'unknown'; message: string; figures: Record<string, unknown> };
  'report.error': { what: string; message: string };
  'node.sample': { node: string; up: boolean; height: number | null; libHeight: number | null; pending: number | null; rssBytes?: number };
  'node.spawn': { node: string; pid?: number; container?: string; host?: string };
  'node.exit': { node: string; code: number | null; signal?: string | null; expected: boolean };
  'compose.image': { image: string; built: boolean; buildMs: number };
  'compose.deploy': { network: string; containers: number; networkMs?: number; createMs?: number; startMs?: number; genesisInMs?: number; chain?: string; linkShaper?: string; faketime?: string };
  'compose.preserved': { network: string; containers: string[] };
  'swarm.deploy': { network: string; services: number; hosts: number; networkMs?: number; createMs?: number; runningMs?: number; agentsMs?: number; genesisInMs: number };
  'swarm.placement': { node: string; host: string; hostname: string; addr: string; service: string; container: string };
  'swarm.taskReportLag': { node: string; hostname: string; container: string; startingMs: number };
  'swarm.agent': { agent: string; host: string; hostname: string; addr: string; address: string; service: string; container: string };
  attach: { chain?: string; nodes: Array<{ name: string; url: string }>; wallets: number };
  block: { id: string; height: number; slot?: number; node: string; txCount: number };
  'block.final': { id: string; height: number };
  'block.final.conflict': { height: number; ids: string[]; node: string };
  reorg: { node: string; depth: number; reverted: string[]; revertedFinal: boolean };
  'feed.follow': { node: string; mode: 'subscribe' | 'poll'; reason?: string };
  'fault.start': { faultId: string; fault: string; target: string; detail?: Record<string, unknown> };
  'fault.end': { faultId: string; fault: string; target: string; ok: boolean; durationMs: number; error?: string; detail?: Record<string, unknown> };
  'network.applied': { applier: string; ms: number; nodes: Array<{ node: string; hostname: string; container: string; tools: string; rules?: number; dev?: string; classes?: number }> };
  'load.interval': {
    workload: string;
    intervalMs: number;
    targetTps: number;
    offeredTps: number;
    acceptedTps: number;
    rejectedTps: number;
    erroredTps: number;
    includedTps: number;
    inFlight: number;
    backlog: number;
    submitCorrected: LatencyPercentiles;
    submitUncorrected: LatencyPercentiles;
    inclusion: LatencyPercentiles;
    finality: LatencyPercentiles;
    hdr: { submit: string; inclusion: string; finality: string };
    scheduleLagP99Ms: number;
    short: boolean;
    late: Record<string, number>;
    workerElu: number;
  };
  'load.outcome': {
    workload: string;
    submitted: number;
    accepted: number;
    rejected: Record<string, number>;
    rejectedTotal: number;
    errored: number;
    generatorBound: boolean;
    /** null: inclusion was not tracked (no block feed). */
    outcome: { included: number; final: number; pending: number; dropped: number; inclusion: LatencyPercentiles; finality: LatencyPercentiles } | null;
  };
  'da.outcome': {
    workload: string;
    channels: { planned: number; opened: number };
    blobs: { accepted: number; errored: number; included: number; pending: number; dropped: number };
    inclusion: LatencyPercentiles | null;
    /** The whole `da` summary section. */
    summary: Record<string, unknown>;
    /** Blobs whose shares the DA inclusion check fetches. */
    sampleBlobIds: string[];
  };
  'load.generatorBound': { workload: string; offeredTps: number; targetTps: number; reason: string | undefined };
  /** What regenerates a transaction load exactly (load/traffic.ts): `loadnet replay` sends it again. */
  'load.traffic': {
    workload: string;
    spec: TransactionsWorkloadSpec;
    stages: RateStage[];
    offsetMs: number;
    durationMs: number;
    seed: number;
    threads: number;
    targets: string[];
    targetChoice: 'round-robin' | 'random' | { index: number };
  };
  'agent.connected': { workload: string; address: string; host: string; pid: number; cores: number; offsetMs: number; uncertaintyMs: number; rttMs: number; shards: number[] };
  'agent.unreachable': { workload: string; address: string; reason: string };
  'agent.clock': { workload: string; address: string; offsetMs: number; uncertaintyMs: number; rttMs: number; sampleOffsetMs: number; sampleRttMs: number };
  'agent.lost': { workload: string; address: string; workerIndex: number; wallets: number; reason: string; onLoss: 'fail' | 'continue'; lastReportAtMs: number; inFlightAtLastReport: number; sent: number; accepted: number };
  'agent.resolved': {
    workload: string;
    address: string;
    workerIndex: number;
    wallets: Array<{ address: string; startNonce: number; endNonce: number }>;
    included: number;
    includedUnreported: number;
    reportedNotIncluded: number;
    pendingUnreported: number;
    unknownAtLoss: number;
    file: string;
  };
  /** What the chain's adapter settled before a load (ChainAdapter.prepareLoad): its own fields beside these. */
  'load.chain': { workload: string; chain: string; [settled: string]: unknown };
  'da.interval': {
    workload: string;
    intervalMs: number;
    offered: number;
    included: number;
    offeredBlobsPerSec: number;
    acceptedBlobsPerSec: number;
    erroredBlobsPerSec: number;
    includedBlobsPerSec: number;
    bytesPerSec: number;
    submitCorrected: LatencyPercentiles;
    inclusion: LatencyPercentiles;
  };
  'maxrate.floor': {
    rateTps: number;
    holdMs: number;
    holds: number;
    sent: number;
    included: number;
    p50Ms: number | null;
    p99Ms: number | null;
    p99StdErrMs: number | null;
    slotDurationMs: number;
    activeSlotCoeff: number;
    meanBlockIntervalMs: number;
    minSloMs: number | null;
    decision: 'search' | 'stop';
    sloP99Ms?: number;
    sloSource?: string;
    note?: string;
    status?: string;
    message?: string;
  };
  'maxrate.drain': { index: number | 'floor'; hold: number; drained: boolean; pending: number; waitedMs: number };
  'maxrate.hold.measured': { index: number | 'floor'; hold: number; rateTps: number; offeredTps: number; included: number; sent: number; p99Ms: number | null; batchMs: number; batchP99Ms: number[] };
  'maxrate.hold': { index: number | 'floor'; rateTps: number; holds: number; p99Ms: number; p99StdErrMs: number | null | undefined };
  'maxrate.step': { index: number; phase: string; rateTps: number; pass: boolean; generatorBound: boolean; failures: string[]; result: unknown };
}

export type RunEventKind = keyof RunEventFields;

/** The envelope every line of events.jsonl carries. */
export interface EventEnvelope<K extends string = string> {
  /** Unix ms (monotonic within the run, µs resolution). */
  t: number;
  /** The same instant as an ISO wall-clock time. */
  wall: string;
  kind: K;
}

/** One line of events.jsonl. */
export type RunEvent = { [K in RunEventKind]: EventEnvelope<K> & RunEventFields[K] }[RunEventKind];

/** The event of one kind. */
export type RunEventOf<K extends RunEventKind> = Extract<RunEvent, { kind: K }>;

/** A line as listeners see it: a RunEvent, or a user's `custom.` event. */
export type LoggedEvent = RunEvent | (EventEnvelope<CustomEventKind> & Record<string, unknown>);

/** Kinds a user's own workload or expectation writes: anything under `custom.` (not judged by loadnet). */
export type CustomEventKind = `custom.${string}`;

interface EventDoc<F> {
  group: 'Run lifecycle' | 'Expectations' | 'Nodes' | 'Chain' | 'Faults' | 'Load' | 'Max-rate job';
  /** Module(s) that write it. */
  writer: string;
  /** When it is written. */
  when: string;
  /** Every field, with its unit or values. */
  fields: { [P in keyof Required<F>]: string };
}

const PCT = '{count, p50, p90, p99, p999, max} ms';

/** Every kind's documentation; docs/ARCHITECTURE.md's list is rendered from it (renderEventDocs). */
export const RUN_EVENTS: { [K in RunEventKind]: EventDoc<RunEventFields[K]> } = {
  history: {
    group: 'Run lifecycle',
    writer: 'runtime/run-record.ts',
    when: 'first line of every run: the record format (`loadnet check` refuses a run without it)',
    fields: { format: 'record format number (HISTORY_FORMAT)' },
  },
  'run.phase': {
    group: 'Run lifecycle',
    writer: 'runtime/launch.ts, runtime/runner.ts',
    when: 'deploy, ready, capture, window, cooldown, settle, evaluate, teardown, then done or interrupted',
    fields: {
      phase: 'the phase entered',
      scenario: 'deploy: scenario name',
      deployMs: 'ready: ms deploying',
      readyMs: 'ready: ms from deploy to ready',
      nodes: 'ready: node count',
      durationMs: 'window: planned window ms',
      startMs: 'window: Unix ms the window began (what the checkers judge against)',
      endMs: 'window: Unix ms it is planned to end',
      startHeight: 'window: best height at the start',
      cooldownMs: 'cooldown: planned cooldown ms',
      heightAtWindowEnd: 'cooldown: best height when the window ended',
    },
  },
  'run.sweep': {
    group: 'Run lifecycle',
    writer: 'deployers/local/leftovers.ts',
    when: 'as a run starts, when leftovers of dead coordinators were removed',
    fields: { runs: '[{runId, runDir, coordinatorPid, killed: [{node, pid, stopped}], reservations, summaryWritten}]', staleReservations: 'port reservations removed' },
  },
  readiness: { group: 'Run lifecycle', writer: 'runtime/launch.ts', when: 'as each readiness step completes', fields: { step: 'http | peers | producing', elapsedMs: 'ms since deploy began' } },
  'run.error': { group: 'Run lifecycle', writer: 'runtime/launch.ts, runtime/runner.ts, deployers', when: 'a failure the run survived or ended on', fields: { message: 'what failed', phase: 'deploy | teardown, when it happened there' } },
  'run.interrupt': { group: 'Run lifecycle', writer: 'runtime/runner.ts', when: 'SIGINT/SIGTERM', fields: { signal: 'the signal name' } },
  'workload.done': { group: 'Run lifecycle', writer: 'runtime/runner.ts', when: 'a workload returned', fields: { workload: 'its name', at: 'ms since the window began' } },
  'workload.error': { group: 'Run lifecycle', writer: 'runtime/runner.ts', when: 'a workload threw', fields: { workload: 'its name', message: 'the error' } },
  'workload.stuck': { group: 'Run lifecycle', writer: 'runtime/runner.ts', when: 'a workload did not return within its bound after the abort', fields: { message: 'the bound' } },
  'report.error': { group: 'Run lifecycle', writer: 'runtime/runner.ts', when: 'progress, summary table or report rendering failed (the run goes on)', fields: { what: 'which part', message: 'the error' } },
  'expectation.capture.error': { group: 'Expectations', writer: 'runtime/runner.ts', when: "an expectation's capture failed", fields: { name: 'expectation name', message: 'the error' } },
  'expectation.observed': {
    group: 'Expectations',
    writer: 'expectations/, workloads/ (through expectations/observe.ts)',
    when: "what a checker read live (at capture or at evaluation) and judges from; `loadnet check` judges from it again",
    fields: { name: 'expectation name', type: 'built-in type (consensus-liveness, supply-conserved, …)', at: 'capture | evaluate', observed: "the checker's input, as its judge function takes it" },
  },
  expectation: { group: 'Expectations', writer: 'runtime/runner.ts', when: 'one per expectation at evaluation', fields: { name: 'expectation name', status: 'pass | fail | unknown', message: 'one line naming the numbers', figures: "the checker's figures" } },
  'node.sample': {
    group: 'Nodes',
    writer: 'runtime/node-sampler.ts (the one mempool, tip and node memory sampler: mempool-bounded, max-rate backlog and drain, soak monitor, compare read it)',
    when: 'about every second per node (shorter when the scenario asks: max-rate ~500 ms)',
    fields: { node: 'node name', up: 'answered', height: 'best height (null: unknown)', libHeight: 'LIB height (null: unknown)', pending: 'mempool transactions (null: no mempool view)', rssBytes: "resident memory, bytes: the deployer's (local process, container) or the node's Prometheus process_resident_memory_bytes (attached; every 5 s)" },
  },
  'node.spawn': { group: 'Nodes', writer: 'deployers', when: 'a node process or container started', fields: { node: 'node name', pid: 'process id (local)', container: 'container name (compose)', host: 'the machine or engine it runs on, where the deployer knows it (absent: the coordinator\'s host)' } },
  'node.exit': { group: 'Nodes', writer: 'deployers', when: 'a node process or container exited', fields: { node: 'node name', code: 'exit code', signal: 'signal (local)', expected: 'loadnet stopped it' } },
  'compose.image': { group: 'Nodes', writer: 'deployers/compose', when: 'the node image is ready', fields: { image: 'image reference', built: 'built now (not cached)', buildMs: 'ms building' } },
  'compose.deploy': { group: 'Nodes', writer: 'deployers/compose', when: 'containers started', fields: { network: 'Docker network', containers: 'count', networkMs: 'ms creating the network', createMs: 'ms creating containers', startMs: 'ms starting them', genesisInMs: 'ms until genesis (the devnet)', chain: 'the chain its programs run (absent: the devnet)', linkShaper: 'address the link shaper listens on (peer links run through it)', faketime: 'libfaketime path in the image (containers start under it)' } },
  'compose.preserved': { group: 'Nodes', writer: 'deployers/compose', when: 'the stack is kept after the run', fields: { network: 'Docker network', containers: 'container names' } },
  'swarm.deploy': { group: 'Nodes', writer: 'deployers/swarm', when: 'every node service has a running task', fields: { network: 'overlay network', services: 'count', hosts: 'swarm hosts used', networkMs: 'ms creating the network', createMs: 'ms creating secrets and services', runningMs: 'ms until every task ran', agentsMs: 'ms until the load agents the deployer started listened', genesisInMs: 'ms until genesis (negative: after it)' } },
  'swarm.placement': { group: 'Nodes', writer: 'deployers/swarm', when: 'a node\'s task runs (at deploy and after each start)', fields: { node: 'node name', host: 'swarm node id', hostname: 'its hostname', addr: 'its address (the API is published there)', service: 'service name', container: 'container id on that host' } },
  'swarm.taskReportLag': { group: 'Nodes', writer: 'deployers/swarm', when: 'a node\'s task was still reported `starting` by the manager while its engine already ran the container, and was taken as running', fields: { node: 'node name', hostname: 'its hostname', container: 'container id on that host', startingMs: 'how long the manager had reported `starting`' } },
  'swarm.agent': { group: 'Nodes', writer: 'deployers/swarm', when: 'a load agent service the deployer started listens', fields: { agent: 'agent name', host: 'swarm node id', hostname: 'its hostname', addr: 'its address', address: 'host:port the coordinator connects to', service: 'service name', container: 'container id on that host' } },
  attach: { group: 'Nodes', writer: 'deployers/attach', when: 'attached to running nodes', fields: { chain: 'chain name (absent in runs before every chain attached through its adapter: the devnet)', nodes: '[{name, url}]', wallets: 'wallet count' } },
  block: { group: 'Chain', writer: 'runtime/block-feed.ts', when: 'a block first seen', fields: { id: 'block id', height: 'height', slot: 'slot (chains with slots)', node: 'node it was first seen on', txCount: 'transactions in it' } },
  'block.final': { group: 'Chain', writer: 'runtime/block-feed.ts', when: 'a height became final', fields: { id: 'block id', height: 'height' } },
  'block.final.conflict': { group: 'Chain', writer: 'runtime/block-feed.ts', when: 'two nodes finalised different blocks at a height', fields: { height: 'height', ids: '[first, second]', node: 'node that finalised the second' } },
  reorg: { group: 'Chain', writer: 'runtime/block-feed.ts', when: 'a node switched branches', fields: { node: 'node name', depth: 'blocks rolled back', reverted: 'ids of the blocks rolled back', revertedFinal: 'a final block was rolled back' } },
  'feed.follow': {
    group: 'Chain',
    writer: 'runtime/block-feed.ts',
    when: "how the feed follows a node, for chains that follow by subscription: once it is known, again when it changes",
    fields: { node: 'node name', mode: "'subscribe' (heads pushed by the node) or 'poll'", reason: 'poll: why not by subscription (refused, ended)' },
  },
  'fault.start': {
    group: 'Faults',
    writer: 'faults/record.ts (the generic node control under every deployer, and the fault nemeses)',
    when: 'a fault began',
    fields: { faultId: 'id pairing start and end', fault: 'restart | stop | start | kill | pause | resume | start-node | remove-node | partition | block-peer | link-fault | latency-tiers | clock-skew', target: 'node, link or fault label', detail: 'fault parameters, and `mechanism`: which applier rendered each link property; link faults also `applier` (netem or link-shaper; on the swarm engine-tc, testing-api) and `applierReason`' },
  },
  'fault.end': {
    group: 'Faults',
    writer: 'faults/record.ts',
    when: 'a fault ended',
    fields: { faultId: 'id pairing start and end', fault: 'as in fault.start', target: 'node or link', ok: 'the action succeeded', durationMs: 'ms since its start', error: 'why it failed', detail: 'fault parameters' },
  },
  'network.applied': {
    group: 'Faults',
    writer: 'faults/appliers/engine-iptables.ts, engine-tc.ts',
    when: "network faults were set in the running nodes' containers through their engines (each change and each re-apply after a start; engine-tc only when it touched a node)",
    fields: { applier: 'engine-iptables or engine-tc', ms: 'ms the change took on all nodes', nodes: '[{node, hostname: the host of the engine that set it, container: node container id, tools: fault-tools container id, rules: filter rules installed (engine-iptables), dev and classes: the interface and its htb classes (engine-tc), read back}]' },
  },
  'load.interval': {
    group: 'Load',
    writer: 'workloads/transactions.ts',
    when: 'every second of load',
    fields: {
      workload: 'workload name',
      intervalMs: 'interval length',
      targetTps: 'tx/s the schedule asked',
      offeredTps: 'tx/s sent',
      acceptedTps: 'tx/s accepted',
      rejectedTps: 'tx/s rejected',
      erroredTps: 'tx/s errored',
      includedTps: 'tx/s included',
      inFlight: 'submissions awaiting an answer',
      backlog: 'due but not yet sent',
      submitCorrected: `submit latency from the intended send time, ${PCT}`,
      submitUncorrected: `submit latency from the actual send, ${PCT}`,
      inclusion: `inclusion latency from the intended send time, ${PCT}`,
      finality: `finality latency of the transactions that became final in the interval, ${PCT}`,
      hdr: "the interval's histograms {submit, inclusion, finality} (hdr-histogram-js compressed base64, µs), for exact merges (loadnet compare)",
      scheduleLagP99Ms: 'p99 send lag behind schedule',
      short: 'offered > 2 % below target',
      late: 'sends late by cause {signing?, connections?, lanes?, eventLoop?} (counts)',
      workerElu: 'workers’ mean event-loop utilisation (0..1)',
    },
  },
  'load.outcome': {
    group: 'Load',
    writer: 'workloads/transactions.ts (finish)',
    when: 'once after the settle phase, before evaluation: what the transaction workload sent and what became of it (tx-inclusion judges it)',
    fields: {
      workload: 'workload name',
      submitted: 'transactions sent',
      accepted: 'accepted by a node',
      rejected: 'rejections by the chain’s reason label (counts)',
      rejectedTotal: 'rejected in all',
      errored: 'submission errors',
      generatorBound: 'the generator, not the chain, was the limit',
      outcome: `null when not tracked, else {included, final, pending, dropped, inclusion: ${PCT}, finality: ${PCT}} (latency from the intended send time)`,
    },
  },
  'da.outcome': {
    group: 'Load',
    writer: 'workloads/da.ts (finish)',
    when: 'once after the settle phase, before evaluation (da-inclusion judges it)',
    fields: {
      workload: 'workload name',
      channels: '{planned, opened}',
      blobs: '{accepted, errored, included, pending, dropped} (counts)',
      inclusion: `blob inclusion latency ${PCT}, null when nothing was tracked`,
      summary: 'the whole `da` summary section',
      sampleBlobIds: 'the blobs whose shares da-inclusion fetches',
    },
  },
  'load.traffic': {
    group: 'Load',
    writer: 'workloads/transactions.ts',
    when: "once per transaction load, when its schedule has started: the seed and parameters that regenerate its traffic (each transaction's intended send time, target and, on a fresh deployment, bytes); `loadnet replay` reads it",
    fields: {
      workload: 'workload name',
      spec: 'the transactions workload spec as the run had it',
      stages: 'the schedule in tx/s: [{durationMs, perSecond, ramp}], the last rate holding after (a per-block rate resolved)',
      offsetMs: 'when the schedule started, ms after the window start',
      durationMs: 'generation length from the schedule start',
      seed: "the engine's seed",
      threads: 'shards the wallets were spread over (which wallet signs which transaction follows from it)',
      targets: "node names in the engine's target order",
      targetChoice: "'round-robin', 'random' or {index} into targets",
    },
  },
  'load.generatorBound': { group: 'Load', writer: 'workloads/transactions.ts', when: 'the generator, not the chain, was the limit', fields: { workload: 'workload name', offeredTps: 'tx/s sent', targetTps: 'tx/s asked', reason: 'the cause' } },
  'agent.connected': {
    group: 'Load',
    writer: 'load/agent-run.ts',
    when: 'a load agent answered, before the load starts',
    fields: {
      workload: 'workload or max-rate hold name',
      address: 'host:port connected to',
      host: "the agent's hostname",
      pid: "the agent's process id",
      cores: "the agent's cores",
      offsetMs: "agent clock − coordinator clock (ms); the agent's times are corrected by it",
      uncertaintyMs: '± ms of that offset (half the best probe round trip)',
      rttMs: 'round trip of the best clock probe',
      shards: 'the engine shards (worker indexes) it runs',
    },
  },
  'agent.clock': {
    group: 'Load',
    writer: 'load/agent-run.ts',
    when: 'every 2 s per connected agent: its clock measured again (the offset the coordinator corrects by follows it)',
    fields: {
      workload: 'workload or max-rate hold name',
      address: 'agent host:port',
      offsetMs: 'the offset in use now (agent − coordinator, ms): the latest of the last 5 probes with a round trip within 2× the shortest + 1 ms',
      uncertaintyMs: '± ms of that offset (half its round trip)',
      rttMs: 'its round trip',
      sampleOffsetMs: "this probe's own offset",
      sampleRttMs: "this probe's own round trip (long when it queued behind reports)",
    },
  },
  'agent.unreachable': {
    group: 'Load',
    writer: 'load/agent-run.ts',
    when: "with agents.onLoss 'continue': an agent that could not be reached when the load started; nothing was sent to it, its share went to the others",
    fields: { workload: 'workload or max-rate hold name', address: 'agent host:port', reason: 'the connection error' },
  },
  'agent.lost': {
    group: 'Load',
    writer: 'load/agent-run.ts',
    when: 'one shard of a load agent lost (connection gone or silent 3 s), mid-run or, with onLoss continue, before the load started (then 0 sent)',
    fields: {
      workload: 'workload name',
      address: 'agent host:port',
      workerIndex: 'the shard',
      wallets: 'its wallets',
      reason: 'why it was declared lost',
      onLoss: 'fail: the load stops | continue: the others go on',
      lastReportAtMs: 'its last report (Unix ms, 0: none)',
      inFlightAtLastReport: 'sent, unanswered then (fate unknown until resolved)',
      sent: 'sent in its reports',
      accepted: 'accepted in its reports',
    },
  },
  'agent.resolved': {
    group: 'Load',
    writer: 'load/agent-run.ts',
    when: "after the run settled, per lost shard: its transactions resolved from the chain (ids in lost-shards.json)",
    fields: {
      workload: 'workload name',
      address: 'agent host:port',
      workerIndex: 'the shard',
      wallets: '[{address, startNonce, endNonce}]: nonces at the start and on chain at the end',
      included: 'its transactions on chain (Σ endNonce − startNonce)',
      includedUnreported: 'of those, never reported accepted',
      reportedNotIncluded: 'reported accepted, not on chain (pending or dropped)',
      pendingUnreported: 'never reported, in a mempool now',
      unknownAtLoss: 'at most this many had an unknown fate at the loss',
      file: 'the file listing the ids',
    },
  },
  'load.chain': {
    group: 'Load',
    writer: 'workloads/transactions.ts',
    when: "once per load, when the chain's adapter settles something with the nodes first",
    fields: {
      workload: 'workload name',
      chain: 'chain type',
      fees: 'EVM: {maxFeePerGasWei, maxPriorityFeePerGasWei, source per field (scenario | eth_feeHistory | eth_maxPriorityFeePerGas), nextBaseFeeWei?}',
      contract: 'EVM, with chain.contractCalls: {address, deployTx, callFraction} of the counter the calls go to',
    },
  },
  'da.interval': {
    group: 'Load',
    writer: 'workloads/da.ts',
    when: 'every second of DA load',
    fields: {
      workload: 'workload name',
      intervalMs: 'interval length',
      offered: 'blobs sent in the interval',
      included: 'blobs included in the interval',
      offeredBlobsPerSec: 'blobs/s sent',
      acceptedBlobsPerSec: 'blobs/s accepted',
      erroredBlobsPerSec: 'blobs/s errored',
      includedBlobsPerSec: 'blobs/s included',
      bytesPerSec: 'blob bytes/s sent',
      submitCorrected: `submit latency from the intended send time, ${PCT}`,
      inclusion: `inclusion latency, ${PCT}`,
    },
  },
  'maxrate.floor': {
    group: 'Max-rate job',
    writer: 'jobs/max-rate.ts',
    when: 'once, after the idle-floor holds (their events carry index "floor"), before the search',
    fields: {
      rateTps: 'trickle tx/s',
      holdMs: 'hold length',
      holds: 'holds measured',
      sent: 'transactions sent',
      included: 'transactions included',
      p50Ms: 'inclusion p50',
      p99Ms: 'inclusion p99',
      p99StdErrMs: 'p99 standard error (batch means)',
      slotDurationMs: 'slot length',
      activeSlotCoeff: 'active slot coefficient',
      meanBlockIntervalMs: 'mean block interval',
      minSloMs: 'smallest SLO worth searching under',
      decision: 'search | stop',
      sloP99Ms: 'search: the SLO used',
      sloSource: 'search: where the SLO came from',
      note: 'search: a note on the SLO',
      status: 'stop: the job verdict',
      message: 'stop: why',
    },
  },
  'maxrate.drain': { group: 'Max-rate job', writer: 'jobs/max-rate.ts', when: 'before each hold', fields: { index: 'step index or "floor"', hold: 'hold number', drained: 'the mempool emptied', pending: 'transactions still pending', waitedMs: 'ms waited' } },
  'maxrate.hold.measured': {
    group: 'Max-rate job',
    writer: 'jobs/max-rate.ts',
    when: 'after each hold',
    fields: { index: 'step index or "floor"', hold: 'hold number', rateTps: 'tx/s asked', offeredTps: 'tx/s sent', included: 'included', sent: 'sent', p99Ms: 'inclusion p99', batchMs: 'batch length', batchP99Ms: 'p99 per batch' },
  },
  'maxrate.hold': { group: 'Max-rate job', writer: 'jobs/max-rate.ts', when: 'before each extra hold of a step', fields: { index: 'step index', rateTps: 'tx/s', holds: 'holds so far', p99Ms: 'inclusion p99 so far', p99StdErrMs: 'its standard error' } },
  'maxrate.step': {
    group: 'Max-rate job',
    writer: 'jobs/max-rate.ts',
    when: 'each judged step',
    fields: { index: 'step index', phase: 'search phase', rateTps: 'tx/s', pass: 'the step passed', generatorBound: 'the generator was the limit', failures: 'why it failed', result: 'the step result (jobs/max-rate-result.ts)' },
  },
};

export const RUN_EVENT_KINDS = Object.keys(RUN_EVENTS) as RunEventKind[];

/** docs/ARCHITECTURE.md's event list, rendered from RUN_EVENTS (the docs test compares the two). */
export function renderEventDocs(): string {
  const groups = new Map<string, string[]>();
  for (const kind of RUN_EVENT_KINDS) {
    const d = RUN_EVENTS[kind] as EventDoc<Record<string, unknown>>;
    const fields = Object.entries(d.fields)
      .map(([f, meaning]) => `${f}: ${meaning}`)
      .join('; ');
    const line = `  - \`${kind}\` (${d.writer}) ${d.when}. {${fields}}`;
    groups.set(d.group, [...(groups.get(d.group) ?? []), line]);
  }
  return [...groups].map(([g, lines]) => `- ${g}:\n${lines.join('\n')}`).join('\n');
}
