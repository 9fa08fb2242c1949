/**
 * Runs a node program that does not watch its parent (anvil, or any chain's binary) so it still dies with
 * the coordinator: `node watchdog.js <coordinator pid> <command> [args...]`. The watchdog and its child share
 * the process group the local deployer signals (stop, pause, kill reach both); the watchdog outlives a
 * SIGTERM until its child has exited (a node writing its state on exit must not be cut short), and when the
 * coordinator is gone it stops the child (SIGTERM, SIGKILL after 10 s) and exits.
 */
import { spawn } from 'node:child_process';

const [parentArg, command, ...args] = process.argv.slice(2);
const parentPid = Number(parentArg);
if (!Number.isInteger(parentPid) || !command) {
  process.stderr.write('usage: watchdog <parent pid> <command> [args...]\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: 'inherit' });
child.on('error', (e) => {
  process.stderr.write(`watchdog: cannot start ${command}: ${e.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
// The group's SIGTERM/SIGINT reach the child too: wait for it to exit rather than die first.
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => undefined);

const parentAlive = (): boolean => {
  try {
    process.kill(parentPid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};
setInterval(() => {
  if (parentAlive()) return;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
}, 1000);
