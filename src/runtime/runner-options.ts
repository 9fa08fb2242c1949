/**
 * Options of a run that are not part of the scenario (where the record goes, what is shown), and the
 * hooks into the report module. The report is loaded lazily and every call is guarded: a report failure
 * is recorded as an event and never loses the run record.
 */
import type { RunContext, RunSummary } from './contracts.js';
import type { ReadinessOptions } from '../deployers/readiness.js';
import type { RunRecordOptions } from './run-record.js';

export interface RunnerOptions extends RunRecordOptions {
  /** Live terminal progress during the run (report module). Default false. */
  progress?: boolean;
  /** Print the summary table here after evaluation. Default: not printed. */
  summaryStream?: NodeJS.WritableStream;
  /** Render report.html and junit.xml into the run directory after evaluation. Default true. */
  reports?: boolean;
  readiness?: Pick<ReadinessOptions, 'httpTimeoutMs' | 'peersTimeoutMs' | 'producingTimeoutMs'>;
  /** Wait after the cooldown before evaluating. Default max(1 s, one slot). */
  settleMs?: number;
  /** Bound on a workload returning after its abort signal. Default 15 s. */
  workloadStopTimeoutMs?: number;
  /** Bound on one expectation's evaluate(). Default 120 s. */
  evaluateTimeoutMs?: number;
  /** How often summary.partial.json is written during the run. Default 5 s (soak runs set their own). */
  checkpointIntervalMs?: number;
  /** The deployer's notices (leftovers swept at start, image builds, a preserved stack): default stderr, null silences them. */
  log?: ((line: string) => void) | null;
  /** Block feed memory bounds (compressed soaks shrink them so bounded buffers fill within the warm-up). */
  blockFeed?: { retainTxIdsBlocks?: number };
}

/** Where the deployer's notices go (see `log`). */
export function noticeWriter(options: RunnerOptions): (line: string) => void {
  if (options.log === null) return () => undefined;
  return options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
}

interface ReportModule {
  renderRunReports?(runDir: string): Promise<unknown> | unknown;
  startLiveProgress?(ctx: RunContext, opts?: Record<string, unknown>): { stop(): void } | (() => void) | unknown;
  printSummaryTable?(summary: RunSummary, stream: NodeJS.WritableStream): void;
}

export interface ReportHooks {
  startProgress(ctx: RunContext): () => void;
  printTable(summary: RunSummary): void;
  render(runDir: string): Promise<void>;
}


export async function reportHooks(options: RunnerOptions, onError: (what: string, e: unknown) => void = () => {}): Promise<ReportHooks> {
  let mod: ReportModule | undefined;
  if (options.progress || options.summaryStream || options.reports !== false) {
    try {
      // Loaded on first use: a run with no progress, summary table or reports never loads the renderers.
      mod = (await import('../report/index.js')) as ReportModule;
    } catch (e) {
      onError('load report module', e);
    }
  }
  return {
    startProgress(ctx) {
      if (!options.progress || !mod?.startLiveProgress) return () => {};
      try {
        const handle = mod.startLiveProgress(ctx, {}) as { stop?: () => void } | (() => void) | undefined;
        return () => {
          try {
            if (typeof handle === 'function') handle();
            else handle?.stop?.();
          } catch (e) {
            onError('stop live progress', e);
          }
        };
      } catch (e) {
        onError('start live progress', e);
        return () => {};
      }
    },
    printTable(summary) {
      if (!options.summaryStream || !mod?.printSummaryTable) return;
      try {
        mod.printSummaryTable(summary, options.summaryStream);
      } catch (e) {
        onError('print summary table', e);
      }
    },
    async render(runDir) {
      if (options.reports === false || !mod?.renderRunReports) return;
      try {
        await mod.renderRunReports(runDir);
      } catch (e) {
        onError('render reports', e);
      }
    },
  };
}
