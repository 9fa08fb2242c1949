/**
 * `loadnet render k8s <scenario>`: the scenario's devnet and its run as Kubernetes manifests
 * (deployers/kubernetes/manifests.ts), written to a file or stdout. Nothing is applied.
 */
import { writeFileSync } from 'node:fs';
import { ExitCode, LoadnetError } from '../errors.js';
import type { Scenario } from '../runtime/contracts.js';
import { parseDuration } from '../util/duration.js';
import { parseCommandArgs, usageError, type CommandIo } from './command.js';
import { loadScenarioFile } from './load-scenario.js';
import { RENDER_USAGE } from './usage.js';

const TARGETS = ['k8s'] as const;

export async function renderCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('render', argv, {
    out: { type: 'string', short: 'o' },
    scenario: { type: 'string' },
    image: { type: 'string' },
    'package-dir': { type: 'string' },
    'genesis-in': { type: 'string' },
    'genesis-at': { type: 'string' },
    'name-prefix': { type: 'string' },
    cpu: { type: 'string' },
    memory: { type: 'string' },
    'cpu-limit': { type: 'string' },
    'memory-limit': { type: 'string' },
    storage: { type: 'string' },
    'storage-class': { type: 'string' },
    'no-job': { type: 'boolean' },
    'runs-claim': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const);
  if (values.help) {
    io.stdout.write(`${RENDER_USAGE}\n`);
    return ExitCode.ok;
  }
  const [target, file, ...rest] = positionals;
  if (target === undefined || file === undefined || rest.length > 0) throw usageError('render', 'takes a target and one scenario file, e.g. loadnet render k8s scenario.json');
  if (!(TARGETS as readonly string[]).includes(target)) throw usageError('render', `unknown target ${JSON.stringify(target)}; allowed: ${TARGETS.join(', ')}`);
  // Options first: a mistake there is reported before the scenario module loads.
  const genesisTimeMs = genesisTime(values['genesis-at'], values['genesis-in']);
  const { renderKubernetes, manifestText, checkNamePrefix } = await import('../deployers/kubernetes/manifests.js');
  if (values['name-prefix'] !== undefined) checkNamePrefix(values['name-prefix']);
  const scenario = pick(await loadScenarioFile(file), values.scenario, file);
  let image = values.image;
  let packageDir = values['package-dir'];
  if (image === undefined || packageDir === undefined) {
    const { nodeImageRef } = await import('../deployers/compose/image.js');
    const own = nodeImageRef();
    image ??= own.ref;
    packageDir ??= own.packageDir;
  }
  const job = !values['no-job'];
  const objects = renderKubernetes(scenario.spec, {
    image,
    packageDir,
    genesisTimeMs,
    ...(values['name-prefix'] !== undefined ? { namePrefix: values['name-prefix'] } : {}),
    ...(values.cpu !== undefined ? { cpuRequest: values.cpu } : {}),
    ...(values.memory !== undefined ? { memoryRequest: values.memory } : {}),
    ...(values['cpu-limit'] !== undefined ? { cpuLimit: values['cpu-limit'] } : {}),
    ...(values['memory-limit'] !== undefined ? { memoryLimit: values['memory-limit'] } : {}),
    ...(values.storage !== undefined ? { storage: values.storage } : {}),
    ...(values['storage-class'] !== undefined ? { storageClassName: values['storage-class'] } : {}),
    job,
    ...(values['runs-claim'] !== undefined ? { runsClaim: values['runs-claim'] } : {}),
    ...(job ? { scenarioJson: await scenarioJson(scenario) } : {}),
  });
  const text = manifestText(objects, [
    `Written by loadnet render k8s from ${file} (scenario ${scenario.spec.name}); apply with: kubectl apply -f <this file>`,
    `The chain starts at ${new Date(genesisTimeMs).toISOString()}: every node pod must be running by then.`,
    `Image ${image}: build it with any compose run (or load/push your own), then make it pullable by the cluster.`,
  ]);
  if (values.out === undefined || values.out === '-') io.stdout.write(text);
  else {
    writeFileSync(values.out, text);
    io.stderr.write(`${objects.length} objects written to ${values.out}\n`);
  }
  return ExitCode.ok;
}

function pick(scenarios: Scenario[], name: string | undefined, file: string): Scenario {
  if (name === undefined) {
    if (scenarios.length === 1) return scenarios[0]!;
    throw usageError('render', `${file} holds ${scenarios.length} scenarios (${scenarios.map((s) => s.spec.name).join(', ')}); choose one with --scenario <name>`);
  }
  const found = scenarios.find((s) => s.spec.name === name);
  if (!found) throw usageError('render', `${file} has no scenario named ${JSON.stringify(name)}; allowed: ${scenarios.map((s) => s.spec.name).join(', ')}`);
  return found;
}

function genesisTime(at: string | undefined, inText: string | undefined): number {
  if (at !== undefined && inText !== undefined) throw usageError('render', '--genesis-at and --genesis-in exclude each other');
  if (at !== undefined) {
    const ms = Date.parse(at);
    if (!Number.isFinite(ms)) throw usageError('render', `--genesis-at ${JSON.stringify(at)} is not a time; allowed: an ISO 8601 time such as 2026-12-03T10:00:00Z`);
    return ms;
  }
  try {
    return Date.now() + parseDuration(inText ?? '10m', '--genesis-in');
  } catch (e) {
    throw usageError('render', (e as Error).message);
  }
}

/** The scenario as the Job's `loadnet run` reads it; undefined when it names code (custom parts, plug-ins). */
async function scenarioJson(scenario: Scenario): Promise<string | undefined> {
  const spec = scenario.spec;
  const custom = [...spec.workloads, ...spec.expectations].some((w) => w.type === 'custom');
  if (custom || (spec.plugins?.length ?? 0) > 0) return undefined;
  const text = `${JSON.stringify(spec, null, 2)}\n`;
  const { specFromJson } = await import('../scenario/build.js');
  try {
    specFromJson(text);
  } catch (e) {
    throw new LoadnetError('LN_ERR_INTERNAL', `render k8s: scenario ${spec.name} does not read back from its own JSON: ${(e as Error).message}`);
  }
  return text;
}
