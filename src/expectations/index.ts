/**
 * The built-in expectations, and `expectationFromSpec` for the scenario's JSON form. Options are all
 * optional; the defaults are documented on each class (LIVENESS_DEFAULTS, BLOCK_TIMING_DEFAULTS, MEMPOOL_DEFAULTS).
 */
import { LoadnetError } from '../errors.js';
import type { Expectation, Workload } from '../runtime/contracts.js';
import type { ExpectationSpec } from '../scenario/spec.js';
import { ConsensusLiveness } from './liveness.js';
import { SupplyConserved } from './supply.js';
import { BlockTiming } from './block-timing.js';
import { Safety } from './safety.js';
import { MempoolBounded } from './mempool-bounded.js';
import { ClockRulesHandled } from './clock-rules.js';
import { ForkRate } from './fork-rate.js';
import { Propagation } from './propagation.js';
import { NodeHealth } from './node-health.js';

export { ConsensusLiveness, LIVENESS_DEFAULTS, judgeLiveness } from './liveness.js';
export { SupplyConserved, judgeSupply } from './supply.js';
export { LedgerReplay } from './ledger-replay.js';
export { BlockTiming, BLOCK_TIMING_DEFAULTS, judgeBlockTiming } from './block-timing.js';
export { Safety, judgeSafety } from './safety.js';
export { MempoolBounded, MEMPOOL_DEFAULTS, judgeMempool } from './mempool-bounded.js';
export { ClockRulesHandled, judgeClockRules, parseClockRuleCounts, CLOCK_RULE_COUNTERS } from './clock-rules.js';
export { ForkRate, FORK_RATE_DEFAULTS, judgeForkRate } from './fork-rate.js';
export { Propagation, judgePropagation, lagByTier } from './propagation.js';
export { NodeHealth, NODE_HEALTH_DEFAULTS, judgeNodeHealth } from './node-health.js';

/**
 * The built-in expectation a spec names; custom specs are resolved by the scenario's registry, not here.
 * `workloads`: the scenario's live ones (node-health watches blocks for the invalid transactions they send).
 */
export function expectationFromSpec(spec: ExpectationSpec, workloads: readonly Workload[] = []): Expectation {
  switch (spec.type) {
    case 'consensus-liveness':
      return new ConsensusLiveness(spec.options ?? {});
    case 'supply-conserved':
      return new SupplyConserved();
    case 'block-timing':
      return new BlockTiming(spec.options ?? {});
    case 'safety':
      return new Safety();
    case 'mempool-bounded':
      return new MempoolBounded(spec.options ?? {});
    case 'clock-rules':
      return new ClockRulesHandled(spec.options ?? {});
    case 'fork-rate':
      return new ForkRate(spec.options ?? {});
    case 'propagation':
      return new Propagation(spec.options ?? {});
    case 'node-health': {
      const { maxRssMiB, maxRssSlopeMiBPerMin } = spec.options ?? {};
      return new NodeHealth({ maxRssMiB, maxRssSlopeMiBPerMin }, workloads);
    }
    default: {
      const type = (spec as { type?: unknown }).type;
      const allowed = 'consensus-liveness, supply-conserved, block-timing, safety, mempool-bounded, clock-rules, fork-rate, propagation, node-health (custom expectations are registered by name)';
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `expectations: unknown built-in type ${JSON.stringify(type)}; allowed: ${allowed}`, {
        issues: [{ field: 'expectations.type', value: type, allowed }],
      });
    }
  }
}
