/**
 * `loadnet run <file>`: a scenario from a JSON file or a module. A module may export (as `default`, `scenario`
 * or `scenarios`) a built Scenario, a ScenarioBuilder, a spec object, an array of those (run one after another,
 * e.g. a load progression), or a function (sync or async) returning any of them. `.ts` modules are loaded with
 * tsx's `tsImport` (no tsconfig paths, so `import … from 'loadnet'` resolves to this package's build, the same
 * copy the CLI runs); `.js`/`.mjs` with `import()`.
 *
 * Values are recognised by shape, not `instanceof`: a user's module may hold another copy of loadnet.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LoadnetError, isLoadnetError } from '../errors.js';
import type { Scenario } from '../runtime/contracts.js';
import { scenarioFromSpec } from '../scenario/build.js';
import { isPlainObject } from '../scenario/fields.js';

interface BuilderLike {
  build(): Scenario;
}

const TS_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];
const JS_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** Every scenario the file holds, built and validated (in order). */
export async function loadScenarioFile(file: string): Promise<Scenario[]> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run: no such scenario file: ${file}`, { hint: 'pass a .json scenario or a .ts/.js module that exports one, e.g. examples/load-progression.ts' });
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return [withFile(file, () => scenarioFromSpec(readFileSync(path, 'utf8')))];
  if (!TS_EXTENSIONS.includes(ext) && !JS_EXTENSIONS.includes(ext)) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run: ${file}: unsupported file type '${ext || '(none)'}'; allowed: .json, .ts, .mts, .js, .mjs`);
  }
  const mod = await importModule(path, TS_EXTENSIONS.includes(ext));
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

async function importModule(path: string, typescript: boolean): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    if (!typescript) return (await import(url)) as Record<string, unknown>;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, { parentURL: import.meta.url, tsconfig: false })) as Record<string, unknown>;
  } catch (e) {
    if (isLoadnetError(e)) throw e;
    const err = e as Error;
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${path} could not be loaded: ${err?.message ?? String(e)}`, { cause: e, hint: 'run with --verbose for the stack' });
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
