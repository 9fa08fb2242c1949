/** Start helpers/coordinator.ts as a child process and wait for its READY line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./coordinator.ts', import.meta.url));

export interface Coordinator {
  child: ChildProcess;
  runDir: string;
  output: () => string;
  exited: Promise<number | null>;
}

export async function startCoordinator(outDir: string, mode: 'deploy' | 'run' | 'faults', env: NodeJS.ProcessEnv = {}): Promise<Coordinator> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, outDir, mode], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const runDir = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coordinator not ready within 60 s; output:\n${out}`)), 60_000);
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
