import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { deriveSeries } from '../../src/report/run-data.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { printSummaryTable } from '../../src/report/summary-table.js';
import { formatProgressLine, progressFigures, startLiveProgress } from '../../src/report/progress.js';
import { downsample, niceTicks } from '../../src/report/svg-chart.js';
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
