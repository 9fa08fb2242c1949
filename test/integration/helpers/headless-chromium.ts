/**
 * HTML reports in a real headless browser (Debian's chromium through playwright-core), each page opened so that
 * a console error or warning, an uncaught page error or a request off the disk fails the test.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Throws, saying how to install it, when chromium is not on this machine (call it before slow set-up). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/test-env.mjs (apt-get install chromium)`);
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** Open the HTML file `file` in a new page `width` px wide (900 high), asserting it loaded with no console problem and no request off the disk. */
export async function openCleanPage(browser: Browser, file: string, width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  const res = await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  expect(res?.ok() ?? true).toBe(true);
  expect(problems).toEqual([]);
  expect(requests).toEqual([]);
  return page;
}
