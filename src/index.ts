/**
 * loadnet's public library surface (re-exports only). Anything not exported here is internal.
 * The devnet's codec and node client have their own entry point: `loadnet/chain` (src/adapters/devnet/wire/).
 */

// Errors: stable codes, CLI exit codes.
export { LoadnetError, isLoadnetError, ExitCode, exitCodeFor } from './errors.js';
export type { LoadnetErrorCode, LoadnetErrorOptions, ValidationIssue } from './errors.js';

// The scenario DSL and its plain-data form.
export { ScenarioBuilder } from './scenario/builder.js';
export type { RaceTimingOptions } from './scenario/builder.js';
export type { TopologyBuilder } from './scenario/topology-builder.js';
export type { TransactionsBuilder, RateStageInput } from './scenario/transactions-builder.js';
export type { DaBuilder } from './scenario/da-builder.js';
export type { ChaosBuilder } from './scenario/chaos-builder.js';
export type { FaultBuilder } from './scenario/fault-builder.js';
export { scenarioFromSpec, specFromJson, scenarioWith } from './scenario/build.js';
export { runMetrics } from './scenario/materialize.js';
export { registerWorkload, registerExpectation } from './scenario/registry.js';
export type { WorkloadFactory, ExpectationFactory } from './scenario/registry.js';
export { DEFAULT_CONSENSUS, DEFAULT_DURATION_MS, defaultCooldownMs } from './scenario/defaults.js';
export type { ScenarioInput } from './scenario/resolve.js';
export { meanBlockIntervalMs } from './scenario/spec.js';
export type * from './scenario/spec.js';

// The chain seam: what a chain adapter implements (docs/adapters.md), and the registry of chains.
export type * from './adapters/seam.js';
export { registerChain, chainAdapter, chainNames } from './adapters/registry.js';
export { devnetAdapter } from './adapters/devnet/index.js';

// The run contracts: what custom workloads, expectations and deployers implement and see.
export type * from './runtime/contracts.js';
export type { RunnerOptions } from './runtime/runner-options.js';
export { ExpectationsFailedError } from './runtime/expectations-failed.js';

// Deployers.
export { LocalDeployer, cleanLeftovers } from './deployers/local/index.js';
export type { LocalDeployerOptions, CleanReport } from './deployers/local/index.js';
export { AttachDeployer } from './deployers/attach/index.js';
export type { AttachDeployerOptions } from './deployers/attach/index.js';
export { ComposeDeployer, cleanComposeLeftovers } from './deployers/compose/index.js';
export type { ComposeDeployerOptions } from './deployers/compose/index.js';
export { SwarmDeployer, cleanSwarmLeftovers } from './deployers/swarm/index.js';
export type { SwarmDeployerOptions, PlacementConstraints, SwarmAgentsOption } from './deployers/swarm/index.js';
export { renderKubernetes, manifestText } from './deployers/kubernetes/manifests.js';
export type { KubernetesRenderOptions, KubeObject } from './deployers/kubernetes/manifests.js';

// Built-in workloads and expectations (the DSL creates them; exported for direct use and composition).
export { ChaosWorkload } from './workloads/chaos.js';
export { TransactionWorkload } from './workloads/transactions.js';
export { DaWorkload } from './workloads/da.js';
// Fee pressure: fee tiers (each a TransactionWorkload on its own wallet range) and its expectation.
export { FeePressureWorkload, FeePriority, scaleRate } from './workloads/fee-pressure.js';
export type { FeePressureReport, FeeTierReport, FeeTierPoint } from './workloads/fee-pressure.js';
export type { TransactionWorkloadRole } from './workloads/transactions.js';
export type { FeeTierInput } from './scenario/builder.js';

// Adversaries: the invalid-transaction fuzzer (devnet and evm: ChainAdapter.txFuzzer), its crafted cases and its expectation.
export { TxFuzzWorkload } from './adversary/tx-fuzz.js';
export { devnetTxFuzzer } from './adversary/tx-fuzz-devnet.js';
export { evmTxFuzzer, EVM_FUZZ_CASES, judge as judgeEvmTx } from './adapters/evm/fuzz.js';
export type { FuzzCaseRow, FuzzSummary } from './adversary/tx-fuzz.js';
export { TxFuzzRejected } from './adversary/tx-fuzz-expectation.js';
export { TxCrafter, FUZZ_CASES, FUZZ_CASE_NAMES, EXPECTED_REJECTS, idIfDecodes } from './adversary/tx-fuzz-cases.js';
export type { FuzzCase, CraftedTx, MutationKind } from './adversary/tx-fuzz-cases.js';
// The API flood: the flooder and the control client on their own, and the workload built from them.
export { ApiFlooder, ControlClient, FLOOD_REQUESTS } from './adversary/api-flood.js';
export type { FloodOptions, FloodStats, FloodPattern, FloodRequestKind, ControlFigures } from './adversary/api-flood.js';
export { ApiFloodWorkload, ApiFloodHeld } from './adversary/api-flood-workload.js';
export type { FloodReport } from './adversary/api-flood-workload.js';
// A devnet P2P client (the devnet's own framed TCP) and the raw tools of the P2P attack tests.
export { DevnetPeer, halfOpen, randomPeers } from './adversary/devnet-peer.js';
export type { DevnetPeerOptions } from './adversary/devnet-peer.js';
// The flooding peer (a DevnetPeer publishing stale/duplicate blocks, duplicate/invalid transactions, unsolicited DA shares).
export { FloodingPeerWorkload, FloodedPeerBanned } from './adversary/flooding-peer.js';
export type { FloodingPeerReport, ScorePoint } from './adversary/flooding-peer.js';
// Races: a fixed batch to given nodes at given offsets, mempool reads, and the two workloads built from them.
export { independentTransfers, raceRecipient, racePlan, disjointPlan, submitPlan, devnetSubmitter, readMempools, pairwiseDifferences } from './adversary/batch-plan.js';
export type { BatchTx, BatchTransfer, PlannedSend, SendOutcome, BatchSubmitter, PlanTiming } from './adversary/batch-plan.js';
export { canonicalHeights, compareStateRoots, compareAccounts } from './adversary/chain-reads.js';
export type { StateComparison } from './adversary/chain-reads.js';
export { PropagationRaceWorkload } from './adversary/propagation-race.js';
export { RaceIncludedOnce, answersByNode, firstSubmissions } from './adversary/propagation-race-expectation.js';
export type { RaceNodeAnswers } from './adversary/propagation-race-expectation.js';
export { MempoolDivergenceWorkload } from './adversary/mempool-divergence.js';
export type { DivergenceSample } from './adversary/mempool-divergence.js';
export { MempoolConverged } from './adversary/mempool-divergence-expectation.js';
export { ConsensusLiveness, SupplyConserved, BlockTiming, Safety, MempoolBounded, ClockRulesHandled, ForkRate, Propagation, NodeHealth, expectationFromSpec } from './expectations/index.js';
export type { NodeHealthOptions } from './expectations/node-health.js';
export { InvalidInclusionWatch, type SendsInvalidTxs, type InvalidIncluded } from './runtime/invalid-txs.js';

// Faults: the seam deployers and appliers plug into (node primitives, network fault appliers, clock appliers) and the nemeses.
export { FaultWorkload, Convergence } from './faults/fault-workload.js';
export { GenericNodeControl } from './faults/node-control.js';
export { NetworkFaultState } from './faults/network-state.js';
export type { LinkShape, LinkEffect, LinkProperty } from './faults/network-state.js';
export type { NetworkFaultApplier, ClockSkewApplier, ClockSkew } from './faults/applier.js';
export type { NodePrimitives, NodeRunState } from './faults/primitives.js';
export type { Nemesis } from './faults/nemesis.js';
export { probeConvergence, waitConverged } from './faults/convergence.js';

// Below the runner, for your own workloads and scripts: the load engine, inclusion tracking, the block feed.
export { createLoadEngine, LoadEngine } from './load/engine.js';
export type { LoadEngineOptions, EngineWallet } from './load/engine.js';
export type { TargetChoice, LostShard } from './load/protocol.js';
export { startAgentServer } from './load/agent-server.js';
export type { AgentServer, AgentServerOptions } from './load/agent-server.js';
export type { AgentInfo, AgentClock } from './load/agent-client.js';
export type { LoadInterval, LoadTotals, RejectCounts } from './load/figures.js';
export { InclusionTracker } from './load/inclusion-tracker.js';
export type { InclusionCounts } from './load/inclusion-tracker.js';
export { settleInclusion } from './load/outcome.js';
export type { InclusionOutcome } from './load/outcome.js';
export { percentiles } from './load/histogram.js';
export type { Histogram, Percentiles } from './load/histogram.js';
export { PollingBlockFeed } from './runtime/block-feed.js';
export type { BlockFeedOptions } from './runtime/block-feed.js';

// Jobs: SLO-defined max-rate search and soak runs.
export { maxRate } from './jobs/max-rate.js';
export type { MaxRateOptions, MaxRateRun } from './jobs/max-rate.js';
export type { MaxRateDeploymentsSummary, DeploymentResult } from './jobs/max-rate-deployments.js';
export { replayPlan, replayRun } from './jobs/replay.js';
export type { ReplayOptions, ReplayPlan, ReplayRun } from './jobs/replay.js';
export { scaleTraffic } from './load/traffic.js';
export type { TrafficRecord, TrafficScale } from './load/traffic.js';
export { soak } from './jobs/soak.js';
export type { SoakOptions, SoakRun } from './jobs/soak.js';

// Reports.
export { renderRunReports, printSummaryTable } from './report/index.js';

// Time and durations.
export { parseDuration, formatDuration } from './util/duration.js';
export type { DurationInput } from './util/duration.js';
export { nowMs, sleep } from './util/clock.js';

// The closing table of a multi-scenario run (rate → offered, included, inclusion p50/p99, verdict).
export { progressionTable } from './report/progression-table.js';
