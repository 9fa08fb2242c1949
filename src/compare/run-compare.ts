/** Run directories in, a comparison (and optionally compare.html) out: the I/O around the pure modules. */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LoadnetError } from '../errors.js';
import { deriveSeries, readRunData, type RunData } from '../report/run-data.js';
import type { ScenarioSpec } from '../scenario/spec.js';
import { compareRuns, type CompareOptions, type ComparisonResult } from './compare.js';
import { DEPLOYMENTS_FILE, type MaxRateDeploymentsSummary } from '../jobs/max-rate-deployments.js';
import { runFigures, type FigureOptions, type RunFigures } from './figures.js';

/** A `max-rate --deployments` directory as a run: its one figure is the mean maximum, its error over the deployments. */
async function deploymentsRun(dir: string): Promise<{ data: RunData; figures: RunFigures; scenario?: ScenarioSpec }> {
  const path = join(dir, DEPLOYMENTS_FILE);
  let m: MaxRateDeploymentsSummary;
  try {
    m = JSON.parse(await readFile(path, 'utf8')) as MaxRateDeploymentsSummary;
  } catch (e) {
    throw new LoadnetError('LN_ERR_USAGE', `${path} is not readable JSON: ${(e as Error).message}`);
  }
  // The deployments differ by seed (their leader schedules) and name on purpose: compare the rest.
  const first = m.deployments?.[0] ? await readRunData(m.deployments[0].runDir).catch(() => undefined) : undefined;
  const scenario = first?.scenario ? ({ ...first.scenario, seed: undefined, name: undefined } as unknown as ScenarioSpec) : undefined;
  const data = deriveSeries(dir, scenario, undefined, []);
  const figures: RunFigures = {
    runDir: dir,
    name: `max-rate over ${m.deployments?.length ?? 0} deployments`,
    window: { from: 0, to: 0 },
    batchSeconds: 0,
    batches: m.count,
    figures: m.meanTps === null ? {} : { maxRateTps: { value: m.meanTps, stdErr: m.sdTps === null ? null : m.sdTps / Math.sqrt(m.count), batches: m.count, note: m.message } },
    distributions: { inclusion: [], finality: [] },
    notes: [`${m.count} deployments named a maximum: ${m.deployments.map((d) => d.maxRateTps ?? '—').join(', ')} tx/s`],
  };
  return { data, figures, scenario };
}
import { renderCompareHtml } from './html.js';

export interface CompareRunDirsOptions extends CompareOptions, FigureOptions {
  /** Write the HTML page here. */
  htmlPath?: string;
}

export async function compareRunDirs(runDirs: readonly string[], options: CompareRunDirsOptions = {}): Promise<ComparisonResult> {
  if (runDirs.length < 2) throw new LoadnetError('LN_ERR_USAGE', `compare needs at least two run directories (got ${runDirs.length})`, { hint: 'loadnet compare runs/<baseline> runs/<candidate> [more…]' });
  const runs = [];
  for (const dir of runDirs) {
    if (existsSync(join(dir, DEPLOYMENTS_FILE))) {
      runs.push(await deploymentsRun(dir));
      continue;
    }
    const data = await readRunData(dir);
    if (!data.summary && data.loadIntervals.length === 0) {
      throw new LoadnetError('LN_ERR_USAGE', `${dir} has no summary.json and no load intervals: nothing to compare`, { hint: 'pass the directory of a run that carried load or a max-rate job' });
    }
    runs.push({ data, figures: runFigures(data, options), scenario: data.scenario });
  }
  const result = compareRuns(runs, options);
  if (options.htmlPath) {
    const tmp = `${options.htmlPath}.${process.pid}.tmp`;
    await writeFile(tmp, renderCompareHtml(runs, result));
    await rename(tmp, options.htmlPath);
  }
  return result;
}
