/** `loadnet steps`: the step vocabulary of feature files, grouped, each with an example and its DSL meaning. */
import { parseCommandArgs, type CommandIo } from '../cli/command.js';
import { STEPS_USAGE } from '../cli/usage.js';
import { ExitCode } from '../errors.js';
import { DEPLOYER_ENV, MAX_DURATION_ENV } from './compile.js';
import { STEPS, shownPattern } from './steps.js';

export async function stepsCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('steps', argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout.write(`${STEPS_USAGE}\n`);
    return ExitCode.ok;
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(STEPS.map((def) => ({ pattern: shownPattern(def), phase: def.phase, group: def.group, inherited: def.inherited === true, example: def.example, doc: def.doc })), null, 2)}\n`);
    return ExitCode.ok;
  }
  const groups = [...new Set(STEPS.map((s) => s.group))];
  const lines: string[] = [
    'Steps of loadnet feature files (any keyword: Given/When/Then/And/But). * = inherited vocabulary, accepted exactly as written.',
    'Setup steps come before `When run scenario`, checks after it. Parameters: {int}, {float}, {string} ("quoted"), {word},',
    "{duration} (500ms, 90s, 1m30s), {percent} (95% or 0.95), {figure} and {value} (see the figures in the check's text).",
    '',
  ];
  for (const g of groups) {
    lines.push(`${g}:`);
    for (const s of STEPS.filter((x) => x.group === g)) lines.push(`  ${s.inherited ? '*' : ' '} ${shownPattern(s)}`, `        e.g. ${s.example}`, `        ${s.doc}`);
    lines.push('');
  }
  lines.push(`Environment: ${DEPLOYER_ENV} (deployer of \`we have a CLI deployer specified\` without --deployer: local, host, compose, docker), ${MAX_DURATION_ENV} (caps each run window and max-rate hold, e.g. 10s).`);
  lines.push('Faults: each partition, latency-tiers, link, refused-peer, clock or churn step adds one fault (latency tier, clock and churn steps in a row join one); `the fault …` and `the network converges within` steps schedule the fault just before them. A churn fault brings its own churn check, `converges within` its convergence check.');
  io.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}
