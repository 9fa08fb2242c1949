/**
 * report.html in a real headless browser (Debian's chromium through playwright-core): rendered from a run
 * directory recorded by a real chaos run under load (test/fixtures/report-run), it loads from disk with no
 * console error and no network request, every chart has data, fault intervals are shaded, and a screenshot
 * goes to test-artifacts/report.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderRunReports } from '../../src/report/index.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const runDir = mkdtempSync(join(tmpdir(), 'loadnet-report-'));
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/test-env.mjs (apt-get install chromium)`);
  cpSync(resolve('test/fixtures/report-run'), runDir, { recursive: true });
  await renderRunReports(runDir);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  rmSync(runDir, { recursive: true, force: true });
});

describe('report.html in headless chromium', () => {
  it('loads from disk without console errors or network, every chart has data, faults shaded', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const res = await page.goto(pathToFileURL(join(runDir, 'report.html')).href, { waitUntil: 'load' });
    expect(res?.ok() ?? true).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);

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

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/report.png', fullPage: true });
    await page.screenshot({ path: 'test-artifacts/report-top.png' });
    expect(statSync('test-artifacts/report.png').size).toBeGreaterThan(20_000);
    await page.close();
  });
});
