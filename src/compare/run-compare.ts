/** Run directories in, a comparison (and optionally compare.html) out: the I/O around the pure modules. */
import { writeFile, rename } from 'node:fs/promises';
import { LoadnetError } from '../errors.js';
import { readRunData } from '../report/run-data.js';
import { compareRuns, type CompareOptions, type ComparisonResult } from './compare.js';
import { runFigures, type FigureOptions } from './figures.js';
import { renderCompareHtml } from './html.js';

export interface CompareRunDirsOptions extends CompareOptions, FigureOptions {
  /** Write the HTML page here. */
  htmlPath?: string;
}

export async function compareRunDirs(runDirs: readonly string[], options: CompareRunDirsOptions = {}): Promise<ComparisonResult> {
  if (runDirs.length < 2) throw new LoadnetError('LN_ERR_USAGE', `compare needs at least two run directories (got ${runDirs.length})`, { hint: 'loadnet compare runs/<baseline> runs/<candidate> [more…]' });
  const runs = [];
  for (const dir of runDirs) {
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
