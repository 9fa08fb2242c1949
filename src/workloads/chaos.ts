/**
 * Chaos: restart, kill or pause nodes at random intervals during the run window, with the guards the
 * framework we replace lacked. The cooldown is per target (another node may be hit while one cools down);
 * `maxDown` bounds how many block producers (validators and executors, all staked) are down at once; every fault waits until the node
 * is healthy and back within a few blocks of the best node, bounded by `recoveryTimeoutMs`; targets filter by
 * role and name. The NodeControl implementation emits the fault.start/fault.end events; this workload adds
 * the `chaos` summary section and live figures, and bundles `chaos-recovery` (every fault recovered in time).
 */
import { chaosRecoveryCheck, type ChaosRecoveryOptions, type RecordedFault } from '../expectations/bundled.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import { seededRandom } from '../util/random.js';
import { LoadnetError, type ValidationIssue } from '../errors.js';
import type { Expectation, NodeControl, RunContext, RunMetrics, Workload } from '../runtime/contracts.js';
import type { ChaosSpec, ScenarioSpec } from '../scenario/spec.js';
import { nowMs, sleep } from '../util/clock.js';
import { waitRecovered } from '../faults/recovered.js';

const POLL_MS = 250;

export interface ChaosFault {
  target: string;
  action: ChaosSpec['action'];
  startedAt: number;
  /** When the node was healthy and caught up again (undefined while down, or when it never recovered). */
  recoveredAt?: number;
  error?: string;
}

export interface ChaosTarget {
  name: string;
  role: string;
}

/** Node names as the deployment plan gives them: validator-<i>, executor-<i>. */
export function topologyNodes(scenario: Pick<ScenarioSpec, 'topology'>): ChaosTarget[] {
  const { validators, executors } = scenario.topology;
  return [...Array.from({ length: validators }, (_, i) => ({ name: `validator-${i}`, role: 'validator' as const })), ...Array.from({ length: executors }, (_, i) => ({ name: `executor-${i}`, role: 'executor' as const }))];
}

export function selectTargets(nodes: readonly ChaosTarget[], filter: ChaosSpec['targets']): ChaosTarget[] {
  const roles = filter?.roles ?? [];
  const names = filter?.names ?? [];
  if (roles.length === 0 && names.length === 0) return [...nodes];
  return nodes.filter((n) => (roles as readonly string[]).includes(n.role) || names.includes(n.name));
}

/**
 * Default guard: never a majority of the block producers down at once. Every topology node is a producer:
 * the deployment plan stakes executors like validators (equal stakes), so both count.
 */
export function minorityOf(producers: number): number {
  return Math.max(0, Math.floor((producers - 1) / 2));
}

/**
 * The scheduling decision, pure: which eligible target to hit now (uniformly among those allowed), or why none.
 * A target is allowed when it is not down, its cooldown has passed, and hitting it keeps producers down ≤ maxDown.
 */
export function pickTarget(
  targets: readonly ChaosTarget[],
  state: { down: ReadonlySet<string>; cooldownUntil: ReadonlyMap<string, number>; now: number; maxDown: number },
  random: () => number,
): { target?: ChaosTarget; reason?: 'all-down-or-cooling' | 'max-down' } {
  const downProducers = targets.filter((t) => state.down.has(t.name)).length;
  const idle = targets.filter((t) => !state.down.has(t.name) && (state.cooldownUntil.get(t.name) ?? 0) <= state.now);
  const allowed = downProducers + 1 <= state.maxDown ? idle : [];
  if (allowed.length === 0) return { reason: idle.length ? 'max-down' : 'all-down-or-cooling' };
  return { target: allowed[Math.min(allowed.length - 1, Math.floor(random() * allowed.length))] };
}

export { seededRandom };

function invalid(field: string, value: unknown, allowed: string): ValidationIssue {
  return { field: `chaos.${field}`, value, allowed };
}

function throwIssues(issues: ValidationIssue[]): void {
  if (issues.length === 0) return;
  const text = issues.map((i) => `${i.field}: ${JSON.stringify(i.value)} (allowed: ${i.allowed})`).join('; ');
  throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `chaos workload is misconfigured: ${text}`, { issues });
}

export class ChaosWorkload implements Workload {
  readonly name: string;
  readonly spec: ChaosSpec;
  private targets: ChaosTarget[] = [];
  private maxDown = 0;
  private random: () => number = Math.random;
  readonly faults: ChaosFault[] = [];
  private skipped = { maxDown: 0, cooling: 0 };

  constructor(spec: ChaosSpec) {
    const issues: ValidationIssue[] = [];
    if (!['restart', 'kill', 'pause'].includes(spec.action)) issues.push(invalid('action', spec.action, 'restart, kill or pause'));
    for (const f of ['minDelayMs', 'maxDelayMs', 'targetCooldownMs', 'downtimeMs'] as const) {
      if (!Number.isFinite(spec[f]) || spec[f] < 0) issues.push(invalid(f, spec[f], 'a non-negative duration'));
    }
    if (!Number.isFinite(spec.recoveryTimeoutMs) || spec.recoveryTimeoutMs <= 0) issues.push(invalid('recoveryTimeoutMs', spec.recoveryTimeoutMs, 'a positive duration'));
    if (spec.minDelayMs > spec.maxDelayMs) issues.push(invalid('minDelayMs', spec.minDelayMs, `at most maxDelay (${spec.maxDelayMs} ms)`));
    if (spec.maxDown !== undefined && (!Number.isInteger(spec.maxDown) || spec.maxDown < 0)) issues.push(invalid('maxDown', spec.maxDown, 'a non-negative whole number of block producers (default: a minority)'));
    for (const r of spec.targets?.roles ?? []) if (r !== 'validator' && r !== 'executor') issues.push(invalid('targets.roles', r, 'validator or executor'));
    throwIssues(issues);
    this.spec = spec;
    this.name = `chaos-${spec.action}`;
  }

  /** Build time: check the topology can take this chaos at all. */
  init(_metrics: RunMetrics, scenario: ScenarioSpec): void {
    const nodes = topologyNodes(scenario);
    const issues: ValidationIssue[] = [];
    if (nodes.length < 2) issues.push(invalid('topology', `${nodes.length} node`, 'at least 2 nodes: chaos on a single-node topology would halt the only chain'));
    const known = new Set(nodes.map((n) => n.name));
    for (const n of this.spec.targets?.names ?? []) if (!known.has(n)) issues.push(invalid('targets.names', n, `a node of the topology: ${[...known].join(', ')}`));
    if (!scenario.nodeControl) issues.push(invalid('nodeControl', false, 'true: enableNodeControl() before chaos()'));
    throwIssues(issues);
    this.targets = selectTargets(nodes, this.spec.targets);
    this.maxDown = this.spec.maxDown ?? minorityOf(nodes.length);
    if (this.targets.length === 0) throwIssues([invalid('targets', this.spec.targets, 'a filter that matches at least one node')]);
    if (this.maxDown === 0) {
      throwIssues([invalid('maxDown', this.maxDown, `at least 1 so a node can be hit (with ${nodes.length} block producers the default minority is 0)`)]);
    }
    this.random = seededRandom(scenario.seed ^ 0x5eed);
  }

  async start(ctx: RunContext, signal: AbortSignal): Promise<void> {
    const control = ctx.nodeControl;
    if (!control) throw new LoadnetError('LN_ERR_NODE_CONTROL', `${this.name}: this deployment offers no node control`, { hint: 'enableNodeControl() in the scenario, with a deployer that supports it (local, compose)' });
    if (this.targets.length === 0) this.init(ctx.metrics, ctx.scenario);
    const down = new Set<string>();
    const cooldownUntil = new Map<string, number>();
    const inFlight = new Set<Promise<void>>();
    const publish = () => ctx.live.publish('chaos', { action: this.spec.action, faults: this.faults.length, down: [...down], recovered: this.faults.filter((f) => f.recoveredAt).length, failed: this.faults.filter((f) => f.error).length });
    publish();
    while (!signal.aborted) {
      const delay = this.spec.minDelayMs + this.random() * (this.spec.maxDelayMs - this.spec.minDelayMs);
      if (nowMs() + delay >= ctx.window.endMs) break; // no new fault after the window: the cooldown judges recovery
      await sleep(delay, signal);
      if (signal.aborted) break;
      // The guard counts every node taken down now, by this workload or any other fault (one set, in node control).
      const allDown = new Set([...down, ...(control.down?.() ?? [])]);
      const pick = pickTarget(this.targets, { down: allDown, cooldownUntil, now: nowMs(), maxDown: this.maxDown }, this.random);
      if (!pick.target) {
        if (pick.reason === 'max-down') this.skipped.maxDown++;
        else this.skipped.cooling++;
        continue;
      }
      const target = pick.target.name;
      const fault: ChaosFault = { target, action: this.spec.action, startedAt: nowMs() };
      this.faults.push(fault);
      down.add(target);
      publish();
      const p = this.inject(ctx, control, fault).finally(() => {
        down.delete(target);
        cooldownUntil.set(target, nowMs() + this.spec.targetCooldownMs);
        inFlight.delete(p);
        publish();
      });
      inFlight.add(p);
    }
    // Never leave a node paused or stopped: in-flight faults run to recovery (each bounded).
    await Promise.all(inFlight);
    ctx.summary.set('chaos', this.summarySection());
  }

  private async inject(ctx: RunContext, control: NodeControl, fault: ChaosFault): Promise<void> {
    const deadline = fault.startedAt + this.spec.recoveryTimeoutMs + this.spec.downtimeMs;
    const action = this.act(control, fault.target);
    try {
      await withDeadline(action, deadline, `${fault.action} of ${fault.target}`);
      await this.waitCaughtUp(ctx, control, fault.target, deadline);
      fault.recoveredAt = nowMs();
    } catch (e) {
      fault.error = (e as Error).message;
      // Even when late, let the resume/start finish (NodeControl bounds it) so no node stays paused or stopped.
      await action.catch(() => undefined);
    }
  }

  private async act(control: NodeControl, target: string): Promise<void> {
    switch (this.spec.action) {
      case 'restart':
        return control.restart(target);
      case 'kill':
        await control.kill(target);
        await sleep(this.spec.downtimeMs);
        return control.start(target);
      case 'pause':
        await control.pause(target);
        await sleep(this.spec.downtimeMs);
        return control.resume(target);
    }
  }

  /** Back, as every node control means it (faults/recovered.ts): answers and caught up with the others. */
  private async waitCaughtUp(ctx: RunContext, control: NodeControl, target: string, deadline: number): Promise<void> {
    const down = new Set(control.down?.() ?? []);
    const others = ctx.nodes().filter((n) => n.descriptor.name !== target && !down.has(n.descriptor.name)).map((n) => n.client);
    await waitRecovered(target, ctx.node(target).client, others, { timeoutMs: Math.max(0, deadline - nowMs()), needsPeer: false, pollMs: POLL_MS });
  }

  summarySection(): Record<string, unknown> {
    const perTarget: Record<string, { faults: number; downtimeMs: number; failed: number }> = {};
    let downtimeMs = 0;
    for (const f of this.faults) {
      const d = Math.round((f.recoveredAt ?? nowMs()) - f.startedAt);
      const t = (perTarget[f.target] ??= { faults: 0, downtimeMs: 0, failed: 0 });
      t.faults++;
      t.downtimeMs += d;
      if (f.error) t.failed++;
      downtimeMs += d;
    }
    return {
      action: this.spec.action,
      maxDown: this.maxDown,
      targets: this.targets.map((t) => t.name),
      faults: this.faults.length,
      recovered: this.faults.filter((f) => f.recoveredAt !== undefined).length,
      failed: this.faults.filter((f) => f.error).map((f) => ({ target: f.target, error: f.error })),
      skipped: { ...this.skipped },
      downtimeMs,
      perTarget,
    };
  }

  expectations(): Expectation[] {
    return [new ChaosRecovery(this)];
  }
}

/** Bundled with chaos: every fault ended with the node healthy and caught up within the recovery timeout. */
export class ChaosRecovery extends RecordedExpectation<ChaosRecoveryOptions> {
  readonly name: string;
  constructor(private readonly chaos: ChaosWorkload) {
    super(chaosRecoveryCheck, chaosRecoveryCheck.options({ recoveryTimeoutMs: chaos.spec.recoveryTimeoutMs }));
    this.name = `${chaos.name}-recovery`;
  }

  protected override async observeEvaluate(): Promise<Record<string, unknown>> {
    const faults: RecordedFault[] = this.chaos.faults.map((f) => ({ target: f.target, startedAt: f.startedAt, ...(f.recoveredAt !== undefined ? { recoveredAt: f.recoveredAt } : {}), ...(f.error ? { error: f.error } : {}) }));
    // Only pause and kill hold a node down for the downtime; a restart's recovery counts from its start.
    const downtimeMs = this.chaos.spec.action === 'pause' || this.chaos.spec.action === 'kill' ? this.chaos.spec.downtimeMs : 0;
    return { faults, action: this.chaos.spec.action, minDelayMs: this.chaos.spec.minDelayMs, downtimeMs };
  }
}

async function withDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LoadnetError('LN_ERR_NODE_CONTROL', `${what} did not complete within its recovery timeout`)), Math.max(0, deadline - nowMs()));
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
