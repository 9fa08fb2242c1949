/**
 * `loadnet run <file>`: a scenario from a JSON file or a module. A module may export (as `default`, `scenario`
 * or `scenarios`) a built Scenario, a ScenarioBuilder, a spec object, an array of those (run one after another,
 * e.g. a load progression), or a function (sync or async) returning any of them (import-module.ts loads it).
 * A JSON scenario's `plugins` are imported (plugins.ts) before it is built.
 *
 * Values are recognised by shape, not `instanceof`: a user's module may hold another copy of loadnet.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { LoadnetError, isLoadnetError } from '../errors.js';
import type { Scenario } from '../runtime/contracts.js';
import { scenarioFromSpec, specFromJson } from '../scenario/build.js';
import { isPlainObject } from '../scenario/fields.js';
import { JS_EXTENSIONS, TS_EXTENSIONS, commonJsMessage, commonJsReason, importModuleFile } from './import-module.js';
import { loadPlugins } from './plugins.js';

interface BuilderLike {
  build(): Scenario;
}

/** Every scenario the file holds, built and validated (in order). */
export async function loadScenarioFile(file: string): Promise<Scenario[]> {
  const path = resolve(file);
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run: ${file} is a directory with no .feature files, not a scenario file; allowed: a .json, .ts, .mts, .js or .mjs scenario file, or a directory of .feature files`, {
      hint: 'e.g. loadnet run examples/load-progression.ts',
    });
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run: no such scenario file: ${file}`, { hint: 'pass a .json scenario or a .ts/.js module that exports one, e.g. examples/load-progression.ts' });
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return [await jsonScenario(file, path)];
  if (!TS_EXTENSIONS.includes(ext) && !JS_EXTENSIONS.includes(ext)) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run: ${file}: unsupported file type '${ext || '(none)'}'; allowed: .json, .ts, .mts, .js, .mjs`);
  }
  const commonJs = commonJsReason(path);
  const mod = await importModule(path, commonJs === null ? undefined : commonJsMessage(file, commonJs));
  // Loaded as CommonJS, `export default x` arrives as { default: x } (with __esModule): not a scenario.
  if (commonJs !== null && isPlainObject(mod.default) && ('__esModule' in mod.default || 'default' in mod.default)) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', commonJsMessage(file, commonJs));
  }
  const exported = mod.default ?? mod.scenario ?? mod.scenarios;
  if (exported === undefined) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${file} exports no scenario; allowed: export default (or export const scenario / scenarios) a Scenario, a ScenarioBuilder, a spec, an array of them, or a function returning one`, {
      hint: `it exports: ${Object.keys(mod).join(', ') || 'nothing'}`,
    });
  }
  const value = typeof exported === 'function' && !isBuilder(exported) ? await withFileAsync(file, () => Promise.resolve((exported as () => unknown)())) : exported;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${file}: the exported list of scenarios is empty`);
  return list.map((v, i) => withFile(list.length > 1 ? `${file} [${i}]` : file, () => toScenario(v)));
}

/** A JSON scenario: its `plugins` (relative to the file) are imported first, and recorded by absolute path. */
async function jsonScenario(file: string, path: string): Promise<Scenario> {
  // Resolved and validated first: a wrong field is reported before any plug-in code runs.
  const spec = withFile(file, () => specFromJson(readFileSync(path, 'utf8')));
  if (!spec.plugins?.length) return withFile(file, () => scenarioFromSpec(spec));
  const plugins = await loadPlugins(spec.plugins, dirname(path), (i) => `${file}: plugins[${i}]`);
  return withFile(file, () => scenarioFromSpec({ ...spec, plugins }));
}

/** `commonJsHint`: said with a load failure of a module that loads as CommonJS (the likely cause). */
async function importModule(path: string, commonJsHint?: string): Promise<Record<string, unknown>> {
  try {
    return await importModuleFile(path);
  } catch (e) {
    if (isLoadnetError(e)) throw e;
    const err = e as Error;
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${path} could not be loaded: ${err?.message ?? String(e)}`, { cause: e, hint: commonJsHint ?? 'run with --verbose for the stack' });
  }
}

function isBuilder(v: unknown): v is BuilderLike {
  return typeof v === 'object' && v !== null && typeof (v as { build?: unknown }).build === 'function';
}

function isScenario(v: unknown): v is Scenario {
  return isPlainObject(v) && isPlainObject(v.spec) && Array.isArray(v.workloads) && Array.isArray(v.expectations) && isPlainObject(v.metrics);
}

function toScenario(v: unknown): Scenario {
  if (isScenario(v)) return v;
  if (isBuilder(v)) return v.build();
  if (isPlainObject(v)) return scenarioFromSpec(v);
  throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `the exported value is ${v === null ? 'null' : typeof v}; allowed: a Scenario (builder.build()), a ScenarioBuilder, a spec object, an array of them, or a function returning one`);
}

/** Prefix scenario errors with the file they came from. */
function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw prefixed(file, e);
  }
}

async function withFileAsync<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw prefixed(file, e);
  }
}

function prefixed(file: string, e: unknown): unknown {
  if (!isLoadnetError(e)) return e;
  return new LoadnetError(e.code, `${file}: ${e.message}`, { hint: e.hint, issues: e.issues, cause: e });
}
