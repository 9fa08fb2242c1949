/** The report: terminal progress and summary, report.html and junit.xml (both read only the run directory). */
export { startLiveProgress, progressFigures, formatProgressLine, type LiveProgressOptions } from './progress.js';
export { printSummaryTable } from './summary-table.js';
export { renderRunReports } from './render.js';
export { readRunData, deriveSeries, type RunData } from './run-data.js';
export { renderHtml } from './html.js';
export { renderJunit } from './junit.js';
