/**
 * Is dist/ built from the sources as they are now? Under vitest, node processes, load workers and the CLI run
 * from dist/, so a test run over an out-of-date build tests old code. The global setup (global-setup.ts, in
 * vitest.config.ts) calls ensureFreshBuild() once before any test file of every vitest invocation.
 *
 * dist/ is out of date when a source of the build (a .ts file under src/, workers/ or examples/, the folders
 * tsconfig.build.json includes) is newer than its output or has none, when a tsconfig is newer than the oldest
 * output, or when the last build the setup ran failed (tsc still writes its output on type errors). tsc writes
 * every output on each build, so after a build no output is older than its source.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const SOURCE_DIRS = ['src', 'workers', 'examples'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];
/** Written when a build run by the setup fails; it counts until a later build writes every output again. */
const FAILED_MARK = join('dist', '.build-failed');

const mtime = (path: string): number => statSync(path).mtimeMs;

/** Why dist/ under `root` is out of date, or null when it is built from the current sources. */
export function buildStaleness(root: string): string | null {
  let oldestOutput = Infinity;
  for (const dir of SOURCE_DIRS) {
    if (!existsSync(join(root, dir))) continue;
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
      const source = relative(root, join(entry.parentPath, entry.name));
      const output = join('dist', source.replace(/\.ts$/, '.js'));
      if (!existsSync(join(root, output))) return `${source} has no build output (${output})`;
      const outputMs = mtime(join(root, output));
      if (mtime(join(root, source)) > outputMs) return `${source} is newer than ${output}`;
      oldestOutput = Math.min(oldestOutput, outputMs);
    }
  }
  if (oldestOutput === Infinity) return 'there are no sources to check (no src/, workers/ or examples/)';
  for (const config of CONFIGS) {
    if (existsSync(join(root, config)) && mtime(join(root, config)) > oldestOutput) return `${config} is newer than the build`;
  }
  if (existsSync(join(root, FAILED_MARK)) && mtime(join(root, FAILED_MARK)) >= oldestOutput) return 'the last build failed';
  return null;
}

export interface FreshBuildOptions {
  /** Build when out of date (default); false: fail with a message saying to build. */
  build?: boolean;
  log?: (line: string) => void;
}

/** Makes sure dist/ under `root` is current: returns what it did, throws with a clear message when it cannot. */
export function ensureFreshBuild(root: string, options: FreshBuildOptions = {}): 'fresh' | 'rebuilt' {
  const reason = buildStaleness(root);
  if (reason === null) return 'fresh';
  if (options.build === false) {
    throw new Error(`dist/ is out of date: ${reason}. Tests run node processes and workers from dist/, so they would test old code: build first (npm run build).`);
  }
  (options.log ?? console.log)(`[test setup] dist/ is out of date (${reason}): building with tsc -p tsconfig.build.json`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    writeFileSync(join(root, FAILED_MARK), '');
    const out = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`.trim();
    throw new Error(`dist/ is out of date (${reason}) and the build failed, so no test ran (they would test old code):\n${out}\nFix the errors (npm run build shows them) and run the tests again.`);
  }
  rmSync(join(root, FAILED_MARK), { force: true });
  const after = buildStaleness(root);
  if (after !== null) throw new Error(`dist/ is still out of date after building: ${after}`);
  return 'rebuilt';
}
