// Load agents as users give them: a scenario's `agents` (JSON and the DSL) and --agent / --agent-loss on run, max-rate, soak.
import { describe, expect, it } from 'vitest';
import { agentsFromFlags } from '../../src/cli/agent-command.js';
import { parseRunArgs, type RunArgs } from '../../src/cli/run-command.js';
import { parseMaxRateArgs, parseSoakArgs } from '../../src/jobs/job-args.js';
import { resolveAndValidate } from '../../src/scenario/build.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';

describe("a scenario's agents", () => {
  it('resolve with onLoss defaulting to fail; the DSL writes the same', () => {
    expect(resolveAndValidate({ topology: { validators: 1 }, agents: { addresses: ['10.0.0.5:7400', '7401'] } }).agents).toEqual({ addresses: ['10.0.0.5:7400', '7401'], onLoss: 'fail' });
    expect(ScenarioBuilder.create().topology().validators(1).apply().withAgents(['10.0.0.5:7400'], { onLoss: 'continue' }).buildSpec().agents).toEqual({ addresses: ['10.0.0.5:7400'], onLoss: 'continue' });
    expect(resolveAndValidate({ topology: { validators: 1 } }).agents).toBeUndefined();
  });

  it('refuse a bad address, a repeated one and an unknown onLoss, naming each', () => {
    const bad = () => resolveAndValidate({ topology: { validators: 1 }, agents: { addresses: ['10.0.0.5', '10.0.0.6:7400', '10.0.0.6:7400'], onLoss: 'ignore' } });
    expect(bad).toThrow(/agents\.addresses\[0\]: "10\.0\.0\.5"; allowed: a load agent address: host:port/);
    expect(bad).toThrow(/agents\.addresses\[2\]: "10\.0\.0\.6:7400"; allowed: each agent once/);
    expect(bad).toThrow(/agents\.onLoss: "ignore"; allowed: one of 'fail', 'continue'/);
  });
});

describe('--agent and --agent-loss', () => {
  it('repeat on run, max-rate and soak', () => {
    const run = parseRunArgs(['s.json', '--agent', 'h1:7400', '--agent', 'h2:7400', '--agent-loss', 'continue']) as RunArgs;
    expect([run.agents, run.agentLoss]).toEqual([['h1:7400', 'h2:7400'], 'continue']);
    expect(parseMaxRateArgs(['--agent', 'h1:7400']).agents).toEqual(['h1:7400']);
    expect(parseSoakArgs(['s.ts', '--agent', 'h1:7400', '--agent', 'h2:7400']).agents).toEqual(['h1:7400', 'h2:7400']);
  });

  it("replace the scenario's addresses and keep its onLoss unless given", () => {
    const spec = { addresses: ['a:1'], onLoss: 'continue' as const };
    expect(agentsFromFlags('run', spec, ['b:2'], undefined)).toEqual({ addresses: ['b:2'], onLoss: 'continue' });
    expect(agentsFromFlags('run', spec, undefined, 'fail')).toEqual({ addresses: ['a:1'], onLoss: 'fail' });
    expect(agentsFromFlags('run', undefined, undefined, undefined)).toBeUndefined();
  });

  it('refuse a bad address, a bad --agent-loss, and --agent-loss without agents, saying what is allowed', () => {
    expect(() => agentsFromFlags('run', undefined, ['nohost'], undefined)).toThrow(/--agent "nohost" is not a load agent address; allowed: host:port/);
    expect(() => agentsFromFlags('soak', undefined, ['h:1'], 'maybe')).toThrow(/loadnet soak: --agent-loss "maybe" is not allowed; allowed: fail, continue/);
    expect(() => agentsFromFlags('max-rate', undefined, undefined, 'continue')).toThrow(/--agent-loss needs load agents/);
  });
});
