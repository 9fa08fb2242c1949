/**
 * Probes a soak samples: the coordinator's heap after a full GC (the only heap figure a leak shows in;
 * heapUsed between collections is mostly garbage), process RSS and a directory's size on disk (a node's RSS is
 * the node sampler's: runtime/node-sampler.ts). Each returns undefined when it cannot tell, never a guess.
 */
import { readdir, lstat, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | undefined;

/** The V8 `gc()` function, exposed at runtime (no --expose-gc flag needed on the command line). */
function gc(): () => void {
  if (gcFn) return gcFn;
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return (gcFn = global.gc);
  setFlagsFromString('--expose-gc');
  gcFn = runInNewContext('gc') as () => void;
  return gcFn;
}

/** Heap used after a full, synchronous collection (bytes). Costs one full GC pause: sample sparingly. */
export function heapUsedAfterGc(): number {
  gc()();
  return process.memoryUsage().heapUsed;
}

/**
 * Data on the heap after a full collection: heap used minus the code spaces. JIT-compiled code keeps
 * growing for minutes as functions tier up (measured here: ~300 KB a minute early in a run) and is bounded
 * by the program's size; a leak is retained data, which this keeps apart from that warm-up.
 */
export function heapDataAfterGc(): number {
  gc()();
  let used = 0;
  for (const s of getHeapSpaceStatistics()) if (!s.space_name.startsWith('code_')) used += s.space_used_size;
  return used;
}

/** Resident set of this process: coordinator plus its worker threads (bytes). */
export function processRss(): number {
  return process.memoryUsage.rss();
}

/** Bytes of the regular files under `dir` (recursive, symlinks not followed); undefined when it is missing. */
export async function dirSizeBytes(dir: string): Promise<number | undefined> {
  let total = 0;
  const stack = [dir];
  let root = true;
  while (stack.length) {
    const d = stack.pop()!;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      if (root) return undefined;
      // a file vanished mid-walk (compaction, rotation): skip it
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    root = false;
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        try {
          total += (await lstat(p)).size;
        } catch {
          // vanished between readdir and stat
        }
      }
    }
  }
  return total;
}

/** Write JSON so a reader (or a crash) never sees half a file: write a temp file, then rename over. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}
