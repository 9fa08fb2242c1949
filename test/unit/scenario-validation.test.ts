// Every bad input fails at build() (or earlier) with LN_ERR_SCENARIO_INVALID, every issue at once, each naming
// the field, the value and what is allowed.
import { describe, expect, it } from 'vitest';
import { isLoadnetError, type LoadnetError } from '../../src/errors.js';
import { scenarioFromSpec } from '../../src/scenario/build.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';

const ok = () => ScenarioBuilder.topology().validators(3).executors(1).apply().wallets(10);
const okNc = () => ok().enableNodeControl();

function failure(fn: () => unknown): LoadnetError {
  try {
    fn();
  } catch (e) {
    if (isLoadnetError(e)) return e;
    throw e;
  }
  throw new Error('expected a LoadnetError, nothing was thrown');
}

// [case, build, field of an issue, fragment of what is allowed]
const cases: Array<[string, () => unknown, string, RegExp]> = [
  ['no validators', () => ScenarioBuilder.topology().validators(0).apply().buildSpec(), 'topology.validators', /integer from 1/],
  ['validators never set', () => ScenarioBuilder.create().buildSpec(), 'topology.validators', /required/],
  ['non-integer validators', () => ScenarioBuilder.topology().validators(2.5).apply().buildSpec(), 'topology.validators', /integer/],
  ['negative executors', () => ScenarioBuilder.topology().validators(1).executors(-1).apply().buildSpec(), 'topology.executors', /integer from 0/],
  ['unknown topology shape', () => ScenarioBuilder.topology().validators(2).network('mesh' as never).apply().buildSpec(), 'topology.shape', /'star', 'full', 'ring'/],
  ['users > wallets', () => ok().transactions().users(20).apply().buildSpec(), 'transactions.users', /at most wallets.count \(10\)/],
  ['zero rate', () => ok().transactions().rate(0).apply().buildSpec(), 'transactions.rate.perBlock', /> 0/],
  ['negative rate', () => ok().transactions().rate(-3).apply().buildSpec(), 'transactions.rate.perBlock', /> 0/],
  ['zero rate per second', () => ok().transactions().ratePerSecond(0).apply().buildSpec(), 'transactions.rate.perSecond', /> 0/],
  ['NaN rate', () => ok().transactions().rate(Number.NaN).apply().buildSpec(), 'transactions.rate.perBlock', /> 0/],
  ['non-integer users', () => ok().transactions().users(1.5).apply().buildSpec(), 'transactions.users', /integer/],
  ['transactions without wallets', () => ScenarioBuilder.topology().validators(1).apply().transactions().users(1).apply().buildSpec(), 'wallets.count', /at least 1 funded wallet/],
  ['stages longer than the run', () => ok().transactions().hold(10, '2m').apply().withRunDuration('1m').buildSpec(), 'transactions.rate.stages', /fit in the run window/],
  ['all stages at zero', () => ok().transactions().hold(0, '10s').apply().buildSpec(), 'transactions.rate.stages', /> 0/],
  ['target node not in topology', () => ok().transactions().targetNode('executor-5').apply().buildSpec(), 'transactions.targets.node', /validator-0, validator-1, validator-2, executor-0/],
  ['inclusion threshold above 1', () => ok().transactions().inclusionThreshold(1.5).apply().buildSpec(), 'transactions.inclusionThreshold', /fraction from 0 to 1/],
  ['run shorter than two slots', () => ok().withRunDuration('1500ms').buildSpec(), 'durationMs', /two slots \(2000 ms/],
  ['unparsable duration', () => ok().withRunDuration('10 minutes').buildSpec(), 'durationMs', /'60s'/],
  ['negative cooldown', () => ok().withCooldown(-1).buildSpec(), 'cooldownMs', /from 0/],
  ['active slot coefficient 0', () => ok().activeSlotCoeff(0).buildSpec(), 'consensus.activeSlotCoeff', /\(0, 1\]/],
  ['active slot coefficient above 1', () => ok().activeSlotCoeff(1.2).buildSpec(), 'consensus.activeSlotCoeff', /\(0, 1\]/],
  ['security parameter 0', () => ok().securityParam(0).buildSpec(), 'consensus.securityParam', /integer k from 1/],
  ['slot too short', () => ok().slotDuration(10).buildSpec(), 'consensus.slotDurationMs', /from 50 ms/],
  ['negative seed', () => ok().withSeed(-1).buildSpec(), 'seed', /non-negative integer/],
  ['bad name', () => ok().named('my scenario/1').buildSpec(), 'name', /letters, digits/],
  ['min delay > max delay', () => okNc().chaos().minDelay('30s').maxDelay('10s').apply().buildSpec(), 'chaos.minDelayMs', /at most maxDelayMs \(10000 ms\)/],
  ['zero chaos delay', () => okNc().chaos().minDelay(0).apply().buildSpec(), 'chaos.minDelayMs', /positive duration/],
  ['chaos on a single node', () => ScenarioBuilder.topology().validators(1).apply().enableNodeControl().chaos().apply().buildSpec(), 'topology', /at least 2 nodes/],
  ['chaos target name unknown', () => okNc().chaos().targetNodes('validator-9').apply().buildSpec(), 'chaos.targets.names', /a node of this topology/],
  ['chaos could stop every producer', () => okNc().chaos().maxDown(4).apply().buildSpec(), 'chaos.maxDown', /fewer than the 4 block producers/],
  ['chaos on executors without executors', () => ScenarioBuilder.topology().validators(3).apply().enableNodeControl().chaos().executorsOnly().apply().buildSpec(), 'chaos.targets.roles', /has no executors/],
  ['DA without executors', () => ScenarioBuilder.topology().validators(2).apply().da().apply().buildSpec(), 'topology.executors', /at least 1 executor/],
  ['DA zero blob rate', () => ok().da().blobRate(0).apply().buildSpec(), 'da.blobsPerBlock', /> 0/],
  ['DA zero channels', () => ok().da().channelRate(0).apply().buildSpec(), 'da.channels', /from 1/],
  ['DA blob min > max', () => ok().da().blobSize(5000, 100).apply().buildSpec(), 'da.blobSizeBytes.min', /at most blobSizeBytes.max/],
  ['liveness fraction above 1', () => ok().expectConsensusLiveness({ minFraction: 2 }).buildSpec(), 'expectations[0].options.minFraction', /fraction from 0 to 1/],
  ['total funds below wallet count', () => ScenarioBuilder.topology().validators(1).apply().initializeWallet(3, 10).buildSpec(), 'wallets.totalFunds', /≥ 10/],
  ['funds below one transaction', () => ok().wallets(3, 1).transactions().fee(5).apply().buildSpec(), 'wallets.fundsPerWallet', /fee \+ amount \(6\)/],
  ['unregistered custom workload', () => ok().withWorkload('no-such-workload').build(), 'workloads[0].name', /registerWorkload/],
  ['non-JSON custom options', () => ok().withWorkload('x', { f: () => 1 }).buildSpec(), 'workloads[0].options', /JSON data only/],
  ['chaos in JSON without node control', () => scenarioFromSpec({ topology: { validators: 3 }, workloads: [{ type: 'chaos' }] }), 'chaos', /enableNodeControl/],
  ['unknown key in JSON (typo)', () => scenarioFromSpec({ topology: { validators: 3 }, durationMS: 60_000 }), 'durationMS', /did you mean 'durationMs'/],
  ['unknown nested key in JSON', () => scenarioFromSpec({ topology: { validators: 3, executor: 1 } }), 'topology.executor', /did you mean 'executors'/],
  ['unknown workload type in JSON', () => scenarioFromSpec({ topology: { validators: 3 }, workloads: [{ type: 'flood' }] }), 'workloads[0].type', /'transactions', 'da', 'chaos', 'tx-fuzz', 'api-flood', 'fee-pressure', 'flooding-peer', 'propagation-race', 'mempool-divergence', 'partition', 'latency-tiers', 'link-fault', 'block-peer', 'clock-skew', 'churn' or 'custom'/],
  ['wrong version in JSON', () => scenarioFromSpec({ version: 2, topology: { validators: 3 } }), 'version', /only scenario format version/],
  ['string count in JSON', () => scenarioFromSpec({ topology: { validators: '3' } }), 'topology.validators', /integer/],
];

describe('validation table', () => {
  it('has at least 20 cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  it.each(cases)('%s', (_name, build, field, allowed) => {
    const e = failure(build);
    expect(e.code).toBe('LN_ERR_SCENARIO_INVALID');
    const issue = e.issues?.find((i) => i.field === field);
    expect(issue, `issues: ${JSON.stringify(e.issues)}`).toBeDefined();
    expect(issue!.allowed).toMatch(allowed);
    expect(e.message).toContain(field);
    expect(e.stack).toBeDefined();
  });
});

describe('all issues at once', () => {
  it('reports every problem of a scenario in one error, with field, value and what is allowed', () => {
    const e = failure(() =>
      ScenarioBuilder.topology().validators(0).apply()
        .wallets(5)
        .transactions().rate(-1).users(30).apply()
        .da().apply()
        .withRunDuration('1s')
        .buildSpec(),
    );
    expect(e.issues!.map((i) => i.field).sort()).toEqual(['durationMs', 'topology.executors', 'topology.validators', 'transactions.rate.perBlock', 'transactions.users'].sort());
    expect(e.message).toMatch(/invalid \(5 problems\)/);
    expect(e.message).toContain('transactions.users: 30; allowed: at most wallets.count (5)');
    expect(e.issues!.find((i) => i.field === 'transactions.rate.perBlock')!.value).toBe(-1);
  });

  it('a valid scenario builds', () => {
    expect(() => okNc().transactions().rate(5).apply().chaos().restart().apply().expectConsensusLiveness().build()).not.toThrow();
  });
});
