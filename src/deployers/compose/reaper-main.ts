/**
 * The reaper process (testcontainers' Ryuk, as a host process): started detached by the compose deployer
 * with a pipe on its stdin. When the pipe closes without a `keep` or `done` line (the coordinator died,
 * even by SIGKILL, or exited without teardown), it removes every container and network labelled with the
 * run id, and the run directory's libfaketime files (clock skews active when it died), then exits.
 * Usage: `node reaper-main.js <runId> [<runDir>]`; DOCKER_HOST selects the engine. A swarm run:
 * `node reaper-main.js <runId> <runDir> --swarm [--manager <socket>] [--engine <socket>]...` also removes its
 * services and secrets through the manager and its containers and volumes on every engine named.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FAKETIME_DIR } from '../../shaper/faketime-clock.js';
import { connectEngine } from './engine.js';
import { removeRun } from './cleanup.js';
import { removeSwarmRun } from '../swarm/cleanup.js';

const { values: opts, positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { swarm: { type: 'boolean' }, manager: { type: 'string' }, engine: { type: 'string', multiple: true } } });
const runId = positionals[0];
const runDir = positionals[1];
if (!runId) {
  process.stderr.write('usage: reaper-main <runId> [<runDir>]\n');
  process.exit(2);
}
const log = (m: string) => process.stderr.write(`${new Date().toISOString()} reaper ${runId}: ${m}\n`);
// Own session (detached), but ignore terminal signals anyway: only the pipe decides.
for (const sig of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(sig, () => log(`ignoring ${sig}`));

let verdict: 'reap' | 'keep' | 'done' = 'reap';
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
    const line = buffered.slice(0, i).trim();
    buffered = buffered.slice(i + 1);
    if (line === 'keep' || line === 'done') verdict = line;
    else if (line === 'arm') verdict = 'reap';
  }
});
process.stdin.on('close', () => void finish());
process.stdin.on('error', () => void finish());

let finishing = false;
async function finish(): Promise<void> {
  if (finishing) return;
  finishing = true;
  if (verdict !== 'reap') {
    log(`coordinator closed the pipe after '${verdict}': nothing to remove`);
    process.exit(0);
  }
  log('coordinator is gone: removing the run\'s containers and networks');
  const docker = connectEngine({ socketPath: opts.manager });
  const workers = (opts.engine ?? []).map((socketPath) => connectEngine({ socketPath }));
  // Twice, a moment apart: a container the coordinator was creating when it died appears late.
  for (let round = 0; round < 3; round++) {
    try {
      if (opts.swarm) {
        const removed = await removeSwarmRun(docker, workers, runId!);
        log(`removed ${removed.services.length} services, ${removed.secrets.length} secrets, ${removed.containers.length} containers, ${removed.networks.length} networks, ${removed.volumes.length} volumes`);
      } else {
        const removed = await removeRun(docker, runId!);
        log(`removed ${removed.containers.length} containers, ${removed.networks.length} networks`);
      }
    } catch (e) {
      log(`removal failed: ${(e as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 1500));
  }
  if (runDir) rmSync(join(runDir, FAKETIME_DIR), { recursive: true, force: true });
  process.exit(0);
}

log(`watching coordinator pid ${process.ppid}`);
process.stdout.write('ready\n');
