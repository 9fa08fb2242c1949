/**
 * A scenario's devnet as Kubernetes objects, for clusters loadnet does not drive itself: one StatefulSet
 * per node (its identity and config must stay its own, so replicas are never 1-of-N), its config in a
 * Secret (it holds the node's identity seed), a headless Service per node so peers dial it by name, and a
 * Job that runs the scenario against the nodes (`loadnet run --attach`), with the run directory on a
 * volume. Pure: plain objects out, nothing applied; the same plan and node config the other deployers use.
 */
import { LoadnetError } from '../../errors.js';
import type { ScenarioSpec } from '../../scenario/spec.js';
import { buildDeploymentPlan, nodeConfig, type DeploymentPlan, type PlannedNode } from '../../adapters/devnet/plan.js';
import { NODE_DIR_IN_CONTAINER } from '../compose/image.js';
import { CONTAINER_PORTS } from '../compose/compose-deployment.js';

/** A Kubernetes object as written to the manifest file. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface KubernetesRenderOptions {
  /** Image with the loadnet package (the compose deployer's node image, loaded or pushed where the cluster pulls). */
  image: string;
  /** The image's path of the loadnet package, e.g. 'app' (entrypoint node, as the compose image has). */
  packageDir: string;
  /** Unix ms of slot 0: the chain starts then, so every pod must be running before it. */
  genesisTimeMs: number;
  /** Prefix of every object name (DNS-1123 label); default: the scenario's name. */
  namePrefix?: string;
  /** Per node container; default 500m / 512Mi requests, no limits. */
  cpuRequest?: string;
  memoryRequest?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  /** Each node's data volume; default 1Gi. */
  storage?: string;
  storageClassName?: string;
  /** Also write the Job that runs the scenario (default true). */
  job?: boolean;
  /** A PersistentVolumeClaim (made by the user) to keep the Job's run directory; default an emptyDir. */
  runsClaim?: string;
  /** The scenario as `loadnet run` reads it (JSON); required when `job` is on. */
  scenarioJson?: string;
}

export const KUBE_LABELS = {
  partOf: 'app.kubernetes.io/part-of',
  component: 'app.kubernetes.io/component',
  instance: 'app.kubernetes.io/instance',
  node: 'loadnet.dev/node',
  role: 'loadnet.dev/role',
} as const;

/** Pods run as this uid/gid: the image has no user database; Secret and volume files get this group. */
const RUN_AS = 65532;
const SCENARIO_DIR = '/loadnet/scenario';
const RUNS_DIR = '/loadnet/runs';
/** Kubernetes refuses objects over 1 MiB; room left for the object's own fields. */
const SECRET_MAX_BYTES = 1_000_000;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label from a scenario name: lowercase, [a-z0-9-], at most `max` characters. */
export function dnsLabel(name: string, max = 40): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '');
  return s || 'loadnet';
}

/** Object names start with it: a DNS-1123 label short enough for `<prefix>-<node>-config`. */
export function checkNamePrefix(prefix: string): void {
  if (!DNS_LABEL.test(prefix) || prefix.length > 40) {
    throw new LoadnetError('LN_ERR_USAGE', `render k8s: name prefix ${JSON.stringify(prefix)} is not allowed; allowed: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 40 characters`);
  }
}

/** Refusals with what is allowed: chains and features this rendering cannot express. */
function checkRenderable(spec: ScenarioSpec, options: KubernetesRenderOptions): void {
  const chain = spec.chain?.type ?? 'devnet';
  if (chain !== 'devnet') {
    throw new LoadnetError('LN_ERR_USAGE', `render k8s: chain ${chain} cannot be rendered; allowed: the devnet (chain.type "devnet")`, {
      hint: 'other chains run in the cluster from their own images; point `loadnet run --attach` at their endpoints',
    });
  }
  if (options.namePrefix !== undefined) checkNamePrefix(options.namePrefix);
  const chaos = spec.workloads.filter((w) => w.type === 'chaos').length;
  if ((options.job ?? true) && (chaos > 0 || spec.nodeControl)) {
    const what = chaos > 0 ? `${chaos} chaos workload${chaos === 1 ? '' : 's'}` : 'node control';
    throw new LoadnetError('LN_ERR_USAGE', `render k8s: scenario ${spec.name} needs ${what}; the rendered Job runs the scenario with --attach, which has no node control`, {
      hint: 'remove the chaos entries, or render the nodes only (--no-job) and drive faults with the cluster\'s own tools',
    });
  }
  if ((options.job ?? true) && options.scenarioJson === undefined) {
    throw new LoadnetError('LN_ERR_USAGE', `render k8s: scenario ${spec.name} is not expressible as JSON (custom workloads or expectations), so the Job cannot carry it`, {
      hint: 'render the nodes only (--no-job) and run the scenario module with `loadnet run <module> --attach <urls>` from a pod of your own',
    });
  }
}

function labels(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [KUBE_LABELS.partOf]: 'loadnet', [KUBE_LABELS.instance]: prefix, ...extra };
}

function resources(o: KubernetesRenderOptions): Record<string, Record<string, string>> {
  const limits: Record<string, string> = {};
  if (o.cpuLimit) limits.cpu = o.cpuLimit;
  if (o.memoryLimit) limits.memory = o.memoryLimit;
  return { requests: { cpu: o.cpuRequest ?? '500m', memory: o.memoryRequest ?? '512Mi' }, ...(Object.keys(limits).length ? { limits } : {}) };
}

const podSecurity = { runAsUser: RUN_AS, runAsGroup: RUN_AS, runAsNonRoot: true, fsGroup: RUN_AS };
const containerSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

function nodeObjects(plan: DeploymentPlan, node: PlannedNode, prefix: string, o: KubernetesRenderOptions): KubeObject[] {
  const name = `${prefix}-${node.name}`;
  const own = labels(prefix, { [KUBE_LABELS.component]: 'node', [KUBE_LABELS.node]: node.name, [KUBE_LABELS.role]: node.role });
  const config = nodeConfig(plan, {
    node,
    addresses: { bindHost: '0.0.0.0', apiPort: CONTAINER_PORTS.api, testingPort: null, p2pPort: CONTAINER_PORTS.p2p, dataDir: `${NODE_DIR_IN_CONTAINER}/data` },
    // Each peer's headless Service: its pod's address under the peer's own name.
    peers: node.dials.map((d) => ({ name: d, host: `${prefix}-${d}`, port: CONTAINER_PORTS.p2p })),
    parentPid: null,
  });
  const selector = { [KUBE_LABELS.instance]: prefix, [KUBE_LABELS.node]: node.name };
  // Compact: genesis lists every funded wallet, and an object may hold at most 1 MiB.
  const configText = JSON.stringify(config);
  if (configText.length > SECRET_MAX_BYTES) {
    throw new LoadnetError('LN_ERR_USAGE', `render k8s: ${node.name}'s config is ${configText.length} bytes (genesis funds ${plan.genesis.accounts.length} accounts); allowed: at most ${SECRET_MAX_BYTES} bytes in one Kubernetes Secret`, {
      hint: 'use fewer wallets (wallets.count) for a cluster run',
    });
  }
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-config`, labels: own },
      type: 'Opaque',
      stringData: { 'config.json': configText },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: own },
      spec: {
        clusterIP: 'None',
        // Peers dial a node before it is ready (readiness needs peers): publish its address at once.
        publishNotReadyAddresses: true,
        selector,
        ports: [
          { name: 'api', port: CONTAINER_PORTS.api, targetPort: 'api' },
          { name: 'p2p', port: CONTAINER_PORTS.p2p, targetPort: 'p2p' },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, labels: own },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: own },
          spec: {
            securityContext: podSecurity,
            terminationGracePeriodSeconds: 10,
            containers: [
              {
                name: 'node',
                image: o.image,
                imagePullPolicy: 'IfNotPresent',
                args: [`/${o.packageDir}/dist/src/node/bin.js`, '--config', `${NODE_DIR_IN_CONTAINER}/config.json`],
                ports: [
                  { name: 'api', containerPort: CONTAINER_PORTS.api, protocol: 'TCP' },
                  { name: 'p2p', containerPort: CONTAINER_PORTS.p2p, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/health', port: 'api' }, periodSeconds: 2, failureThreshold: 3 },
                livenessProbe: { tcpSocket: { port: 'api' }, initialDelaySeconds: 10, periodSeconds: 10 },
                resources: resources(o),
                securityContext: containerSecurity,
                volumeMounts: [
                  { name: 'config', mountPath: `${NODE_DIR_IN_CONTAINER}/config.json`, subPath: 'config.json', readOnly: true },
                  { name: 'data', mountPath: `${NODE_DIR_IN_CONTAINER}/data` },
                ],
              },
            ],
            volumes: [{ name: 'config', secret: { secretName: `${name}-config`, defaultMode: 0o440 } }],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: own },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(o.storageClassName ? { storageClassName: o.storageClassName } : {}),
              resources: { requests: { storage: o.storage ?? '1Gi' } },
            },
          },
        ],
      },
    },
  ];
}

function jobObjects(plan: DeploymentPlan, prefix: string, o: KubernetesRenderOptions): KubeObject[] {
  const own = labels(prefix, { [KUBE_LABELS.component]: 'coordinator' });
  const urls = plan.nodes.map((n) => `http://${prefix}-${n.name}:${CONTAINER_PORTS.api}`).join(',');
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${prefix}-scenario`, labels: own },
      data: { 'scenario.json': o.scenarioJson! },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `${prefix}-run`, labels: own },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: own },
          spec: {
            restartPolicy: 'Never',
            securityContext: podSecurity,
            containers: [
              {
                name: 'loadnet',
                image: o.image,
                imagePullPolicy: 'IfNotPresent',
                args: [`/${o.packageDir}/dist/src/cli/main.js`, 'run', `${SCENARIO_DIR}/scenario.json`, '--attach', urls, '--out', RUNS_DIR, '--no-progress', '--json'],
                resources: resources(o),
                securityContext: { ...containerSecurity, readOnlyRootFilesystem: false },
                volumeMounts: [
                  { name: 'scenario', mountPath: SCENARIO_DIR, readOnly: true },
                  { name: 'runs', mountPath: RUNS_DIR },
                ],
              },
            ],
            volumes: [
              { name: 'scenario', configMap: { name: `${prefix}-scenario` } },
              // The summary is also the Job's log (--json); the whole run directory stays only on a claim.
              o.runsClaim ? { name: 'runs', persistentVolumeClaim: { claimName: o.runsClaim } } : { name: 'runs', emptyDir: {} },
            ],
          },
        },
      },
    },
  ];
}

/** Every object of the scenario's deployment, nodes in plan order, then the Job (unless `job: false`). */
export function renderKubernetes(spec: ScenarioSpec, options: KubernetesRenderOptions): KubeObject[] {
  checkRenderable(spec, options);
  const prefix = options.namePrefix ?? dnsLabel(spec.name);
  const plan = buildDeploymentPlan(spec, { runId: `k8s-${prefix}`, genesisTimeMs: options.genesisTimeMs });
  const out = plan.nodes.flatMap((n) => nodeObjects(plan, n, prefix, options));
  if (options.job ?? true) out.push(...jobObjects(plan, prefix, options));
  return out;
}

/** One YAML stream: each object as a JSON document (JSON is YAML), `---` between them. */
export function manifestText(objects: readonly KubeObject[], header: readonly string[] = []): string {
  return [...header.map((l) => `# ${l}`), ...objects.map((o) => `---\n${JSON.stringify(o, null, 2)}`)].join('\n') + '\n';
}
