/**
 * The deploy half of the lifecycle, shared by every deployer: open the run record, let the deployer bring
 * its nodes up, wait for readiness, start the block feed and the node sampler, and hand back a Runner that
 * owns all of it. Any failure on the way tears down what exists and still writes summary.json; an
 * interrupt during deploy does the same and reports LN_ERR_INTERRUPTED.
 */
import { LoadnetError, isLoadnetError } from '../errors.js';
import { nowMs } from '../util/clock.js';
import { waitForReadiness } from '../deployers/readiness.js';
import { chainOf } from '../adapters/registry.js';
import type { Runner, Scenario } from './contracts.js';
import type { Deployment } from './deployment.js';
import { PollingBlockFeed } from './block-feed.js';
import { LiveRunContext } from './run-context.js';
import { NodeSampler } from './node-sampler.js';
import { RunRecord } from './run-record.js';
import { DeploymentRunner } from './runner.js';
import { registerInterruptible } from './interrupts.js';
import type { RunnerOptions } from './runner-options.js';

export interface BringUpContext {
  record: RunRecord;
  /** Aborted on SIGINT/SIGTERM during deploy. */
  signal: AbortSignal;
}

/** `bringUp` starts the nodes and returns the deployment; on its own failure it cleans up what it started. */
export async function launchRunner(scenario: Scenario, options: RunnerOptions, bringUp: (ctx: BringUpContext) => Promise<Deployment>): Promise<Runner> {
  const record = RunRecord.create(scenario.spec, options);
  const lifetime = new AbortController();
  let deployment: Deployment | undefined;
  const late: { runner?: DeploymentRunner } = {};
  let interruptedBy: NodeJS.Signals | undefined;
  const unregister = registerInterruptible({
    interrupt(signal) {
      if (late.runner) return late.runner.interrupt(signal);
      interruptedBy = signal;
      lifetime.abort();
    },
    killNow() {
      deployment?.killNow?.();
    },
  });
  const t0 = nowMs();
  record.events.emit('run.phase', { phase: 'deploy', scenario: scenario.spec.name });
  try {
    deployment = await bringUp({ record, signal: lifetime.signal });
    if (lifetime.signal.aborted) throw new LoadnetError('LN_ERR_INTERRUPTED', 'interrupted during deploy');
    const deployedMs = nowMs() - t0;
    const nodes = deployment.nodes();
    const chain = chainOf(scenario.spec);
    await waitForReadiness(
      nodes.map((n) => ({ name: n.descriptor.name, client: n.client, expectedPeers: deployment!.expectedPeers(n.descriptor.name) })),
      scenario.metrics.slotDurationMs,
      {
        ...options.readiness,
        check: () => deployment!.checkAlive?.(),
        producing: chain.producesWhenIdle?.(scenario.spec) ?? true,
        signal: lifetime.signal,
        onStep: (step, ms) => record.events.emit('readiness', { step, elapsedMs: Math.round(ms) }),
      },
    );
    // What only the chain can tell: the right chain id, funded wallets, an endpoint that takes batches.
    await chain.checkDeployment?.(scenario.spec, nodes.map((n) => n.client), deployment.wallets);
    record.events.emit('run.phase', { phase: 'ready', deployMs: Math.round(deployedMs), readyMs: Math.round(nowMs() - t0), nodes: nodes.length });
  } catch (err) {
    const interrupted = lifetime.signal.aborted;
    record.events.emit('run.error', { phase: 'deploy', message: (err as Error).message });
    try {
      await deployment?.teardown();
    } catch (e) {
      record.events.emit('run.error', { phase: 'teardown', message: (e as Error).message });
    }
    record.writeJson('summary.json', {
      scenario: scenario.spec.name,
      runDir: record.runDir,
      verdict: 'unknown',
      interrupted,
      error: (err as Error).message,
      startedAt: record.startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      expectations: [],
      chain: {},
    });
    record.events.emit('run.phase', { phase: interrupted ? 'interrupted' : 'done' });
    record.close();
    unregister();
    if (interrupted) throw new LoadnetError('LN_ERR_INTERRUPTED', `deploy interrupted by ${interruptedBy ?? 'a signal'}; nodes torn down`);
    if (isLoadnetError(err)) throw err;
    throw new LoadnetError('LN_ERR_DEPLOY', `deploy failed: ${(err as Error).message}`, { cause: err });
  }

  const feed = new PollingBlockFeed({
    nodes: () => deployment!.nodes(),
    events: record.events,
    slotDurationMs: scenario.metrics.slotDurationMs,
    securityParam: scenario.metrics.securityParam,
    chain: chainOf(scenario.spec),
    ...options.blockFeed,
  });
  feed.start();
  const context = new LiveRunContext({
    scenario: scenario.spec,
    metrics: scenario.metrics,
    deployment,
    blockFeed: feed,
    runDir: record.runDir,
    events: record.events,
    summary: record.summary,
    live: record.live,
    signal: lifetime.signal,
  });
  // One sampler for every reader of node state (mempool-bounded, max-rate's backlog, the soak monitor): at the
  // shortest interval the scenario or a mempool-bounded expectation asks for, else every second.
  const asked = scenario.spec.expectations.flatMap((e) => (e.type === 'mempool-bounded' && e.options?.sampleIntervalMs !== undefined ? [e.options.sampleIntervalMs] : []));
  const sampler = new NodeSampler(deployment, feed, record.events, chainOf(scenario.spec), record.live, Math.min(scenario.nodeSampleIntervalMs ?? 1000, ...asked));
  late.runner = new DeploymentRunner({ record, deployment, feed, sampler, context, lifetime, options, unregisterInterrupt: unregister });
  return late.runner;
}
