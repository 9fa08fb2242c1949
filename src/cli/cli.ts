/**
 * The `loadnet` command line: dispatches to one subcommand (commands.ts), maps errors to exit codes and prints
 * user mistakes as message + hint on stderr, without a stack unless --verbose. Arguments are parsed with
 * node:util parseArgs (strict): the commands are few and flat, so a CLI framework would add a dependency and
 * nothing else.
 */
import { readFileSync } from 'node:fs';
import { ExitCode, exitCodeFor, isLoadnetError } from '../errors.js';
import { closest } from '../scenario/fields.js';
import type { CommandIo } from './command.js';
import { COMMANDS } from './commands.js';

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `loadnet: test blockchain networks: topologies, open-loop load, chaos, expectations, reports.

Usage: loadnet <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options for every command: -h, --help (the command's options)   --verbose (stacks on errors)
loadnet --version prints the version. Exit codes: 0 passed, 1 an expectation failed, 2 usage or scenario
error, 3 infrastructure, 130 interrupted.

Example: loadnet run examples/load-progression.ts --duration 30s`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  try {
    const [first, ...rest] = args;
    if (first === undefined) {
      io.stderr.write(`${topHelp()}\n`);
      return ExitCode.usage;
    }
    if (first === '--help' || first === '-h') {
      io.stdout.write(`${topHelp()}\n`);
      return ExitCode.ok;
    }
    if (first === '--version' || first === '-v') {
      io.stdout.write(`${version()}\n`);
      return ExitCode.ok;
    }
    if (first === 'help') {
      const target = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
      io.stdout.write(`${target ? target.usage : topHelp()}\n`);
      return rest[0] === undefined || target ? ExitCode.ok : ExitCode.usage;
    }
    const command = COMMANDS.find((c) => c.name === first);
    if (!command) {
      const near = closest(first, COMMANDS.map((c) => c.name));
      io.stderr.write(`loadnet: unknown command '${first}'${near ? ` (did you mean '${near}'?)` : ''}; allowed: ${COMMANDS.map((c) => c.name).join(', ')}\nhint: run \`loadnet --help\`\n`);
      return ExitCode.usage;
    }
    const run = await command.load();
    return await run(rest, io);
  } catch (e) {
    io.stderr.write(describeError(e, verbose));
    return exitCodeFor(e);
  }
}

function describeError(e: unknown, verbose: boolean): string {
  if (isLoadnetError(e)) {
    const hint = e.hint ? `\nhint: ${e.hint}` : '';
    const stack = verbose && e.stack ? `\n${e.stack}${causeStack(e)}` : '';
    return `${e.message.startsWith('loadnet') ? '' : 'loadnet: '}${e.message}${hint}${stack}\n`;
  }
  const err = e as Error;
  const stack = verbose ? `\n${err?.stack ?? ''}` : '\nhint: run again with --verbose for the stack';
  return `loadnet: internal error: ${err?.message ?? String(e)}${stack}\n`;
}

function causeStack(e: Error): string {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error && cause.stack ? `\ncaused by: ${cause.stack}` : '';
}
