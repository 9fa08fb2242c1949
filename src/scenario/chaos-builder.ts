/**
 * `.chaos().restart().minDelay('10s').maxDelay('20s').targetCooldown('15s').apply()`: faults at random intervals
 * in [minDelay, maxDelay]. Reachable only after `.enableNodeControl()` (a type error otherwise). Unlike the
 * framework we replace, the cooldown is per target, at most `maxDown` block producers are down at once (default:
 * a minority), and each fault waits for the node to recover (bounded by `recoveryTimeout`).
 */
import type { DurationInput } from '../util/duration.js';
import { FaultBuilder, type FaultDraft } from './fault-builder.js';
import type { PartitionShape } from './spec.js';

export type ChaosDraft = Record<string, unknown> & { type: 'chaos' };
type Role = 'validator' | 'executor';

export class ChaosBuilder<P> {
  /** @internal use `ScenarioBuilder#chaos()` */
  constructor(
    private readonly draft: ChaosDraft,
    private readonly finish: (draft: ChaosDraft) => P,
  ) {}

  private with(patch: Record<string, unknown>): ChaosBuilder<P> {
    return new ChaosBuilder({ ...this.draft, ...patch }, this.finish);
  }

  private targets(): { roles: unknown[]; names: unknown[] } {
    const t = (this.draft.targets ?? {}) as { roles?: unknown[]; names?: unknown[] };
    return { roles: [...(t.roles ?? [])], names: [...(t.names ?? [])] };
  }

  /** Stop and start the node (graceful; data kept). The default. */
  restart(): ChaosBuilder<P> {
    return this.with({ action: 'restart' });
  }

  /** SIGKILL the node, keep it down for `downtime`, then start it again (data kept). */
  kill(): ChaosBuilder<P> {
    return this.with({ action: 'kill' });
  }

  /** Freeze the node (SIGSTOP / docker pause) for `downtime`, then resume it. */
  pause(): ChaosBuilder<P> {
    return this.with({ action: 'pause' });
  }

  /** Least time between two faults. Default 10 s. */
  minDelay(delay: DurationInput): ChaosBuilder<P> {
    return this.with({ minDelayMs: delay });
  }

  /** Most time between two faults. Default 30 s. */
  maxDelay(delay: DurationInput): ChaosBuilder<P> {
    return this.with({ maxDelayMs: delay });
  }

  /** A node is not hit again until this long after it recovered. Default 60 s. */
  targetCooldown(cooldown: DurationInput): ChaosBuilder<P> {
    return this.with({ targetCooldownMs: cooldown });
  }

  /** Most block producers (validators + executors) down at once. Default: a minority, floor((nodes − 1) / 2). */
  maxDown(count: number): ChaosBuilder<P> {
    return this.with({ maxDown: count });
  }

  /** How long a kill or pause lasts before the node is started or resumed. Default 5 s. */
  downtime(duration: DurationInput): ChaosBuilder<P> {
    return this.with({ downtimeMs: duration });
  }

  /** Bound on waiting for a node to be healthy and caught up again. Default 60 s. */
  recoveryTimeout(timeout: DurationInput): ChaosBuilder<P> {
    return this.with({ recoveryTimeoutMs: timeout });
  }

  /** Add roles to the target filter (no filter = every node). */
  targetRoles(...roles: Role[]): ChaosBuilder<P> {
    const t = this.targets();
    return this.with({ targets: { roles: [...t.roles, ...roles], names: t.names } });
  }

  /** Only validators may be hit. */
  validatorsOnly(): ChaosBuilder<P> {
    return this.with({ targets: { roles: ['validator'], names: [] } });
  }

  /** Only executors may be hit (block production is never interrupted). */
  executorsOnly(): ChaosBuilder<P> {
    return this.with({ targets: { roles: ['executor'], names: [] } });
  }

  /** Add named nodes (e.g. 'validator-2') to the target filter. */
  targetNodes(...names: string[]): ChaosBuilder<P> {
    const t = this.targets();
    return this.with({ targets: { roles: t.roles, names: [...t.names, ...names] } });
  }

  /** Back to the scenario builder, with this workload added. */
  apply(): P {
    return this.finish(this.draft);
  }

  // ── network and clock faults (each its own nemesis: faults/nemeses/) ──

  private fault(draft: FaultDraft): FaultBuilder<P> {
    return new FaultBuilder(draft, (d) => this.finish(d as unknown as ChaosDraft));
  }

  /**
   * Cut the network (Jepsen's shapes over the topology's nodes in order): 'halves', 'majority' (a minority cut
   * off), 'isolate' (`node`, default the last), 'ring' (each keeps its two ring neighbours), 'bridge' (two
   * halves that only `node` sees both of), or 'groups' (two explicit sides).
   */
  partition(shape: PartitionShape = 'halves', options: { node?: string; groups?: [string[], string[]] } = {}): FaultBuilder<P> {
    return this.fault({ type: 'partition', shape, ...options });
  }

  /**
   * Latency tiers: each tier's one-way delay and nodes; a link is delayed by the larger of its ends' tiers, or
   * by `matrix[fromTier][toTier]` (ms) when given. The seed's gradient: A ≈ 10 ms, B ≈ 100 ms, C ≈ 300 ms.
   */
  latencyTiers(tiers: Record<string, { delay: DurationInput; nodes: string[] }>, options: { matrix?: Record<string, Record<string, number>>; jitter?: DurationInput } = {}): FaultBuilder<P> {
    const t = Object.fromEntries(Object.entries(tiers).map(([k, v]) => [k, { delayMs: v.delay, nodes: v.nodes }]));
    return this.fault({ type: 'latency-tiers', tiers: t, ...(options.matrix ? { rule: 'matrix', matrix: options.matrix } : {}), ...(options.jitter !== undefined ? { jitterMs: options.jitter } : {}) });
  }

  /** Delay, jitter, loss or a bandwidth limit on the links from every node of `from` to every node of `to` (both ways unless `bothWays: false`). */
  linkFault(options: { from: string[]; to: string[]; bothWays?: boolean; delay?: DurationInput; jitter?: DurationInput; loss?: number; bytesPerSecond?: number }): FaultBuilder<P> {
    const { delay, jitter, bytesPerSecond, ...rest } = options;
    return this.fault({ type: 'link-fault', ...rest, ...(delay !== undefined ? { delayMs: delay } : {}), ...(jitter !== undefined ? { jitterMs: jitter } : {}), ...(bytesPerSecond !== undefined ? { rateBytesPerSec: bytesPerSecond } : {}) });
  }

  /** `node` refuses `peer` (the link cut both ways) until healed. */
  blockPeer(node: string, peer: string): FaultBuilder<P> {
    return this.fault({ type: 'block-peer', node, peer });
  }

  /**
   * Churn: `join` fresh nodes join at each injection (new identities and addresses; with `stake`, funded and
   * staked on chain so they lead slots from k slots after their declaration), and the `leave` nodes leave for
   * good, deregistered first (all at once; one per injection with `.every()`). Never healed.
   */
  churn(options: { join?: number; stake?: number; role?: string; leave?: string[] }): FaultBuilder<P> {
    return this.fault({ type: 'churn', ...options });
  }

  /** Per-node clock skew: offset in ms (negative: behind), ± jitter in ms, drift in ppm. */
  clockSkew(nodes: Record<string, { offsetMs: number; jitterMs?: number; driftPpm?: number }>): FaultBuilder<P> {
    return this.fault({ type: 'clock-skew', nodes });
  }
}
