/** `loadnet report <runDir>`: re-render report.html and junit.xml from a run directory (no nodes needed). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../errors.js';
import { parseCommandArgs, usageError, type CommandIo } from './command.js';
import { REPORT_USAGE } from './usage.js';

export async function reportCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('report', argv, { help: { type: 'boolean', short: 'h' } } as const);
  if (values.help) {
    io.stdout.write(`${REPORT_USAGE}\n`);
    return ExitCode.ok;
  }
  if (positionals.length !== 1) throw usageError('report', 'takes exactly one run directory');
  const runDir = positionals[0]!;
  if (!existsSync(join(runDir, 'events.jsonl')) && !existsSync(join(runDir, 'summary.json'))) {
    throw usageError('report', `${runDir} is not a run directory (no summary.json or events.jsonl)`);
  }
  const { renderRunReports } = await import('../report/index.js');
  await renderRunReports(runDir);
  io.stdout.write(`report: ${join(runDir, 'report.html')}\njunit: ${join(runDir, 'junit.xml')}\n`);
  return ExitCode.ok;
}
