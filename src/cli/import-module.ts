/**
 * Importing a user's module (a scenario or a plug-in): `.ts` through tsx's `tsImport` (no tsconfig paths, so
 * `import … from 'loadnet'` resolves to this package's build, the same copy the CLI runs), `.js`/`.mjs` with
 * `import()`. A package name is resolved from `parentURL` (where the naming file is), through tsx as well.
 */
import { extname } from 'node:path';
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
