/**
 * Importing a user's module (a scenario or a plug-in): `.ts` through tsx's `tsImport` (no tsconfig paths, so
 * `import … from 'loadnet'` resolves to this package's build, the same copy the CLI runs), `.js`/`.mjs` with
 * `import()`. A package name is resolved from `parentURL` (where the naming file is), through tsx as well.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const TS_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];
export const JS_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** Import an absolute path; errors propagate as thrown (callers name the file). */
export async function importModuleFile(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (!TS_EXTENSIONS.includes(extname(path).toLowerCase())) return (await import(url)) as Record<string, unknown>;
  return importThroughTsx(url, import.meta.url);
}

/** Import a package by name as the module at `parentURL` would. */
export function importPackage(name: string, parentURL: string): Promise<Record<string, unknown>> {
  return importThroughTsx(name, parentURL);
}

async function importThroughTsx(specifier: string, parentURL: string): Promise<Record<string, unknown>> {
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(specifier, { parentURL, tsconfig: false })) as Record<string, unknown>;
}

/**
 * Why Node loads this module as CommonJS, or null when it loads it as an ES module: a .cts/.cjs file always;
 * a .ts/.tsx/.js file when the nearest package.json has no "type": "module" (or there is none).
 */
export function commonJsReason(path: string): string | null {
  const ext = extname(path).toLowerCase();
  if (ext === '.cts' || ext === '.cjs') return `a ${ext} file is always CommonJS`;
  if (ext === '.mts' || ext === '.mjs') return null;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      let type: unknown;
      try {
        type = (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type;
      } catch {
        return null; // unreadable: the loader reports it
      }
      return type === 'module' ? null : `${pkg} has no "type": "module"`;
    }
    if (dirname(dir) === dir) return 'no package.json above it says "type": "module"';
  }
}

/** What to do about a module that must be an ES module but is CommonJS where it is (`reason` from commonJsReason). */
export function commonJsMessage(file: string, reason: string): string {
  const ext = extname(file);
  const esm = `${basename(file, ext)}${/^\.c?js$/i.test(ext) ? '.mjs' : '.mts'}`;
  const pkg = reason.startsWith('no package.json') ? 'put a package.json with "type": "module" beside it' : 'add "type": "module" to the nearest package.json';
  const fix = /^\.c[jt]s$/i.test(ext) ? `name it ${esm}` : `${pkg} or name it ${esm}`;
  return `${file} is CommonJS here (${reason}), and a scenario module must be an ES module: ${fix}`;
}
