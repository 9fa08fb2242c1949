/**
 * `loadnet agent --listen host:port`: a load agent (load/agent-server.ts) that a coordinator hands shards of its
 * wallets and schedule to (`agents` of the load engine). Runs until SIGINT/SIGTERM, or one session with --once.
 */
import { ExitCode } from '../errors.js';
import type { AgentsSpec } from '../scenario/spec.js';
import { HOST_PORT_ALLOWED, parseHostPort } from '../util/host-port.js';
import { parseAgentAddress } from '../load/agent-protocol.js';
import { parseCommandArgs, usageError, type CommandIo } from './command.js';
import { AGENT_USAGE } from './usage.js';

export async function agentCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('agent', argv, { listen: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const);
  if (values.help) {
    io.stdout.write(`${AGENT_USAGE}\n`);
    return ExitCode.ok;
  }
  if (positionals.length > 0) throw usageError('agent', `takes no arguments, got ${positionals.join(' ')}`);
  let address: { host: string; port: number };
  try {
    address = values.listen === undefined ? { host: '127.0.0.1', port: 7400 } : /^\S+:0$/.test(values.listen) ? { host: values.listen.slice(0, -2), port: 0 } : parseAgentAddress(values.listen);
  } catch (e) {
    throw usageError('agent', `--listen ${(e as Error).message}`);
  }
  const { startAgentServer } = await import('../load/agent-server.js');
  const server = await startAgentServer({ ...address, once: values.once === true, log: (line) => io.stderr.write(`agent: ${line}\n`) });
  // The address on stdout (one line), for scripts that start an agent on a free port.
  io.stdout.write(`listening on ${server.address.host}:${server.address.port}\n`);
  const stop = () => void server.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await server.closed;
  return ExitCode.ok;
}

/**
 * `--agent host:port` (repeatable) and `--agent-loss` of run/max-rate/soak applied to the scenario's `agents`:
 * given addresses replace the scenario's; --agent-loss needs agents from either.
 */
export function agentsFromFlags(command: string, current: AgentsSpec | undefined, addresses: readonly string[] | undefined, onLoss: string | undefined): AgentsSpec | undefined {
  for (const a of addresses ?? []) if (!parseHostPort(a)) throw usageError(command, `--agent ${JSON.stringify(a)} is not a load agent address; allowed: ${HOST_PORT_ALLOWED}`);
  if (onLoss !== undefined && onLoss !== 'fail' && onLoss !== 'continue') throw usageError(command, `--agent-loss ${JSON.stringify(onLoss)} is not allowed; allowed: fail, continue`);
  const list = addresses && addresses.length > 0 ? [...addresses] : current?.addresses;
  if (!list) {
    if (onLoss !== undefined) throw usageError(command, '--agent-loss needs load agents: --agent host:port, or "agents" in the scenario');
    return undefined;
  }
  return { addresses: list, onLoss: (onLoss as AgentsSpec['onLoss'] | undefined) ?? current?.onLoss ?? 'fail' };
}
