/**
 * Every `loadnet` subcommand. Each is loaded on demand (help texts are light modules).
 * To add a command: one entry here, its code in its own module under src/cli/, returning an exit code.
 */
import { MAX_RATE_USAGE, SOAK_USAGE } from '../jobs/job-args.js';
import type { Command } from './command.js';
import { AGENT_USAGE, CHECK_USAGE, CLEAN_USAGE, COMPARE_USAGE, NODE_USAGE, RENDER_USAGE, REPLAY_USAGE, REPORT_USAGE, RUN_USAGE, STEPS_USAGE } from './usage.js';

export const COMMANDS: readonly Command[] = [
  { name: 'run', summary: 'run a scenario (JSON file, .ts/.js module or .feature files) and judge its expectations', usage: RUN_USAGE, load: async () => (await import('./run-command.js')).runCommand },
  { name: 'steps', summary: 'list every Gherkin step of feature files, with an example', usage: STEPS_USAGE, load: async () => (await import('../gherkin/steps-command.js')).stepsCommand },
  { name: 'max-rate', summary: 'find the highest transaction rate the topology sustains under an SLO', usage: MAX_RATE_USAGE, load: async () => (await import('./job-commands.js')).maxRateCommand },
  { name: 'soak', summary: 'run a scenario for hours with leak checks and summary checkpoints', usage: SOAK_USAGE, load: async () => (await import('./job-commands.js')).soakCommand },
  { name: 'node', summary: 'run one devnet reference node from its config file', usage: NODE_USAGE, load: async () => (await import('./node-command.js')).nodeCommand },
  { name: 'report', summary: 're-render report.html and junit.xml from a run directory', usage: REPORT_USAGE, load: async () => (await import('./report-command.js')).reportCommand },
  { name: 'agent', summary: 'run a load agent: sign and send a coordinator\'s shards from this host', usage: AGENT_USAGE, load: async () => (await import('./agent-command.js')).agentCommand },
  { name: 'compare', summary: 'compare saved runs: figures with confidence intervals, verdicts, regressions, compare.html', usage: COMPARE_USAGE, load: async () => (await import('./compare-command.js')).compareCommand },
  { name: 'render', summary: 'write a scenario\'s deployment for another platform (k8s: Kubernetes manifests)', usage: RENDER_USAGE, load: async () => (await import('./render-command.js')).renderCommand },
  { name: 'check', summary: 're-judge a saved run from its record, with its own or changed expectations', usage: CHECK_USAGE, load: async () => (await import('./check-command.js')).checkCommand },
  { name: 'replay', summary: "send a saved run's transaction traffic again on the same schedule, to a fresh deployment or attached nodes", usage: REPLAY_USAGE, load: async () => (await import('./replay-command.js')).replayCommand },
  { name: 'clean', summary: 'remove leftovers (processes, containers) of runs whose coordinator died', usage: CLEAN_USAGE, load: async () => (await import('./clean-command.js')).cleanCommand },
];
