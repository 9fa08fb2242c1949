/**
 * The shape of a `loadnet` subcommand, and the registry `main.ts` dispatches on. A command module is loaded only
 * when it runs, so `loadnet --help` stays fast. To add a command, add one entry to COMMANDS with its own module
 * under src/cli/.
 */
import { parseArgs } from 'node:util';
import { LoadnetError } from '../errors.js';
import { joinDashValues } from '../util/option-values.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command {
  name: string;
  /** One line for `loadnet --help`. */
  summary: string;
  /** Full text for `loadnet <name> --help`. */
  usage: string;
  /** Returns the process exit code (ExitCode in errors.ts); throws LoadnetError for user mistakes. */
  load(): Promise<(argv: string[], io: CommandIo) => Promise<number>>;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
export interface ParsedArgs<T extends OptionSpec> {
  values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K]['multiple'] extends true ? string[] : string };
  positionals: string[];
}

/**
 * parseArgs with strict options; a parse failure becomes LN_ERR_USAGE naming the command and its help. A value
 * that starts with '-' (`--duration -5s`) is taken as that option's value (util/option-values.ts), so the
 * command's own check says what is wrong with it.
 */
export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T): ParsedArgs<T> {
  const { args, missing } = joinDashValues(argv, options);
  if (missing) throw usageError(command, `${missing.option} needs a value, but the next argument is the option ${missing.next}`);
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as unknown as ParsedArgs<T>;
  } catch (e) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet ${command}: ${(e as Error).message}`, { hint: `run \`loadnet ${command} --help\` for the options` });
  }
}

export function usageError(command: string, message: string): LoadnetError {
  return new LoadnetError('LN_ERR_USAGE', `loadnet ${command}: ${message}`, { hint: `run \`loadnet ${command} --help\` for the options` });
}
