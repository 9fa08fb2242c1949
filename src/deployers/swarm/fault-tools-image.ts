/**
 * The fault-tools image: this machine's iptables (`iptables-restore` to install a rendered filter table,
 * `iptables` to read it back), the xtables extensions the rendered rules use, iproute2's `tc` (qdiscs for
 * bandwidth limits) and `ip` (which interface holds the node's address), `sleep` to keep the container
 * alive between faults, and the shared libraries `ldd` lists for each, FROM scratch (no registry, no base
 * image). Run with `--network container:<node>` and NET_ADMIN it changes the node container's own filter
 * table and qdiscs, on whatever engine runs that container (faults/appliers/engine-iptables.ts, engine-tc.ts).
 * Tagged by content (paths, sizes, mtimes), so it is built once per tools version and copied to the engines
 * that lack it.
 */
import type Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LoadnetError } from '../../errors.js';
import { buildOnce, contentHash, imageExists, type Stage } from '../compose/image.js';
import type { ImageContents } from '../compose/image-contents.js';
import { programImageContents } from '../compose/program-image.js';

export const FAULT_TOOLS_REPOSITORY = 'loadnet-fault-tools';

/** The xtables extensions renderFilterTable's rules load: DROP (standard), `-m tcp`, `-m statistic`. */
const EXTENSIONS = ['libxt_standard.so', 'libxt_tcp.so', 'libxt_statistic.so'];
/** Where distributions put the xtables extensions; the image sets XTABLES_LIBDIR to the one found. */
const XTABLES_DIRS = ['/usr/lib/x86_64-linux-gnu/xtables', '/usr/lib/aarch64-linux-gnu/xtables', '/usr/lib64/xtables', '/usr/lib/xtables', '/lib/xtables'];

/** Paths inside the image (the host's own paths: an xtables multi-binary picks its mode from its name). */
export interface FaultTools {
  restore: string;
  iptables: string;
  sleep: string;
  tc: string;
  ip: string;
}

function onPath(tool: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function faultToolsContents(): { contents: ImageContents; tools: FaultTools; xtables: string } {
  const found = { restore: onPath('iptables-restore'), iptables: onPath('iptables'), sleep: onPath('sleep'), tc: onPath('tc'), ip: onPath('ip') };
  const xtables = XTABLES_DIRS.find((d) => EXTENSIONS.every((e) => existsSync(join(d, e))));
  const missing = [...Object.entries(found).filter(([, p]) => !p).map(([k]) => (k === 'restore' ? 'iptables-restore' : k)), ...(xtables ? [] : [`the xtables extensions (${EXTENSIONS.join(', ')}) in ${XTABLES_DIRS.join(' or ')}`])];
  if (missing.length > 0) {
    throw new LoadnetError('LN_ERR_NODE_CONTROL', `the fault-tools image needs ${missing.join(', ')} on this machine, which is missing`, {
      hint: 'install iptables, iproute2 (tc, ip) and coreutils on the coordinator\'s machine (Debian: apt-get install iptables iproute2)',
    });
  }
  const tools = found as FaultTools;
  // Each file at its own path with the libraries it links, as a chain's programs get (the .so files included).
  const contents = programImageContents([tools.restore, tools.iptables, tools.sleep, tools.tc, tools.ip, ...EXTENSIONS.map((e) => join(xtables!, e))]);
  return { contents: { ...contents, packages: ['iptables', 'iproute2', 'sleep'] }, tools, xtables: xtables! };
}

export interface FaultToolsImage {
  ref: string;
  tools: FaultTools;
  built: boolean;
  buildMs: number;
}

/** The fault-tools image on `docker`, built when missing. */
export async function ensureFaultToolsImage(docker: Docker, say: (line: string) => void): Promise<FaultToolsImage> {
  const { contents, tools, xtables } = faultToolsContents();
  const dockerfile = ['FROM scratch', 'COPY runtime/ /', `ENV XTABLES_LIBDIR=${xtables}`, ''].join('\n');
  const stage: Stage = { ref: `${FAULT_TOOLS_REPOSITORY}:${contentHash(contents, ['runtime'], dockerfile)}`, layers: ['runtime'], dockerfile };
  if (await imageExists(docker, stage.ref)) return { ref: stage.ref, tools, built: false, buildMs: 0 };
  return { ref: stage.ref, tools, built: true, buildMs: await buildOnce(docker, contents, stage, say) };
}
