/** Start helpers/coordinator.ts as a child process (local or compose deployer) and wait for its READY line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./coordinator.ts', import.meta.url));

export interface Coordinator {
  child: ChildProcess;
  runDir: string;
  output: () => string;
  exited: Promise<number | null>;
}

export interface CoordinatorOptions {
  deployer?: 'local' | 'compose';
  env?: NodeJS.ProcessEnv;
  /** Called with the child as soon as it is spawned (so a test's cleanup can reach it even if it never gets ready). */
  onSpawn?: (child: ChildProcess) => void;
}

export async function startCoordinator(outDir: string, mode: 'deploy' | 'run' | 'faults' | 'preserve', opts: CoordinatorOptions = {}): Promise<Coordinator> {
  const deployer = opts.deployer ?? 'local';
  const child = spawn(process.execPath, ['--import', 'tsx', script, outDir, mode, deployer], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  opts.onSpawn?.(child);
  // Containers (and the images built on first use) take longer than processes to come up.
  const readyWithinMs = deployer === 'compose' ? 120_000 : 60_000;
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const runDir = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coordinator not ready within ${readyWithinMs / 1000} s; output:\n${out}`)), readyWithinMs);
    const onData = () => {
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`coordinator exited (${code}) before READY; output:\n${out}`));
    });
  });
  return { child, runDir, output: () => out, exited };
}
