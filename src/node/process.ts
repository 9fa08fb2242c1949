/**
 * Running the node as a process: config from `--config <file>`, clean shutdown on SIGTERM/SIGINT
 * (flush the block log, write a snapshot), and the parent watchdog: when `parentPid` is set the node
 * exits within about a second of that process disappearing, so no node outlives its coordinator.
 */
import { isLoadnetError, exitCodeFor, LoadnetError } from '../errors.js';
import { loadNodeConfig } from './config-load.js';
import { DEFENSES_ENV, defensesOffFromEnv } from './defenses.js';
import { startNode, type DevnetNode } from './node.js';

const WATCHDOG_MS = 250;

function parentAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else; only ESRCH means gone.
    return (e as { code?: string }).code === 'EPERM';
  }
}

export function parseNodeArgs(argv: string[]): { configPath: string } {
  const i = argv.indexOf('--config');
  const configPath = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  if (!configPath) throw new LoadnetError('LN_ERR_USAGE', 'missing --config <file>: usage: loadnet node --config <node-config.json>');
  return { configPath };
}

/** Start a node from the command line and keep it running until a signal or the parent is gone. */
export async function runNodeProcess(argv: string[]): Promise<DevnetNode> {
  const { configPath } = parseNodeArgs(argv);
  const config = loadNodeConfig(configPath);
  const fromEnv = defensesOffFromEnv(process.env[DEFENSES_ENV]);
  if (fromEnv.length > 0) config.defensesOff = [...new Set([...(config.defensesOff ?? []), ...fromEnv])];
  const node = await startNode(config);
  let stopping = false;
  const shutdown = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    node.log('info', 'shutting down', { why });
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    node.stop().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  // A stray rejection somewhere must not take a node down in the middle of a run: log it and go on.
  process.on('unhandledRejection', (e) => node.log('error', 'unhandled rejection', { error: (e as Error)?.stack ?? String(e) }));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  if (config.parentPid !== null) {
    const pid = config.parentPid;
    const timer = setInterval(() => {
      if (!parentAlive(pid)) shutdown(`parent ${pid} is gone`, 0);
    }, WATCHDOG_MS);
    timer.unref();
  }
  return node;
}

/** Print a user error without a stack and pick the CLI exit code. */
export function reportFatal(e: unknown): number {
  if (isLoadnetError(e)) {
    process.stderr.write(`loadnet node: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}\n`);
  } else {
    process.stderr.write(`loadnet node: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  }
  return exitCodeFor(e);
}
