/**
 * The shape of a `loadnet` subcommand, and the registry `main.ts` dispatches on. A command module is loaded only
 * when it runs, so `loadnet --help` stays fast. To add a command, add one entry to COMMANDS with its own module
 * under src/cli/.
 */
import { parseArgs } from 'node:util';
import { LoadnetError } from '../errors.js';

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
 * parseArgs with strict options; a parse failure becomes LN_ERR_USAGE naming the command and its help.
 * A value that starts with '-' (`--duration -5s`) is taken as that option's value unless it names an option
 * itself, so the command's own check says what is wrong with it (parseArgs alone calls it "ambiguous").
 */
export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T): ParsedArgs<T> {
  const args = [...argv];
  const specOf = (arg: string): OptionSpec[string] | undefined => {
    if (/^--[^=]+$/.test(arg)) return options[arg.slice(2)];
    if (/^-[^-]$/.test(arg)) return Object.values(options).find((o) => o.short === arg[1]);
    return undefined;
  };
  const isOption = (arg: string) => specOf(arg.split('=')[0]!) !== undefined;
  for (let i = 0; i < args.length - 1; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    const next = args[i + 1]!;
    if (specOf(arg)?.type !== 'string' || !next.startsWith('-') || next === '-') continue;
    if (isOption(next)) throw usageError(command, `${arg} needs a value, but the next argument is the option ${next}`);
    args.splice(i, 2, `${arg.startsWith('--') ? arg : `--${Object.keys(options).find((k) => options[k]!.short === arg[1])}`}=${next}`);
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as unknown as ParsedArgs<T>;
  } catch (e) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet ${command}: ${(e as Error).message}`, { hint: `run \`loadnet ${command} --help\` for the options` });
  }
}

export function usageError(command: string, message: string): LoadnetError {
  return new LoadnetError('LN_ERR_USAGE', `loadnet ${command}: ${message}`, { hint: `run \`loadnet ${command} --help\` for the options` });
}
