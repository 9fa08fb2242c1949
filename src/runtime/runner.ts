/**
 * The run lifecycle, shared by every deployer:
 *   deploy → ready (launch.ts) → capture → window → cooldown → settle → evaluate → [handle] → teardown → done
 * In the capture phase, after the expectations' capture, workloads that need time to get ready prepare
 * (Workload.prepare), so that their load starts on the window's start.
 * A verdict other than 'pass' tears down at once and rejects with ExpectationsFailedError, unless the caller
 * asked for the handle either way (`{ rejectOnFailure: false }`).
 * Workloads run for the full window even when they return early (upstream ended the window when every
 * workload returned) and keep running through the cooldown; then their signal aborts. Every expectation is
 * evaluated (failures aggregated, never first-fail); a checker that throws or times out is 'unknown',
 * never 'pass'. SIGINT/SIGTERM aborts the run: workloads stop, nodes are torn down, and summary.json still
 * records what was measured, marked interrupted.
 */
import type { RunEventFields, RunPhase } from './run-events.js';
import { LoadnetError } from '../errors.js';
import { nowMs, sleep, sleepUntil } from '../util/clock.js';
import type { Expectation, ExpectationOutcome, RunContext, RunHandle, Runner, RunOptions, RunSummary, Scenario, Verdict, Workload } from './contracts.js';
import { ExpectationsFailedError } from './expectations-failed.js';
import type { PollingBlockFeed } from './block-feed.js';
import type { Deployment } from './deployment.js';
import type { LiveRunContext } from './run-context.js';
import type { RunRecord } from './run-record.js';
import type { NodeSampler } from './node-sampler.js';
import { reportHooks, type RunnerOptions } from './runner-options.js';

/** Worst verdict wins: fail > unknown > pass. */
export function combineVerdicts(statuses: readonly Verdict[]): Verdict {
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('unknown')) return 'unknown';
  return 'pass';
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new LoadnetError('LN_ERR_EXPECTATION', `${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

/** `p`, or `fallback` after `ms`; the timer never outlives the race (it would keep the process alive). */
async function raceTimeout<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  const stop = new AbortController();
  try {
    return await Promise.race([p, sleep(ms, stop.signal).then(() => fallback)]);
  } finally {
    stop.abort();
  }
}

export interface RunParts {
  record: RunRecord;
  deployment: Deployment;
  feed: PollingBlockFeed;
  sampler: NodeSampler;
  context: LiveRunContext;
  /** Aborted on interrupt and on teardown (the context's signal). */
  lifetime: AbortController;
  options: RunnerOptions;
  unregisterInterrupt: () => void;
}

interface ChainMark {
  best: number;
  final: number;
  perNode: Record<string, { height: number; libHeight: number; up: boolean }>;
}

export class DeploymentRunner implements Runner, RunHandle {
  private ran = false;
  private disposing?: Promise<void>;
  private interruptedBy?: NodeJS.Signals;
  private runningAbort?: AbortController;
  summary!: RunSummary;

  /** Node processes that exited without being asked to (crashes), for the summary. */
  private readonly unexpectedExits: Array<{ node: string; code: unknown; signal: unknown; at: number }> = [];

  constructor(private readonly parts: RunParts) {
    parts.record.events.on((e) => {
      if (e.kind === 'node.exit' && e.expected === false) this.unexpectedExits.push({ node: String(e.node), code: e.code, signal: e.signal, at: e.t });
    });
  }

  get context(): RunContext {
    return this.parts.context;
  }

  get runDir(): string {
    return this.parts.record.runDir;
  }

  get passed(): boolean {
    return this.summary?.verdict === 'pass';
  }

  /** Called by the process-wide interrupt handler. */
  interrupt(signal: NodeJS.Signals): void {
    this.interruptedBy = signal;
    this.parts.record.events.emit('run.interrupt', { signal });
    this.parts.lifetime.abort();
    // Not inside run(): nothing will tear down for us, so do it now.
    if (!this.runningAbort) void this.dispose();
  }

  killNow(): void {
    this.parts.deployment.killNow?.();
  }

  private phase(phase: RunPhase, extra: Omit<RunEventFields['run.phase'], 'phase'> = {}): void {
    this.parts.record.events.emit('run.phase', { phase, ...extra });
  }

  private async mark(): Promise<ChainMark> {
    await this.parts.feed.refresh();
    const perNode: ChainMark['perNode'] = {};
    for (const t of this.parts.feed.tips()) perNode[t.node] = { height: t.height, libHeight: t.libHeight, up: t.up };
    const h = this.parts.feed.heights();
    return { best: h.best, final: h.final, perNode };
  }

  async run(scenario: Scenario, runOptions: RunOptions = {}): Promise<RunHandle> {
    if (this.ran) throw new LoadnetError('LN_ERR_USAGE', 'this runner already ran its scenario; deploy again for another run');
    if (this.disposing) throw new LoadnetError('LN_ERR_USAGE', 'this runner was disposed; deploy again');
    this.ran = true;
    const { record, context, options } = this.parts;
    const runAbort = new AbortController();
    this.runningAbort = runAbort;
    const interrupted = () => this.parts.lifetime.signal.aborted;
    this.parts.lifetime.signal.addEventListener('abort', () => runAbort.abort(), { once: true });
    // Bundled workload expectations are merged into scenario.expectations at build time (scenario/materialize).
    const expectations = [...scenario.expectations];
    const captureErrors = new Map<Expectation, string>();
    const workloadErrors: Array<{ workload: string; message: string }> = [];
    const metrics = scenario.metrics;
    const hooks = await reportHooks(options, (what, e) => record.events.emit('report.error', { what, message: (e as Error)?.message ?? String(e) }));
    let startMark: ChainMark | undefined;
    let windowEndMark: ChainMark | undefined;
    let endMark: ChainMark | undefined;
    let outcomes: ExpectationOutcome[] = [];

    // summary.partial.json every few seconds: a reader (or a crash) always finds a recent state of the run.
    const checkpoint = setInterval(() => {
      try {
        const partial = this.buildSummary(scenario, expectations, outcomes, workloadErrors, { startMark, windowEndMark, endMark });
        record.writeJson('summary.partial.json', { ...partial, verdict: 'unknown', partial: true, chain: { ...partial.chain, heightNow: this.parts.feed.heights().best } });
      } catch (err) {
        record.events.emit('run.error', { message: `checkpoint: ${(err as Error).message}` });
      }
    }, options.checkpointIntervalMs ?? 5000);
    checkpoint.unref();
    try {
      this.phase('capture');
      for (const e of expectations) {
        if (interrupted()) break;
        try {
          await e.startCapture?.(context);
        } catch (err) {
          captureErrors.set(e, (err as Error).message);
          record.events.emit('expectation.capture.error', { name: e.name, message: (err as Error).message });
        }
      }

      // Workloads get ready for the window (Workload.prepare), so that their load starts on its start.
      const prepared = new Map<Workload, Promise<void>>();
      for (const w of scenario.workloads) if (w.prepare && !interrupted()) prepared.set(w, Promise.resolve().then(() => w.prepare!(context, runAbort.signal)));
      await Promise.allSettled(prepared.values());

      if (!interrupted()) {
        startMark = await this.mark();
        const startMs = nowMs();
        context.window = { startMs, endMs: startMs + metrics.durationMs };
        this.phase('window', { durationMs: metrics.durationMs, startMs: context.window.startMs, endMs: context.window.endMs, startHeight: startMark.best });
        const stopProgress = hooks.startProgress(context);
        const workloadAbort = new AbortController();
        runAbort.signal.addEventListener('abort', () => workloadAbort.abort(), { once: true });
        const running = scenario.workloads.map((w) =>
          Promise.resolve(prepared.get(w))
            .then(() => w.start(context, workloadAbort.signal))
            .then(
              () => record.events.emit('workload.done', { workload: w.name, at: nowMs() - startMs }),
              (err) => {
                if (workloadAbort.signal.aborted && interrupted()) return;
                const message = (err as Error)?.message ?? String(err);
                workloadErrors.push({ workload: w.name, message });
                record.events.emit('workload.error', { workload: w.name, message });
              },
            ),
        );
        await sleepUntil(context.window.endMs, runAbort.signal);
        if (!interrupted()) {
          windowEndMark = await this.mark();
          this.phase('cooldown', { cooldownMs: metrics.cooldownMs, heightAtWindowEnd: windowEndMark.best });
          await sleep(metrics.cooldownMs, runAbort.signal);
        }
        workloadAbort.abort();
        const stopBound = options.workloadStopTimeoutMs ?? 15_000;
        const settledInTime = await raceTimeout(Promise.all(running).then(() => true), stopBound, false);
        if (!settledInTime) record.events.emit('workload.stuck', { message: `a workload did not return within ${stopBound} ms of its abort signal` });
        stopProgress();
      }

      if (!interrupted()) {
        this.phase('settle');
        await sleep(options.settleMs ?? Math.max(1000, metrics.slotDurationMs), runAbort.signal);
        endMark = await this.mark();
      }

      if (!interrupted()) {
        this.phase('evaluate');
        // Workloads record their outcomes first: their bundled expectations judge those records.
        for (const w of scenario.workloads) {
          if (!w.finish || interrupted()) continue;
          try {
            await withTimeout(w.finish(context), options.evaluateTimeoutMs ?? 120_000, `workload ${w.name} finish`);
          } catch (err) {
            record.events.emit('workload.error', { workload: w.name, message: `finish: ${(err as Error)?.message ?? String(err)}` });
          }
        }
        outcomes = await this.evaluate(expectations, captureErrors, options.evaluateTimeoutMs ?? 120_000);
      }
    } catch (err) {
      if (!interrupted()) {
        // An internal failure of the lifecycle itself: record it, tear down, report.
        record.events.emit('run.error', { message: (err as Error).message });
        this.summary = this.buildSummary(scenario, expectations, outcomes, workloadErrors, { startMark, windowEndMark, endMark }, (err as Error).message);
        record.writeJson('summary.json', this.summary);
        await this.dispose();
        throw err;
      }
    } finally {
      clearInterval(checkpoint);
      this.runningAbort = undefined;
    }

    if (interrupted()) {
      endMark ??= await raceTimeout(this.mark(), 2000, undefined);
      this.summary = this.buildSummary(scenario, expectations, outcomes, workloadErrors, { startMark, windowEndMark, endMark });
      record.writeJson('summary.json', this.summary);
      await hooks.render(record.runDir);
      await this.dispose();
      throw new LoadnetError('LN_ERR_INTERRUPTED', `run interrupted by ${this.interruptedBy ?? 'a signal'}; nodes torn down; what was measured is in ${record.runDir}`);
    }

    this.summary = this.buildSummary(scenario, expectations, outcomes, workloadErrors, { startMark, windowEndMark, endMark });
    record.writeJson('summary.json', this.summary);
    hooks.printTable(this.summary);
    await hooks.render(record.runDir);
    if (this.summary.verdict !== 'pass' && runOptions.rejectOnFailure !== false) {
      await this.dispose();
      throw new ExpectationsFailedError(this.summary);
    }
    return this;
  }

  private async evaluate(expectations: readonly Expectation[], captureErrors: Map<Expectation, string>, timeoutMs: number): Promise<ExpectationOutcome[]> {
    const { context, record } = this.parts;
    const outcomes: ExpectationOutcome[] = [];
    for (const e of expectations) {
      if (this.parts.lifetime.signal.aborted) break; // interrupted: the rest is reported as not evaluated
      const started = nowMs();
      let outcome: ExpectationOutcome;
      const captureError = captureErrors.get(e);
      if (captureError !== undefined) {
        outcome = { name: e.name, status: 'unknown', message: `capture failed: ${captureError}`, durationMs: 0 };
      } else {
        try {
          const r = await withTimeout(Promise.resolve().then(() => e.evaluate(context)), timeoutMs, `expectation ${e.name}`);
          const status: Verdict = r && (r.status === 'pass' || r.status === 'fail' || r.status === 'unknown') ? r.status : 'unknown';
          outcome = { name: e.name, status, message: String(r?.message ?? (status === 'unknown' ? 'the expectation returned no verdict' : '')), ...(r?.figures ? { figures: r.figures } : {}), durationMs: nowMs() - started };
        } catch (err) {
          // A crashed checker is never a pass.
          outcome = { name: e.name, status: 'unknown', message: `evaluation threw: ${(err as Error)?.message ?? String(err)}`, durationMs: nowMs() - started };
        }
      }
      record.events.emit('expectation', { name: outcome.name, status: outcome.status, message: outcome.message, figures: outcome.figures ?? {} });
      outcomes.push(outcome);
    }
    return outcomes;
  }

  private buildSummary(
    scenario: Scenario,
    expectations: readonly Expectation[],
    outcomes: ExpectationOutcome[],
    workloadErrors: Array<{ workload: string; message: string }>,
    marks: { startMark?: ChainMark; windowEndMark?: ChainMark; endMark?: ChainMark },
    error?: string,
  ): RunSummary {
    const interrupted = this.parts.lifetime.signal.aborted && this.interruptedBy !== undefined;
    // evaluate() yields one outcome per expectation, in order: the ones past its end were not evaluated.
    const all: ExpectationOutcome[] = [...outcomes];
    for (const e of expectations.slice(outcomes.length)) {
      all.push({ name: e.name, status: 'unknown', message: interrupted ? 'not evaluated: the run was interrupted' : `not evaluated: ${error ?? 'the run ended early'}`, durationMs: 0 });
    }
    for (const w of workloadErrors) all.push({ name: `workload ${w.workload}`, status: 'fail', message: `the workload failed: ${w.message}`, durationMs: 0 });
    let verdict = combineVerdicts(all.map((o) => o.status));
    if (interrupted || error) verdict = verdict === 'fail' ? 'fail' : 'unknown';
    const stats = this.parts.feed.stats;
    const { startMark, windowEndMark, endMark } = marks;
    const chain: Record<string, unknown> = {
      startHeight: startMark?.best ?? null,
      windowEndHeight: windowEndMark?.best ?? null,
      endHeight: endMark?.best ?? null,
      finalHeight: endMark?.final ?? null,
      blocksInWindow: startMark && windowEndMark ? windowEndMark.best - startMark.best : null,
      expectedBlocks: scenario.metrics.expectedBlocks,
      blocksSeen: stats.blocks,
      finalBlocks: stats.finalBlocks,
      reorgs: stats.reorgs,
      maxReorgDepth: stats.maxReorgDepth,
      revertedFinal: stats.revertedFinal,
      finalConflicts: stats.finalConflicts,
      orphanedBlocks: stats.orphanedBlocks,
      unexpectedNodeExits: this.unexpectedExits,
      nodes: Object.fromEntries(Object.entries(endMark?.perNode ?? {}).map(([n, v]) => [n, { ...v, startHeight: startMark?.perNode[n]?.height ?? null }])),
    };
    const extra = this.parts.record.summary.sections;
    return {
      ...extra,
      scenario: scenario.spec.name,
      runDir: this.parts.record.runDir,
      deployer: this.parts.deployment.deployer,
      verdict,
      interrupted,
      ...(error ? { error } : {}),
      startedAt: this.parts.record.startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      expectations: all,
      chain,
    };
  }

  dispose(): Promise<void> {
    this.disposing ??= this.teardown();
    return this.disposing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private async teardown(): Promise<void> {
    const { record, deployment, feed, sampler, lifetime } = this.parts;
    this.phase('teardown');
    lifetime.abort();
    await sampler.stop();
    await feed.stop();
    try {
      await deployment.teardown();
    } catch (err) {
      record.events.emit('run.error', { message: `teardown: ${(err as Error).message}` });
    }
    this.phase(this.interruptedBy ? 'interrupted' : 'done');
    this.parts.unregisterInterrupt();
    if (!this.ran || !this.summary) {
      // Disposed without a run (or interrupted before one): still leave a summary behind.
      this.summary ??= {
        scenario: this.parts.context.scenario.name,
        runDir: record.runDir,
        verdict: 'unknown',
        interrupted: this.interruptedBy !== undefined,
        startedAt: record.startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        expectations: [],
        chain: { ...feed.stats },
      };
      record.writeJson('summary.json', this.summary);
    }
    record.close();
  }
}
