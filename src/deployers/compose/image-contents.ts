/**
 * What goes into the node image, computed from the installed package rather than from a registry:
 * the Node.js binary and the shared libraries it and every native addon link (ldd), libfaketime when the
 * machine has it (Debian's libfaketimeMT.so.1 with its libraries, for clock skew), the built package
 * (package.json + dist/) and its production dependencies as Node's resolution finds them.
 * Each entry maps a host file to its path in the image; `layer` groups entries into image layers
 * ordered by how often they change (runtime < deps < app), so a rebuild after a code change only
 * replaces the last, small layer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadnetError } from '../../errors.js';
import { findLibfaketime } from '../../shaper/faketime-clock.js';

export type Layer = 'runtime' | 'deps' | 'app';

export interface ImageEntry {
  layer: Layer;
  /** Absolute host path (symlinks are followed when packed). */
  source: string;
  /** Path inside the image, without the leading slash. */
  target: string;
}

export interface ImageContents {
  entries: ImageEntry[];
  /** Where the package lives inside the image, e.g. 'app' or 'app/node_modules/loadnet'. */
  packageDir: string;
  /** Facts that identify the contents cheaply (versions, sizes, mtimes, dist hashes come separately). */
  packages: string[];
  /** libfaketime's path in the image (the node image, when this machine has it), for clock skew of containers. */
  faketime?: string | null;
}

/** The directory holding loadnet's package.json, found from this module's location (src/ or dist/src/). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'loadnet') return dir;
    if (dirname(dir) === dir) throw new LoadnetError('LN_ERR_INTERNAL', `cannot find loadnet's package.json above ${from}`);
  }
}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent directory's. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Every production dependency directory reachable from the package, each once. */
export function productionPackageDirs(root: string): string[] {
  const seen = new Set<string>();
  const walk = (dir: string, isRoot: boolean): void => {
    const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    const optional = new Set(Object.keys(pj.optionalDependencies ?? {}));
    for (const name of new Set([...Object.keys(pj.dependencies ?? {}), ...optional])) {
      const found = resolvePackageDir(name, dir);
      if (!found) {
        if (optional.has(name)) continue; // an optional dependency for another platform
        throw new LoadnetError('LN_ERR_DOCKER', `cannot build the node image: ${name}, a dependency of ${pj.name ?? dir}, is not installed`, {
          hint: isRoot ? 'run `npm ci` (or `npm install`) in the loadnet package first' : 'reinstall loadnet\'s dependencies (`npm ci`)',
        });
      }
      if (seen.has(found)) continue;
      seen.add(found);
      walk(found, false);
    }
  };
  walk(root, true);
  return [...seen].sort();
}

/** Absolute paths of the shared libraries a binary links, from `ldd` (empty for static binaries). */
export function linkedLibraries(binary: string, strict = true): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const text = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
    if (/not a dynamic executable|statically linked/.test(text)) return [];
    throw new LoadnetError('LN_ERR_DOCKER', `cannot list the shared libraries of ${binary} with ldd: ${text.trim() || (e as Error).message}`, {
      hint: 'install ldd (Debian: libc-bin) or pass `image` with an image of your own',
      cause: e,
    });
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) libs.push(m[1]!);
    if (/=> not found/.test(line) && strict) throw new LoadnetError('LN_ERR_DOCKER', `${binary} links a library that is missing on this machine: ${line.trim()}`);
  }
  return libs;
}

/** Files under `dir`, recursively; `skip(relPath, isDir)` prunes. */
function listFiles(dir: string, skip: (rel: string, isDir: boolean) => boolean, base = dir, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    const rel = relative(base, abs);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(abs).isDirectory());
    if (skip(rel, isDir)) continue;
    if (isDir) listFiles(abs, skip, base, out);
    else out.push(abs);
  }
  return out;
}

const PLATFORM_PREBUILD = `${process.platform}-${process.arch}`;

/** Nested node_modules are separate packages (listed on their own); prebuilt addons for other platforms are dead weight. */
function skipInDependency(rel: string, isDir: boolean): boolean {
  const parts = rel.split(sep);
  if (isDir && parts[parts.length - 1] === 'node_modules') return true;
  const i = parts.indexOf('prebuilds');
  if (isDir && i >= 0 && parts.length === i + 2 && !parts[i + 1]!.startsWith(PLATFORM_PREBUILD)) return true;
  return false;
}

function commonAncestor(paths: string[]): string {
  let common = paths[0]!;
  for (const p of paths) while (relative(common, p).startsWith('..')) common = dirname(common);
  return common;
}

/** Everything the node image holds, for the package at `root` and the Node.js binary `nodeBinary`. */
export function imageContents(root = packageRoot(), nodeBinary = process.execPath): ImageContents {
  if (!existsSync(join(root, 'dist', 'src', 'node', 'bin.js'))) {
    throw new LoadnetError('LN_ERR_DOCKER', `cannot build the node image: ${join(root, 'dist/src/node/bin.js')} does not exist`, {
      hint: 'build the package first: `npm run build`',
    });
  }
  const depDirs = productionPackageDirs(root);
  // The image mirrors the layout on this machine below the common ancestor of the package and its
  // dependencies, so Node's resolution inside the container finds exactly what it finds here.
  const base = commonAncestor([root, ...depDirs]);
  const inApp = (abs: string) => join('app', relative(base, abs));
  const entries: ImageEntry[] = [];
  const packages: string[] = [];
  const addons: string[] = [];
  for (const dir of depDirs) {
    const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    packages.push(`${relative(base, dir)}@${pj.version ?? '?'}`);
    for (const file of listFiles(dir, skipInDependency)) {
      entries.push({ layer: 'deps', source: file, target: inApp(file) });
      if (file.endsWith('.node')) addons.push(file);
    }
  }
  entries.push({ layer: 'app', source: join(root, 'package.json'), target: inApp(join(root, 'package.json')) });
  for (const file of listFiles(join(root, 'dist'), () => false)) entries.push({ layer: 'app', source: file, target: inApp(file) });

  const libs = new Set<string>();
  for (const lib of linkedLibraries(nodeBinary)) libs.add(lib);
  // libfaketime, at the path it has here, so a container's clock can be skewed (LD_PRELOAD; compose clock skew).
  const faketime = findLibfaketime();
  if (faketime) {
    libs.add(faketime);
    for (const lib of linkedLibraries(faketime, false)) libs.add(lib);
  }
  // An addon built for another libc (e.g. a musl prebuild) may miss libraries here; Node never loads it.
  for (const addon of addons) for (const lib of linkedLibraries(addon, false)) libs.add(lib);
  entries.push({ layer: 'runtime', source: nodeBinary, target: 'usr/local/bin/node' });
  for (const lib of [...libs].sort()) entries.push({ layer: 'runtime', source: lib, target: lib.slice(1) });
  return { entries, packageDir: inApp(root), packages, faketime };
}
