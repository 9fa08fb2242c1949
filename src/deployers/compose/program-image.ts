/**
 * The image a chain's own programs run from on the compose deployer (anvil, …; the devnet has its node
 * image, image.ts): FROM scratch, each program at the path it has on this machine with the shared libraries
 * `ldd` lists for it, and an empty /tmp. Tagged by content (paths, sizes, mtimes), so it is built once per
 * program version. A program that needs more than its libraries (data files, a shell) does not fit: pass
 * an image of your own.
 */
import type Docker from 'dockerode';
import { basename } from 'node:path';
import { buildOnce, contentHash, imageExists, type Stage } from './image.js';
import { linkedLibraries, type ImageContents, type ImageEntry } from './image-contents.js';

export const PROGRAM_REPOSITORY = 'loadnet-program';

export function programImageContents(programs: readonly string[]): ImageContents {
  const entries: ImageEntry[] = [];
  const libs = new Set<string>();
  for (const program of [...new Set(programs)].sort()) {
    entries.push({ layer: 'runtime', source: program, target: program.slice(1) });
    for (const lib of linkedLibraries(program)) libs.add(lib);
  }
  for (const lib of [...libs].sort()) entries.push({ layer: 'runtime', source: lib, target: lib.slice(1) });
  return { entries, packageDir: '', packages: programs.map((p) => basename(p)) };
}

/** The image holding `programs` (absolute paths on this machine), built when missing. */
export async function ensureProgramImage(docker: Docker, programs: readonly string[], say: (line: string) => void): Promise<{ ref: string; built: boolean; buildMs: number }> {
  const contents = programImageContents(programs);
  const dockerfile = ['FROM scratch', 'COPY runtime/ /', ''].join('\n');
  const stage: Stage = { ref: `${PROGRAM_REPOSITORY}:${contentHash(contents, ['runtime'], dockerfile)}`, layers: ['runtime'], dockerfile };
  if (await imageExists(docker, stage.ref)) return { ref: stage.ref, built: false, buildMs: 0 };
  return { ref: stage.ref, built: true, buildMs: await buildOnce(docker, contents, stage, say) };
}
