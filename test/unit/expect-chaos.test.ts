// Chaos scheduling and guards. The NodeControl here is a fake (named FakeNodeControl) that only records
// calls and timing: the real one needs node processes, exercised in test/integration/chaos-*.test.ts.
import { describe, expect, it } from 'vitest';
import { ChaosWorkload, minorityOf, pickTarget, selectTargets, topologyNodes } from '../../src/workloads/chaos.js';
import type { ChaosSpec, ScenarioSpec } from '../../src/scenario/spec.js';
import type { NodeControl, RunContext, RunMetrics } from '../../src/runtime/contracts.js';
import { nowMs, sleep } from '../../src/util/clock.js';

const spec = (o: Partial<ChaosSpec> = {}): ChaosSpec => ({
  type: 'chaos',
  action: 'restart',
  minDelayMs: 5,
  maxDelayMs: 15,
  targetCooldownMs: 60,
  maxDown: 1,
  targets: { roles: [], names: [] },
  recoveryTimeoutMs: 2000,
  downtimeMs: 20,
  ...o,
});

const scenario = (validators: number, executors: number, nodeControl = true) => ({ seed: 7, nodeControl, topology: { shape: 'star', validators, executors } }) as unknown as ScenarioSpec;
const metrics = {} as RunMetrics;

describe('chaos targets and guards', () => {
  it('names nodes like the plan and filters by role and name', () => {
    const nodes = topologyNodes(scenario(3, 2));
    expect(nodes.map((n) => n.name)).toEqual(['validator-0', 'validator-1', 'validator-2', 'executor-0', 'executor-1']);
    expect(selectTargets(nodes, { roles: ['executor'], names: ['validator-1'] }).map((n) => n.name)).toEqual(['validator-1', 'executor-0', 'executor-1']);
    expect(selectTargets(nodes, { roles: [], names: [] })).toHaveLength(5);
  });

  it('defaults maxDown to a minority of the block producers (validators and executors)', () => {
    expect([1, 2, 3, 4, 5, 7].map(minorityOf)).toEqual([0, 0, 1, 1, 2, 3]);
  });

  it('picks only idle, cooled-down targets within maxDown', () => {
    const nodes = topologyNodes(scenario(4, 1));
    const down = new Set(['validator-0']);
    const cooldownUntil = new Map([['executor-0', 2000]]);
    expect(pickTarget(nodes, { down, cooldownUntil, now: 1000, maxDown: 1 }, () => 0)).toEqual({ reason: 'max-down' });
    // an executor is a producer too: with one node down and maxDown 1, nobody else may go down
    expect(pickTarget(nodes, { down, cooldownUntil, now: 3000, maxDown: 1 }, () => 0)).toEqual({ reason: 'max-down' });
    expect(pickTarget(nodes, { down, cooldownUntil, now: 3000, maxDown: 2 }, () => 0.99).target?.name).toBe('executor-0');
    expect(pickTarget(nodes, { down, cooldownUntil, now: 1000, maxDown: 2 }, () => 0.99).target?.name).toBe('validator-3');
    expect(pickTarget([nodes[0]!], { down, cooldownUntil, now: 1000, maxDown: 3 }, () => 0)).toEqual({ reason: 'all-down-or-cooling' });
  });

  it('rejects a single-node topology at build time with a scenario error', () => {
    const w = new ChaosWorkload(spec());
    expect(() => w.init(metrics, scenario(1, 0))).toThrow(/chaos.topology: "1 node" \(allowed: at least 2 nodes/);
    try {
      w.init(metrics, scenario(1, 0));
    } catch (e) {
      expect((e as { code: string }).code).toBe('LN_ERR_SCENARIO_INVALID');
    }
  });

  it('rejects bad fields, unknown names, missing node control and an impossible guard', () => {
    expect(() => new ChaosWorkload(spec({ minDelayMs: 50, maxDelayMs: 10 }))).toThrow(/chaos.minDelayMs: 50 \(allowed: at most maxDelay \(10 ms\)\)/);
    expect(() => new ChaosWorkload(spec({ action: 'explode' as never }))).toThrow(/chaos.action/);
    expect(() => new ChaosWorkload(spec({ targets: { roles: [], names: ['validator-9'] } })).init(metrics, scenario(3, 0))).toThrow(/chaos.targets.names: "validator-9" \(allowed: a node of the topology: validator-0/);
    expect(() => new ChaosWorkload(spec()).init(metrics, scenario(3, 0, false))).toThrow(/enableNodeControl/);
    expect(() => new ChaosWorkload(spec({ maxDown: 0, targets: { roles: ['validator'], names: [] } })).init(metrics, scenario(2, 1))).toThrow(/chaos.maxDown: 0/);
    expect(() => new ChaosWorkload(spec({ maxDown: 0, targets: { roles: ['executor'], names: [] } })).init(metrics, scenario(2, 1))).toThrow(/chaos.maxDown: 0/);
  });
});

/** FakeNodeControl: records each restart's interval; a restart takes `restartMs`. */
class FakeNodeControl {
  readonly intervals: Array<{ node: string; start: number; end: number }> = [];
  constructor(private readonly restartMs: number) {}
  async restart(node: string): Promise<void> {
    const start = nowMs();
    await sleep(this.restartMs);
    this.intervals.push({ node, start, end: nowMs() });
  }
}

function fakeContext(control: FakeNodeControl, names: string[], windowMs: number) {
  const summary: Record<string, unknown> = {};
  const live: Record<string, Record<string, unknown>> = {};
  const ctx = {
    nodeControl: control as unknown as NodeControl,
    window: { startMs: nowMs(), endMs: nowMs() + windowMs },
    node: () => ({ client: { health: async () => ({}), head: async () => ({ height: 10 }) } }),
    nodes: () => names.map((n) => ({ descriptor: { name: n }, client: { head: async () => ({ height: 10 }) } })),
    blockFeed: { tips: () => names.map((n) => ({ node: n, up: true, height: 10 })) },
    live: { publish: (s: string, v: Record<string, unknown>) => void (live[s] = v), snapshot: () => live },
    summary: { set: (s: string, v: unknown) => void (summary[s] = v) },
    events: { emit: () => undefined },
  } as unknown as RunContext;
  return { ctx, summary, live };
}

describe('chaos scheduling (with FakeNodeControl)', () => {
  it('cools down per target, overlaps targets, never exceeds maxDown, and writes the summary', async () => {
    const w = new ChaosWorkload(spec({ maxDown: 2, targetCooldownMs: 100, minDelayMs: 5, maxDelayMs: 10, targets: { roles: ['validator'], names: [] } }));
    w.init(metrics, scenario(5, 1));
    const control = new FakeNodeControl(80);
    const { ctx, summary } = fakeContext(control, ['validator-0', 'validator-1', 'validator-2', 'validator-3', 'validator-4'], 1200);
    await w.start(ctx, new AbortController().signal);
    const iv = control.intervals;
    expect(iv.length).toBeGreaterThan(5);
    for (const a of iv) {
      // at most maxDown validators down at any fault's start
      expect(iv.filter((b) => b.start <= a.start && b.end > a.start).length).toBeLessThanOrEqual(2);
      // the same target is not hit again within its cooldown
      const next = iv.filter((b) => b.node === a.node && b.start > a.start).sort((x, y) => x.start - y.start)[0];
      if (next) expect(next.start - a.end).toBeGreaterThanOrEqual(99);
    }
    // concurrency happened: two different targets overlapped at least once
    expect(iv.some((a) => iv.some((b) => b !== a && b.node !== a.node && b.start < a.end && a.start < b.end))).toBe(true);
    const s = summary.chaos as { faults: number; recovered: number; downtimeMs: number };
    expect(s.faults).toBe(iv.length);
    expect(s.recovered).toBe(iv.length);
    expect(s.downtimeMs).toBeGreaterThanOrEqual(iv.length * 79);
    const verdict = await w.expectations()[0]!.evaluate(ctx);
    expect(verdict.status).toBe('pass');
  });

  it('a fault that outlives the recovery bound fails chaos-recovery, naming the node and bound', async () => {
    const w = new ChaosWorkload(spec({ recoveryTimeoutMs: 50, downtimeMs: 0, maxDown: 1 }));
    w.init(metrics, scenario(3, 0));
    const control = new FakeNodeControl(150);
    const { ctx } = fakeContext(control, ['validator-0', 'validator-1', 'validator-2'], 100);
    await w.start(ctx, new AbortController().signal);
    const verdict = await w.expectations()[0]!.evaluate(ctx);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toMatch(/of \d+ faults did not recover within 50 ms: validator-\d: restart of validator-\d did not complete/);
  });
});
