/**
 * `docker-compose.yml` in the run directory: the deployment as a Compose file, so a user can bring the
 * same topology up by hand (`docker compose -f docker-compose.yml up -d` from the run directory) with the
 * same image, configs, network aliases, ports and limits. loadnet itself talks to the engine API and does
 * not need the compose CLI. Strings are written as JSON, which is valid YAML.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ComposeService {
  name: string;
  role: string;
  image: string;
  command: string[];
  /** Host directory mounted at `mountPath`, relative to the run directory. */
  nodeDirRel: string;
  mountPath: string;
  user: string;
  /** 127.0.0.1 host port → container port. */
  ports: Array<{ host: number; container: number }>;
  labels: Record<string, string>;
  cpus?: number;
  memoryBytes?: number;
}

export interface ComposeProject {
  project: string;
  network: string;
  networkLabels: Record<string, string>;
  services: ComposeService[];
}

const q = (s: string | number) => JSON.stringify(String(s));

export function renderComposeFile(p: ComposeProject): string {
  const out: string[] = [
    '# Written by loadnet: this run\'s deployment as a Compose file, to reproduce it by hand.',
    '# From this directory: docker compose up -d   (stop loadnet\'s own stack first: the host ports are the same)',
    `name: ${q(p.project)}`,
    'services:',
  ];
  for (const s of p.services) {
    out.push(`  ${q(s.name)}:`);
    out.push(`    image: ${q(s.image)}`);
    out.push(`    command: [${s.command.map(q).join(', ')}]`);
    out.push('    init: true');
    out.push(`    user: ${q(s.user)}`);
    out.push(`    volumes: [${q(`./${s.nodeDirRel}:${s.mountPath}`)}]`);
    if (s.ports.length > 0) out.push(`    ports: [${s.ports.map((x) => q(`127.0.0.1:${x.host}:${x.container}`)).join(', ')}]`);
    out.push('    networks:');
    out.push(`      run: { aliases: [${q(s.name)}] }`);
    if (s.cpus !== undefined) out.push(`    cpus: ${s.cpus}`);
    if (s.memoryBytes !== undefined) out.push(`    mem_limit: ${s.memoryBytes}`);
    out.push('    labels:');
    for (const [k, v] of Object.entries(s.labels)) out.push(`      ${q(k)}: ${q(v)}`);
  }
  out.push('networks:', '  run:', `    name: ${q(p.network)}`, '    driver: bridge', '    labels:');
  for (const [k, v] of Object.entries(p.networkLabels)) out.push(`      ${q(k)}: ${q(v)}`);
  return `${out.join('\n')}\n`;
}

export function writeComposeFile(runDir: string, p: ComposeProject): string {
  const file = join(runDir, 'docker-compose.yml');
  writeFileSync(file, renderComposeFile(p));
  return file;
}
