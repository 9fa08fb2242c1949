/**
 * Can this deployment render the faults a scenario names? Checked before anything is deployed, with a
 * message that names the deployer and the chain ("the attach deployer cannot partition nodes"; "the local
 * deployer cannot limit bandwidth on links for chain devnet"). The chain's own limits (a single-node
 * chain has no peer links to cut) are checked with the rest of the scenario (scenario/validate.ts).
 */
import { LoadnetError, type ValidationIssue } from '../errors.js';
import type { FaultCapabilities } from '../runtime/contracts.js';
import type { NetworkFaultSpec, ScenarioSpec } from '../scenario/spec.js';
import { NEMESIS_TYPES, nemesisOf } from './nemeses/index.js';
import type { NemesisNeed } from './nemesis.js';

const VERB: Record<NetworkFaultSpec['type'], string> = {
  partition: 'partition nodes',
  'latency-tiers': 'delay links by latency tier',
  'link-fault': 'fault links',
  'block-peer': 'block peers',
  'clock-skew': 'skew clocks',
  churn: 'add and remove nodes at runtime',
};

const PROPERTY: Record<NemesisNeed, string> = {
  cut: 'cut links',
  delay: 'delay links',
  jitter: 'add jitter to links',
  loss: 'drop packets on links',
  bandwidth: 'limit bandwidth on links',
  clock: 'skew clocks',
  joiners: 'add nodes at runtime',
  staking: 'stake joiners on chain',
};

export function isFaultSpec(w: ScenarioSpec['workloads'][number]): w is NetworkFaultSpec {
  return (NEMESIS_TYPES as string[]).includes(w.type);
}

/** The issues (empty when every fault can be rendered). */
export function faultSupportIssues(spec: ScenarioSpec, caps: FaultCapabilities | undefined, why?: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  (spec.workloads ?? []).forEach((w, i) => {
    if (!isFaultSpec(w)) return;
    const field = `workloads[${i}]`;
    if (!caps) {
      issues.push({ field, value: w.type, allowed: `a fault this deployment can render: the ${why ?? 'this'} deployer cannot ${VERB[w.type]}` });
      return;
    }
    for (const need of nemesisOf(w.type).needs(w)) {
      const ok = need === 'clock' ? caps.clock !== undefined : need === 'joiners' ? caps.joiners : need === 'staking' ? caps.staking : caps.network[need] !== undefined;
      if (ok) continue;
      const have = [...Object.keys(caps.network), ...(caps.clock ? ['clock'] : []), ...(caps.joiners ? ['joiners'] : []), ...(caps.staking ? ['staking'] : [])].join(', ') || 'none';
      issues.push({ field, value: w.type, allowed: `a fault this deployment can render: the ${caps.deployer} deployer cannot ${PROPERTY[need]} for chain ${caps.chain} (it can: ${have})` });
    }
    if (w.type === 'clock-skew' && caps.clock) {
      for (const [node, s] of Object.entries(w.nodes)) {
        if (s.jitterMs && !caps.clock.jitter) issues.push({ field: `${field}.nodes.${node}.jitterMs`, value: s.jitterMs, allowed: `0: the ${caps.deployer} deployer's clock applier sets an offset only for chain ${caps.chain}` });
        if (s.driftPpm && !caps.clock.drift) issues.push({ field: `${field}.nodes.${node}.driftPpm`, value: s.driftPpm, allowed: `0: the ${caps.deployer} deployer's clock applier sets an offset only for chain ${caps.chain}` });
      }
    }
  });
  return issues;
}

/** Throws a scenario error naming every fault the deployment cannot render. */
export function checkFaultSupport(spec: ScenarioSpec, caps: FaultCapabilities | undefined, deployer?: string): void {
  const issues = faultSupportIssues(spec, caps, deployer);
  if (issues.length === 0) return;
  const first = issues[0]!.allowed.replace(/^a fault this deployment can render: /, '');
  throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${first}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, { issues });
}

/**
 * Does the scenario name a link property only the link shaper renders chain-agnostically (delay, jitter,
 * bandwidth)? Then the local and compose deployers route peer links through the shaper by default (a user
 * does not have to ask for chain-agnostic delay); `linkShaper: false` keeps the chain's own faults.
 */
export function namesShapedLinks(spec: ScenarioSpec): boolean {
  return (spec.workloads ?? []).some((w) => isFaultSpec(w) && nemesisOf(w.type).needs(w).some((p) => p === 'delay' || p === 'jitter' || p === 'bandwidth'));
}

/** Does the scenario skew clocks (so every node must start under libfaketime, where it is available)? */
export function namesClockSkew(spec: ScenarioSpec): boolean {
  return (spec.workloads ?? []).some((w) => isFaultSpec(w) && nemesisOf(w.type).needs(w).includes('clock'));
}
