/**
 * Where the bundled devnet node's entry point is: `<package root>/dist/src/node/bin.js`, found by walking
 * up from this file (it runs from dist/ when installed, from src/ under vitest/tsx) to loadnet's
 * package.json. Nodes always run the built JavaScript: fast to start, no TypeScript loader per node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadnetError } from '../../errors.js';

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'loadnet') return dir;
      } catch {
        /* not ours: keep walking */
      }
    }
    dir = dirname(dir);
  }
  throw new LoadnetError('LN_ERR_INTERNAL', 'cannot find the loadnet package root from ' + fileURLToPath(import.meta.url));
}

/** The node's entry point; a clear error when the package was not built. */
export function nodeBinary(override?: string): string {
  const bin = override ?? join(packageRoot(), 'dist', 'src', 'node', 'bin.js');
  if (!existsSync(bin)) {
    throw new LoadnetError('LN_ERR_DEPLOY', `the devnet node is not built: ${bin} does not exist`, { hint: 'run `npm run build` (tsc -p tsconfig.build.json) in the loadnet package first' });
  }
  return bin;
}
