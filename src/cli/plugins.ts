/**
 * Plug-ins: modules that register custom workloads and expectations (registerWorkload / registerExpectation)
 * when imported, so a JSON scenario can name them. `loadnet run --require <module>` loads them relative to the
 * working directory, a scenario's `plugins` list relative to the scenario file. A module that fails to load,
 * or loads and registers nothing, is an error naming it: a plug-in that does nothing is a mistake.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LoadnetError, isLoadnetError } from '../errors.js';
import { registrationCount } from '../scenario/registry.js';
import { importModuleFile, importPackage } from './import-module.js';

/** Modules imported by this process (by resolved path or package name): ESM runs a module once. */
const loaded = new Set<string>();

/**
 * Import each module in order; returns what was loaded (absolute paths; package names as given).
 * `origin(i)` names where the i-th entry came from in errors (e.g. `--require`, `scenario.json: plugins[0]`).
 */
export async function loadPlugins(specifiers: readonly string[], baseDir: string, origin: (index: number) => string): Promise<string[]> {
  const done: string[] = [];
  for (const [i, specifier] of specifiers.entries()) {
    const where = origin(i);
    // A path when it says so, or when such a file exists (`--require plugins/x.ts`); else a package name.
    const isPath = specifier.startsWith('.') || isAbsolute(specifier) || existsSync(resolve(baseDir, specifier));
    const target = isPath ? resolve(baseDir, specifier) : specifier;
    done.push(target);
    if (loaded.has(target)) continue;
    if (isPath && !existsSync(target)) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${where}: plug-in ${JSON.stringify(specifier)} not found (looked for ${target})`, {
        hint: 'a plug-in is a module path relative to the scenario file (for --require: to the working directory), or a package name',
      });
    }
    const before = registrationCount();
    try {
      await (isPath ? importModuleFile(target) : importPackage(specifier, pathToFileURL(join(baseDir, '/')).href));
    } catch (e) {
      if (isLoadnetError(e)) throw new LoadnetError(e.code, `${where}: plug-in ${JSON.stringify(specifier)}: ${e.message}`, { hint: e.hint, issues: e.issues, cause: e });
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${where}: plug-in ${JSON.stringify(specifier)} could not be loaded: ${(e as Error)?.message ?? String(e)}`, { cause: e, hint: 'run with --verbose for the stack' });
    }
    loaded.add(target);
    if (registrationCount() === before) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${where}: plug-in ${JSON.stringify(specifier)} loaded but registered no workload or expectation`, {
        hint: "a plug-in calls registerWorkload(name, factory) or registerExpectation(name, factory) from 'loadnet' when it is imported",
      });
    }
  }
  return done;
}
