/**
 * The node image, built locally FROM scratch (no registry is reachable, so there is no base image to pull):
 * the Node.js binary with its shared libraries, the built package and its production dependencies.
 * Tags are content hashes, so a deploy builds only when the package, its dependencies or the Node.js
 * binary changed; a code change rebuilds only the small dist/ image on top of the cached base.
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
  /** Command (after the entrypoint) that runs a load agent, `loadnet agent --listen 0.0.0.0:7400` (docs/agents.md). */
  agentCommand: string[];
  /** True when this call built it; false when it was cached or user-supplied. */
  built: boolean;
  /** libfaketime's path inside the image (loadnet's image on a machine with libfaketime), else null. */
  faketime: string | null;
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

export const BASE_REPOSITORY = 'loadnet-node-base';

/**
 * Two images, by rate of change: the base (Node.js with its libraries, then the production dependencies;
 * rebuilt when Node.js or the dependencies change) and the node image FROM that base adding dist/ (rebuilt
 * on every code change, sending only dist/ to the engine instead of the whole 140 MB context).
 */
export interface Stage {
  ref: string;
  layers: Layer[];
  dockerfile: string;
}

function stages(contents: ImageContents): { base: Stage; app: Stage } {
  const baseFile = ['FROM scratch', 'COPY runtime/ /', 'COPY deps/ /', 'ENV PATH=/usr/local/bin', 'ENTRYPOINT ["/usr/local/bin/node"]', ''].join('\n');
  const baseRef = `${BASE_REPOSITORY}:${contentHash(contents, ['runtime', 'deps'], baseFile)}`;
  const appFile = [`FROM ${baseRef}`, 'COPY app/ /', `WORKDIR /${contents.packageDir}`, ''].join('\n');
  const appRef = `${IMAGE_REPOSITORY}:${contentHash(contents, ['app'], appFile)}`;
  return { base: { ref: baseRef, layers: ['runtime', 'deps'], dockerfile: baseFile }, app: { ref: appRef, layers: ['app'], dockerfile: appFile } };
}

function nodeCommand(packageDir: string): string[] {
  return [`/${packageDir}/dist/src/node/bin.js`, '--config', `${NODE_DIR_IN_CONTAINER}/config.json`];
}

/** The port a load agent listens on in a container (on every interface, so a published port or an overlay reaches it). */
export const AGENT_PORT_IN_CONTAINER = 7400;

function agentCommand(packageDir: string): string[] {
  return [`/${packageDir}/dist/src/cli/main.js`, 'agent', '--listen', `0.0.0.0:${AGENT_PORT_IN_CONTAINER}`];
}

/**
 * Content hash of one stage: dist/ and package.json by content (they change every build); dependencies
 * and the runtime by path, size and mtime (a reinstall or a new Node.js changes them; hashing 100+ MB of
 * binaries on every deploy would not). The app stage's Dockerfile names the base, so it covers both.
 */
export function contentHash(contents: ImageContents, layers: readonly Layer[], dockerfile: string): string {
  const h = createHash('sha256');
  h.update(dockerfile);
  const entries = contents.entries.filter((e) => layers.includes(e.layer));
  for (const e of entries.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))) {
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
function stageContext(contents: ImageContents, stage: Stage): string {
  const dir = mkdtempSync(join(tmpdir(), 'loadnet-image-'));
  for (const layer of stage.layers) mkdirSync(join(dir, layer));
  if (stage.layers.includes('runtime')) {
    mkdirSync(join(dir, 'runtime', 'tmp'));
    chmodSync(join(dir, 'runtime', 'tmp'), 0o1777);
    mkdirSync(join(dir, 'runtime', 'loadnet', 'node'), { recursive: true });
  }
  for (const e of contents.entries) {
    if (!stage.layers.includes(e.layer)) continue;
    const at = join(dir, e.layer, e.target);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(e.source, at);
  }
  writeFileSync(join(dir, 'Dockerfile'), stage.dockerfile);
  return dir;
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (e) {
    if (!isNotFound(e)) throw dockerError(`inspecting image ${ref}`, e);
    return false;
  }
}

const inFlight = new Map<string, Promise<number>>();

/** Builds `stage` once per process at a time (concurrent deploys share the build). */
export function buildOnce(docker: Docker, contents: ImageContents, stage: Stage, say: (line: string) => void): Promise<number> {
  let pending = inFlight.get(stage.ref);
  if (!pending) {
    pending = buildImage(docker, contents, stage, say);
    inFlight.set(stage.ref, pending);
    pending.finally(() => inFlight.delete(stage.ref)).catch(() => undefined);
  }
  return pending;
}

/**
 * The reference `ensureNodeImage` builds for this installed package (content-addressed), and where the package
 * lives inside it, computed without an engine: what manifests for another runtime (Kubernetes) name.
 */
export function nodeImageRef(root = packageRoot(), nodeBinary = process.execPath): { ref: string; packageDir: string } {
  const contents = imageContents(root, nodeBinary);
  return { ref: stages(contents).app.ref, packageDir: contents.packageDir };
}

/** Returns the image to run nodes from, building it when needed. */
export async function ensureNodeImage(docker: Docker, options: NodeImageOptions = {}): Promise<NodeImage> {
  const progress = options.progress === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.progress;
  const say = progress ?? (() => undefined);
  if (options.image) {
    if (!(await imageExists(docker, options.image))) {
      throw new LoadnetError('LN_ERR_DOCKER', `image ${options.image} is not present in the local Docker engine`, {
        hint: `load or build it first (\`docker pull ${options.image}\` where a registry is reachable), or omit \`image\` to let loadnet build its own`,
      });
    }
    const { packageDir } = imageContents(options.root ?? packageRoot(), options.nodeBinary);
    return { ref: options.image, command: options.command ?? nodeCommand(packageDir), agentCommand: agentCommand(packageDir), built: false, buildMs: 0, faketime: null };
  }
  const contents = imageContents(options.root ?? packageRoot(), options.nodeBinary ?? process.execPath);
  const { base, app } = stages(contents);
  const command = nodeCommand(contents.packageDir);
  const agent = agentCommand(contents.packageDir);
  if (!options.rebuild && (await imageExists(docker, app.ref))) return { ref: app.ref, command, agentCommand: agent, built: false, buildMs: 0, faketime: contents.faketime ?? null };
  let buildMs = 0;
  if (options.rebuild || !(await imageExists(docker, base.ref))) buildMs += await buildOnce(docker, contents, base, say);
  buildMs += await buildOnce(docker, contents, app, say);
  await pruneOldImages(docker, [app.ref, base.ref]);
  return { ref: app.ref, command, agentCommand: agent, built: true, buildMs, faketime: contents.faketime ?? null };
}

/** Images of earlier builds kept for runs that may still start from them (beside the current one). */
const KEEP_OLDER = { [IMAGE_REPOSITORY]: 4, [BASE_REPOSITORY]: 1 } as const;

/**
 * Every code change builds a new dist/ image; without pruning they pile up. Keeps the newest few of each
 * repository; an image a container still uses is refused by the engine (409) and stays.
 */
async function pruneOldImages(docker: Docker, current: string[]): Promise<void> {
  let images: Docker.ImageInfo[];
  try {
    images = await docker.listImages({ filters: JSON.stringify({ label: [Labels.image] }) });
  } catch {
    return;
  }
  for (const [repo, keep] of Object.entries(KEEP_OLDER)) {
    const mine = images
      .filter((i) => (i.RepoTags ?? []).some((t) => t.startsWith(`${repo}:`)) && !(i.RepoTags ?? []).some((t) => current.includes(t)))
      .sort((a, b) => b.Created - a.Created);
    for (const img of mine.slice(keep)) await docker.getImage(img.Id).remove().catch(() => undefined);
  }
}

async function buildImage(docker: Docker, contents: ImageContents, stage: Stage, say: (line: string) => void): Promise<number> {
  const started = performance.now();
  const ref = stage.ref;
  const files = contents.entries.filter((e) => stage.layers.includes(e.layer)).length;
  const what = stage.layers.includes('runtime') ? `FROM scratch: Node.js ${process.version} and ${contents.packages.length} packages` : 'dist/ on the base image';
  say(`[loadnet] building ${ref} (${what}, ${files} files)`);
  const dir = stageContext(contents, stage);
  try {
    const tar = spawn('tar', ['-c', '-h', '-C', dir, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
        labels: { [Labels.image]: ref },
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
    say(`[loadnet] ${ref} built in ${(ms / 1000).toFixed(1)} s (context ${(sent / 1e6).toFixed(1)} MB)`);
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
