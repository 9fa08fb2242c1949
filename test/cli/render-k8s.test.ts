// `loadnet render k8s` as users run it (the built CLI): every object it writes validates against the Kubernetes
// API's JSON schemas (kubernetes-models, API 1.27), and what a schema cannot see is checked here: names are DNS
// labels, every peer a node dials is a rendered Service, selectors select their pods, services' ports exist,
// referenced Secrets/ConfigMaps exist, each node config is one the devnet node accepts, the Job carries the scenario.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from 'kubernetes-models/batch/v1';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { checkNodeConfig } from '../../dist/src/node/config-load.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
let dir: string;
/** The first test's objects, reused by the next. */
let rendered: Obj[] = [];

function loadnet(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [k: string]: any;
}

function parseStream(text: string): Obj[] {
  return text
    .split(/^---$/m)
    .slice(1)
    .map((doc) => JSON.parse(doc) as Obj);
}

const MODELS: Record<string, new (o: any) => { validate(): void }> = { StatefulSet, Service, Secret, ConfigMap, Job };

function schemaValidate(o: Obj): void {
  const Model = MODELS[o.kind];
  if (!Model) throw new Error(`no model for kind ${o.kind}`);
  new Model(o).validate();
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loadnet-k8s-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadnet render k8s', () => {
  it('renders a 4 + 2 topology whose every object validates and whose references hold', () => {
    const out = join(dir, 'sustained.yaml');
    const r = loadnet('render', 'k8s', 'examples/sustained-load.ts', '-o', out, '--genesis-at', '2030-01-01T00:00:00Z', '--cpu', '250m', '--memory-limit', '1Gi', '--runs-claim', 'loadnet-runs');
    expect(r.stderr).toContain('objects written');
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# Written by loadnet render k8s/);
    const objects = parseStream(text);
    rendered = objects;
    const kinds = (k: string) => objects.filter((o) => o.kind === k);
    expect(kinds('StatefulSet')).toHaveLength(6);
    expect(kinds('Service')).toHaveLength(6);
    expect(kinds('Secret')).toHaveLength(6);
    expect(kinds('Job')).toHaveLength(1);
    expect(kinds('ConfigMap')).toHaveLength(1);
    for (const o of objects) {
      expect(() => schemaValidate(o), `${o.kind}/${o.metadata.name}`).not.toThrow();
      expect(o.metadata.name).toMatch(DNS_LABEL);
      expect(o.metadata.name.length).toBeLessThanOrEqual(63 - 2); // the StatefulSet's pod is <name>-0
      expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('loadnet');
    }
    const services = new Map(kinds('Service').map((s) => [s.metadata.name, s]));
    const secrets = new Set(kinds('Secret').map((s) => s.metadata.name));
    const chainIds = new Set<string>();
    for (const set of kinds('StatefulSet')) {
      const pod = set.spec.template;
      // The selector selects the pod, and the pod's own Service selects it too.
      for (const [k, v] of Object.entries(set.spec.selector.matchLabels as Record<string, string>)) expect(pod.metadata.labels[k]).toBe(v);
      const svc = services.get(set.spec.serviceName)!;
      expect(svc, `service of ${set.metadata.name}`).toBeDefined();
      expect(svc.spec.clusterIP).toBe('None');
      for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>)) expect(pod.metadata.labels[k]).toBe(v);
      const container = pod.spec.containers[0];
      expect(container.resources.requests.cpu).toBe('250m');
      expect(container.resources.limits.memory).toBe('1Gi');
      const portNames = new Set((container.ports as Array<{ name: string }>).map((p) => p.name));
      for (const p of svc.spec.ports as Array<{ targetPort: string }>) expect(portNames).toContain(p.targetPort);
      const secretName = pod.spec.volumes.find((v: any) => v.secret).secret.secretName;
      expect(secrets).toContain(secretName);
      // The config is one the devnet node itself accepts, and dials only rendered Services on their p2p port.
      const secret = kinds('Secret').find((s) => s.metadata.name === secretName)!;
      const config = checkNodeConfig(JSON.parse(secret.stringData['config.json']));
      expect(config.name).toBe(pod.metadata.labels['loadnet.dev/node']);
      expect(config.genesis.timeMs).toBe(Date.parse('2030-01-01T00:00:00Z'));
      expect(config.testing).toBeNull();
      chainIds.add(config.genesis.chainId);
      for (const peer of config.peers) {
        const target = services.get(peer.host);
        expect(target, `${config.name} dials ${peer.host}`).toBeDefined();
        expect((target!.spec.ports as Array<{ name: string; port: number }>).find((p) => p.name === 'p2p')?.port).toBe(peer.port);
      }
      expect(container.args).toEqual(expect.arrayContaining(['--config']));
    }
    expect(chainIds.size).toBe(1);
    // A star: the hub dials nobody, every other node dials the hub; together they form one connected network.
    const dials = kinds('Secret').map((s) => JSON.parse(s.stringData['config.json']).peers.length);
    expect(dials.filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
    // The Job runs the scenario against every node's API and reads the scenario it carries.
    const job = kinds('Job')[0]!;
    const args: string[] = job.spec.template.spec.containers[0].args;
    const urls = args[args.indexOf('--attach') + 1]!.split(',');
    expect(urls).toHaveLength(6);
    for (const u of urls) expect(services.has(new URL(u).hostname)).toBe(true);
    const scenario = JSON.parse(kinds('ConfigMap')[0]!.data['scenario.json']);
    expect(scenario.name).toBe('sustained-load');
    expect(job.spec.template.spec.volumes.find((v: any) => v.name === 'runs').persistentVolumeClaim.claimName).toBe('loadnet-runs');
    expect(args).toContain('--json');
    expect(job.spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name).toBe(kinds('ConfigMap')[0]!.metadata.name);
  });

  it('the schema check can fail: a broken object is refused', () => {
    const set = rendered.find((o) => o.kind === 'StatefulSet')!;
    expect(() => schemaValidate(set)).not.toThrow();
    expect(() => schemaValidate({ ...set, spec: { ...set.spec, replicas: 'one' } })).toThrow(/replicas/);
    const noContainers = structuredClone(set);
    delete noContainers.spec.template.spec.containers;
    expect(() => schemaValidate(noContainers)).toThrow(/containers/);
  });

  it.each([
    ['an unknown target', ['render', 'helm', 'examples/sustained-load.ts'], /unknown target "helm"; allowed: k8s/],
    ['several scenarios without --scenario', ['render', 'k8s', 'examples/load-progression.ts'], /holds 4 scenarios .*choose one with --scenario/],
    ['a scenario name that is not there', ['render', 'k8s', 'examples/load-progression.ts', '--scenario', 'nope'], /no scenario named "nope"; allowed: load-progression-rate-5/],
    ['chaos with the Job', ['render', 'k8s', 'examples/aggressive-chaos.ts'], /needs 1 chaos workload; the rendered Job runs the scenario with --attach/],
    ['a bad genesis time', ['render', 'k8s', 'examples/sustained-load.ts', '--genesis-at', 'soon'], /--genesis-at "soon" is not a time/],
    ['a bad name prefix', ['render', 'k8s', 'examples/sustained-load.ts', '--name-prefix', 'Big_Name'], /name prefix "Big_Name" is not allowed/],
  ])('%s: a clear error, exit 2, no stack', (_what, args, message) => {
    const r = loadnet(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('chaos scenarios render as nodes only with --no-job', () => {
    const r = loadnet('render', 'k8s', 'examples/aggressive-chaos.ts', '--no-job', '--name-prefix', 'chaos');
    expect(r.code).toBe(0);
    const objects = parseStream(r.stdout);
    expect(objects.some((o) => o.kind === 'Job')).toBe(false);
    for (const o of objects) {
      expect(() => schemaValidate(o)).not.toThrow();
      expect(o.metadata.name.startsWith('chaos-')).toBe(true);
    }
  });
});
