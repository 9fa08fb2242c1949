/**
 * Pickles → runnable feature scenarios, all of them before anything deploys: every step is matched against the
 * vocabulary (steps.ts), applied to a ScenarioDraft, and the draft is built through the DSL. Every problem of
 * every selected scenario (unknown or ambiguous steps with the closest known ones, bad values, steps in the wrong
 * place, DSL validation issues) is collected and reported together, each with its file and line.
 */
import { CucumberExpression } from '@cucumber/cucumber-expressions';
import type { Pickle } from '@cucumber/messages';
import parseTagExpression from '@cucumber/tag-expressions';
import { DEPLOYER_NAMES, type DeployerName } from '../cli/deployers.js';
import { LoadnetError, isLoadnetError } from '../errors.js';
import type { Scenario } from '../runtime/contracts.js';
import { editDistance } from '../scenario/fields.js';
import { parseDuration } from '../util/duration.js';
import { ScenarioDraft, buildFromDraft, where, type BuildOverrides, type StepAt } from './draft.js';
import type { ParsedFeature } from './feature-files.js';
import { parameterRegistry, StepValueError } from './parameters.js';
import { DEPLOYER_ALIAS_NAMES, STEPS, StepRuleError, deployerFromName, shownPattern, type StepDef } from './steps.js';

/** The environment variable `Given we have a CLI deployer specified` reads when --deployer is not given. */
export const DEPLOYER_ENV = 'LOADNET_DEPLOYER';
/** Caps every run window and max-rate hold of the feature files (e.g. LOADNET_MAX_DURATION=10s in CI). */
export const MAX_DURATION_ENV = 'LOADNET_MAX_DURATION';

export interface FeatureScenario {
  feature: string;
  uri: string;
  /** file:line of the scenario (and of its Examples row). */
  at: StepAt;
  name: string;
  tags: string[];
  deployer: DeployerName;
  /** Why this deployer: the step, --deployer, the environment or the default. */
  deployerFrom: string;
  draft: ScenarioDraft;
  scenario: Scenario;
}

export interface CompileOptions extends BuildOverrides {
  /** --deployer when given on the command line. */
  cliDeployer?: DeployerName;
  env?: NodeJS.ProcessEnv;
  tags?: string;
}

let compiled: Array<{ def: StepDef; expression: CucumberExpression }> | undefined;
function expressions() {
  if (!compiled) {
    const registry = parameterRegistry();
    compiled = STEPS.map((def) => ({ def, expression: new CucumberExpression(def.pattern, registry) }));
  }
  return compiled;
}

/** The steps whose pattern matches `text`, with their arguments. */
export function matchStep(text: string): Array<{ def: StepDef; args: Array<string | number> }> {
  const out: Array<{ def: StepDef; args: Array<string | number> }> = [];
  for (const { def, expression } of expressions()) {
    const m = expression.match(text);
    if (m) out.push({ def, args: m.map((a) => a.getValue(null) as string | number) });
  }
  return out;
}

/** The known steps nearest to an unknown text (numbers and quoted words count as placeholders). */
export function closestSteps(text: string, n = 3): StepDef[] {
  const norm = (s: string) => s.toLowerCase().replace(/"[^"]*"/g, '#').replace(/\{[^}]+\}/g, '#').replace(/-?\d+(?:\.\d+)?(?:ms|s|m|h|%)?/g, '#').replace(/\s+/g, ' ').trim();
  const t = norm(text);
  const scored = STEPS.map((def) => ({ def, d: Math.min(editDistance(t, norm(shownPattern(def))), editDistance(t, norm(def.example.replace(/^\S+\s+/, '')))) / Math.max(t.length, 1) }));
  return scored.sort((a, b) => a.d - b.d).slice(0, n).map((s) => s.def);
}

export function tagFilter(expression: string | undefined): (tags: string[]) => boolean {
  if (expression === undefined || expression.trim() === '') return () => true;
  try {
    const node = parseTagExpression(expression);
    return (tags) => node.evaluate(tags);
  } catch (e) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run: --tags ${JSON.stringify(expression)} is not a tag expression: ${(e as Error).message}`, { hint: 'e.g. --tags "@smoke and not @slow", --tags "@local or @compose"' });
  }
}

/** Every selected scenario of the features, compiled; throws one LN_ERR_SCENARIO_INVALID listing every problem. */
export function compileFeatures(features: readonly ParsedFeature[], o: CompileOptions = {}): FeatureScenario[] {
  const env = o.env ?? process.env;
  const select = tagFilter(o.tags);
  const problems: string[] = [];
  const out: FeatureScenario[] = [];
  let maxDurationMs: number | undefined;
  const capText = env[MAX_DURATION_ENV];
  if (capText !== undefined && capText.trim() !== '') {
    try {
      maxDurationMs = parseDuration(capText, MAX_DURATION_ENV);
    } catch {
      throw new LoadnetError('LN_ERR_USAGE', `${MAX_DURATION_ENV}=${JSON.stringify(capText)} is not a duration; allowed: e.g. 10s, 1m30s`);
    }
  }
  for (const feature of features) {
    const names = new Map<string, number>();
    for (const p of feature.pickles) names.set(p.name, (names.get(p.name) ?? 0) + 1);
    for (const pickle of feature.pickles) {
      const tags = pickle.tags.map((t) => t.name);
      if (!select(tags)) continue;
      const scenarioAst = feature.ast.get(pickle.astNodeIds[0]!);
      const rowAst = pickle.astNodeIds.length > 1 ? feature.ast.get(pickle.astNodeIds[pickle.astNodeIds.length - 1]!) : undefined;
      const name = (names.get(pickle.name) ?? 0) > 1 && rowAst ? `${pickle.name} (example at line ${rowAst.line})` : pickle.name;
      const at: StepAt = { uri: feature.uri, line: rowAst?.line ?? scenarioAst?.line ?? 0, text: name };
      const before = problems.length;
      const draft = applySteps(feature, pickle, problems);
      if (problems.length > before) continue;
      const deployer = chooseDeployer(draft, o.cliDeployer, env, problems);
      if (!deployer) continue;
      try {
        const scenario = buildFromDraft(draft, runName(name), at, { durationMs: o.durationMs, cooldownMs: o.cooldownMs, seed: o.seed, maxDurationMs: maxDurationMs ?? o.maxDurationMs });
        out.push({ feature: feature.name, uri: feature.uri, at, name, tags, deployer: deployer.name, deployerFrom: deployer.from, draft, scenario });
      } catch (e) {
        if (!isLoadnetError(e)) throw e;
        problems.push(e.message);
      }
    }
  }
  if (problems.length > 0) {
    // An outline's rows share their steps: one message per problem.
    problems.splice(0, problems.length, ...new Set(problems));
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${problems.length} problem${problems.length === 1 ? '' : 's'} in the feature files; nothing was deployed:\n${problems.map((p) => `- ${p}`).join('\n')}`, {
      hint: '`loadnet steps` lists every step with an example',
    });
  }
  return out;
}

/** The cap of LOADNET_MAX_DURATION, for max-rate holds. */
export function maxDurationFrom(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const t = env[MAX_DURATION_ENV];
  return t === undefined || t.trim() === '' ? undefined : parseDuration(t, MAX_DURATION_ENV);
}

/** The scenario's title as a run name (the spec allows letters, digits, '.', '_', '-'; 64 at most). */
function runName(scenario: string): string {
  return scenario.toLowerCase().replace(/[^a-z0-9._]+/g, '-').replace(/^[-._]+|-+$/g, '').slice(0, 60).replace(/-+$/, '') || 'feature-scenario';
}

function applySteps(feature: ParsedFeature, pickle: Pickle, problems: string[]): ScenarioDraft {
  const draft = new ScenarioDraft();
  let phase: 'setup' | 'after-run' = 'setup';
  for (const step of pickle.steps) {
    const ast = feature.ast.get(step.astNodeIds[0]!);
    const keyword = ast?.keyword ?? '';
    const at: StepAt = { uri: feature.uri, line: ast?.line ?? 0, text: `${keyword}${step.text}`.trim() };
    const here = `${where(at)}: \`${at.text}\``;
    const matches = matchStep(step.text);
    if (matches.length === 0) {
      const near = closestSteps(step.text);
      problems.push(`${here}: unknown step; closest known steps:\n${near.map((d) => `    ${d.example}    (${shownPattern(d)})`).join('\n')}`);
      continue;
    }
    if (matches.length > 1) {
      problems.push(`${here}: ambiguous step, matches ${matches.map((m) => `'${shownPattern(m.def)}'`).join(' and ')}`);
      continue;
    }
    const { def, args } = matches[0]!;
    if (step.argument) {
      problems.push(`${here}: takes no data table or doc string; allowed: the step text alone`);
      continue;
    }
    if (def.phase === 'setup' && phase === 'after-run') {
      problems.push(`${here}: a setup step after \`${draft.run?.text}\` (${where(draft.run!)}); allowed: setup steps before the run, checks after it`);
      continue;
    }
    if (def.phase === 'check' && !def.runsItself && !draft.run) {
      problems.push(`${here}: a check before \`When run scenario\`; allowed: checks after the run step`);
      continue;
    }
    try {
      def.apply(draft, args, at);
      if (def.phase === 'run') phase = 'after-run';
    } catch (e) {
      if (e instanceof StepValueError) problems.push(`${here}: ${e.message}`);
      else if (e instanceof StepRuleError) problems.push(`${here}: ${e.message}`);
      else if (isLoadnetError(e)) problems.push(`${here}: ${e.message}`);
      else throw e;
    }
  }
  const scenarioLine = `${feature.uri}:${feature.ast.get(pickle.astNodeIds[0]!)?.line ?? 0}: scenario '${pickle.name}'`;
  if (!draft.run && !draft.maxRate) problems.push(`${scenarioLine}: nothing runs; allowed: a \`When run scenario\` step (or a max-rate check)`);
  if (draft.livenessLag && !draft.expectations.some((e) => e.type === 'consensus-liveness')) {
    problems.push(`${where(draft.livenessLag.at)}: \`${draft.livenessLag.at.text}\` needs \`And expect consensus liveness\` in the same scenario`);
  }
  for (const c of draft.checks) {
    if (c.kind !== 'figure' || !c.figure.needs) continue;
    const present = c.figure.needs === 'transactions' ? draft.transactions : c.figure.needs === 'da' ? draft.da : draft.chaos;
    if (!present) problems.push(`${where(c.at)}: \`${c.at.text}\`: ${c.figure.name} is measured only with a ${c.figure.needs === 'da' ? 'data availability' : c.figure.needs} workload, and this scenario has none`);
  }
  for (const m of [draft.maxRateHold, draft.maxRateCeiling]) {
    if (m && !draft.maxRate) problems.push(`${where(m.at)}: \`${m.at.text}\` needs a \`Then the maximum sustainable rate is at least …\` check in the same scenario`);
  }
  return draft;
}

function chooseDeployer(d: ScenarioDraft, cli: DeployerName | undefined, env: NodeJS.ProcessEnv, problems: string[]): { name: DeployerName; from: string } | undefined {
  if (d.deployer?.kind === 'named') return { name: d.deployer.name, from: `${where(d.deployer.at)}` };
  if (cli) return { name: cli, from: '--deployer' };
  const fromEnv = env[DEPLOYER_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const name = deployerFromName(fromEnv);
    if (!name) {
      problems.push(`${d.deployer ? `${where(d.deployer.at)}: ` : ''}${DEPLOYER_ENV}=${JSON.stringify(fromEnv)} is not a deployer; allowed: ${DEPLOYER_ALIAS_NAMES.join(', ')} (or --deployer ${DEPLOYER_NAMES.join('|')})`);
      return undefined;
    }
    return { name, from: DEPLOYER_ENV };
  }
  return { name: 'local', from: 'the default' };
}
