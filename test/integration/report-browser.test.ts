/**
 * report.html in a real headless browser (Debian's chromium through playwright-core): rendered from a run
 * directory recorded by a real chaos run under load (test/fixtures/report-run), it loads from disk with no
 * console error and no network request, every chart has data, fault intervals are shaded, and a screenshot
 * goes to test-artifacts/report.png. A second run record (test/fixtures/report-tiers-run, recorded by a real 22 s
 * run through the built CLI of a shortened examples/latency-tiers.json: tiers A/B/C 10/100/300 ms for 12 s, a
 * delayed and limited link 3–8 s, an isolated executor 14–17 s) shows the propagation-by-tier chart, the
 * convergence after the last heal and the link shaper's timeline (test-artifacts/report-tiers.png). A third
 * (test/fixtures/report-fee-run, recorded by a real 12 s local run of examples/fee-pressure.ts with a 2 s ramp to
 * 240 tx/s: fee-priority passed, 968 evictions) shows the fee-pressure section: inclusion latency and included
 * transactions per fee tier over time, block fill and evictions by reason (test-artifacts/report-fee.png).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { renderRunReports } from '../../src/report/index.js';
import { launchChromium, openCleanPage, requireChromium } from './helpers/headless-chromium.js';

const runDir = mkdtempSync(join(tmpdir(), 'loadnet-report-'));
const tiersRunDir = mkdtempSync(join(tmpdir(), 'loadnet-report-tiers-'));
const feeRunDir = mkdtempSync(join(tmpdir(), 'loadnet-report-fee-'));
let browser: Browser | undefined;

beforeAll(async () => {
  requireChromium();
  cpSync(resolve('test/fixtures/report-run'), runDir, { recursive: true });
  await renderRunReports(runDir);
  cpSync(resolve('test/fixtures/report-tiers-run'), tiersRunDir, { recursive: true });
  await renderRunReports(tiersRunDir);
  cpSync(resolve('test/fixtures/report-fee-run'), feeRunDir, { recursive: true });
  await renderRunReports(feeRunDir);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(runDir, { recursive: true, force: true });
  rmSync(tiersRunDir, { recursive: true, force: true });
  rmSync(feeRunDir, { recursive: true, force: true });
});

describe('report.html in headless chromium', () => {
  it('loads from disk without console errors or network, every chart has data, faults shaded', async () => {
    const page = await openReport(runDir);

    await expect(page.title()).resolves.toMatch(/^loadnet · chaos-restart · (pass|fail)$/);
    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => ({
        id: f.id,
        points: Number(f.getAttribute('data-points')),
        drawn: f.querySelectorAll('polyline.series, g.series circle').length,
        bands: f.querySelectorAll('rect.fault').length,
        width: f.getBoundingClientRect().width,
      })),
    );
    expect(charts.map((c) => c.id)).toEqual(['chart-throughput', 'chart-latency', 'chart-mempool', 'chart-height', 'chart-block-intervals']);
    for (const c of charts) {
      expect(c.points, `${c.id} has data`).toBeGreaterThan(0);
      expect(c.drawn, `${c.id} draws its series`).toBeGreaterThan(0);
      expect(c.bands, `${c.id} shades the 10 faults`).toBe(10);
      expect(c.width).toBeGreaterThan(300);
    }
    // Per-node charts carry one line per node.
    expect(await page.$$eval('#chart-height polyline.series', (l) => l.map((x) => x.getAttribute('data-name')))).toEqual(['executor-0', 'validator-0', 'validator-1', 'validator-2']);
    const rows = await page.$$eval('table.expectations tr', (trs) => trs.slice(1).map((tr) => tr.textContent ?? ''));
    expect(rows.some((r) => r.includes('chaos-restart-recovery') && r.includes('10 restart faults'))).toBe(true);
    expect(await page.textContent('aside')).toContain('full: 3 validators + 1 executors');
    expect(await page.$$eval('table.faults tr', (t) => t.length)).toBe(11);
    // a chaos run with restarts only: no tiers, no convergence figures, no network faults
    expect(await page.$$eval('#propagation, #convergence, #link-state', (l) => l.length)).toBe(0);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/report.png', fullPage: true });
    await page.screenshot({ path: 'test-artifacts/report-top.png' });
    expect(statSync('test-artifacts/report.png').size).toBeGreaterThan(20_000);
    await page.close();
  });

  it('shows a latency-tiers run’s propagation by tier, convergence after the last heal and the link shaper’s state', async () => {
    const page = await openReport(tiersRunDir);
    await expect(page.title()).resolves.toBe('loadnet · latency-tiers · pass');
    // every time chart shades the 3 network faults
    const bands = await page.$$eval('figure.chart', (figs) => figs.map((f) => [f.id, f.querySelectorAll('rect.fault').length]));
    expect(bands).toEqual([...['throughput', 'latency', 'mempool', 'height', 'block-intervals'].map((c) => [`chart-${c}`, 3]), ['chart-propagation-tiers', 0], ['chart-link-state', 0]]);

    // propagation: p50/p99 bars per tier, drawn with height in proportion, each tier's delay marked
    const bars = await page.$$eval('#chart-propagation-tiers rect.bar', (rs) => rs.map((r) => ({ tier: r.getAttribute('data-group'), name: r.getAttribute('data-name'), value: Number(r.getAttribute('data-value')), h: r.getBoundingClientRect().height })));
    expect(bars.map((b) => `${b.tier} ${b.name} ${b.value}`)).toEqual(['tier A p50 120', 'tier A p99 184', 'tier B p50 186', 'tier B p99 259', 'tier C p50 373', 'tier C p99 448']);
    for (const b of bars) expect(b.h / bars[5]!.h).toBeCloseTo(b.value / 448, 1);
    const marks = await page.$$eval('#chart-propagation-tiers line.mark', (ls) => ls.map((l) => ({ v: Number(l.getAttribute('data-value')), y: l.getBoundingClientRect().y })));
    expect(marks.map((m) => m.v)).toEqual([10, 100, 300]);
    expect(marks[0]!.y).toBeGreaterThan(marks[2]!.y); // 10 ms drawn lower than 300 ms
    expect(await page.textContent('table.propagation tr[data-tier="C"]')).toBe('C300validator-2, validator-3163734481500');

    // convergence: the last heal is the partition's, 451 ms
    expect(await page.textContent('#convergence + p')).toMatch(/^After the last heal \(partition-at-14s at 1\d\.\ds\) every live node was on one chain in 451 ms \(bound 5000 ms\)\.$/);
    expect(await page.$$eval('table.convergence tr[data-fault]', (t) => t.map((r) => r.getAttribute('data-fault')))).toEqual(['link-fault-at-3s', 'latency-tiers-at-0ms', 'partition-at-14s']);

    // link shaper: one bar per network fault, in start order, with its effect, placed at its time
    const state = await page.$$eval('#chart-link-state rect.link-state', (rs) => rs.map((r) => ({ kind: r.getAttribute('data-kind'), effects: r.getAttribute('data-effects'), x: r.getBoundingClientRect().x, w: r.getBoundingClientRect().width })));
    expect(state.map((s) => `${s.kind}: ${s.effects}`)).toEqual(['latency-tiers: delay jitter', 'link-fault: delay bandwidth', 'partition: cut']);
    expect(state[0]!.x).toBeLessThan(state[1]!.x);
    expect(state[1]!.x).toBeLessThan(state[2]!.x);
    expect(state[0]!.w).toBeGreaterThan(state[2]!.w * 3); // 12 s of tiers vs a 3 s partition
    const rows = await page.$$eval('table.link-state tr', (t) => t.slice(1).map((r) => r.textContent ?? ''));
    expect(rows[1]).toContain('validator-0 ⇄ validator-1: delay 150 ms, limit 195.3 KiB/s (2 links)');
    expect(rows[2]).toContain('isolate: executor-1 | validator-0, validator-1, validator-2, validator-3, executor-0 (5 pairs cut)');
    expect(rows[2]).toContain('shaper: the link shaper resets the connections');

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/report-tiers.png', fullPage: true });
    await page.close();
  });
});

describe('report.html of a fee-pressure run in headless chromium', () => {
  it('draws each fee tier’s inclusion latency and inclusions over time, block fill and evictions by reason', async () => {
    const page = await openReport(feeRunDir);
    await expect(page.title()).resolves.toBe('loadnet · fee-pressure · pass');
    const charts = await page.$$eval('#fee-pressure ~ figure.chart', (figs) => figs.map((f) => ({ id: f.id, points: Number(f.getAttribute('data-points')), series: Number(f.getAttribute('data-series')), width: f.getBoundingClientRect().width })));
    expect(charts.map((c) => c.id)).toEqual(['chart-fee-latency', 'chart-fee-included', 'chart-block-fill', 'chart-evictions']);
    for (const c of charts) expect(c.width, c.id).toBeGreaterThan(300);

    // latency: a p50 and a p99 line per tier, highest fee first, one point per second with inclusions (18 in the record)
    const lines = await page.$$eval('#chart-fee-latency polyline.series', (ls) => ls.map((l) => ({ name: l.getAttribute('data-name'), dashed: l.hasAttribute('stroke-dasharray'), points: (l.getAttribute('points') ?? '').trim().split(/\s+/).length })));
    expect(lines.map((l) => l.name)).toEqual(['high (fee 20) p50', 'high (fee 20) p99', 'mid (fee 5) p50', 'mid (fee 5) p99', 'low (fee 1) p50', 'low (fee 1) p99']);
    expect(lines.filter((l) => l.dashed).map((l) => l.name)).toEqual(['high (fee 20) p99', 'mid (fee 5) p99', 'low (fee 1) p99']);
    expect(charts[0]!.points).toBe(2 * 18);
    // The high tier's p50 line lies below the mid tier's over the run (its median inclusion 499 ms vs 4936 ms).
    const meanY = (name: string) => page.$eval(`#chart-fee-latency polyline.series[data-name="${name}"]`, (l) => { const ys = (l.getAttribute('points') ?? '').trim().split(/\s+/).map((p) => Number(p.split(',')[1])); return ys.reduce((a, b) => a + b, 0) / ys.length; });
    expect(await meanY('high (fee 20) p50')).toBeGreaterThan(await meanY('mid (fee 5) p50')); // SVG y grows downwards

    expect(charts[1]!.series).toBe(6);
    // block fill: one dot per canonical block with its transaction count, none above 1 (60 per block)
    expect(charts[2]!.points).toBeGreaterThan(15);
    expect(await page.textContent('#chart-block-fill figcaption')).toContain('capacity (60)');
    const evictions = await page.$$eval('#chart-evictions rect.bar', (rs) => rs.map((r) => `${r.getAttribute('data-group')} ${r.getAttribute('data-value')}`));
    expect(evictions).toEqual(['lowest_fee 915', 'after_evicted_nonce 53']);
    expect(await page.textContent('#fee-pressure + p')).toMatch(/^968 evicted \(lowest_fee 915, after_evicted_nonce 53\); median block fill 1; fee-priority pass\.$/);
    const rows = await page.$$eval('table.fee-tiers tr[data-tier]', (t) => t.map((r) => Array.from(r.querySelectorAll('td'), (d) => d.textContent)));
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      ['high', '20', '597', '597', '0'],
      ['mid', '5', '579', '321', '0'],
      ['low', '1', '537', '1', '327'],
    ]);
    expect(rows[2]![7]).toBe('∞'); // low lost over half of what was decided: no p50

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/report-fee.png', fullPage: true });
    await page.close();
  });
});

/** Open a run's rendered report.html (openCleanPage: no console problem, no request off the disk). */
const openReport = (dir: string) => openCleanPage(browser!, join(dir, 'report.html'), 1400);
