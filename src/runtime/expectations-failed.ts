/**
 * The rejection of a run whose verdict is not 'pass': what failed, with every message, and where the record
 * is. Thrown by `runner.run()` after the deployment is torn down, so a script or a test that awaits a run fails
 * the way the seed's `runner.run(&mut plan).await?` does.
 */
import { LoadnetError } from '../errors.js';
import type { ExpectationOutcome, RunSummary } from './contracts.js';

export class ExpectationsFailedError extends LoadnetError {
  declare readonly code: 'LN_ERR_EXPECTATIONS_FAILED';
  /** The run's summary (also in `<runDir>/summary.json`). */
  readonly summary: RunSummary;
  readonly runDir: string;
  /** Every expectation that did not pass ('fail' or 'unknown'), in the summary's order. */
  readonly failures: ExpectationOutcome[];

  constructor(summary: RunSummary) {
    const failures = summary.expectations.filter((e) => e.status !== 'pass');
    const lines = failures.map((e) => `  - ${e.name} (${e.status}): ${e.message}`);
    const what = failures.length ? `${failures.length} of ${summary.expectations.length} expectations did not pass` : 'no expectation was judged';
    super('LN_ERR_EXPECTATIONS_FAILED', `scenario '${summary.scenario}' did not pass (verdict ${summary.verdict}): ${what}\n${lines.join('\n')}${lines.length ? '\n' : ''}run directory: ${summary.runDir}`, {
      hint: `the deployment is torn down; the report is ${summary.runDir}/report.html. To keep the handle whatever the verdict: runner.run(scenario, { rejectOnFailure: false })`,
    });
    this.name = 'ExpectationsFailedError';
    this.summary = summary;
    this.runDir = summary.runDir;
    this.failures = failures;
  }
}
