/**
 * `loadnet node --config <file>`: the devnet reference node in this process (what deployers spawn as
 * `node dist/src/node/bin.js --config <file>`). The node keeps the process alive until SIGTERM/SIGINT or until
 * its `parentPid` is gone; this command never resolves on its own.
 */
import { ExitCode } from '../errors.js';
import type { CommandIo } from './command.js';
import { NODE_USAGE } from './usage.js';

export async function nodeCommand(argv: string[], io: CommandIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${NODE_USAGE}\n`);
    return ExitCode.ok;
  }
  const { runNodeProcess } = await import('../node/process.js');
  await runNodeProcess(argv);
  // Keep running: the node's own signal handlers and watchdog end the process.
  return new Promise<number>(() => {});
}
