/**
 * No registry: an image must exist on every engine that runs it. `copyImage` streams it from one engine to
 * others (`docker save | docker load` over the engine APIs), skipping engines that already hold it.
 */
import type Docker from 'dockerode';
import { dockerError } from '../compose/engine.js';

async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  return docker.getImage(ref).inspect().then(() => true, () => false);
}

/** Copies `ref` from `source` to each of `targets` lacking it; resolves with how many received it. */
export async function copyImage(source: Docker, targets: readonly Docker[], ref: string): Promise<number> {
  const missing = (await Promise.all(targets.map(async (t) => ((await hasImage(t, ref)) ? undefined : t)))).filter((t): t is Docker => t !== undefined);
  await Promise.all(
    missing.map(async (target) => {
      try {
        const tar = await source.getImage(ref).get();
        const progress = (await target.loadImage(tar)) as NodeJS.ReadableStream;
        await new Promise<void>((resolve, reject) => target.modem.followProgress(progress, (err: Error | null) => (err ? reject(err) : resolve())));
      } catch (e) {
        throw dockerError(`copying image ${ref} to another swarm engine`, e);
      }
    }),
  );
  return missing.length;
}
