/**
 * `loadnet clean`: remove what earlier runs left behind when their coordinator died (killed node processes,
 * port reservations; with Docker, containers and networks labelled by loadnet). Runs whose coordinator is still
 * alive are left alone.
 */
import { ExitCode } from '../errors.js';
import { parseCommandArgs, type CommandIo } from './command.js';
import { CLEAN_USAGE } from './usage.js';

export async function cleanCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('clean', argv, { docker: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const);
  if (values.help) {
    io.stdout.write(`${CLEAN_USAGE}\n`);
    return ExitCode.ok;
  }
  const { cleanLeftovers, describeSweep } = await import('../deployers/local/index.js');
  const local = cleanLeftovers();
  let docker: unknown;
  if (values.docker) {
    const { cleanComposeLeftovers } = await import('../deployers/compose/index.js');
    const { cleanSwarmLeftovers } = await import('../deployers/swarm/index.js');
    const { connectEngine } = await import('../deployers/compose/engine.js');
    // Swarm services and secrets first (through the manager, when this engine is one): then their containers.
    const swarm = await cleanSwarmLeftovers(connectEngine());
    docker = { ...swarm, ...(await cleanComposeLeftovers()) };
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ local, docker }, null, 2)}\n`);
    return ExitCode.ok;
  }
  for (const line of describeSweep(local)) io.stdout.write(`${line}\n`);
  if (local.active.length) io.stdout.write(`left alone (coordinator alive): ${local.active.join(', ')}\n`);
  if (docker !== undefined) io.stdout.write(`docker: ${JSON.stringify(docker)}\n`);
  if (local.runs.length === 0 && !local.staleReservations && docker === undefined) io.stdout.write('nothing to clean\n');
  return ExitCode.ok;
}
