import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { deriveSeries } from '../../src/report/run-data.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { printSummaryTable } from '../../src/report/summary-table.js';
import { formatProgressLine, progressFigures, startLiveProgress } from '../../src/report/progress.js';
import { downsample, niceTicks } from '../../src/report/svg-chart.js';
import { convergenceAfterHeals, propagationByTier, shaperTimeline } from '../../src/report/network-faults.js';
import type { RunContext, RunSummary } from '../../src/runtime/contracts.js';

const T0 = 1_700_000_000_000;
const ev = (s: number, kind: string, data: Record<string, unknown> = {}) => ({ t: T0 + s * 1000, kind, ...data });
const pct = (p99: number) => ({ count: 10, p50: p99 / 2, p90: p99 * 0.8, p99, p999: p99, max: p99 });

const summary: RunSummary = {
  scenario: 'demo <&>',
  runDir: '/tmp/run',
  verdict: 'fail',
  interrupted: false,
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:01:00.000Z',
  expectations: [
    { name: 'consensus-liveness', status: 'pass', message: '30 blocks', durationMs: 120 },
    { name: 'safety', status: 'fail', message: 'nodes disagree at 2 final heights, first at 3: a "x" & <b>', durationMs: 50, figures: { divergentHeights: [3, 4] } },
    { name: 'custom', status: 'unknown', message: 'checker crashed', durationMs: 5 },
  ],
  chain: {},
  load: { workload: 'transactions', targetTps: 20, offeredTps: 19.9, accepted: 100, included: 98, rejectedTotal: 2, inclusion: pct(900) },
};

describe('deriveSeries', () => {
  const events = [
    ev(0, 'run.phase', { phase: 'window' }),
    ev(1, 'load.interval', { workload: 'a', targetTps: 10, offeredTps: 10, acceptedTps: 9, includedTps: 8, rejectedTps: 1, inclusion: pct(500), submitCorrected: pct(20) }),
    ev(1, 'load.interval', { workload: 'b', targetTps: 5, offeredTps: 5, acceptedTps: 5, includedTps: 5, rejectedTps: 0, inclusion: pct(700), submitCorrected: pct(30) }),
    ev(1, 'node.sample', { node: 'validator-0', up: true, height: 3, pending: 12 }),
    ev(2, 'node.sample', { node: 'validator-0', up: false }),
    ev(1, 'block', { id: 'a1', height: 1, slot: 2 }),
    ev(2, 'block', { id: 'a2', height: 2, slot: 5 }),
    ev(2.1, 'block', { id: 'b2', height: 2, slot: 3 }),
    ev(3, 'block.final', { id: 'b2', height: 2 }),
    // the two shapes of fault events: `fault` field, or the fault kind written over the event kind
    ev(2, 'fault.start', { faultId: 'f1', fault: 'pause', target: 'validator-1' }),
    ev(4, 'fault.end', { faultId: 'f1', fault: 'pause', target: 'validator-1', ok: true, durationMs: 2000 }),
    ev(5, 'restart', { faultId: 'f2', target: 'validator-2' }),
    ev(6, 'restart', { faultId: 'f2', target: 'validator-2', ok: true, durationMs: 1000 }),
    ev(7, 'kill', { faultId: 'f3', target: 'executor-0' }),
    ev(9, 'run.phase', { phase: 'done' }),
  ];
  const spec = { consensus: { slotDurationMs: 500 } } as never;
  const d = deriveSeries('/r', spec, summary, events);

  it('sums rates across workloads per interval and keeps the worst percentile', () => {
    expect(d.throughput.offered).toEqual([{ x: 1, y: 15 }]);
    expect(d.throughput.included).toEqual([{ x: 1, y: 13 }]);
    expect(d.latency.p99).toEqual([{ x: 1, y: 700 }]);
    expect(d.latency.submitP99).toEqual([{ x: 1, y: 30 }]);
  });

  it('keeps per-node samples only while the node is up', () => {
    expect(d.mempool['validator-0']).toEqual([{ x: 1, y: 12 }]);
    expect(d.height['validator-0']).toEqual([{ x: 1, y: 3 }]);
  });

  it('takes block intervals from the final block at a height, in slots', () => {
    expect(d.blockIntervals).toEqual([{ x: 2.1, y: 500 }]);
  });

  it('pairs fault intervals in both event shapes; an unended one runs to the end', () => {
    expect(d.faults).toEqual([
      { kind: 'pause', target: 'validator-1', from: 2, to: 4, open: false },
      { kind: 'restart', target: 'validator-2', from: 5, to: 6, open: false },
      { kind: 'kill', target: 'executor-0', from: 7, to: 9, open: true },
    ]);
  });

  it('renders html with every series, escaped text, fault bands, and no script', () => {
    const html = renderHtml(d);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('demo &lt;&amp;&gt;');
    expect(html).toContain('a &quot;x&quot; &amp; &lt;b&gt;');
    expect((html.match(/class="fault"/g) ?? []).length).toBe(3 * 5);
    expect(html).toMatch(/id="chart-throughput" data-points="5"/);
    expect(html).toContain('never ended');
  });

  it('renders the max-rate curve when the summary has one', () => {
    const curve = [10, 20, 40].map((t, i) => ({ index: i, phase: 'grow', targetTps: t, offeredTps: t, includedTps: t === 40 ? 25 : t, inclusionRatio: 1, p50Ms: 300, p99Ms: t * 50, backlogSlopeTps: 0, rejected: 0, errored: 0, verdict: t === 40 ? 'fail' : 'pass', failures: [] }));
    const html = renderHtml({ ...d, summary: { ...summary, maxRate: { maxRateTps: 20, message: 'max 20 tx/s', curve } } });
    expect(html).toMatch(/id="chart-maxrate-throughput" data-points="6"/);
    expect(html).toMatch(/id="chart-maxrate-latency" data-points="6"/);
    expect(html).toContain('max 20 tx/s');
    expect((html.match(/<tr class="(pass|fail)"><td>/g) ?? []).length).toBe(3);
  });

  it('draws the SLO and the p99 + z·se line, and lists holds and standard errors per step', () => {
    const curve = [10, 20].map((t, i) => ({ index: i, phase: 'bisect', targetTps: t, offeredTps: t, includedTps: t, inclusionRatio: 1, p50Ms: 300, p99Ms: t * 100, p99StdErrMs: 150, holds: i + 1, backlogSlopeTps: 0, rejected: 0, errored: 0, verdict: 'pass', failures: [] }));
    const html = renderHtml({ ...d, summary: { ...summary, maxRate: { maxRateTps: 20, message: 'max 20 tx/s', criteria: { sloP99Ms: 3000, sloZ: 2 }, curve } } });
    // p50 + p99 + p99+2se + SLO, two steps each
    expect(html).toMatch(/id="chart-maxrate-latency" data-points="8"/);
    expect(html).toContain('SLO p99 3000 ms');
    expect(html).toContain('<td>2000 ± 150</td><td>2</td>');
  });
});

describe('network fault sections', () => {
  // A small recorded history: latency tiers 0–12 s, a delayed and limited link 3–8 s, an isolated node 14–17 s,
  // a blocked peer never unblocked, a restart (not a network fault), and the expectations' figures.
  const tiers = { A: { delayMs: 10, nodes: ['validator-0'] }, B: { delayMs: 100, nodes: ['validator-1'] }, C: { delayMs: 300, nodes: ['validator-2', 'validator-3'] } };
  const shaper = (...props: string[]) => ({ mechanism: Object.fromEntries(props.map((p) => [p, `shaper: renders ${p}`])) });
  const events = [
    ev(0, 'run.phase', { phase: 'window' }),
    ev(0, 'fault.start', { faultId: 'f1', fault: 'latency-tiers', target: 'latency-tiers-at-0ms#1', detail: { tiers, rule: 'max', jitterMs: 20, links: 12, ...shaper('delay', 'jitter'), applier: 'link-shaper', applierReason: 'netem is unavailable on this kernel: tc said no' } }),
    ev(3, 'fault.start', { faultId: 'f2', fault: 'link-fault', target: 'link-fault-at-3s#1', detail: { from: ['validator-0'], to: ['validator-1'], bothWays: true, delayMs: 150, rateBytesPerSec: 200000, links: 2, ...shaper('delay', 'bandwidth') } }),
    ev(8, 'fault.end', { faultId: 'f2', fault: 'link-fault', target: 'link-fault-at-3s#1', ok: true, durationMs: 5000 }),
    ev(9, 'fault.start', { faultId: 'f3', fault: 'restart', target: 'validator-3' }),
    ev(10, 'fault.end', { faultId: 'f3', fault: 'restart', target: 'validator-3', ok: true, durationMs: 1000 }),
    ev(12, 'fault.end', { faultId: 'f1', fault: 'latency-tiers', target: 'latency-tiers-at-0ms#1', ok: true, durationMs: 12000 }),
    ev(14, 'fault.start', { faultId: 'f4', fault: 'partition', target: 'partition-at-14s#1', detail: { shape: 'isolate', sides: [['validator-3'], ['validator-0', 'validator-1', 'validator-2']], pairs: 3, ...shaper('cut') } }),
    ev(15, 'fault.start', { faultId: 'f5', fault: 'block-peer', target: 'validator-0', detail: { peer: 'validator-2' } }),
    ev(17, 'fault.end', { faultId: 'f4', fault: 'partition', target: 'partition-at-14s#1', ok: true, durationMs: 3000 }),
    ev(20, 'expectation', { name: 'propagation', status: 'pass', message: 'A p50 92 …', figures: { tiers: { A: { samples: 11, p50Ms: 92, p99Ms: 189, maxMs: 189 }, B: { samples: 13, p50Ms: 156, p99Ms: 229, maxMs: 229 }, C: { samples: 16, p50Ms: 358, p99Ms: 449, maxMs: 449 } }, bounds: { maxP99Ms: 1000, tiers: { C: { maxP99Ms: 500 } } } } }),
    ev(20, 'expectation', { name: 'latency-tiers-at-0ms-convergence', status: 'pass', message: 'on one chain 445 ms after the last heal', figures: { injections: 1, converged: 1, slowestMs: 445, lastMs: 445, boundMs: 8000 } }),
    ev(20, 'expectation', { name: 'partition-at-14s-convergence', status: 'pass', message: 'on one chain 439 ms after the last heal', figures: { injections: 1, converged: 1, slowestMs: 439, lastMs: 439, boundMs: 5000 } }),
    ev(20, 'expectation', { name: 'safety', status: 'pass', message: 'ok', figures: { reorgs: 0 } }),
  ];
  const d = deriveSeries('/r', { workloads: [] } as never, undefined, events);
  const html = renderHtml(d);

  it('takes per-tier p50/p99 from the propagation figures and each tier’s delay from its fault record', () => {
    expect(propagationByTier(d)).toEqual([
      { tier: 'A', samples: 11, p50Ms: 92, p99Ms: 189, delayMs: 10, nodes: ['validator-0'], boundP99Ms: 1000 },
      { tier: 'B', samples: 13, p50Ms: 156, p99Ms: 229, delayMs: 100, nodes: ['validator-1'], boundP99Ms: 1000 },
      { tier: 'C', samples: 16, p50Ms: 358, p99Ms: 449, delayMs: 300, nodes: ['validator-2', 'validator-3'], boundP99Ms: 500 },
    ]);
    expect(html).toMatch(/id="chart-propagation-tiers" data-points="6"/);
    expect([...html.matchAll(/<rect class="bar" data-group="tier C" data-name="(p50|p99)" data-value="(\d+)"/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual(['p50 358', 'p99 449']);
    expect([...html.matchAll(/<line class="mark" data-group="tier (\w)" data-value="(\d+)"/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual(['A 10', 'B 100', 'C 300']);
    expect(html).toContain('<tr data-tier="C"><td>C</td><td>300</td><td>validator-2, validator-3</td><td>16</td><td>358</td><td>449</td><td>500</td></tr>');
  });

  it('places each convergence at its fault workload’s heal and headlines the last heal', () => {
    expect(convergenceAfterHeals(d).map((r) => [r.fault, r.healedAt, r.lastMs, r.boundMs])).toEqual([
      ['latency-tiers-at-0ms', 12, 445, 8000],
      ['partition-at-14s', 17, 439, 5000],
    ]);
    expect(html).toContain('After the last heal (partition-at-14s at 17.0s) every live node was on one chain in <b id="convergence-ms">439 ms</b> (bound 5000 ms).');
    const failed = renderHtml({ ...d, expectations: d.expectations.map((e) => (e.name === 'partition-at-14s-convergence' ? { ...e, status: 'fail', figures: { injections: 1, converged: 0, boundMs: 5000 } } : e)) });
    expect(failed).toContain('the live nodes were <b id="convergence-ms">not on one chain within 5000 ms</b>');
  });

  it('lays out the link shaper’s state: network faults only, what each did to which links, by which applier', () => {
    const rows = shaperTimeline(d);
    expect(rows.map((r) => [r.kind, r.effects.join('+'), r.from, r.to, r.open])).toEqual([
      ['latency-tiers', 'delay+jitter', 0, 12, false],
      ['link-fault', 'delay+bandwidth', 3, 8, false],
      ['partition', 'cut', 14, 17, false],
      ['block-peer', 'cut', 15, 20, true],
    ]);
    expect(rows.map((r) => r.links)).toEqual([
      'A 10 ms: validator-0; B 100 ms: validator-1; C 300 ms: validator-2, validator-3; ± 20 ms (12 links)',
      'validator-0 ⇄ validator-1: delay 150 ms, limit 195.3 KiB/s (2 links)',
      'isolate: validator-3 | validator-0, validator-1, validator-2 (3 pairs cut)',
      'validator-0 ↛ validator-2',
    ]);
    expect(rows[1]!.mechanism).toEqual(['delay: shaper: renders delay', 'bandwidth: shaper: renders bandwidth']);
    expect(rows[0]!.mechanism).toEqual(['delay: shaper: renders delay', 'jitter: shaper: renders jitter', 'applier link-shaper: netem is unavailable on this kernel: tc said no']);
    expect(html).toContain('applier link-shaper: netem is unavailable on this kernel: tc said no');
    expect(html).toMatch(/id="chart-link-state" data-points="4"/);
    expect((html.match(/<rect class="link-state" /g) ?? []).length).toBe(4);
    expect(html).toContain('data-effects="cut"');
    expect(html).toContain('never healed');
  });

  it('prefers a re-judged summary’s figures over the history’s', () => {
    const rejudged = { ...summary, expectations: [{ name: 'propagation', status: 'fail' as const, message: 'tier C: p99 449 ms above 400 ms', durationMs: 1, figures: { tiers: { C: { samples: 16, p50Ms: 358, p99Ms: 449, maxMs: 449 } }, bounds: { maxP99Ms: 400 } } }] };
    expect(propagationByTier({ ...d, summary: rejudged }).map((t) => [t.tier, t.boundP99Ms])).toEqual([['C', 400]]);
  });

  it('leaves the sections out when the run has no tiers, no convergence figures and no network faults', () => {
    const plain = renderHtml(deriveSeries('/r', undefined, summary, events.filter((e) => !String(e.kind).startsWith('fault') && e.kind !== 'expectation')));
    for (const id of ['propagation', 'convergence', 'link-state', 'chart-propagation-tiers', 'chart-link-state']) expect(plain).not.toContain(`id="${id}"`);
    // tiers without a propagation figure: no propagation chart, the shaper timeline still
    const noFigures = renderHtml(deriveSeries('/r', undefined, undefined, events.filter((e) => e.kind !== 'expectation')));
    expect(noFigures).not.toContain('id="propagation"');
    expect(noFigures).not.toContain('id="convergence"');
    expect(noFigures).toContain('id="link-state"');
  });
});

describe('junit.xml', () => {
  const xml = renderJunit(summary);
  it('has one testcase per expectation, failures and errors counted, text escaped', () => {
    expect(xml).toContain('<testsuite name="demo &lt;&amp;&gt;" tests="3" failures="1" errors="1" skipped="0" time="60.000"');
    expect((xml.match(/<testcase /g) ?? []).length).toBe(3);
    expect(xml).toContain('<failure message="nodes disagree at 2 final heights, first at 3: a &quot;x&quot; &amp; &lt;b&gt;" type="expectation">');
    expect(xml).toContain('<error message="checker crashed" type="unknown">');
    expect(xml).toContain('<system-out>{&quot;divergentHeights&quot;:[3,4]}</system-out>');
  });
  it('adds an error case for an interrupted run', () => {
    expect(renderJunit({ ...summary, interrupted: true })).toMatch(/tests="4" failures="1" errors="2"/);
  });
});

function sink(isTTY = false) {
  let text = '';
  const s = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }) as Writable & { isTTY?: boolean };
  s.isTTY = isTTY;
  return { stream: s, text: () => text };
}

describe('terminal summary table', () => {
  it('prints the verdict, every expectation with its numbers and the load headline, no colour off a TTY', () => {
    const out = sink();
    printSummaryTable(summary, out.stream);
    const t = out.text();
    expect(t).toContain('verdict FAIL');
    expect(t).toContain('1/3 expectations passed');
    expect(t).toMatch(/pass {4}consensus-liveness +120ms {2}30 blocks/);
    expect(t).toMatch(/fail {4}safety +50ms {2}nodes disagree/);
    expect(t).toContain('load: target 20 tx/s, offered 19.9 tx/s, accepted 100, included 98, rejected 2, inclusion p50 450 ms p99 900 ms');
    expect(t).not.toContain('\x1b[');
  });
});

describe('live progress', () => {
  const tips = [
    { node: 'validator-0', at: 0, height: 12, tip: 'a', libHeight: 8, lib: 'b', up: true },
    { node: 'executor-0', at: 0, height: 0, tip: 'a', libHeight: 0, lib: 'b', up: false },
  ];
  const snapshot = { load: { offeredTps: 19.5, includedTps: 18.25, inFlight: 33, inclusionP99Ms: 1500 } };

  it('computes and formats the headline', () => {
    const f = progressFigures(snapshot, tips, { startMs: 0, endMs: 60_000 }, 20_000, 65_000);
    expect(f).toMatchObject({ elapsedMs: 65_000, totalMs: 80_000, phase: 'cooldown', offeredTps: 19.5, inFlight: 33, p99Ms: 1500, down: ['executor-0'] });
    expect(formatProgressLine(f)).toBe('1:05/1:20 cooldown · offered 19.5 tx/s · included 18.3 tx/s · in flight 33 · p99 1.5s · height e0 DOWN v0 12');
  });

  it('writes plain lines off a TTY, JSON lines with json, and announces faults from the event log', () => {
    const listeners: Array<(e: Record<string, unknown>) => void> = [];
    const ctx = {
      live: { snapshot: () => snapshot },
      blockFeed: { tips: () => tips },
      window: { startMs: performance.timeOrigin + performance.now(), endMs: performance.timeOrigin + performance.now() + 60_000 },
      metrics: { cooldownMs: 1000 },
      events: { emit: () => {}, on: (l: (e: Record<string, unknown>) => void) => (listeners.push(l), () => {}) },
    } as unknown as RunContext;
    const plain = sink();
    const p = startLiveProgress(ctx, { stream: plain.stream });
    listeners[0]!({ kind: 'fault.start', faultId: 'f1', fault: 'restart', target: 'validator-1' });
    listeners[0]!({ kind: 'fault.end', faultId: 'f1', fault: 'restart', target: 'validator-1', ok: true, durationMs: 1200 });
    p.stop();
    expect(plain.text()).toMatch(/^0:00\/1:01 · offered 19\.5 tx\/s .*height e0 DOWN v0 12\n0:00 fault: restart validator-1\n0:00 fault end: restart validator-1 after 1\.2s\n$/);

    const json = sink(true);
    const q = startLiveProgress(ctx, { stream: json.stream, json: true });
    q.stop();
    const line = JSON.parse(json.text().trim().split('\n')[0]!);
    expect(line).toMatchObject({ event: 'progress', offeredTps: 19.5, heights: { 'executor-0': null, 'validator-0': 12 } });

    const tty = sink(true);
    const r = startLiveProgress(ctx, { stream: tty.stream });
    r.stop();
    expect(tty.text().startsWith('\r\u001b[2K0:00/1:01 ')).toBe(true);
    expect(tty.text().endsWith('\n')).toBe(true);
  });
});

describe('chart helpers', () => {
  it('picks 1-2-5 ticks and keeps peaks when downsampling', () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(0, 0.7)).toEqual([0, 0.2, 0.4, 0.6]);
    const pts = Array.from({ length: 5000 }, (_, i) => ({ x: i, y: i === 2345 ? 999 : 1 }));
    const d = downsample(pts, 100);
    expect(d.length).toBeLessThanOrEqual(100);
    expect(Math.max(...d.map((p) => p.y))).toBe(999);
  });
});
