/** Renders report.html and junit.xml into a run directory from that directory alone (`loadnet report <runDir>`). */
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { readRunData } from './run-data.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import type { RunSummary } from '../runtime/contracts.js';

/** Write via a temp file and rename, so a reader never sees half a report. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/**
 * `into` writes elsewhere than the run directory, `summary` replaces the run's own (`loadnet check` renders
 * a re-judged run next to the original without touching it).
 */
export async function renderRunReports(runDir: string, opts: { into?: string; summary?: RunSummary } = {}): Promise<{ html: string; junit: string }> {
  const data = await readRunData(runDir);
  if (opts.summary) data.summary = opts.summary;
  const html = renderHtml(data);
  const summary: RunSummary = data.summary ?? {
    scenario: data.scenario?.name ?? 'run',
    runDir,
    verdict: 'unknown',
    interrupted: true,
    startedAt: new Date(data.t0 || 0).toISOString(),
    endedAt: new Date((data.t0 || 0) + data.span * 1000).toISOString(),
    expectations: [],
    chain: {},
  };
  const junit = renderJunit(summary);
  const out = opts.into ?? runDir;
  await Promise.all([writeAtomic(join(out, 'report.html'), html), writeAtomic(join(out, 'junit.xml'), junit)]);
  return { html, junit };
}
