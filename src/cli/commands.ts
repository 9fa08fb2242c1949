/**
 * Every `loadnet` subcommand. Each is loaded on demand.
 * Extension point: `max-rate` and `soak` (issue 9) plug in here as one entry each, e.g.
 *   { name: 'max-rate', summary: '…', usage: MAX_RATE_USAGE, load: async () => (await import('./max-rate-command.js')).maxRateCommand }
 * where the command parses its argv (src/jobs/job-args.ts) and returns an exit code.
 */
import type { Command } from './command.js';
import { CLEAN_USAGE, NODE_USAGE, REPORT_USAGE, RUN_USAGE } from './usage.js';

export const COMMANDS: readonly Command[] = [
  { name: 'run', summary: 'run a scenario (JSON file or .ts/.js module) and judge its expectations', usage: RUN_USAGE, load: async () => (await import('./run-command.js')).runCommand },
  { name: 'node', summary: 'run one devnet reference node from its config file', usage: NODE_USAGE, load: async () => (await import('./node-command.js')).nodeCommand },
  { name: 'report', summary: 're-render report.html and junit.xml from a run directory', usage: REPORT_USAGE, load: async () => (await import('./report-command.js')).reportCommand },
  { name: 'clean', summary: 'remove leftovers (processes, containers) of runs whose coordinator died', usage: CLEAN_USAGE, load: async () => (await import('./clean-command.js')).cleanCommand },
];
