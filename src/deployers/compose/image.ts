/**
 * The node image, built locally FROM scratch (no registry is reachable, so there is no base image to pull):
 * the Node.js binary with its shared libraries, the built package and its production dependencies.
 * The tag is a content hash, so a deploy rebuilds only when the package, its dependencies or the Node.js
 * binary changed; otherwise the cached image is used as is.
 */
import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { LoadnetError } from '../../errors.js';
import { dockerError, isNotFound, Labels } from './engine.js';
import { imageContents, packageRoot, type ImageContents, type Layer } from './image-contents.js';

export const IMAGE_REPOSITORY = 'loadnet-node';
/** Inside the container: where the node's directory (config.json, data/) is mounted. */
export const NODE_DIR_IN_CONTAINER = '/loadnet/node';

export interface NodeImage {
  /** Image reference to create containers from. */
  ref: string;
  /** Command (after the image's entrypoint) that runs a node with the mounted config. */
  command: string[];
  /** True when this call built it; false when it was cached or user-supplied. */
  built: boolean;
  buildMs: number;
}

export interface NodeImageOptions {
  /** Use this image instead of building one; it must run `node <package>/dist/src/node/bin.js` as laid out by `command`. */
  image?: string;
  /** With `image`: the command that starts a node; default the built image's. */
  command?: string[];
  /** Build progress lines; default: stderr. null: silent. */
  progress?: ((line: string) => void) | null;
  /** Rebuild even when an image with the same content hash exists. */
  rebuild?: boolean;
  root?: string;
  nodeBinary?: string;
}

const LAYERS: Layer[] = ['runtime', 'deps', 'app'];

function dockerfile(contents: ImageContents): string {
  return [
    'FROM scratch',
    // One layer per rate of change: Node.js and libc rarely, dependencies sometimes, dist/ every build.
    ...LAYERS.map((layer) => `COPY ${layer}/ /`),
    'ENV PATH=/usr/local/bin',
    `WORKDIR /${contents.packageDir}`,
    'ENTRYPOINT ["/usr/local/bin/node"]',
    '',
  ].join('\n');
}

function nodeCommand(packageDir: string): string[] {
  return [`/${packageDir}/dist/src/node/bin.js`, '--config', `${NODE_DIR_IN_CONTAINER}/config.json`];
}

/**
 * Content hash of the image: dist/ and package.json by content (they change every build); dependencies
 * and the runtime by path, size and mtime (a reinstall or a new Node.js changes them; hashing 100+ MB of
 * binaries on every deploy would not).
 */
export function contentHash(contents: ImageContents): string {
  const h = createHash('sha256');
  h.update(dockerfile(contents));
  for (const e of [...contents.entries].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))) {
    h.update(`${e.layer}\0${e.target}\0`);
    if (e.layer === 'app') h.update(readFileSync(e.source));
    else {
      const st = statSync(e.source);
      h.update(`${st.size}:${st.mtimeMs}`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

/** A build context of symlinks into the host's files; `tar -h` packs their targets. */
function stageContext(contents: ImageContents): string {
  const dir = mkdtempSync(join(tmpdir(), 'loadnet-image-'));
  for (const layer of LAYERS) mkdirSync(join(dir, layer));
  mkdirSync(join(dir, 'runtime', 'tmp'));
  chmodSync(join(dir, 'runtime', 'tmp'), 0o1777);
  mkdirSync(join(dir, 'runtime', 'loadnet', 'node'), { recursive: true });
  for (const e of contents.entries) {
    const at = join(dir, e.layer, e.target);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(e.source, at);
  }
  writeFileSync(join(dir, 'Dockerfile'), dockerfile(contents));
  return dir;
}

const inFlight = new Map<string, Promise<NodeImage>>();

/** Returns the image to run nodes from, building it when needed. */
export async function ensureNodeImage(docker: Docker, options: NodeImageOptions = {}): Promise<NodeImage> {
  const progress = options.progress === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.progress;
  if (options.image) {
    try {
      await docker.getImage(options.image).inspect();
    } catch (e) {
      if (!isNotFound(e)) throw dockerError(`inspecting image ${options.image}`, e);
      throw new LoadnetError('LN_ERR_DOCKER', `image ${options.image} is not present in the local Docker engine`, {
        hint: `load or build it first (\`docker pull ${options.image}\` where a registry is reachable), or omit \`image\` to let loadnet build its own`,
      });
    }
    const root = options.root ?? packageRoot();
    return { ref: options.image, command: options.command ?? nodeCommand(imageContents(root, options.nodeBinary).packageDir), built: false, buildMs: 0 };
  }
  const contents = imageContents(options.root ?? packageRoot(), options.nodeBinary ?? process.execPath);
  const ref = `${IMAGE_REPOSITORY}:${contentHash(contents)}`;
  const command = nodeCommand(contents.packageDir);
  if (!options.rebuild) {
    try {
      await docker.getImage(ref).inspect();
      return { ref, command, built: false, buildMs: 0 };
    } catch (e) {
      if (!isNotFound(e)) throw dockerError(`inspecting image ${ref}`, e);
    }
  }
  let pending = inFlight.get(ref);
  if (!pending) {
    pending = buildImage(docker, contents, ref, progress).then((buildMs) => ({ ref, command, built: true, buildMs }));
    inFlight.set(ref, pending);
    pending.finally(() => inFlight.delete(ref)).catch(() => undefined);
  }
  return pending;
}

async function buildImage(docker: Docker, contents: ImageContents, ref: string, progress: ((line: string) => void) | null): Promise<number> {
  const started = performance.now();
  const say = progress ?? (() => undefined);
  say(`[loadnet] building node image ${ref} FROM scratch (${contents.entries.length} files: Node.js ${process.version}, ${contents.packages.length} packages, dist/)`);
  const stage = stageContext(contents);
  try {
    const tar = spawn('tar', ['-c', '-h', '-C', stage, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tarErr = '';
    tar.stderr.on('data', (d) => (tarErr += d));
    const tarDone = new Promise<void>((resolve, reject) => {
      tar.on('error', (e) => reject(new LoadnetError('LN_ERR_DOCKER', `cannot pack the build context with tar: ${e.message}`, { cause: e })));
      tar.on('close', (code) => (code === 0 ? resolve() : reject(new LoadnetError('LN_ERR_DOCKER', `tar failed packing the build context (exit ${code}): ${tarErr.trim()}`))));
    });
    // Report the context upload in 32 MB steps: it is the slow part of a cold build.
    let sent = 0;
    let reported = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        sent += chunk.length;
        if (sent - reported >= 32 << 20) {
          reported = sent;
          say(`[loadnet] sending build context: ${(sent / 1e6).toFixed(0)} MB`);
        }
        cb(null, chunk);
      },
    });
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.buildImage(tar.stdout.pipe(counter) as unknown as NodeJS.ReadableStream, {
        t: ref,
        labels: { [Labels.image]: ref.split(':')[1]! },
        rm: true,
        forcerm: true,
      });
    } catch (e) {
      tar.kill();
      throw dockerError(`building image ${ref}`, e);
    }
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(dockerError(`building image ${ref}`, err)) : resolve()),
        (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (event.error) reject(new LoadnetError('LN_ERR_DOCKER', `building image ${ref} failed: ${event.errorDetail?.message ?? event.error}`));
          const line = event.stream?.trim();
          if (line && /^(Step|Successfully)/.test(line)) say(`[loadnet] ${line}`);
        },
      );
    });
    await tarDone;
    const ms = performance.now() - started;
    say(`[loadnet] node image ${ref} built in ${(ms / 1000).toFixed(1)} s (context ${(sent / 1e6).toFixed(0)} MB)`);
    return ms;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
