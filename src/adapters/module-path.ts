/** Where a worker-side module of an adapter is, as JavaScript the worker threads can import. */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadnetError } from '../errors.js';

/**
 * The built `<name>.js` next to the adapter module at `moduleUrl`. From TypeScript sources (tsx, vitest)
 * that is the same path under dist/, since worker threads run plain JavaScript.
 */
export function workerModulePath(moduleUrl: string, name: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  let file = join(here, `${name}.js`);
  if (fileURLToPath(moduleUrl).endsWith('.ts')) {
    const root = resolve(here, '../../..');
    file = join(root, 'dist', relative(root, here), `${name}.js`);
  }
  if (!existsSync(file)) throw new LoadnetError('LN_ERR_WORKLOAD', `worker module not found at ${file}`, { hint: 'build loadnet first: npm run build' });
  return file;
}
